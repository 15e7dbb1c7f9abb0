"""An enrollment's forms for an export: what was handed to the citizen and what she answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..models import FormAssignment, FormResponse, FormVersion
from ..plugins import Registry
from ..types import QuestionSpec, local
from .answers import display_answer
from .definitions import specs
from .repeating import repeated_questions

EXPORTED_TABLES: tuple[str, ...] = ("form_assignment", "form_response")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _title(version: FormVersion, lang: str) -> str:
    return local(version.title, lang) or version.form.key


def export_enrollment(
    session: Session, enrollment_id: int, *, lang: str, registry: Registry | None = None
) -> dict[str, Any]:
    """The forms sent in the enrollment and every response to them, answers in question order.

    Each answer carries the stored ``value`` (the question type's payload); with a ``registry``
    also ``text``, the answer as the question type shows it in ``lang``.
    """
    assignments = list(
        session.scalars(
            select(FormAssignment)
            .where(FormAssignment.enrollment_id == enrollment_id)
            .options(joinedload(FormAssignment.form_version).joinedload(FormVersion.form))
            .order_by(FormAssignment.assigned_at, FormAssignment.id)
        )
    )
    responses = session.scalars(
        select(FormResponse)
        .where(FormResponse.assignment_id.in_([a.id for a in assignments]))
        .options(joinedload(FormResponse.form_version).joinedload(FormVersion.form))
        .order_by(FormResponse.started_at, FormResponse.id)
    )
    return {
        "forms_sent": [
            {
                "assignment": row.id,
                "form": row.form_version.form.key,
                "form_version": row.form_version.version,
                "title": _title(row.form_version, lang),
                "status": row.status,
                "assigned_at": _iso(row.assigned_at),
            }
            for row in assignments
        ],
        "responses": [_response(row, lang, registry) for row in responses],
    }


def _response(response: FormResponse, lang: str, registry: Registry | None) -> dict[str, Any]:
    version = response.form_version
    stored = dict(response.answers or {})
    answers = []
    inside = repeated_questions(version.definition)
    for spec in specs(version):
        answer = stored.pop(spec.key, None)
        if answer is None:
            continue
        label = local(spec.label, lang)
        answers.append(_answer(spec.key, label, answer, spec, lang, registry, spec.key in inside))
    for key, answer in stored.items():  # answers to questions no longer in the definition
        answers.append(_answer(key, key, answer, None, lang, registry))
    return {
        "response": response.id,
        "assignment": response.assignment_id,
        "form": version.form.key,
        "form_version": version.version,
        "title": _title(version, lang),
        "status": response.status,
        "started_at": _iso(response.started_at),
        "submitted_at": _iso(response.submitted_at),
        "answers": answers,
    }


def _answer(
    key: str,
    label: str,
    stored: Any,
    spec: QuestionSpec | None,
    lang: str,
    registry: Registry | None,
    repeated: bool = False,
) -> dict[str, Any]:
    value = stored.get("value") if isinstance(stored, dict) else stored
    out: dict[str, Any] = {"question": key, "label": label or key, "value": value}
    if registry is not None and spec is not None and isinstance(stored, dict):
        out["text"] = display_answer(spec, stored, registry, lang, repeated)
    return out
