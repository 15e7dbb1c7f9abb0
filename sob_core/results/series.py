"""Result series: a citizen's values of one result key over time, with the scale's bands.

This is the data a chart shows; how it looks (a Plotly figure) is the web's (``web/charts.py``).

Two readers: the citizen herself (``citizen_view``: every result of hers she may see, from any
care unit) and staff at one care unit (``care_unit_id``: only results of responses given within
the citizen's enrollments at that unit, see ``enrollments.staff_views.given_at_unit``). A staff
read without a care unit is refused, so no caller can forget the boundary.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from ..enrollments.staff_views import given_at_unit_bound
from ..forms import own_results
from ..models import Citizen, Form, FormResponse, FormVersion, Result
from ..palette import resolve_colour
from ..plugins import Registry
from ..types import LANGUAGES, Band, Subscale, local


@dataclass
class Series:
    """The values of one result key, newest first, with their name, explanation and bands."""

    key: str
    label: dict[str, str]
    explanation: dict[str, str]
    points: list[Result]
    bands: tuple[Band, ...] = ()
    band_by_slug: dict[str, Band] = field(default_factory=dict)
    #: the subscale's score step and range (``Subscale.step``, ``minimum``, ``maximum``), if known
    step: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: a form's own result: each value's band as the form version it answered defined it (a
    #: later version may rename or move its bands; a stored value keeps its own), by result id
    point_bands: dict[int, Band] = field(default_factory=dict)

    def band_of(self, point: Result) -> Band | None:
        return self.point_bands.get(point.id) or self.band_by_slug.get(point.band or "")


def own_bands(definition: Mapping[str, Any]) -> tuple[Band, ...]:
    """The bands of a form's own result as ``types.Band`` (staff text as the clinician's)."""
    return tuple(
        Band(
            slug=str(band["slug"]),
            label=dict(band.get("label") or {}),
            colour=resolve_colour(str(band.get("colour", ""))),
            lower=band.get("lower"),
            upper=band.get("upper"),
            explanation=dict(band.get("staff_text") or {}),
            citizen_explanation=dict(band.get("citizen_text") or {}),
        )
        for band in definition.get("bands") or []
    )


def own_definition(session: Session, key: str) -> Mapping[str, Any] | None:
    """The definition of the own result stored under ``key`` (``<form>.<result>``), from the
    newest version of its form that defines it; None when ``key`` is no form's own result."""
    form_key, _, result_key = key.rpartition(".")
    if not form_key:
        return None
    versions = session.scalars(
        select(FormVersion)
        .join(Form, Form.id == FormVersion.form_id)
        .where(Form.key == form_key)
        .order_by(FormVersion.version.desc())
    )
    for version in versions:
        for result in version.definition.get("results") or []:
            if own_results.is_own(result) and result.get("key") == result_key:
                return result
    return None


def _point_bands(session: Session, key: str, points: list[Result]) -> dict[int, Band]:
    """Each value's band from the own result's definition in the version its response answered."""
    result_key = key.rpartition(".")[2]
    rows = session.execute(
        select(Result.id, Result.band, FormVersion.definition)
        .join(FormResponse, FormResponse.id == Result.response_id)
        .join(FormVersion, FormVersion.id == FormResponse.form_version_id)
        .where(Result.id.in_([p.id for p in points if p.band]))
    )
    found: dict[int, Band] = {}
    for result_id, slug, definition in rows:
        for result in (definition or {}).get("results") or []:
            if own_results.is_own(result) and result.get("key") == result_key:
                band = next((b for b in own_bands(result) if b.slug == slug), None)
                if band is not None:
                    found[result_id] = band
    return found


def subscale_for(registry: Registry, key: str) -> Subscale | None:
    """The installed subscale a result key (``<scale>.<subscale>``) names, if any."""
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
    return {lang: f"{local(scale.name, lang)}: {local(sub.label, lang)}" for lang in LANGUAGES}


def _readable_params(
    citizen_id: int, citizen_view: bool, care_unit_id: int | None
) -> dict[str, int]:
    """The values ``_readable``'s conditions bind for this reader (refusing a mixed-up reader)."""
    if citizen_view:
        if care_unit_id is not None:
            raise ValueError("the citizen's own view is not scoped to a care unit")
        return {"citizen": citizen_id}
    if care_unit_id is None:
        raise ValueError("a staff read of results is scoped to the staff member's care unit")
    return {"citizen": citizen_id, "given_citizen": citizen_id, "given_unit": care_unit_id}


