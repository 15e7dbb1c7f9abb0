"""Result pages shared by the citizen's and the therapist's views."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import abort, current_app, render_template

from ..extensions import db
from ..i18n import current_language
from ..models import Citizen
from ..results import series as results_series
from ..results.pipeline import citizen_context
from . import charts

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
        label = results_series.scale_label(registry, key) or {"sv": key, "en": key}
        rows.append((key, count, label))
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
        figure_json=json.dumps(charts.figure(series, lang)),
        plotly_maplibre_style_id=PLOTLY_MAPLIBRE_STYLE_ID,
        **extra,
    )
