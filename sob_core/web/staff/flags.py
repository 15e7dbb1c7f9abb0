"""The patient page's flags: what raised each flag of the enrollment, in the staff's language.

A flag is a slug on a result (``Result.flags``). Its text comes from the scale that raised it
(``Scale.flag_texts``); the item behind it from the scale's ``critical_items``, with the answer the
citizen gave. Triage (acknowledging a flag) is not here yet: every flag shown is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ...enrollments.staff_views import FlaggedResult
from ...forms import display_answer, specs
from ...i18n import current_language
from ...models import FormResponse
from ...results.series import scale_label, subscale_for
from ...types import Scale, local
from ..numbers import format_value


@dataclass(frozen=True)
class FlagReason:
    text: str  # what the flag means, from the scale
    answers: list[str]  # the critical items that raised it, with the answers given


@dataclass(frozen=True)
class FlagRow:
    response_id: int
    at: datetime  # when the response was submitted
    form_title: str
    result: str  # "17 (Medelsvåra symtom)", after the result's name when the form's title is not it
    reasons: list[FlagReason]


def _item_answers(scale: Scale, slug: str, response: FormResponse, lang: str) -> list[str]:
    """The scale's critical items of ``slug`` that the citizen answered above their lowest score."""
    by_key = {spec.key: spec for spec in specs(response.form_version)}
    registry = current_app.extensions["sob"].registry
    shown = []
    for item_id, item_slug in scale.critical_items.items():
        stored = (response.answers or {}).get(item_id)
        if item_slug != slug or not stored:
            continue
        try:
            item = scale.item(item_id)
            score = item.scores[int(stored.get("value"))]
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # not a choice this scale can score: say nothing rather than guess
        if score <= min(item.scores):
            continue
        spec = by_key.get(item_id)
        answer = display_answer(spec, stored, registry, lang) if spec else str(stored["value"])
        shown.append(
            _("Item %(item)s: “%(answer)s”", item=item_id, answer=answer)
            + " "
            + ngettext("(%(num)s point)", "(%(num)s points)", score)
        )
    return shown


def flag_rows(flagged: list[FlaggedResult]) -> list[FlagRow]:
    """One row per flagged result (as the patient list counts them), each with its reasons."""
    registry = current_app.extensions["sob"].registry
    lang = current_language()
    rows = []
    for row in flagged:
        result = row.result
        scale = registry.scales.get(result.key.partition(".")[0])
        sub = subscale_for(registry, result.key)
        label = local(scale_label(registry, result.key), lang) if sub else result.key
        band = next((b for b in sub.bands_for() if b.slug == result.band), None) if sub else None
        if sub is not None and band is None and result.band:
            band = next(
                (b for bands in sub.bands_by_sex.values() for b in bands if b.slug == result.band),
                None,
            )
        title = local(row.form_version.title, lang)
        value = format_value(result.value, sub.step if sub else None)
        text = value if label == title else f"{label}: {value}"  # a scale form is titled so
        if band is not None:
            text += f" ({local(band.label, lang)})"
        reasons = []
        for slug in result.flags or ():
            known = scale.flag_texts.get(slug) if scale is not None else None
            reasons.append(
                FlagReason(
                    text=local(known, lang) if known else _("Flag “%(slug)s”", slug=slug),
                    answers=_item_answers(scale, slug, row.response, lang) if scale else [],
                )
            )
        rows.append(
            FlagRow(
                response_id=row.response.id,
                at=result.at,
                form_title=title,
                result=text,
                reasons=reasons,
            )
        )
    return rows


def panel(enrollment) -> dict:
    """The patient page's flag panel: what ``_flag_panel.html`` shows."""
    from ...enrollments import staff_views
    from ...extensions import db

    return {"flags": flag_rows(staff_views.flagged_results(db.session, enrollment))}