def _readable(citizen_view: bool) -> list[ColumnElement[bool]]:
    """The conditions that narrow a citizen's results to what their reader may see, with the
    citizen (and for staff the care unit) bound: see ``_readable_params``."""
    mine = Result.citizen_id == bindparam("citizen")
    if citizen_view:
        return [mine, Result.citizen_visible.is_(True)]
    return [mine, Result.response_id.in_(given_at_unit_bound())]


@functools.lru_cache(maxsize=2)
def _series_keys_statement(citizen_view: bool) -> Select:
    """``series_keys``'s statement, built once per kind of reader; the citizen (and for staff
    the care unit) are bound at execution."""
    return (
        select(Result.key, func.count(Result.id))
        .where(*_readable(citizen_view))
        .group_by(Result.key)
        .order_by(Result.key)
    )


def series_keys(
    session: Session, citizen_id: int, citizen_view: bool, care_unit_id: int | None = None
) -> list[tuple[str, int]]:
    """The result keys the reader sees of a citizen, with how many values each (one query).

    The citizen's own view (``citizen_view``) or staff at ``care_unit_id`` (see the module).
    """
    params = _readable_params(citizen_id, citizen_view, care_unit_id)
    statement = _series_keys_statement(bool(citizen_view))
    return [(k, n) for k, n in session.execute(statement, params)]


@functools.lru_cache(maxsize=2)
def _series_statement(citizen_view: bool) -> Select:
    """``load_series``'s points statement, built once per kind of reader; the key and the
    citizen (and for staff the care unit) are bound at execution."""
    return (
        select(Result)
        .where(Result.key == bindparam("key"), *_readable(citizen_view))
        .order_by(Result.at.desc())
    )


def load_series(
    session: Session,
    registry: Registry,
    citizen: Citizen,
    key: str,
    citizen_view: bool,
    context: Mapping[str, Any],
    care_unit_id: int | None = None,
) -> Series | None:
    """A citizen's series of ``key`` as its reader sees it (see the module), or None if empty."""
    params = _readable_params(citizen.id, citizen_view, care_unit_id)
    statement = _series_statement(bool(citizen_view))
    points = list(session.scalars(statement, {**params, "key": key}))
    if not points:
        return None
    sub = subscale_for(registry, key)
    bands: tuple[Band, ...] = sub.bands_for(context) if sub is not None else ()
    own = own_definition(session, key) if sub is None else None
    if own is not None:
        decimals = own.get("decimals", own_results.DEFAULT_DECIMALS)
        bands = own_bands(own)
        return Series(
            key,
            dict(own.get("label") or {}) or {"sv": key},
            dict(own.get("explanation") or {}),
            points,
            bands,
            {band.slug: band for band in bands},
            step=10.0 ** -int(decimals) if decimals else 1.0,
            point_bands=_point_bands(session, key, points),
        )
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
        if not explanation and citizen_view:
            # the care team's text ("always follow up item 9") is not the citizen's
            explanation = dict(sub.citizen_explanation)
        elif not explanation:
            scale = registry.scales[key.partition(".")[0]]
            explanation = dict(sub.explanation) or dict(scale.description)
    if not label and version is not None:
        label = dict(version.title)
    return Series(
        key,
        label or {"sv": key},
        explanation,
        points,
        bands,
        _every_band(bands, sub),
        step=sub.step if sub is not None else None,
        minimum=sub.minimum if sub is not None else None,
        maximum=sub.maximum if sub is not None else None,
    )


def _every_band(bands: tuple[Band, ...], sub: Subscale | None) -> dict[str, Band]:
    """The bands by slug, with every sex-specific variant's, so a stored band slug is found."""
    found = {b.slug: b for b in bands}
    for variant in sub.bands_by_sex.values() if sub is not None else ():
        for band in variant:
            found.setdefault(band.slug, band)
    return found


def result_label(session: Session, registry: Registry, key: str) -> dict[str, str] | None:
    """A result key's name: its scale's, or the form's own result's label."""
    label = scale_label(registry, key)
    if label is None:
        own = own_definition(session, key)
        label = dict(own.get("label") or {}) if own is not None else None
    return label


def form_titles(session: Session, form_ids: set[int]) -> dict[int, dict[str, str]]:
    """Each form's title (its latest version's), by form id."""
    if not form_ids:
        return {}
    rows = session.execute(
        select(Form.id, FormVersion.title)
        .join(FormVersion, FormVersion.form_id == Form.id)
        .where(Form.id.in_(form_ids))
        .order_by(FormVersion.version)
    )
    return dict(rows.tuples())
