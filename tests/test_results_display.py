"""How results read (issue 8 item 11), in Swedish and English, for staff and for the citizen.

(a) staff wording on the staff page, (b) plurals, (c) each band's real inclusive range, (d) the
chart axis spans the scale's whole range, (e) decimal comma in Swedish with one number of
decimals everywhere, (f) citizens see only citizen band texts.
"""

from __future__ import annotations

import html
import json
import re
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from sob_core.extensions import db
from sob_core.models import CareUnit, Citizen, Enrollment, Result
from sob_core.results.series import Series
from sob_core.types import Band
from sob_core.web.numbers import format_value
from sob_core.web.results import band_legend, band_range

TOMMY = "SE2321000131-P000000000011"
PER = "195508232153"  # one PHQ-9 (17) and a week of sleep-diary nights
PHQ9 = "phq-9.total"
SLEEP = "sleep-efficiency.efficiency"


def _set_lang(client, lang: str) -> None:
    with client.session_transaction() as browser:
        browser["lang"] = lang


def _staff(client, login, lang: str) -> int:
    login("staff", TOMMY, unit_id=db.session.scalar(select(CareUnit.id).order_by(CareUnit.id)))
    _set_lang(client, lang)
    return db.session.scalar(select(Enrollment.id).join(Citizen).where(Citizen.personnummer == PER))


def _figure(page: str) -> dict:
    found = re.search(r'data-figure="([^"]*)"', page)
    assert found is not None
    return json.loads(html.unescape(found.group(1)))


def _cells(page: str, column: int) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[column] for row in rows]


@pytest.mark.parametrize(
    ("lang", "staff_caption", "citizen_caption"),
    [
        ("sv", "Patientens värden (1)", "Mina värden"),
        ("en", "The patient's values (1)", "My values"),
    ],
)
def test_a_the_staff_page_speaks_of_the_patients_values(
    client, login, lang, staff_caption, citizen_caption
):
    enrollment = _staff(client, login, lang)
    page = client.get(f"/staff/patients/{enrollment}/results/{PHQ9}").get_data(as_text=True)
    assert staff_caption in page
    assert citizen_caption not in page


@pytest.mark.parametrize(
    ("lang", "one", "many"), [("sv", "(1 värde)", "värden)"), ("en", "(1 value)", "values)")]
)
def test_b_counts_use_proper_plurals(client, login, lang, one, many):
    enrollment = _staff(client, login, lang)
    for url in (f"/staff/patients/{enrollment}/results", f"/staff/patients/{enrollment}"):
        page = client.get(url).get_data(as_text=True)
        assert one in page, url  # the single PHQ-9
        assert re.search(r"\(([2-9]|\d\d+) " + re.escape(many), page), url  # the diary nights
        assert "(1 värden)" not in page and "(1 values)" not in page


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_c_bands_print_their_real_inclusive_ranges(client, login, lang):
    enrollment = _staff(client, login, lang)
    page = client.get(f"/staff/patients/{enrollment}/results/{PHQ9}").get_data(as_text=True)
    legend = page.split('class="bands"', 1)[1]
    for shown in ("(0–4)", "(5–9)", "(10–14)", "(15–19)", "(20–27)"):
        assert shown in legend
    assert "5 – 10" not in page and "(5–10)" not in legend
    assert _cells(page, 2) == ["15–19"]  # the 17 in the table
    sleep = client.get(f"/staff/patients/{enrollment}/results/{SLEEP}").get_data(as_text=True)
    low, normal = ("0,0–84,9", "85,0–100,0") if lang == "sv" else ("0.0–84.9", "85.0–100.0")
    assert f"({low})" in sleep and f"({normal})" in sleep


def test_d_the_chart_axis_covers_the_whole_scale(client, login):
    enrollment = _staff(client, login, "sv")
    page = client.get(f"/staff/patients/{enrollment}/results/{PHQ9}").get_data(as_text=True)
    chart = _figure(page)
    low, high = chart["layout"]["yaxis"]["range"]
    assert low <= 0 and high >= 27
    shapes = chart["layout"]["shapes"]
    assert shapes[-1]["y0"] == 20 and shapes[-1]["y1"] == 27  # the severe band, drawn whole
    assert shapes[0]["y0"] == 0


@pytest.mark.parametrize(
    ("lang", "pattern", "separators"), [("sv", r"\d+,\d", ",\u00a0"), ("en", r"\d+\.\d", ".,")]
)
def test_e_values_use_the_languages_decimal_mark_with_one_step(
    client, login, lang, pattern, separators
):
    enrollment = _staff(client, login, lang)
    page = client.get(f"/staff/patients/{enrollment}/results/{SLEEP}").get_data(as_text=True)
    values = _cells(page, 1)
    assert len(values) > 1
    assert all(re.fullmatch(pattern, v) for v in values), values
    chart = _figure(page)
    assert sorted(chart["data"][0]["text"]) == sorted(values)  # the hover texts are the table's
    assert "%{text}" in chart["data"][0]["hovertemplate"]
    assert chart["layout"]["separators"] == separators
    flags = client.get(f"/staff/patients/{enrollment}").get_data(as_text=True)
    assert re.search(r": 17 \(", flags)  # the flagged PHQ-9's value, no "17.0"


