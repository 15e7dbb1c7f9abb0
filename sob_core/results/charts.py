"""Result series and their charts: values over time with the bands drawn as coloured areas.

The chart is a plain Plotly figure (a dict) rendered by the browser with the plotly.js that ships in
the installed ``plotly`` package; every chart has a table beside it with the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Citizen, Form, FormVersion, Result
from ..plugins import Registry
from ..types import Band, Subscale, local


@dataclass
class Series:
    key: str
    label: dict[str, str]
    explanation: dict[str, str]
    points: list[Result]
    bands: tuple[Band, ...] = ()
    band_by_slug: dict[str, Band] = field(default_factory=dict)


def subscale_for(registry: Registry, key: str) -> Subscale | None:
    scale_id, _, sub_id = key.partition(".")
    scale = registry.scales.get(scale_id)
    if scale is None:
        return None
    try:
        return scale.subscale(sub_id)
    except KeyError:
        return None


def scale_label(registry: Registry, key: str) -> dict[str, str] | None:
    """A result key's name from its scale: the scale's name, with the subscale when it has several."""
    sub = subscale_for(registry, key)
    if sub is None:
        return None
    scale = registry.scales[key.partition(".")[0]]
    if len(scale.subscales) == 1:
        return dict(scale.name)
    return {lang: f"{local(scale.name, lang)}: {local(sub.label, lang)}" for lang in ("sv", "en")}


def series_keys(session: Session, citizen_id: int, citizen_view: bool) -> list[tuple[str, int]]:
    """The result keys a citizen has, with how many values each (one grouped query)."""
    query = select(Result.key, func.count(Result.id)).where(Result.citizen_id == citizen_id)
    if citizen_view:
        query = query.where(Result.citizen_visible.is_(True))
    return [(k, n) for k, n in session.execute(query.group_by(Result.key).order_by(Result.key))]


def load_series(
    session: Session,
    registry: Registry,
    citizen: Citizen,
    key: str,
    citizen_view: bool,
    context: Mapping[str, Any],
) -> Series | None:
    query = select(Result).where(Result.citizen_id == citizen.id, Result.key == key)
    if citizen_view:
        query = query.where(Result.citizen_visible.is_(True))
    points = list(session.scalars(query.order_by(Result.at.desc())))
    if not points:
        return None
    sub = subscale_for(registry, key)
    bands: tuple[Band, ...] = sub.bands_for(context) if sub is not None else ()
    # The form's own result definition speaks to the reader first; the scale's texts come next.
    label: dict[str, str] = {}
    explanation: dict[str, str] = {}
    version = session.scalar(
        select(FormVersion)
        .where(FormVersion.form_id == points[0].form_id)
        .order_by(FormVersion.version.desc())
        .limit(1)
    )
    for result in version.definition.get("results", []) if version else []:
        if result.get("key") == key:
            label = dict(result.get("label") or {})
            explanation = dict(result.get("explanation") or {})
    if sub is not None:
        label = label or scale_label(registry, key) or {}
        if not explanation:
            scale = registry.scales[key.partition(".")[0]]
            explanation = dict(sub.explanation) or dict(scale.description)
    if not label and version is not None:
        label = dict(version.title)
    all_bands = {b.slug: b for b in bands}
    if sub is not None:
        for variant in sub.bands_by_sex.values():
            for band in variant:
                all_bands.setdefault(band.slug, band)
    return Series(key, label or {"sv": key}, explanation, points, bands, all_bands)


def figure(series: Series, lang: str) -> dict[str, Any]:
    ordered = sorted(series.points, key=lambda r: r.at)
    x = [r.at.date().isoformat() for r in ordered]
    y = [r.value for r in ordered]
    values = [v for v in y if v is not None]
    shapes = []
    top = max(values + [b.lower or 0 for b in series.bands if b.lower is not None] + [1])
    for band in series.bands:
        lower = band.lower if band.lower is not None else min(values + [0])
        upper = band.upper if band.upper is not None else top * 1.1
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": lower,
                "y1": upper,
                "fillcolor": band.colour,
                "opacity": 0.18,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "y": y,
                "name": local(series.label, lang),
                "line": {"color": "#1c4f8a", "width": 3},
                "marker": {"size": 9},
            }
        ],
        "layout": {
            "shapes": shapes,
            "margin": {"l": 48, "r": 16, "t": 16, "b": 48},
            "xaxis": {"type": "category", "title": {"text": "Datum" if lang == "sv" else "Date"}},
            "yaxis": {
                "title": {"text": "Värde" if lang == "sv" else "Value"},
                "rangemode": "tozero",
            },
            "showlegend": False,
            "height": 320,
        },
        "config": {"displayModeBar": False, "responsive": True, "staticPlot": False},
    }


def form_titles(session: Session, form_ids: set[int]) -> dict[int, dict[str, str]]:
    if not form_ids:
        return {}
    rows = session.execute(
        select(Form.id, FormVersion.title)
        .join(FormVersion, FormVersion.form_id == Form.id)
        .where(Form.id.in_(form_ids))
        .order_by(FormVersion.version)
    )
    return dict(rows.tuples())
