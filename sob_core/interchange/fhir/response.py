"""A response as a FHIR R4 QuestionnaireResponse: the citizen by personal identity number, each
answer as its question type gives it (``fhir_answer``).

A repeating group (``forms.repeating``) is written as R4 asks: one group item (the group's
linkId) per repetition, in the place of the group's first question, holding that repetition's
answered questions, nested in the groups inside it that hold them; a repetition with none
answered is left out. (Outside repeating groups the answers are still one flat list.)

An answer file (``forms.answer_files``) is a ``valueAttachment`` as its question type gives it
(content type, title, size and ``hash``, the base64 SHA-1): without the bytes, which stay in sob,
and with their ``url``, the staff download of the file (``base_url`` in front when given), where
whoever follows it must sign in as staff of the unit, and the read is audit-logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import object_session

from ... import forms as forms_service
from ...models import Citizen, FormAssignment, FormResponse
from ...plugins import Registry
from ...types import local
from .common import (
    PERSONNUMMER_SYSTEM,
    SAMORDNINGSNUMMER_SYSTEM,
    fhir_id,
    iso,
    questionnaire_canonical,
)
from .errors import FhirExportError


def export_response(
    response: FormResponse, registry: Registry, *, base_url: str | None = None
) -> dict[str, Any]:
    """The FHIR R4 QuestionnaireResponse of a response (a draft is ``in-progress``).

    ``base_url`` is the deployment's public address (``SOB_BASE_URL``), as for the Questionnaire.
    """
    version = response.form_version
    session = object_session(response)
    citizen = session.get(Citizen, response.citizen_id) if session is not None else None
    if citizen is None:
        raise FhirExportError("no_citizen", id=response.id)
    system = SAMORDNINGSNUMMER_SYSTEM if citizen.coordination_number else PERSONNUMMER_SYSTEM
    submitted = response.status == "submitted"
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": fhir_id("response", response.id),
        "questionnaire": questionnaire_canonical(version, base_url),
        "status": "completed" if submitted else "in-progress",
        "subject": {"identifier": {"system": system, "value": citizen.personnummer}},
    }
    authored = iso(response.submitted_at if submitted else response.updated_at)
    if authored:
        resource["authored"] = authored
    assignment = (
        session.get(FormAssignment, response.assignment_id)
        if response.assignment_id and session is not None
        else None
    )
    files_at = (
        f"{(base_url or '').rstrip('/')}/staff/patients/{assignment.enrollment_id}"
        f"/responses/{response.id}/files/"
        if assignment is not None and assignment.enrollment_id is not None
        else None
    )
    stored_answers = dict(response.answers or {})
    items: list[Any] = []  # answer items, and a repeating group's key where its repetitions go
    inside = forms_service.repeating.repeated_questions(version.definition)
    repetitions: dict[str, list[dict[str, Any]]] = {}
    for spec in forms_service.specs(version):
        stored = stored_answers.pop(spec.key, None)
        if stored is None:
            continue
        type_key = stored.get("type", spec.type) if isinstance(stored, Mapping) else spec.type
        qtype = registry.question_types.get(type_key)
        if qtype is None:
            raise FhirExportError(
                "answer_type_not_installed", key=repr(spec.key), type=repr(type_key)
            )
        if spec.key in inside:
            group = inside[spec.key]
            if group not in repetitions:
                repetitions[group] = []
                items.append(group)
            value = stored.get("value")
            for number, one in enumerate(value if isinstance(value, list) else []):
                while len(repetitions[group]) <= number:
                    repetitions[group].append(_repetition(version, group))
                if (
                    one is not None
                    and (item := _answer_item(spec, qtype, one, files_at)) is not None
                ):
                    _place(repetitions[group][number], _inner_path(version, spec.key, group), item)
            continue
        if (item := _answer_item(spec, qtype, stored.get("value"), files_at)) is not None:
            items.append(item)
    if stored_answers:
        raise FhirExportError(
            "extra_answers", id=response.id, keys=", ".join(sorted(map(str, stored_answers)))
        )
    items = [
        one
        for entry in items
        for one in (
            [r for r in repetitions[entry] if r["item"]] if isinstance(entry, str) else [entry]
        )
    ]
    if items:
        resource["item"] = items
    return resource


def _answer_item(
    spec: Any, qtype: Any, payload: Any, files_at: str | None = None
) -> dict[str, Any] | None:
    """The response item of one answer, or None when the type gives no answer for it; an
    answer file's attachment gets its ``url`` under ``files_at``."""
    try:
        answers = qtype.fhir_answer(spec, payload)
    except ValueError as error:
        raise FhirExportError("answer", key=repr(spec.key), detail=error) from error
    if not answers:
        return None
    label = local(spec.label, "sv")
    item: dict[str, Any] = {"linkId": spec.key, **({"text": label} if label else {})}
    item["answer"] = [dict(answer) for answer in answers]
    media_id = payload.get("media_id") if isinstance(payload, Mapping) else None
    for answer in item["answer"]:
        attachment = answer.get("valueAttachment")
        if isinstance(attachment, Mapping) and isinstance(media_id, int) and files_at:
            answer["valueAttachment"] = {**attachment, "url": f"{files_at}{media_id}"}
    return item


def _inner_path(version: Any, key: str, outer: str) -> list[Mapping[str, Any]]:
    """The groups between the repeating group ``outer`` and the question ``key``, outermost
    first (the question's item is nested in them inside a repetition, as R4 asks)."""
    groups = forms_service.repeating.groups_of(version.definition)
    question = next(q for q in version.definition["questions"] if q["key"] == key)
    path: list[Mapping[str, Any]] = []
    current = question.get("group")
    while isinstance(current, str) and current != outer and current in groups:
        if any(g["key"] == current for g in path):
            break
        path.insert(0, groups[current])
        current = groups[current].get("parent")
    return path


def _place(container: dict[str, Any], path: list[Mapping[str, Any]], item: dict[str, Any]) -> None:
    """``item`` appended inside ``container``, in the group items of ``path`` (reusing the last
    one when it is that group, so the questions of a group stay together)."""
    for group in path:
        children = container["item"]
        if not (
            children and children[-1].get("linkId") == group["key"] and "answer" not in children[-1]
        ):
            text = local(group.get("text"), "sv") if group.get("text") else ""
            children.append(
                {"linkId": group["key"], **({"text": text} if text else {}), "item": []}
            )
        container = children[-1]
    container["item"].append(item)


def _repetition(version: Any, key: str) -> dict[str, Any]:
    """One repetition's (still empty) group item."""
    group = forms_service.repeating.repeating(version.definition)[key]
    text = local(group.get("text"), "sv") if group.get("text") else ""
    return {"linkId": key, **({"text": text} if text else {}), "item": []}
