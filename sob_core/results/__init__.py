"""Result scoring: a response's results from its form's scale and from every plugin.

The core scores a form that carries a scale with that scale's own ``score``, and a form's own
results (a sum, a mean or a formula with bands, ``forms.own_results``) under
``<form key>.<result key>``; then every plugin's ``sob_score_response`` may add computed results (such as a sleep diary's efficiency). This
module computes results from answers (no database); ``pipeline`` stores them for a submitted
response and sends ``events.result_recorded``; ``charts`` reads them back as series.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..forms import own_results
from ..plugins import PluginHost
from ..types import ComputedResult, FormInfo, Scale, Subscale
from . import exporting as exporting
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)


class ResultKeyClash(RuntimeError):
    """Two sources computed the same result key for one response."""


def scale_answers(scale: Scale, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to a scale's items, keyed by item id (a scale form's question keys are the item
    ids); a choice answer is stored as the option index in text and scored as an integer."""
    out: dict[str, Any] = {}
    for item in scale.items:
        value = answers.get(item.id)
        if value is None:
            continue
        if item.kind == "choice" and isinstance(value, str) and value.isdigit():
            value = int(value)
        out[item.id] = value
    return out


def subscale_band_label(
    sub: Subscale, slug: str | None, context: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The label of the band ``slug`` of a subscale: the context's bands first, then any variant."""
    if not slug:
        return {}
    for bands in (sub.bands_for(context), sub.bands, *sub.bands_by_sex.values()):
        for band in bands:
            if band.slug == slug:
                return dict(band.label)
    return {}


def compute_results(
    host: PluginHost,
    form: FormInfo,
    answers: Mapping[str, Any],
    context: Mapping[str, Any],
) -> list[ComputedResult]:
    results: list[ComputedResult] = []
    if form.scale_id:
        scale = host.registry.scales.get(form.scale_id)
        if scale is not None:
            # Answers the manual's rules cannot score raise ``InvalidAnswers``: no score, never a
            # guess, and the caller records why (``pipeline.score``).
            outcome = scale.score(scale_answers(scale, answers), context)
            for sub in scale.subscales:
                slug = outcome.bands.get(sub.id)
                results.append(
                    ComputedResult(
                        key=f"{scale.id}.{sub.id}",
                        value=outcome.scores.get(sub.id),
                        band=slug,
                        flags=tuple(outcome.flags) if sub.id == scale.subscales[0].id else (),
                        label=sub.label,
                        band_label=subscale_band_label(sub, slug, context),
                    )
                )
    for definition in form.results:
        if not own_results.is_own(definition):
            continue
        # an answer missing (unanswered, or hidden by skip logic) gives no value, never a guess
        value, band = own_results.compute(definition, form.questions, host.registry, answers)
        results.append(
            ComputedResult(
                key=own_results.stored_key(form.key, str(definition["key"])),
                value=value,
                band=None if band is None else str(band["slug"]),
                label=dict(definition.get("label") or {}),
                band_label={} if band is None else dict(band.get("label") or {}),
            )
        )
    for batch in host.hook.sob_score_response(form=form, answers=answers, context=context):
        results.extend(batch or ())
    seen: set[str] = set()
    for result in results:
        if result.key in seen:
            raise ResultKeyClash(f"result {result.key!r} was computed twice for form {form.key!r}")
        seen.add(result.key)
    return results
