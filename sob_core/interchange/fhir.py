"""Forms and responses as FHIR R4 ``Questionnaire`` and ``QuestionnaireResponse`` resources.

Each question type maps its own questions (``fhir_type``, ``fhir_item``, ``fhir_answer``,
``fhir_matches``, ``from_fhir``); this module builds the resources around them and maps what the
core owns:

- **Identity.** ``url`` is ``<SOB_BASE_URL>/fhir/Questionnaire/<form key>`` and ``version`` the
  form version's number, so a response's ``questionnaire`` (``url|version``) names the exact
  version it answered. ``id`` is ``<key>-<version>``, made FHIR-safe.
- **Texts.** Swedish is primary: ``text``/``title``/``description`` are in the export language
  (``lang``, Swedish by default, also set as the resource ``language``) and every other language
  rides along in the standard ``translation`` extension on ``_text``/``_title``/``_description``.
  On import a text's base string is Swedish unless a translation gives Swedish (then it is
  English): the rule the question types use for option labels, which makes every export in either
  language read back exactly. A Questionnaire written in English without translations so gets its
  English texts as Swedish ones (sob needs a Swedish text), which show the same everywhere.
- **Help text** is a nested ``display`` item (linkId ``<key>.help``) with the itemControl
  ``help``, which SDC renderers show as a help button.
- **Scale.** A form that administers a scale carries it as ``Questionnaire.code`` with the system
  ``SCALE_SYSTEM`` (the code is the scale id): the code names the instrument, which is what
  ``Questionnaire.code`` is for. Importing a questionnaire coded with a scale that is not installed
  fails.
- **Skip logic.** ``show_if`` ``equals`` is one ``enableWhen`` with operator ``=``; ``in`` is one
  ``enableWhen`` per value with ``enableBehavior`` ``any``; ``min`` is operator ``>=``. The
  ``answer[x]`` is what the source question's type gives for that payload in a response
  (``fhir_answer``), so a choice compares a Coding, a duration a Quantity and so on.
- **sob-only pieces** (result definitions, question media) are extensions under ``SOB_FHIR``.
- **Groups** (import): one level is flattened, their questions kept in order; a group's own
  ``enableWhen`` passes to its questions (an error when a question has one of its own), a
  repeating or nested group is an error. A group's own text is a heading sob has no place for and
  is not kept.
- **Nothing is dropped silently on import.** An item no installed type claims, claimed by several
  types, or carrying something sob cannot represent (``initial``, ``readOnly``, ``repeats`` on a
  non-choice, an unknown extension, a modifier extension, an extra nested item ...) is a
  ``FhirImportError`` naming its linkId, and nothing is imported. Only the numbering ``prefix``,
  ``code``/``definition`` metadata and purely presentational extensions are let go.

The models of ``fhir.resources`` 8 are R5 at the top level; its ``R4B`` package is the one matching
R4 for Questionnaire and QuestionnaireResponse, so imports are validated with it. Its validation
reads ``"yes"`` as true and ``"5"`` as 5, so booleans and numbers are checked again as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from .. import forms as forms_service
from ..models import Citizen, Form, FormResponse, FormVersion
from ..plugins import Registry
from ..types import KEY_RE, QuestionSpec, QuestionType, local

SD = "http://hl7.org/fhir/StructureDefinition/"
TRANSLATION = SD + "translation"
ITEM_CONTROL = SD + "questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
PERSONNUMMER_SYSTEM = "http://electronichealth.se/identifier/personnummer"
SAMORDNINGSNUMMER_SYSTEM = "http://electronichealth.se/identifier/samordningsnummer"

#: the namespace of sob's own code systems and extensions: the same in every deployment, so one
#: deployment's exports import into another (change it only together with a migration of exports)
SOB_FHIR = "https://sob.example/fhir"
SCALE_SYSTEM = SOB_FHIR + "/CodeSystem/scale"
RESULT_EXTENSION = SOB_FHIR + "/StructureDefinition/form-result"
MEDIA_EXTENSION = SOB_FHIR + "/StructureDefinition/question-media"

#: extensions that only change how an item looks; an import may let them go
PRESENTATIONAL = frozenset(
    {
        ITEM_CONTROL,
        SD + "questionnaire-choiceOrientation",
        SD + "entryFormat",
        SD + "rendering-style",
        SD + "rendering-styleSensitive",
        SD + "questionnaire-displayCategory",
    }
)
#: item keys the core maps itself, or metadata an import may let go
HANDLED_KEYS = frozenset(
    {
        "linkId",
        "_linkId",
        "text",
        "_text",
        "type",
        "_type",
        "required",
        "enableWhen",
        "enableBehavior",
        "item",
        "extension",
        "modifierExtension",
        "id",
        "definition",
        "code",
        "prefix",
        "_prefix",
    }
)
LANGUAGES = ("sv", "en")
_FHIR_ID = re.compile(r"[^A-Za-z0-9.-]+")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?")


class FhirExportError(ValueError):
    """A form or response that cannot be exported; the message names the question."""


class FhirImportError(ValueError):
    """A resource that cannot be imported; the message names the item. Nothing was imported."""


# --- shared pieces -------------------------------------------------------------------------------


def questionnaire_url(form_key: str, base_url: str | None = None) -> str:
    """The canonical URL of a form's Questionnaire (the same for all its versions)."""
    return f"{_base_url(base_url)}/fhir/Questionnaire/{quote(form_key, safe='')}"


