"""A form version as a FHIR R4 Questionnaire (see the package's notes for the mapping)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ... import forms as forms_service
from ...models import FormVersion
from ...plugins import Registry
from ...types import QuestionSpec, QuestionType, local
from .common import (
    MEDIA_EXTENSION,
    RESULT_EXTENSION,
    SCALE_SYSTEM,
    fhir_id,
    iso,
    item_control,
    local_parts,
    questionnaire_url,
    text_element,
    texts_of,
)
from .errors import FhirExportError

#: the questions before the one being exported, which its ``show_if`` may name
Earlier = Mapping[str, tuple[QuestionSpec, QuestionType | None]]


def export_questionnaire(
    version: FormVersion, registry: Registry, lang: str = "sv", *, base_url: str | None = None
) -> dict[str, Any]:
    """The FHIR R4 Questionnaire of one form version, texts in ``lang`` with translations.

    ``base_url`` is the deployment's public address (``SOB_BASE_URL``), the start of ``url``.
    """
    form = version.form
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": fhir_id(form.key, version.version),
        "language": lang,
        "url": questionnaire_url(form.key, base_url),
        "version": str(version.version),
        "name": _name(form.key),
        **text_element("title", version.title or {"sv": form.key}, lang),
        "status": "active",
        "subjectType": ["Patient"],
    }
    if iso(version.created_at):
        resource["date"] = iso(version.created_at)
    resource.update(text_element("description", version.intro, lang))
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


def _name(key: str) -> str:
    """A computer-friendly name (``que-0``: starts with a capital, letters, digits and _)."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", key))
    return name if name[:1].isalpha() else f"Form{name}"


def _result_extension(result: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(result) - {"key", "label", "citizen_visible", "explanation"}
    if unknown:
        raise FhirExportError(
            "result_settings", key=repr(result.get("key")), names=", ".join(sorted(unknown))
        )
    parts: list[dict[str, Any]] = [
        {"url": "key", "valueString": str(result["key"])},
        {"url": "citizenVisible", "valueBoolean": bool(result.get("citizen_visible"))},
    ]
    parts += local_parts("label", result.get("label"))
    parts += local_parts("explanation", result.get("explanation"))
    return {"url": RESULT_EXTENSION, "extension": parts}


def _export_item(
    question: Mapping[str, Any],
    spec: QuestionSpec,
    qtype: QuestionType | None,
    earlier: Earlier,
    lang: str,
) -> dict[str, Any]:
    if qtype is None:
        raise FhirExportError("type_not_installed", key=repr(spec.key), type=repr(spec.type))
    item: dict[str, Any] = {
        "linkId": spec.key,
        **text_element("text", spec.label, lang),
        "type": qtype.fhir_type,
        "required": bool(spec.required),
    }
    try:
        extra = dict(qtype.fhir_item(spec, lang))
    except ValueError as error:
        raise FhirExportError("question", key=repr(spec.key), detail=error) from error
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
    if texts_of(spec.help):
        children.append(
            {
                "linkId": f"{spec.key}.help",
                **text_element("text", spec.help, lang),
                "type": "display",
                "extension": [item_control("help")],
            }
        )
    if children:
        item["item"] = children
    return item


def _media_extension(key: str, media: Any) -> dict[str, Any]:
    if not isinstance(media, Mapping) or set(media) - {"kind", "src", "alt", "captions"}:
        raise FhirExportError("media", key=repr(key))
    parts: list[dict[str, Any]] = []
    for name in ("kind", "src", "captions"):
        value = media.get(name)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise FhirExportError("media_text", key=repr(key), name=name)
            parts.append({"url": name, "valueString": value})
    parts += local_parts("alt", media.get("alt"))
    return {"url": MEDIA_EXTENSION, "extension": parts}


def _enable_when(key: str, condition: Mapping[str, Any], earlier: Earlier) -> dict[str, Any]:
    source = condition.get("question")
    if not isinstance(source, str) or source not in earlier:
        raise FhirExportError("show_if_source", key=repr(key))
    spec, qtype = earlier[source]
    if qtype is None:
        raise FhirExportError("show_if_source_type", key=repr(key), source=repr(source))
    # the order condition_holds() reads a condition in
    if "equals" in condition:
        answer = _condition_answer(key, spec, qtype, condition["equals"])
        return {"enableWhen": [{"question": source, "operator": "=", **answer}]}
    if "in" in condition:
        values = condition["in"]
        if not isinstance(values, list | tuple) or not values:
            raise FhirExportError("show_if_in", key=repr(key))
        whens = [
            {"question": source, "operator": "=", **_condition_answer(key, spec, qtype, value)}
            for value in values
        ]
        return {"enableWhen": whens, "enableBehavior": "any"}
    if "min" in condition:
        answer = _minimum_answer(key, spec, qtype, condition["min"])
        return {"enableWhen": [{"question": source, "operator": ">=", **answer}]}
    raise FhirExportError("show_if_kind", key=repr(key))


def _condition_answer(
    key: str, spec: QuestionSpec, qtype: QuestionType, value: Any
) -> dict[str, Any]:
    """``{"answerCoding": ...}``: the answer the source question gives for ``value``."""
    compared = {"key": repr(key), "source": repr(spec.key), "value": repr(value)}
    try:
        answers = qtype.fhir_answer(spec, value)
    except ValueError as error:
        raise FhirExportError("show_if_compare", **compared, detail=error) from error
    if len(answers) != 1 or len(answers[0]) != 1:
        raise FhirExportError("show_if_one_answer", **compared)
    ((name, answer),) = answers[0].items()
    return {"answer" + name.removeprefix("value"): answer}


def _minimum_answer(key: str, spec: QuestionSpec, qtype: QuestionType, value: Any) -> dict:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FhirExportError("show_if_min", key=repr(key))
    try:
        answer = _condition_answer(key, spec, qtype, value)
    except FhirExportError:
        answer = {}
    if set(answer) & {"answerInteger", "answerDecimal", "answerQuantity"}:
        return answer
    return {"answerInteger": value} if isinstance(value, int) else {"answerDecimal": value}
