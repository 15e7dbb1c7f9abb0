"""Answers: cleaning posted answers with their question types, and showing stored ones.

Answers are stored as ``{"type": key, "value": payload}`` per question, so a response stays
readable after its question-type plugin is gone. Cleaning reads a posted form only through
``getattr(form, key).data``, so this module needs no Flask: the web layer builds the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..models import FormResponse, FormVersion
from ..plugins import Registry
from ..types import QuestionSpec, local
from .definitions import specs
from .skip_logic import condition_holds

UNKNOWN_TYPE = {
    "sv": "Svar av en frågetyp som inte längre är installerad",
    "en": "Answer of a question type that is no longer installed",
}


@dataclass
class Outcome:
    values: dict[str, Any]  # question key -> cleaned payload (visible questions only)
    errors: dict[str, str]  # question key -> message


def clean_answers(
    version: FormVersion, registry: Registry, form: Any, lang: str, final: bool
) -> Outcome:
    """Clean every posted answer with its question type; on ``final`` required ones must be there."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    by_key = {spec.key: spec for spec in specs(version)}
    for question in version.definition["questions"]:
        key = question["key"]
        if not condition_holds(question.get("show_if"), values):
            continue  # hidden by skip logic: not asked, so not stored
        spec = by_key[key]
        qtype = registry.question_types.get(spec.type)
        field = getattr(form, key, None)
        if qtype is None or field is None:
            continue
        try:
            payload = qtype.clean(spec, field.data, lang)
        except ValueError as error:
            if final or not _is_empty(field.data):
                errors[key] = str(error)
            continue
        if payload is None and final and spec.required:
            errors[key] = _required_message(lang)
            continue
        if payload is not None:
            values[key] = payload
    return Outcome(values, errors)


def _is_empty(data: Any) -> bool:
    return data is None or data == "" or data == [] or data == {}


def _required_message(lang: str) -> str:
    return "Frågan måste besvaras." if lang == "sv" else "This question must be answered."


def display_answer(
    spec: QuestionSpec, stored: Mapping[str, Any], registry: Registry, lang: str
) -> str:
    qtype = registry.question_types.get(stored.get("type", spec.type))
    if qtype is None:
        return local(UNKNOWN_TYPE, lang)
    try:
        return qtype.display(spec, stored.get("value"), lang)
    except Exception:  # a broken display must not hide that an answer exists
        return str(stored.get("value"))


def store_answers(response: FormResponse, version: FormVersion, values: Mapping[str, Any]) -> None:
    types = {q["key"]: q["type"] for q in version.definition["questions"]}
    response.answers = {key: {"type": types[key], "value": value} for key, value in values.items()}


def payloads(response: FormResponse) -> dict[str, Any]:
    return {key: stored.get("value") for key, stored in (response.answers or {}).items()}