def questionnaire_canonical(version: FormVersion, base_url: str | None = None) -> str:
    """``url|version``: the exact version a response answered."""
    return f"{questionnaire_url(version.form.key, base_url)}|{version.version}"


def _base_url(base_url: str | None) -> str:
    if base_url is None and has_app_context():
        base_url = current_app.config.get("SOB_BASE_URL")
    return (base_url or "http://localhost").rstrip("/")


def _fhir_id(*parts: Any) -> str:
    raw = "-".join(str(part) for part in parts)
    cleaned = _FHIR_ID.sub("-", raw).strip("-.") or "form"
    return cleaned[-64:].lstrip("-.") or "form"


def _name(key: str) -> str:
    """A computer-friendly name (``que-0``: starts with a capital, letters, digits and _)."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", key))
    return name if name[:1].isalpha() else f"Form{name}"


def _texts(texts: Any) -> dict[str, str]:
    if not isinstance(texts, Mapping):
        return {}
    return {k: v for k, v in texts.items() if isinstance(k, str) and isinstance(v, str) and v}


def _translation(lang: str, text: str) -> dict[str, Any]:
    return {
        "url": TRANSLATION,
        "extension": [
            {"url": "lang", "valueCode": lang},
            {"url": "content", "valueString": text},
        ],
    }


def _text_element(name: str, texts: Any, lang: str) -> dict[str, Any]:
    """``{name: text in lang, "_name": {translations of the other languages}}``."""
    texts = _texts(texts)
    if not texts:
        return {}
    base = lang if lang in texts else ("sv" if "sv" in texts else next(iter(texts)))
    element: dict[str, Any] = {name: texts[base]}
    others = [_translation(other, text) for other, text in texts.items() if other != base]
    if others:
        element[f"_{name}"] = {"extension": others}
    return element


def _extensions(element: Any, url: str) -> list[Mapping[str, Any]]:
    found = element.get("extension") if isinstance(element, Mapping) else None
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, Mapping) and e.get("url") == url]


def _pairs(extension: Mapping[str, Any]) -> tuple[Any, Any]:
    """The ``lang``/``content`` of a translation-shaped complex extension."""
    parts = {p.get("url"): p for p in extension.get("extension") or [] if isinstance(p, Mapping)}
    return (parts.get("lang") or {}).get("valueCode"), (parts.get("content") or {}).get(
        "valueString"
    )


def _read_text(element: Any, name: str) -> dict[str, str]:
    """The texts of ``element[name]`` per language (see the module's notes on texts)."""
    if not isinstance(element, Mapping):
        return {}
    texts: dict[str, str] = {}
    for found in _extensions(element.get(f"_{name}"), TRANSLATION):
        lang, content = _pairs(found)
        if isinstance(lang, str) and isinstance(content, str) and content:
            texts[lang] = content
    base = element.get(name)
    if isinstance(base, str) and base:
        for lang in LANGUAGES:
            if lang not in texts:
                texts[lang] = base
                break
        texts.setdefault("sv", base)
    return texts


def _local_parts(name: str, texts: Any) -> list[dict[str, Any]]:
    """A text per language inside a complex extension: one ``name`` part per language."""
    return [
        {
            "url": name,
            "extension": [
                {"url": "lang", "valueCode": lang},
                {"url": "content", "valueString": text},
            ],
        }
        for lang, text in _texts(texts).items()
    ]


def _read_local_parts(parts: Sequence[Mapping[str, Any]], name: str) -> dict[str, str]:
    texts = {}
    for part in parts:
        if part.get("url") == name:
            lang, content = _pairs(part)
            if isinstance(lang, str) and isinstance(content, str) and content:
                texts[lang] = content
    return texts


def _item_control(code: str) -> dict[str, Any]:
    return {
        "url": ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL_SYSTEM, "code": code}]},
    }


