"""Forms: definitions and versions, rendering with question-type plugins, drafts and submission.

A form version's ``definition`` holds its questions and result definitions as plain JSON, so a
version is an immutable, exportable snapshot. Answers are stored as ``{"type": key, "value":
payload}`` per question, so a response stays readable after its question-type plugin is gone.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import results as results_service
from ..models import Citizen, Form, FormAssignment, FormResponse, FormVersion, Result, ScaleTextPack
from ..plugins import PluginHost, Registry
from ..types import FormInfo, QuestionSpec, Scale, local

UNKNOWN_TYPE = {
    "sv": "Svar av en frågetyp som inte längre är installerad",
    "en": "Answer of a question type that is no longer installed",
}


class FormDefinitionError(ValueError):
    """A form definition that cannot be used; the message says what is wrong."""


class ScaleTextsMissing(FormDefinitionError):
    """The scale's licensed texts are not installed, so it cannot be given to citizens."""


# --- definitions -------------------------------------------------------------------------------


def specs(version: FormVersion) -> list[QuestionSpec]:
    return [
        QuestionSpec(
            key=q["key"],
            type=q["type"],
            label=q.get("label", {}),
            config=q.get("config", {}),
            required=q.get("required", True),
            help=q.get("help", {}),
        )
        for q in version.definition.get("questions", [])
    ]


def form_info(version: FormVersion) -> FormInfo:
    return FormInfo(
        key=version.form.key,
        version=version.version,
        scale_id=version.scale_id,
        questions=tuple(specs(version)),
    )


def validate_definition(
    definition: Mapping[str, Any], registry: Registry, lang: str = "sv"
) -> None:
    questions = definition.get("questions")
    if not isinstance(questions, list) or not questions:
        raise FormDefinitionError("a form needs at least one question")
    seen: list[str] = []
    for index, question in enumerate(questions, start=1):
        if not isinstance(question, Mapping):
            raise FormDefinitionError(f"question {index} is not an object")
        key = question.get("key")
        if not isinstance(key, str) or not key or len(key) > 64 or key in seen:
            raise FormDefinitionError(f"question {index} needs a unique key (got {key!r})")
        qtype = registry.question_types.get(question.get("type"))
        if qtype is None:
            raise FormDefinitionError(
                f"question {key!r} has the unknown type {question.get('type')!r}"
            )
        if not isinstance(question.get("label"), Mapping) or not question["label"].get("sv"):
            raise FormDefinitionError(f"question {key!r} needs a Swedish label")
        try:
            qtype.validate_config(question.get("config", {}), lang)
        except ValueError as error:
            raise FormDefinitionError(f"question {key!r}: {error}") from error
        condition = question.get("show_if")
        if condition is not None:
            if not isinstance(condition, Mapping) or condition.get("question") not in seen:
                raise FormDefinitionError(
                    f"question {key!r}: show_if must name an earlier question"
                )
            if not ({"equals", "in", "min"} & set(condition)):
                raise FormDefinitionError(f"question {key!r}: show_if needs equals, in or min")
        seen.append(key)
    for result in definition.get("results", []):
        if not isinstance(result, Mapping) or not result.get("key"):
            raise FormDefinitionError("every result definition needs a key")


def create_form(
    session: Session,
    registry: Registry,
    *,
    key: str,
    title: Mapping[str, str],
    questions: Sequence[Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]] = (),
    intro: Mapping[str, str] | None = None,
    scale_id: str | None = None,
    care_unit_id: int | None = None,
) -> FormVersion:
    """Create a form, or a new version of it when the key exists (versions never change)."""
    definition = {"questions": list(questions), "results": list(results)}
    validate_definition(definition, registry)
    if scale_id is not None and scale_id not in registry.scales:
        raise FormDefinitionError(f"the scale {scale_id!r} is not installed")
    form = session.scalar(select(Form).where(Form.key == key))
    if form is None:
        form = Form(key=key, care_unit_id=care_unit_id)
        session.add(form)
        session.flush()
    number = (form.versions[-1].version + 1) if form.versions else 1
    version = FormVersion(
        form=form,
        version=number,
        title=dict(title),
        intro=dict(intro or {}),
        scale_id=scale_id,
        definition=definition,
    )
    session.add(version)
    session.flush()
    return version


def scale_texts(session: Session, scale: Scale) -> dict[str, dict[str, Any]] | None:
    """Item and option texts of a scale per language, or None when they are not installed."""
    if scale.texts_shipped:
        return {
            lang: {
                "items": {item.id: item.text.get(lang, "") for item in scale.items},
                "options": {
                    item.id: [o.get(lang, "") for o in (item.options or scale.options)]
                    for item in scale.items
                },
            }
            for lang in scale.languages
        }
    pack = session.scalar(select(ScaleTextPack).where(ScaleTextPack.scale_id == scale.id))
    return None if pack is None else pack.data


def scale_questions(session: Session, scale: Scale) -> list[dict[str, Any]]:
    """Questions for a form that administers a scale, with its texts (shipped or imported).

    Each item is asked with the first installed question type (in key order) whose
    ``for_scale_item`` serves it; the core names no question type of its own.
    """
    from ..plugins import current_host

    texts = scale_texts(session, scale)
    if texts is None:
        raise ScaleTextsMissing(f"the texts of {scale.id} are not installed; import a text pack")
    types = sorted(current_host().registry.question_types.items())
    questions = []
    for item in scale.items:
        label = {lang: t["items"].get(item.id, "") for lang, t in texts.items()}
        option_labels = [
            {
                lang: (t["options"].get(item.id) or [""] * len(item.scores))[index]
                for lang, t in texts.items()
            }
            for index in range(len(item.scores))
        ]
        for candidate, qtype in types:
            config = qtype.for_scale_item(item, option_labels) if qtype.for_scale_item else None
            if config is not None:
                key = candidate
                break
        else:
            raise ValueError(
                f"scale {scale.id!r} item {item.id!r} ({item.kind}): no installed question type "
                "can ask it; install one that serves scale items (e.g. sob-questions)"
            )
        questions.append(
            {"key": item.id, "type": key, "label": label, "config": dict(config), "required": True}
        )
    return questions


