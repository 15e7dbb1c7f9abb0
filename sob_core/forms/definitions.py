"""Form definitions and versions: question specs, validation, creating forms, scale forms.

A form version's ``definition`` holds its questions and result definitions as plain JSON, so a
version is an immutable, exportable snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Form, FormVersion, ScaleTextPack
from ..plugins import Registry
from ..types import LANGUAGES, FormInfo, QuestionSpec, Scale, local
from . import own_results, repeating, skip_logic
from .question_media import QuestionMediaError, clean_media, media_ids, media_kinds


class FormDefinitionError(ValueError):
    """A form definition that cannot be used; the message says what is wrong."""


class ScaleTextsMissing(FormDefinitionError):
    """The scale's licensed texts are not installed, so it cannot be given to citizens."""


class NoQuestionTypeForItem(FormDefinitionError):
    """No installed question type serves one of the scale's items (e.g. sob-questions is absent)."""


#: what ``repeating.problems`` finds, as ``validate_definition`` says it
REPEATING_PROBLEMS = {
    "nested": "a repeating group inside a repeating group is not supported",
    "condition": "skip logic naming a question of a repeating group from outside it is not supported",
    "initial": "an initial value or read-only question in a repeating group is not supported",
    "expression": "a question with a FHIRPath expression in a repeating group is not supported",
    "result": "an own result reading a question in a repeating group is not supported",
    "scale": "a scale form cannot have a repeating group",
}


def specs(version: FormVersion) -> list[QuestionSpec]:
    return [
        QuestionSpec(
            key=q["key"],
            type=q["type"],
            label=q.get("label", {}),
            config=q.get("config", {}),
            required=q.get("required", True),
            help=shown_help(q),
        )
        for q in version.definition.get("questions", [])
    ]


def shown_help(question: Mapping[str, Any]) -> dict[str, str]:
    """The help a form page shows under a question: its own help, then the texts of its notes
    (short texts an imported Questionnaire nests in the question, ``interchange.fhir.notes``),
    one a line, in each language the help or a note has (a missing language falls back as
    ``local`` does)."""
    help_text = question.get("help") if isinstance(question.get("help"), Mapping) else {}
    notes = [
        note["text"]
        for note in question.get("notes") or []
        if isinstance(note, Mapping) and isinstance(note.get("text"), Mapping) and note["text"]
    ]
    if not notes:
        return dict(help_text or {})
    parts = [help_text, *notes] if help_text else notes
    langs = [lang for lang in LANGUAGES if any(lang in part for part in parts)]
    return {
        lang: "\n".join(text for part in parts if (text := local(part, lang))) for lang in langs
    }


def form_info(version: FormVersion) -> FormInfo:
    return FormInfo(
        key=version.form.key,
        version=version.version,
        scale_id=version.scale_id,
        questions=tuple(specs(version)),
        results=tuple(version.definition.get("results") or ()),
    )


def validate_definition(
    definition: Mapping[str, Any],
    registry: Registry,
    lang: str = "sv",
    *,
    media: Mapping[int, str] | None = None,
    scale_form: bool = False,
) -> None:
    """Refuse a definition that cannot be used, saying why.

    ``media`` are the kinds of the existing media files (``question_media.media_kinds``): with
    them a question's media must name real files of the right kind; without, only its shape is
    checked. ``scale_form``: the form administers a scale (so it has no results of its own).
    The results' and the media's coded errors are the ``__cause__`` of the error raised.
    """
    questions = definition.get("questions")
    if not isinstance(questions, list) or not questions:
        raise FormDefinitionError("a form needs at least one question")
    seen: list[str] = []
    kinds = skip_logic.kinds_of([q for q in questions if isinstance(q, Mapping)], registry)
    for index, question in enumerate(questions, start=1):
        if not isinstance(question, Mapping):
            raise FormDefinitionError(f"question {index} is not an object")
        key = question.get("key")
        if not isinstance(key, str) or not key or len(key) > 64 or key in seen:
            raise FormDefinitionError(f"question {index} needs a unique key (got {key!r})")
        type_name = question.get("type")
        qtype = registry.question_types.get(type_name) if isinstance(type_name, str) else None
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
        problem = skip_logic.condition_problem(questions, index - 1, question.get("show_if"), kinds)
        if problem is not None:
            raise FormDefinitionError(f"question {key!r}: {skip_logic.PROBLEMS[problem]}")
        if question.get("media") is not None:
            try:
                clean_media(key, question["media"], media)
            except QuestionMediaError as error:
                raise FormDefinitionError(str(error)) from error
        seen.append(key)
    found = repeating.problems({**definition, "scale_id": "scale" if scale_form else None})
    if found:
        code, where = found[0]
        raise FormDefinitionError(f"repeating group: {REPEATING_PROBLEMS[code]} ({where!r})")
    question_specs = [
        QuestionSpec(
            key=q["key"], type=q["type"], label=q.get("label", {}), config=q.get("config", {})
        )
        for q in questions
    ]
    try:
        own_results.validate_results(
            definition.get("results", []), question_specs, registry, scale_form=scale_form
        )
    except own_results.OwnResultError as error:
        raise FormDefinitionError(str(error)) from error


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
    origin: Mapping[str, str] | None = None,
    groups: Sequence[Mapping[str, Any]] | None = None,
    kept: Mapping[str, Any] | None = None,
) -> FormVersion:
    """Create a form, or a new version of it when the key exists (versions never change).

    ``origin``: what an imported FHIR Questionnaire said of itself (its canonical url, version,
    status, copyright, language), kept as ``definition["origin"]`` and exported again;
    ``groups``: its groups (``interchange/fhir/groups.py``), kept as ``definition["groups"]``;
    ``kept``: what the Questionnaire itself carries that sob does not use (its extensions,
    ``interchange/fhir/kept.py``), kept as ``definition["kept"]`` and exported again."""
    definition: dict[str, Any] = {"questions": list(questions), "results": list(results)}
    if origin:
        definition["origin"] = {str(k): str(v) for k, v in origin.items()}
    if groups:
        definition["groups"] = [dict(group) for group in groups]
    if kept:
        definition["kept"] = dict(kept)
    validate_definition(
        definition,
        registry,
        media=media_kinds(session, media_ids(definition)),
        scale_form=scale_id is not None,
    )
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


def scale_questions(session: Session, registry: Registry, scale: Scale) -> list[dict[str, Any]]:
    """Questions for a form that administers a scale, with its texts (shipped or imported).

    Each item is asked with the first installed question type (in key order) whose
    ``for_scale_item`` serves it; the core names no question type of its own.
    """
    texts = scale_texts(session, scale)
    if texts is None:
        raise ScaleTextsMissing(f"the texts of {scale.id} are not installed; import a text pack")
    types = sorted(registry.question_types.items())
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
            raise NoQuestionTypeForItem(
                f"scale {scale.id!r} item {item.id!r} ({item.kind}): no installed question type "
                "can ask it; install one that serves scale items (e.g. sob-questions)"
            )
        questions.append(
            {"key": item.id, "type": key, "label": label, "config": dict(config), "required": True}
        )
    return questions


def scale_results(scale: Scale) -> list[dict[str, Any]]:
    """The result entries of a form administering the scale: one per subscale, scored by it."""
    return [{"key": f"{scale.id}.{sub.id}", "citizen_visible": True} for sub in scale.subscales]