def _controls(item: Any) -> frozenset[str]:
    codes = set()
    for found in _extensions(item, ITEM_CONTROL):
        concept = found.get("valueCodeableConcept")
        codings = concept.get("coding") if isinstance(concept, Mapping) else None
        for coding in codings if isinstance(codings, list) else []:
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
                codes.add(coding["code"])
    return frozenset(codes)


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


# --- export --------------------------------------------------------------------------------------


def export_questionnaire(
    version: FormVersion, registry: Registry, lang: str = "sv", *, base_url: str | None = None
) -> dict[str, Any]:
    """The FHIR R4 Questionnaire of one form version, texts in ``lang`` with translations."""
    form = version.form
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _fhir_id(form.key, version.version),
        "language": lang,
        "url": questionnaire_url(form.key, base_url),
        "version": str(version.version),
        "name": _name(form.key),
        **_text_element("title", version.title or {"sv": form.key}, lang),
        "status": "active",
        "subjectType": ["Patient"],
    }
    if _iso(version.created_at):
        resource["date"] = _iso(version.created_at)
    resource.update(_text_element("description", version.intro, lang))
    if version.scale_id:
        coding = {"system": SCALE_SYSTEM, "code": version.scale_id}
        scale = registry.scales.get(version.scale_id)
        if scale is not None:
            coding["display"] = local(scale.name, lang)
        resource["code"] = [coding]
    results = [_result_extension(r) for r in version.definition.get("results", [])]
    if results:
        resource["extension"] = results
    questions = version.definition.get("questions", [])
    specs = forms_service.specs(version)
    earlier: dict[str, tuple[QuestionSpec, QuestionType | None]] = {}
    items = []
    for question, spec in zip(questions, specs, strict=True):
        qtype = registry.question_types.get(spec.type)
        items.append(_export_item(question, spec, qtype, earlier, lang))
        earlier[spec.key] = (spec, qtype)
    resource["item"] = items
    return resource