# --- skip logic --------------------------------------------------------------------------------


def condition_holds(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    if not condition:
        return True
    value = answers.get(condition["question"])
    if value is None:
        return False
    if "equals" in condition:
        return value == condition["equals"] or (
            isinstance(value, list) and condition["equals"] in value
        )
    if "in" in condition:
        return value in condition["in"] or (
            isinstance(value, list) and bool(set(value) & set(condition["in"]))
        )
    if "min" in condition:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= condition["min"]
        )
    return True


def visible_keys(version: FormVersion, answers: Mapping[str, Any]) -> list[str]:
    shown: list[str] = []
    values: dict[str, Any] = {}
    for question in version.definition["questions"]:
        if condition_holds(question.get("show_if"), values):
            shown.append(question["key"])
            if question["key"] in answers:
                values[question["key"]] = answers[question["key"]]
    return shown


# --- rendering and cleaning --------------------------------------------------------------------


def build_form_class(version: FormVersion, registry: Registry, lang: str) -> type[FlaskForm]:
    """A FlaskForm class with one field per question (unknown types get no field)."""
    attributes: dict[str, Any] = {}
    for spec in specs(version):
        qtype = registry.question_types.get(spec.type)
        if qtype is not None:
            attributes[spec.key] = qtype.make_field(spec, lang)
    return type("ResponseForm", (FlaskForm,), attributes)


@dataclass
class Outcome:
    values: dict[str, Any]  # question key -> cleaned payload (visible questions only)
    errors: dict[str, str]  # question key -> message


def clean_answers(
    version: FormVersion, registry: Registry, form: FlaskForm, lang: str, final: bool
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


# --- drafts and submission ---------------------------------------------------------------------


def open_response(session: Session, assignment: FormAssignment) -> FormResponse:
    """The citizen's draft for an assignment, created on first use."""
    response = session.scalar(
        select(FormResponse)
        .where(FormResponse.assignment_id == assignment.id)
        .order_by(FormResponse.id.desc())
    )
    if response is None:
        response = FormResponse(
            form_version_id=assignment.form_version_id,
            citizen_id=assignment.citizen_id,
            assignment_id=assignment.id,
            submission_key=secrets.token_urlsafe(24),
            answers={},
        )
        session.add(response)
        session.flush()
    return response


def store_answers(response: FormResponse, version: FormVersion, values: Mapping[str, Any]) -> None:
    types = {q["key"]: q["type"] for q in version.definition["questions"]}
    response.answers = {key: {"type": types[key], "value": value} for key, value in values.items()}


def payloads(response: FormResponse) -> dict[str, Any]:
    return {key: stored.get("value") for key, stored in (response.answers or {}).items()}


def citizen_context(citizen: Citizen, on: date | None = None) -> dict[str, Any]:
    on = on or datetime.now(UTC).date()
    born = citizen.birth_date
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return {"sex": citizen.legal_sex, "age": age}


def submit(
    session: Session,
    host: PluginHost,
    response: FormResponse,
    values: Mapping[str, Any],
) -> FormResponse:
    """Freeze the answers, score them and close the assignment. Submitting twice changes nothing."""
    if response.status == "submitted":
        return response
    version = response.form_version
    store_answers(response, version, values)
    response.status = "submitted"
    response.submitted_at = datetime.now(UTC)
    if response.assignment_id is not None:
        assignment = session.get(FormAssignment, response.assignment_id)
        assignment.status = "done"
        if assignment.enrollment_id is not None:
            from .. import enrollments  # the timeline: "form_submitted", item and module progress

            enrollments.form_submitted(session, assignment, response)
    score(session, host, response)
    return response


def score(session: Session, host: PluginHost, response: FormResponse) -> list[Result]:
    """(Re)compute and store the results of a submitted response."""
    version = response.form_version
    citizen = session.get(Citizen, response.citizen_id)
    context = citizen_context(citizen, response.submitted_at.date())
    computed = results_service.compute_results(
        host, form_info(version), payloads(response), context
    )
    visible = {
        r["key"]: bool(r.get("citizen_visible")) for r in version.definition.get("results", [])
    }
    for old in list(response.results):
        session.delete(old)
    session.flush()
    rows = []
    for item in computed:
        value = item.value
        rows.append(
            Result(
                response=response,
                citizen_id=response.citizen_id,
                form_id=version.form_id,
                key=item.key,
                value=None if value is None else float(value),
                band=item.band,
                flags=list(item.flags),
                citizen_visible=visible.get(item.key, False),
                at=response.submitted_at,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


def recompute(session: Session, host: PluginHost, form_key: str | None = None) -> int:
    """Score every submitted response again (after a scale plugin was fixed)."""
    query = select(FormResponse).where(FormResponse.status == "submitted")
    if form_key:
        query = query.join(FormVersion).join(Form).where(Form.key == form_key)
    count = 0
    for response in session.scalars(query):
        score(session, host, response)
        count += 1
    session.commit()
    return count
