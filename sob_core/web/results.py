"""Result pages shared by the citizen's and the therapist's views.

How a result reads: values with the decimals of the subscale's score step and the page language's
decimal comma or point (``format_value``), bands as their real inclusive ranges (``band_range``),
and the band texts of the reader's audience (``band_legend``: citizens see only the citizen text).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, render_template
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import current_language
from ..models import Citizen
from ..results import series as results_series
from ..results.pipeline import citizen_context
from ..results.series import Series
from ..types import Band, LocalText
from . import charts
from .numbers import format_value

#: the id plotly.js checks before injecting its map styles (a chart page never shows a map)
PLOTLY_MAPLIBRE_STYLE_ID = "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53"


def series_list(
    citizen: Citizen, citizen_view: bool, care_unit_id: int | None = None
) -> list[tuple[str, int, dict]]:
    """The citizen's result keys for the citizen herself, or for staff at ``care_unit_id``."""
    registry = current_app.extensions["sob"].registry
    rows = []
    keys = results_series.series_keys(db.session, citizen.id, citizen_view, care_unit_id)
    for key, count in keys:
        label = results_series.result_label(db.session, registry, key) or {"sv": key, "en": key}
        rows.append((key, count, label))
    return rows


def band_range(band: Band, series: Series) -> str:
    """The band's inclusive range as the reader should read it: "5–9", "20–27", "85–100"."""
    low, high = band.inclusive_range(series.step, series.minimum, series.maximum)
    step = series.step
    if band.upper is not None and high is None:  # no step: the upper bound is exclusive
        upper = format_value(band.upper, step)
        if low is None:
            return _("below %(value)s", value=upper)
        return _("%(low)s to below %(high)s", low=format_value(low, step), high=upper)
    if low is None and high is None:
        return "–"
    if low is None:
        return _("up to %(value)s", value=format_value(high, step))
    if high is None:
        return _("%(value)s or more", value=format_value(low, step))
    if low == high:
        return format_value(low, step)
    return f"{format_value(low, step)}–{format_value(high, step)}"


@dataclass(frozen=True)
class LegendRow:
    band: Band
    range: str
    text: LocalText  # what the reader's audience is told (staff: the clinician's text)
    citizen_text: LocalText  # staff only: what the citizen reads, shown beside the staff text


def band_legend(series: Series, citizen_view: bool) -> list[LegendRow]:
    """The bands with their ranges and texts; a citizen gets only the citizen text (or none)."""
    rows = []
    for band in series.bands:
        if citizen_view:
            rows.append(LegendRow(band, band_range(band, series), band.citizen_explanation, {}))
        else:
            rows.append(
                LegendRow(
                    band, band_range(band, series), band.explanation, band.citizen_explanation
                )
            )
    return rows


def render_series(
    citizen: Citizen,
    key: str,
    citizen_view: bool,
    template: str,
    care_unit_id: int | None = None,
    on_found: Callable[[], None] | None = None,
    **extra,
):
    """A series page; staff pass their ``care_unit_id`` and see only what was given there.

    ``on_found`` runs once the series is known to exist, before it is rendered (the audit event
    of a staff read: a missing series, or another unit's, is no read).
    """
    registry = current_app.extensions["sob"].registry
    context = citizen_context(citizen)
    series = results_series.load_series(
        db.session, registry, citizen, key, citizen_view, context, care_unit_id
    )
    if series is None:
        abort(404)
    if on_found is not None:
        on_found()
    lang = current_language()
    return render_template(
        template,
        citizen=citizen,
        series=series,
        citizen_view=citizen_view,
        legend=band_legend(series, citizen_view),
        ranges={band.slug: band_range(band, series) for band in series.band_by_slug.values()},
        point_ranges={
            point_id: band_range(band, series) for point_id, band in series.point_bands.items()
        },
        value_text=lambda value: format_value(value, series.step),
        figure_json=json.dumps(charts.figure(series, lang)),
        plotly_maplibre_style_id=PLOTLY_MAPLIBRE_STYLE_ID,
        **extra,
    )