def _result_extension(result: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(result) - {"key", "label", "citizen_visible", "explanation"}
    if unknown:
        raise FhirExportError(
            f"result {result.get('key')!r} has settings FHIR export does not know: "
            + ", ".join(sorted(unknown))
        )
    parts: list[dict[str, Any]] = [
        {"url": "key", "valueString": str(result["key"])},
        {"url": "citizenVisible", "valueBoolean": bool(result.get("citizen_visible"))},
    ]
    parts += _local_parts("label", result.get("label"))
    parts += _local_parts("explanation", result.get("explanation"))
    return {"url": RESULT_EXTENSION, "extension": parts}


def _export_item(
    question: Mapping[str, Any],
    spec: QuestionSpec,
    qtype: QuestionType | None,
    earlier: Mapping[str, tuple[QuestionSpec, QuestionType | None]],
    lang: str,
) -> dict[str, Any]:
    if qtype is None:
        raise FhirExportError(
            f"question {spec.key!r} is of the question type {spec.type!r}, which is not installed"
        )
    item: dict[str, Any] = {
        "linkId": spec.key,
        **_text_element("text", spec.label, lang),
        "type": qtype.fhir_type,
        "required": bool(spec.required),
    }
    try:
        extra = dict(qtype.fhir_item(spec, lang))
    except ValueError as error:
        raise FhirExportError(f"question {spec.key!r}: {error}") from error
    children = list(extra.pop("item", None) or [])
    extensions = list(extra.pop("extension", None) or [])
    item.update(extra)
    media = question.get("media")
    if media:
        extensions.append(_media_extension(spec.key, media))
    if extensions:
        item["extension"] = extensions
    condition = question.get("show_if")
    if condition:
        item.update(_enable_when(spec.key, condition, earlier))
    if _texts(spec.help):
        children.append(
            {
                "linkId": f"{spec.key}.help",
                **_text_element("text", spec.help, lang),
                "type": "display",
                "extension": [_item_control("help")],
            }
        )
    if children:
        item["item"] = children
    return item


def _media_extension(key: str, media: Any) -> dict[str, Any]:
    if not isinstance(media, Mapping) or set(media) - {"kind", "src", "alt", "captions"}:
        raise FhirExportError(f"question {key!r}: its media cannot be exported")
    parts: list[dict[str, Any]] = []
    for name in ("kind", "src", "captions"):
        value = media.get(name)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise FhirExportError(f"question {key!r}: the media {name} must be a text")
            parts.append({"url": name, "valueString": value})
    parts += _local_parts("alt", media.get("alt"))
    return {"url": MEDIA_EXTENSION, "extension": parts}


def _enable_when(
    key: str,
    condition: Mapping[str, Any],
    earlier: Mapping[str, tuple[QuestionSpec, QuestionType | None]],
) -> dict[str, Any]:
    source = condition.get("question")
    if source not in earlier:
        raise FhirExportError(f"question {key!r}: show_if names no earlier question")
    spec, qtype = earlier[source]
    if qtype is None:
        raise FhirExportError(
            f"question {key!r} depends on {source!r}, whose question type is not installed"
        )
    # the order condition_holds() reads a condition in
    if "equals" in condition:
        answer = _condition_answer(key, spec, qtype, condition["equals"])
        return {"enableWhen": [{"question": source, "operator": "=", **answer}]}
    if "in" in condition:
        values = condition["in"]
        if not isinstance(values, list | tuple) or not values:
            raise FhirExportError(f"question {key!r}: show_if 'in' needs a list of values")
        whens = [
            {"question": source, "operator": "=", **_condition_answer(key, spec, qtype, value)}
            for value in values
        ]
        return {"enableWhen": whens, "enableBehavior": "any"}
    if "min" in condition:
        answer = _minimum_answer(key, spec, qtype, condition["min"])
        return {"enableWhen": [{"question": source, "operator": ">=", **answer}]}
    raise FhirExportError(f"question {key!r}: show_if needs equals, in or min")


def _condition_answer(
    key: str, spec: QuestionSpec, qtype: QuestionType, value: Any
) -> dict[str, Any]:
    """``{"answerCoding": ...}``: the answer the source question gives for ``value``."""
    try:
        answers = qtype.fhir_answer(spec, value)
    except ValueError as error:
        raise FhirExportError(
            f"question {key!r}: show_if compares {spec.key!r} with {value!r}: {error}"
        ) from error
    if len(answers) != 1 or len(answers[0]) != 1:
        raise FhirExportError(
            f"question {key!r}: show_if compares {spec.key!r} with {value!r}, "
            "which is not one answer"
        )
    ((name, answer),) = answers[0].items()
    return {"answer" + name.removeprefix("value"): answer}


def _minimum_answer(key: str, spec: QuestionSpec, qtype: QuestionType, value: Any) -> dict:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FhirExportError(f"question {key!r}: show_if 'min' must be a number")
    try:
        answer = _condition_answer(key, spec, qtype, value)
    except FhirExportError:
        answer = {}
    if set(answer) & {"answerInteger", "answerDecimal", "answerQuantity"}:
        return answer
    return {"answerInteger": value} if isinstance(value, int) else {"answerDecimal": value}


def export_response(
    response: FormResponse, registry: Registry, *, base_url: str | None = None
) -> dict[str, Any]:
    """The FHIR R4 QuestionnaireResponse of a response (a draft is ``in-progress``)."""
    version = response.form_version
    session = object_session(response)
    citizen = session.get(Citizen, response.citizen_id) if session is not None else None
    if citizen is None:
        raise FhirExportError(f"response {response.id}: its citizen is not found")
    system = SAMORDNINGSNUMMER_SYSTEM if citizen.coordination_number else PERSONNUMMER_SYSTEM
    submitted = response.status == "submitted"
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _fhir_id("response", response.id),
        "questionnaire": questionnaire_canonical(version, base_url),
        "status": "completed" if submitted else "in-progress",
        "subject": {"identifier": {"system": system, "value": citizen.personnummer}},
    }
    authored = _iso(response.submitted_at if submitted else response.updated_at)
    if authored:
        resource["authored"] = authored
    stored_answers = dict(response.answers or {})
    items = []
    for spec in forms_service.specs(version):
        stored = stored_answers.pop(spec.key, None)
        if stored is None:
            continue
        type_key = stored.get("type", spec.type) if isinstance(stored, Mapping) else spec.type
        qtype = registry.question_types.get(type_key)
        if qtype is None:
            raise FhirExportError(
                f"the answer to question {spec.key!r} is of the question type {type_key!r}, "
                "which is not installed"
            )
        try:
            answers = qtype.fhir_answer(spec, stored.get("value"))
        except ValueError as error:
            raise FhirExportError(f"the answer to question {spec.key!r}: {error}") from error
        if answers:
            label = local(spec.label, "sv")
            item: dict[str, Any] = {"linkId": spec.key, **({"text": label} if label else {})}
            item["answer"] = [dict(answer) for answer in answers]
            items.append(item)
    if stored_answers:
        raise FhirExportError(
            f"response {response.id} answers questions its form version does not have: "
            + ", ".join(sorted(map(str, stored_answers)))
        )
    if items:
        resource["item"] = items
    return resource


