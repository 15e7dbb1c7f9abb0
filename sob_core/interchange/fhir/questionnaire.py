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
    DEFAULT_BASE_URL,
    MEDIA_EXTENSION,
    RESULT_EXTENSION,
    SCALE_SYSTEM,
    fhir_id,
    hidden_extension,
    iso,
    item_control,
    local_parts,
    origin_of,
    questionnaire_url,
    text_element,
    texts_of,
)
from .conditions import Earlier, enable_when
from .errors import FhirExportError
from .expressions import write_expressions
from .followups import attach
from .groups import nest
from .kept import restore
from .notes import note_items
from .prefill import write_prefill
from .scores import place_totals


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
    origin = origin_of(version)
    resource.update({k: origin[k] for k in ("url", "status", "copyright") if k in origin})
    if "url" in origin:  # its own version, or none when it had none
        resource.pop("version")
        if "version" in origin:
            resource["version"] = origin["version"]
    if "language" in origin:
        resource["language"] = origin["language"]
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
    kept = version.definition.get("kept")
    if isinstance(kept, Mapping):  # the Questionnaire's own extensions sob keeps unused
        results += [dict(e) for e in kept.get("extension") or [] if isinstance(e, Mapping)]
    if results:
        resource["extension"] = results
    questions = version.definition.get("questions", [])
    specs = forms_service.specs(version)
    earlier: dict[str, tuple[QuestionSpec, QuestionType | None]] = {}
    items = []
    for question, spec in zip(questions, specs, strict=True):
        qtype = registry.question_types.get(spec.type)
        items.append(_export_item(question, spec, qtype, earlier, lang, base_url))
        earlier[spec.key] = (spec, qtype)
    groups = version.definition.get("groups")
    items, top = attach(items, questions, groups, lang)
    results = version.definition.get("results", [])
    placed = list(top)
    place_totals(items, placed, results)
    resource["item"] = nest(items, placed, groups, lang)
    return resource


def _name(key: str) -> str:
    """A computer-friendly name (``que-0``: starts with a capital, letters, digits and _)."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", key))
    return name if name[:1].isalpha() else f"Form{name}"


#: the settings of a result the extension carries (see the package's notes)
RESULT_SETTINGS = frozenset(
    {
        "key",
        "label",
        "citizen_visible",
        "explanation",
        "method",
        "questions",
        "formula",
        "decimals",
        "bands",
        "fhir_item",
    }
)
BAND_SETTINGS = frozenset(
    {"slug", "label", "lower", "upper", "colour", "citizen_text", "staff_text"}
)


def _number(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"url": name, "valueInteger": value}
    return {"url": name, "valueDecimal": value}


def _result_extension(result: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(result) - RESULT_SETTINGS
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
    if "method" in result:  # an own result (``forms.own_results``)
        parts.append({"url": "method", "valueCode": str(result["method"])})
        for question in result.get("questions") or []:
            parts.append({"url": "question", "valueString": str(question)})
        if result.get("formula"):
            parts.append({"url": "formula", "valueString": str(result["formula"])})
        kept = result.get("fhir_item")
        if isinstance(kept, Mapping) and isinstance(kept.get("item"), Mapping):
            # the imported total item, exported again beside (scores.py)
            parts.append({"url": "item", "valueString": str(kept["item"].get("linkId"))})
        if "decimals" in result:
            parts.append({"url": "decimals", "valueInteger": int(result["decimals"])})
        for band in result.get("bands") or []:
            parts.append(_band_extension(result, band))
    return {"url": RESULT_EXTENSION, "extension": parts}


def _band_extension(result: Mapping[str, Any], band: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(band) - BAND_SETTINGS
    if unknown:
        raise FhirExportError(
            "result_settings", key=repr(result.get("key")), names=", ".join(sorted(unknown))
        )
    parts: list[dict[str, Any]] = [
        {"url": "slug", "valueCode": str(band["slug"])},
        {"url": "colour", "valueString": str(band["colour"])},
    ]
    for name in ("lower", "upper"):
        if band.get(name) is not None:
            parts.append(_number(name, band[name]))
    parts += local_parts("label", band.get("label"))
    parts += local_parts("citizenText", band.get("citizen_text"))
    parts += local_parts("staffText", band.get("staff_text"))
    return {"url": "band", "extension": parts}


def _export_item(
    question: Mapping[str, Any],
    spec: QuestionSpec,
    qtype: QuestionType | None,
    earlier: Earlier,
    lang: str,
    base_url: str | None = None,
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
        extensions.append(_media_extension(spec.key, media, base_url))
    extensions += write_expressions(question)  # calculated and prefilled (expressions.py)
    if question.get("hidden") is True:
        extensions.append(hidden_extension())
    if extensions:
        item["extension"] = extensions
    if qtype.fhir_type == "display":
        del item["required"]  # a display item may not say it (FHIR R4 que-6)
    item.update(write_prefill(question, spec, qtype, item.get("answerOption")))
    condition = question.get("show_if")
    if condition:
        item.update(enable_when(spec.key, condition, earlier))
    own_help = texts_of(question.get("help"))  # (``spec.help`` also shows the notes)
    if own_help:
        children.append(
            {
                "linkId": str(question.get("help_link") or f"{spec.key}.help"),
                **text_element("text", own_help, lang),
                "type": "display",
                "extension": [item_control("help")],
            }
        )
    children += note_items(question)
    if children:
        item["item"] = children
    restore(item, question)
    return item


def _media_extension(key: str, media: Any, base_url: str | None) -> dict[str, Any]:
    """A question's media (``forms.question_media``): the files by their ids in this
    deployment, their addresses for other readers, and the alt text or transcript."""
    if (
        not isinstance(media, Mapping)
        or media.get("kind") not in ("image", "audio", "video")
        or set(media) - {"kind", "media_id", "captions_media_id", "alt", "transcript"}
    ):
        raise FhirExportError("media", key=repr(key))
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    parts: list[dict[str, Any]] = [{"url": "kind", "valueString": media["kind"]}]
    for name, address in (("media_id", "src"), ("captions_media_id", "captions")):
        value = media.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise FhirExportError("media_text", key=repr(key), name=name)
        parts.append(
            {"url": "mediaId" if name == "media_id" else "captionsMediaId", "valueInteger": value}
        )
        parts.append({"url": address, "valueString": f"{base}/media/{value}"})
    parts += local_parts("alt", media.get("alt"))
    parts += local_parts("transcript", media.get("transcript"))
    return {"url": MEDIA_EXTENSION, "extension": parts}