@pytest.mark.parametrize(
    ("lang", "staff_text", "citizen_text"),
    [
        (
            "sv",
            "Aktiv behandling rekommenderas",
            "Dina svar tyder på mycket besvär med nedstämdhet.",
        ),
        (
            "en",
            "Active treatment is recommended",
            "Your answers suggest many problems with low mood.",
        ),
    ],
)
def test_f_citizens_see_only_citizen_band_texts(client, login, lang, staff_text, citizen_text):
    enrollment = _staff(client, login, lang)
    staff_page = client.get(f"/staff/patients/{enrollment}/results/{PHQ9}").get_data(as_text=True)
    assert staff_text in staff_page and citizen_text in staff_page  # staff see both
    citizen_id = db.session.scalar(select(Citizen.id).where(Citizen.personnummer == PER))
    db.session.execute(
        update(Result).where(Result.citizen_id == citizen_id).values(citizen_visible=True)
    )
    db.session.commit()
    login("citizen", PER)
    _set_lang(client, lang)
    page = client.get(f"/citizen/results/{PHQ9}").get_data(as_text=True)
    assert citizen_text in page
    for clinical in ("Behandling bör övervägas", "Consider treatment", staff_text):
        assert clinical not in page
    # nor the subscale's clinician text ("always follow up item 9"): the citizen's text instead
    assert "följas upp" not in page and "follow up" not in page
    assert ("Summan av dina svar" if lang == "sv" else "The sum of your answers") in page
    assert ("Mina värden" if lang == "sv" else "My values") in page
    sleep = client.get(f"/citizen/results/{SLEEP}").get_data(as_text=True)
    values = _cells(sleep, 1)
    assert values and all(
        re.fullmatch(r"\d+,\d" if lang == "sv" else r"\d+\.\d", v) for v in values
    )


# --- the pieces, without a database ----------------------------------------------------------

ONLY_STAFF = Band("high", {"sv": "Hög", "en": "High"}, "#b71c1c", 10, None, {"sv": "Behandla."})


def _series(step, minimum=None, maximum=None, bands=(ONLY_STAFF,)) -> Series:
    points = [SimpleNamespace(value=12.0)]
    return Series("x.total", {"sv": "X"}, {}, points, bands, {}, step, minimum, maximum)  # type: ignore[arg-type]


def test_a_band_with_only_one_text_shows_the_citizen_no_explanation(app):
    """A third-party band that gives only ``explanation``: staff text, nothing for citizens."""
    with app.test_request_context():
        citizen = band_legend(_series(1), citizen_view=True)
        staff = band_legend(_series(1), citizen_view=False)
    assert citizen[0].text == {} and citizen[0].citizen_text == {}
    assert staff[0].text == {"sv": "Behandla."}


@pytest.mark.parametrize(
    ("step", "minimum", "maximum", "band", "sv", "en"),
    [
        (1, 0, 27, Band("m", {}, "#000", 5, 10), "5–9", "5–9"),
        (1, 0, 27, Band("s", {}, "#000", 20, None), "20–27", "20–27"),
        (1, 0, None, Band("s", {}, "#000", 20, None), "20 eller mer", "20 or more"),
        (0.1, 0, 100, Band("l", {}, "#000", None, 85), "0,0–84,9", "0.0–84.9"),
        (0.01, 0, 4, Band("h", {}, "#000", 0, 0.6), "0,00–0,59", "0.00–0.59"),
        (None, None, None, Band("h", {}, "#000", 0, 0.6), "0 till under 0,6", "0 to below 0.6"),
        (None, None, None, Band("h", {}, "#000", None, 6), "under 6", "below 6"),
        (1, None, None, Band("h", {}, "#000", None, 6), "upp till 5", "up to 5"),
    ],
)
def test_band_ranges_in_both_languages(app, step, minimum, maximum, band, sv, en):
    series = _series(step, minimum, maximum, (band,))
    with app.test_request_context():
        with force_locale("sv"):
            assert band_range(band, series) == sv
        with force_locale("en"):
            assert band_range(band, series) == en


@pytest.mark.parametrize(
    ("value", "step", "sv", "en"),
    [
        (91.9, 0.1, "91,9", "91.9"),
        (85.0, 0.1, "85,0", "85.0"),
        (17.0, 1, "17", "17"),
        (0.6, 0.01, "0,60", "0.60"),
        (2.5, None, "2,5", "2.5"),
        (None, 1, "–", "–"),
    ],
)
def test_values_have_the_steps_decimals(app, value, step, sv, en):
    with app.test_request_context():
        with force_locale("sv"):
            assert format_value(value, step) == sv
        with force_locale("en"):
            assert format_value(value, step) == en