# --- import --------------------------------------------------------------------------------------


def read_questionnaire(registry: Registry, data: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """Validate a Questionnaire and map it to ``create_form`` arguments (without ``key``).

    Returns ``{"title", "intro", "scale_id", "questions", "results", "suggested_key"}``.
    """
    resource = _parse(data)
    _refuse_modifiers(resource, "the Questionnaire")
    questions = [_read_question(item, registry) for item in _flatten(resource.get("item"))]
    title = _read_text(resource, "title")
    if not title and isinstance(resource.get("name"), str) and resource["name"]:
        title = {"sv": resource["name"]}
    intro = _read_text(resource, "description")
    scale_ids = [
        coding.get("code")
        for coding in resource.get("code") or []
        if isinstance(coding, Mapping) and coding.get("system") == SCALE_SYSTEM
    ]
    if len(scale_ids) > 1:
        raise FhirImportError("the Questionnaire names more than one scale")
    results = [_read_result(found) for found in _extensions(resource, RESULT_EXTENSION)]
    return {
        "title": title,
        "intro": intro,
        "scale_id": scale_ids[0] if scale_ids else None,
        "questions": questions,
        "results": results,
        "suggested_key": _suggested_key(resource),
    }


def import_questionnaire(
    session: Session,
    registry: Registry,
    data: Mapping[str, Any] | str | bytes,
    key: str | None = None,
    care_unit_id: int | None = None,
) -> FormVersion:
    """Create a form (or a new version of the form ``key``) from a FHIR R4 Questionnaire.

    All or nothing: any item sob cannot represent raises ``FhirImportError`` before anything is
    added to ``session``. The caller commits.
    """
    found = read_questionnaire(registry, data)
    key = key if key is not None else found["suggested_key"]
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise FhirImportError(
            f"the form key {key!r} is not usable: give a key of lower-case letters, digits, "
            "'_', '.' or '-'"
        )
    existing = session.scalar(select(Form).where(Form.key == key))
    if existing is not None and existing.care_unit_id != care_unit_id:
        raise FhirImportError(f"the form {key!r} belongs to another care unit")
    title = found["title"] or {"sv": key}
    try:
        return forms_service.create_form(
            session,
            registry,
            key=key,
            title=title,
            intro=found["intro"],
            questions=found["questions"],
            results=found["results"],
            scale_id=found["scale_id"],
            care_unit_id=care_unit_id,
        )
    except forms_service.FormDefinitionError as error:
        raise FhirImportError(str(error)) from error


def _parse(data: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    from fhir.resources.R4B.questionnaire import Questionnaire
    from pydantic import ValidationError

    try:
        # a plain JSON copy: nothing below can change the caller's data
        data = json.loads(data if isinstance(data, bytes | str) else json.dumps(data))
    except (ValueError, TypeError) as error:
        raise FhirImportError(f"not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise FhirImportError("not a FHIR resource: a JSON object is needed")
    if data.get("resourceType") != "Questionnaire":
        raise FhirImportError(f"not a Questionnaire (resourceType {data.get('resourceType')!r})")
    try:
        Questionnaire.model_validate(data)
    except (ValidationError, ValueError, TypeError) as error:
        raise FhirImportError(f"not a valid FHIR R4 Questionnaire: {_summary(error)}") from error
    _check_primitives(data, "Questionnaire")
    return data


_BOOLEANS = frozenset({"required", "repeats", "readOnly", "experimental", "initialSelected"})
_INTEGERS = frozenset({"maxLength"})


def _check_primitives(node: Any, path: str) -> None:
    """The JSON types the validation lets slip (it reads ``"yes"`` as true and ``"5"`` as 5)."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            _check_primitives(value, f"{path}[{index}]")
        return
    if not isinstance(node, Mapping):
        return
    for name, value in node.items():
        where = f"{path}.{name}"
        boolean = name in _BOOLEANS or name.endswith("Boolean")
        whole = name in _INTEGERS or name.endswith(("Integer", "PositiveInt", "UnsignedInt"))
        if boolean and not isinstance(value, bool):
            raise FhirImportError(
                f"not a valid FHIR R4 Questionnaire: {where} must be true or false"
            )
        if whole and (isinstance(value, bool) or not isinstance(value, int)):
            raise FhirImportError(f"not a valid FHIR R4 Questionnaire: {where} must be an integer")
        if name.endswith("Decimal") and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise FhirImportError(f"not a valid FHIR R4 Questionnaire: {where} must be a number")
        _check_primitives(value, where)


def _summary(error: Exception) -> str:
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return " ".join(str(error).split())
    found = errors()
    parts = []
    for entry in found[:3]:
        where = ".".join(str(part) for part in entry.get("loc", ())) or "resource"
        parts.append(f"{where}: {' '.join(str(entry.get('msg', '')).split())}")
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return "; ".join(parts) + more


def _suggested_key(resource: Mapping[str, Any]) -> str | None:
    candidates = []
    url = resource.get("url")
    if isinstance(url, str) and "/Questionnaire/" in url:
        candidates.append(unquote(url.rsplit("/Questionnaire/", 1)[1].split("|")[0]))
    for name in ("id", "name"):
        if isinstance(resource.get(name), str):
            candidates.append(resource[name])
    for candidate in candidates:
        cleaned = re.sub(r"[^a-z0-9_.-]+", "-", candidate.lower()).strip("-_.")[:64]
        if KEY_RE.match(cleaned):
            return cleaned
    return None


def _link(item: Any) -> str:
    link = item.get("linkId") if isinstance(item, Mapping) else None
    if not isinstance(link, str) or not link:
        raise FhirImportError("an item has no linkId")
    return link


def _refuse_modifiers(element: Mapping[str, Any], what: str) -> None:
    if element.get("modifierExtension"):
        urls = [e.get("url") for e in element["modifierExtension"] if isinstance(e, Mapping)] or [
            "?"
        ]
        raise FhirImportError(f"{what} has a modifier extension sob cannot honour: {urls[0]}")


def _flatten(items: Any) -> list[Mapping[str, Any]]:
    """The question items, one level of groups flattened (see the module's notes)."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise FhirImportError("Questionnaire.item must be a list")
    flat: list[Mapping[str, Any]] = []
    for item in items:
        link = _link(item)
        if item.get("type") != "group":
            flat.append(item)
            continue
        _refuse_modifiers(item, f"group {link!r}")
        if item.get("repeats") is True:
            raise FhirImportError(f"group {link!r} repeats, which sob cannot represent")
        inherited = {k: item[k] for k in ("enableWhen", "enableBehavior") if item.get(k)}
        for child in item.get("item") or []:
            child_link = _link(child)
            if child.get("type") == "group":
                raise FhirImportError(
                    f"group {child_link!r} is nested in group {link!r}: sob flattens only one "
                    "level of groups"
                )
            if inherited.get("enableWhen"):
                if child.get("enableWhen"):
                    raise FhirImportError(
                        f"item {child_link!r} and its group {link!r} both have enableWhen, "
                        "which sob cannot combine"
                    )
                child = {**child, **inherited}
            flat.append(child)
    return flat


def _is_help(child: Any) -> bool:
    return (
        isinstance(child, Mapping)
        and child.get("type") == "display"
        and ("help" in _controls(child))
    )


def _matches(qtype: QuestionType, item: Mapping[str, Any]) -> bool:
    if qtype.fhir_matches is None or qtype.from_fhir is None:
        return False
    try:
        return bool(qtype.fhir_matches(item))
    except Exception:  # a matcher that cannot read an item does not claim it
        return False


def _read_question(item: Mapping[str, Any], registry: Registry) -> dict:
    link = _link(item)
    kind = item.get("type")
    _refuse_modifiers(item, f"item {link!r}")
    children = item.get("item") or []
    if not isinstance(children, list):
        raise FhirImportError(f"item {link!r}: its nested items must be a list")
    helps = [child for child in children if _is_help(child)]
    if len(helps) > 1:
        raise FhirImportError(f"item {link!r} has more than one help text")
    core = {k: v for k, v in item.items() if k != "item"}
    others = [child for child in children if not _is_help(child)]
    if others:
        core["item"] = others
    matches = [q for q in registry.question_types.values() if _matches(q, core)]
    if not matches:
        raise FhirImportError(
            f"item {link!r} of type {kind!r}: no installed question type can represent it"
        )
    if len(matches) > 1:
        keys = ", ".join(sorted(q.key for q in matches))
        raise FhirImportError(f"item {link!r} of type {kind!r} fits several question types: {keys}")
    (qtype,) = matches
    assert qtype.from_fhir is not None
    try:
        config = dict(qtype.from_fhir(core))
    except ValueError as error:
        raise FhirImportError(f"item {link!r} of type {kind!r}: {error}") from error
    label = _read_text(item, "text")
    if not label:
        raise FhirImportError(f"item {link!r} has no text")
    question: dict[str, Any] = {
        "key": link,
        "type": qtype.key,
        "label": label,
        "config": config,
        "required": item.get("required") is True,
    }
    if helps:
        question["help"] = _read_text(helps[0], "text")
    media = _read_media(item, link)
    if media:
        question["media"] = media
    condition = _read_condition(item, link)
    if condition:
        question["show_if"] = condition
    _check_nothing_dropped(core, question, qtype, link)
    return question


def _check_nothing_dropped(
    item: Mapping[str, Any], question: Mapping[str, Any], qtype: QuestionType, link: str
) -> None:
    """Refuse what the question would lose: compare the item with the question exported again."""
    spec = QuestionSpec(
        key=question["key"],
        type=question["type"],
        label=question["label"],
        config=question["config"],
        required=question["required"],
    )
    try:
        again = {"type": qtype.fhir_type, **qtype.fhir_item(spec, "sv")}
    except ValueError as error:
        raise FhirImportError(f"item {link!r}: {error}") from error
    for name, value in item.items():
        if name in HANDLED_KEYS or name in again or value in (False, None, [], {}, ""):
            continue
        raise FhirImportError(f"item {link!r}: {name!r} cannot be represented in sob")
    if again.get("type") != item.get("type"):
        raise FhirImportError(
            f"item {link!r} of type {item.get('type')!r} would become {again.get('type')!r}"
        )
    kept = {e.get("url") for e in again.get("extension") or [] if isinstance(e, Mapping)}
    for extension in item.get("extension") or []:
        url = extension.get("url") if isinstance(extension, Mapping) else None
        if url in kept or url in PRESENTATIONAL or url == MEDIA_EXTENSION:
            continue
        raise FhirImportError(f"item {link!r}: the extension {url!r} cannot be represented in sob")
    for option in item.get("answerOption") or []:
        _check_option(option, link)
    shapes = [(c.get("type"), _controls(c)) for c in again.get("item") or []]
    for child in item.get("item") or []:
        shape = (child.get("type"), _controls(child)) if isinstance(child, Mapping) else None
        if shape in shapes:
            shapes.remove(shape)
            continue
        child_link = child.get("linkId") if isinstance(child, Mapping) else None
        raise FhirImportError(
            f"item {child_link!r} nested in item {link!r} cannot be represented in sob"
        )


def _check_option(option: Any, link: str) -> None:
    """An answer option is its value and texts: no default choice, no weights or other extras."""
    if not isinstance(option, Mapping):
        return  # the question type has refused it already
    if option.get("initialSelected") is True:
        raise FhirImportError(f"item {link!r}: a preselected answer option cannot be represented")
    for element in (option, *(v for k, v in option.items() if k.startswith("value"))):
        if not isinstance(element, Mapping):
            continue
        for name in ("extension", "modifierExtension"):
            for extension in element.get(name) or []:
                url = extension.get("url") if isinstance(extension, Mapping) else None
                if url not in PRESENTATIONAL:
                    raise FhirImportError(
                        f"item {link!r}: the extension {url!r} of an answer option cannot be "
                        "represented in sob"
                    )


def _read_media(item: Mapping[str, Any], link: str) -> dict[str, Any] | None:
    found = _extensions(item, MEDIA_EXTENSION)
    if not found:
        return None
    parts = [p for p in found[0].get("extension") or [] if isinstance(p, Mapping)]
    media: dict[str, Any] = {}
    for name in ("kind", "src", "captions"):
        for part in parts:
            if part.get("url") == name and isinstance(part.get("valueString"), str):
                media[name] = part["valueString"]
    alt = _read_local_parts(parts, "alt")
    if alt:
        media["alt"] = alt
    if not media.get("kind") or not media.get("src"):
        raise FhirImportError(f"item {link!r}: its media needs a kind and a src")
    return media


def _read_condition(item: Mapping[str, Any], link: str) -> dict[str, Any] | None:
    whens = item.get("enableWhen") or []
    if not whens:
        return None
    if not all(isinstance(when, Mapping) for when in whens):
        raise FhirImportError(f"item {link!r}: its enableWhen is malformed")
    sources = {when.get("question") for when in whens}
    if len(sources) != 1:
        raise FhirImportError(
            f"item {link!r}: enableWhen on several questions cannot be represented in sob"
        )
    (source,) = sources
    behaviour = item.get("enableBehavior")
    operators = [when.get("operator") for when in whens]
    values = [_answer_value(when, link) for when in whens]
    if len(whens) == 1 and operators[0] == ">=":
        value = values[0]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FhirImportError(f"item {link!r}: enableWhen '>=' needs a number")
        return {"question": source, "min": value}
    if any(operator != "=" for operator in operators):
        bad = next(operator for operator in operators if operator != "=")
        raise FhirImportError(
            f"item {link!r}: the enableWhen operator {bad!r} cannot be represented in sob"
        )
    if len(whens) == 1 and behaviour != "any":
        return {"question": source, "equals": values[0]}
    if behaviour != "any":
        raise FhirImportError(
            f"item {link!r}: several enableWhen need enableBehavior 'any' to be represented in sob"
        )
    return {"question": source, "in": values}


def _answer_value(when: Mapping[str, Any], link: str) -> Any:
    """The stored payload an ``enableWhen.answer[x]`` compares with."""
    found = [(k, v) for k, v in when.items() if k.startswith("answer")]
    if len(found) != 1:
        raise FhirImportError(f"item {link!r}: an enableWhen needs exactly one answer")
    ((name, value),) = found
    kind = name.removeprefix("answer")
    if kind == "Coding" and isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return value["code"]
    if kind == "Quantity" and isinstance(value, Mapping):
        value = value.get("value")
        kind = "Decimal"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("Integer", "Decimal") and number:
        return int(value) if float(value).is_integer() else value
    if kind in ("String", "Date") and isinstance(value, str):
        return value
    if kind == "Time" and isinstance(value, str) and _TIME.fullmatch(value):
        return value[:5]
    if kind == "Boolean" and isinstance(value, bool):
        return value
    raise FhirImportError(f"item {link!r}: the enableWhen {name!r} cannot be represented in sob")


def _read_result(extension: Mapping[str, Any]) -> dict[str, Any]:
    parts = [p for p in extension.get("extension") or [] if isinstance(p, Mapping)]
    result: dict[str, Any] = {}
    for part in parts:
        if part.get("url") == "key" and isinstance(part.get("valueString"), str):
            result["key"] = part["valueString"]
        if part.get("url") == "citizenVisible" and isinstance(part.get("valueBoolean"), bool):
            result["citizen_visible"] = part["valueBoolean"]
    if not result.get("key"):
        raise FhirImportError("a result definition has no key")
    for name in ("label", "explanation"):
        texts = _read_local_parts(parts, name)
        if texts:
            result[name] = texts
    return result
