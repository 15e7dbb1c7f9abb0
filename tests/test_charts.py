"""Result charts: the series (domain data) and its Plotly figure (web), texts in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from sob_core.results.series import Series
from sob_core.types import Band
from sob_core.web.charts import figure

LOW = Band("low", {"sv": "Låg", "en": "Low"}, "#2e7d32", None, 10)
HIGH = Band("high", {"sv": "Hög", "en": "High"}, "#c62828", 10, None)


def _series() -> Series:
    points = [
        SimpleNamespace(at=datetime(2026, 3, day, 9, tzinfo=UTC), value=value)
        for day, value in ((9, 14), (2, 8), (16, None))
    ]
    label = {"sv": "Sömneffektivitet", "en": "Sleep efficiency"}
    return Series("sleep.efficiency", label, {}, points, (LOW, HIGH))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "x_title", "y_title", "name"),
    [("sv", "Datum", "Värde", "Sömneffektivitet"), ("en", "Date", "Value", "Sleep efficiency")],
)
def test_the_figure_speaks_the_page_language(app, lang, x_title, y_title, name):
    with app.test_request_context(), force_locale(lang):
        chart = figure(_series(), lang)
    layout = chart["layout"]
    assert layout["xaxis"]["title"]["text"] == x_title
    assert layout["yaxis"]["title"]["text"] == y_title
    assert chart["data"][0]["name"] == name


def test_the_figure_orders_points_and_draws_the_bands(app):
    with app.test_request_context():
        chart = figure(_series(), "sv")
    line = chart["data"][0]
    assert line["x"] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert line["y"] == [8, 14, None]
    shapes = chart["layout"]["shapes"]
    assert [(s["y0"], s["y1"], s["fillcolor"]) for s in shapes] == [
        (0, 10, LOW.colour),  # an open lower end starts at zero
        (10, pytest.approx(14 * 1.1), HIGH.colour),
    ]


def test_the_results_page_draws_its_chart_in_the_citizens_language(client, login):
    login("citizen", "198503142393")
    page = client.get("/citizen/results/sleep-efficiency.efficiency").get_data(as_text=True)
    assert "Datum" in page
    with client.session_transaction() as browser:
        browser["lang"] = "en"
    page = client.get("/citizen/results/sleep-efficiency.efficiency").get_data(as_text=True)
    assert "Date" in page and "Datum" not in page


def _phq9_like() -> Series:
    points = [
        SimpleNamespace(at=datetime(2026, 3, day, 9, tzinfo=UTC), value=value)
        for day, value in ((2, 27.0), (9, 8.0))
    ]
    bands = (Band("low", {}, "#2e7d32", 0, 20), Band("top", {}, "#b71c1c", 20, None))
    return Series("phq-9.total", {"sv": "PHQ-9"}, {}, points, bands, {}, 1, 0, 27)  # type: ignore[arg-type]


def test_the_axis_spans_the_whole_scale_and_the_top_band_is_whole(app):
    with app.test_request_context():
        chart = figure(_phq9_like(), "sv")
    low, high = chart["layout"]["yaxis"]["range"]
    assert low < 0 and high > 27  # room for a marker on 0 and on 27
    assert [(s["y0"], s["y1"]) for s in chart["layout"]["shapes"]] == [(0, 20), (20, 27)]


@pytest.mark.parametrize(
    ("lang", "texts", "separators"),
    [("sv", ["27", "8"], ",\u00a0"), ("en", ["27", "8"], ".,")],
)
def test_hover_texts_are_the_tables_numbers(app, lang, texts, separators):
    with app.test_request_context(), force_locale(lang):
        chart = figure(_phq9_like(), lang)
    assert chart["data"][0]["text"] == texts  # no "27.0"
    assert chart["layout"]["separators"] == separators


def test_decimal_hover_texts_use_the_decimal_comma_in_swedish(app):
    series = _series()
    series.step = 0.1
    with app.test_request_context():
        with force_locale("sv"):
            assert figure(series, "sv")["data"][0]["text"] == ["8,0", "14,0", "–"]
        with force_locale("en"):
            assert figure(series, "en")["data"][0]["text"] == ["8.0", "14.0", "–"]
