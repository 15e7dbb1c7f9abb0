"""What the Questionnaire export, the response export and the import share: systems, identity and
texts in several languages (see the package's notes on texts)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ...models import FormVersion
from ...types import LANGUAGES

SD = "http://hl7.org/fhir/StructureDefinition/"
TRANSLATION = SD + "translation"
ITEM_CONTROL = SD + "questionnaire-itemControl"
#: an item (a question or a group, and so every item in it) never shown: ``"hidden": true``
HIDDEN = SD + "questionnaire-hidden"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
PERSONNUMMER_SYSTEM = "http://electronichealth.se/identifier/personnummer"
SAMORDNINGSNUMMER_SYSTEM = "http://electronichealth.se/identifier/samordningsnummer"

#: the namespace of sob's own code systems and extensions: the same in every deployment, so one
#: deployment's exports import into another (change it only together with a migration of exports)
SOB_FHIR = "https://sob.example/fhir"
SCALE_SYSTEM = SOB_FHIR + "/CodeSystem/scale"
RESULT_EXTENSION = SOB_FHIR + "/StructureDefinition/form-result"
MEDIA_EXTENSION = SOB_FHIR + "/StructureDefinition/question-media"

#: the address used when a caller has none (tests, a CLI without SOB_BASE_URL)
DEFAULT_BASE_URL = "http://localhost"

_FHIR_ID = re.compile(r"[^A-Za-z0-9.-]+")


def questionnaire_url(form_key: str, base_url: str | None = None) -> str:
    """The canonical URL of a form's Questionnaire (the same for all its versions)."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}/fhir/Questionnaire/{quote(form_key, safe='')}"


def questionnaire_canonical(version: FormVersion, base_url: str | None = None) -> str:
    """``url|version``: the exact version a response answered (an imported form's own)."""
    origin = origin_of(version)
    if origin.get("url"):
        return origin["url"] + (f"|{origin['version']}" if origin.get("version") else "")
    return f"{questionnaire_url(version.form.key, base_url)}|{version.version}"


def origin_of(version: FormVersion) -> dict[str, str]:
    """What the imported Questionnaire of ``version`` said of itself (empty for sob's own)."""
    origin = (version.definition or {}).get("origin")
    if not isinstance(origin, Mapping):
        return {}
    return {str(k): v for k, v in origin.items() if isinstance(v, str) and v}


def fhir_id(*parts: Any) -> str:
    """A FHIR ``id`` from ``parts``: letters, digits, ``-`` and ``.``, at most 64 long."""
    raw = "-".join(str(part) for part in parts)
    cleaned = _FHIR_ID.sub("-", raw).strip("-.") or "form"
    return cleaned[-64:].lstrip("-.") or "form"


def iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


# --- texts ---------------------------------------------------------------------------------------


def texts_of(texts: Any) -> dict[str, str]:
    """The non-empty texts of a ``LocalText``-like value (anything else has none)."""
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


def text_element(name: str, texts: Any, lang: str) -> dict[str, Any]:
    """``{name: text in lang, "_name": {translations of the other languages}}``."""
    texts = texts_of(texts)
    if not texts:
        return {}
    base = lang if lang in texts else ("sv" if "sv" in texts else next(iter(texts)))
    element: dict[str, Any] = {name: texts[base]}
    others = [_translation(other, text) for other, text in texts.items() if other != base]
    if others:
        element[f"_{name}"] = {"extension": others}
    return element


def read_text(element: Any, name: str) -> dict[str, str]:
    """The texts of ``element[name]`` per language (see the package's notes on texts)."""
    if not isinstance(element, Mapping):
        return {}
    texts: dict[str, str] = {}
    for found in extensions(element.get(f"_{name}"), TRANSLATION):
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


def local_parts(name: str, texts: Any) -> list[dict[str, Any]]:
    """A text per language inside a complex extension: one ``name`` part per language."""
    return [
        {
            "url": name,
            "extension": [
                {"url": "lang", "valueCode": lang},
                {"url": "content", "valueString": text},
            ],
        }
        for lang, text in texts_of(texts).items()
    ]


def read_local_parts(parts: Sequence[Mapping[str, Any]], name: str) -> dict[str, str]:
    """The texts ``local_parts`` wrote under ``name``."""
    texts = {}
    for part in parts:
        if part.get("url") == name:
            lang, content = _pairs(part)
            if isinstance(lang, str) and isinstance(content, str) and content:
                texts[lang] = content
    return texts


def _pairs(extension: Mapping[str, Any]) -> tuple[Any, Any]:
    """The ``lang``/``content`` of a translation-shaped complex extension."""
    parts = {p.get("url"): p for p in extension.get("extension") or [] if isinstance(p, Mapping)}
    return (parts.get("lang") or {}).get("valueCode"), (parts.get("content") or {}).get(
        "valueString"
    )


# --- extensions ----------------------------------------------------------------------------------


def extensions(element: Any, url: str) -> list[Mapping[str, Any]]:
    """The extensions of ``element`` with the ``url``."""
    found = element.get("extension") if isinstance(element, Mapping) else None
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, Mapping) and e.get("url") == url]


def item_control(code: str) -> dict[str, Any]:
    return {
        "url": ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL_SYSTEM, "code": code}]},
    }


def controls(item: Any) -> frozenset[str]:
    """The itemControl codes of an item (``help`` marks a help text)."""
    codes = set()
    for found in extensions(item, ITEM_CONTROL):
        concept = found.get("valueCodeableConcept")
        codings = concept.get("coding") if isinstance(concept, Mapping) else None
        for coding in codings if isinstance(codings, list) else []:
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
                codes.add(coding["code"])
    return frozenset(codes)


def hidden_extension() -> dict[str, Any]:
    return {"url": HIDDEN, "valueBoolean": True}


def is_hidden(element: Mapping[str, Any]) -> bool:
    """Whether an item says ``questionnaire-hidden`` true (once: twice is not read)."""
    found = extensions(element, HIDDEN)
    return len(found) == 1 and found[0].get("valueBoolean") is True


def without_hidden(element: Mapping[str, Any]) -> dict[str, Any]:
    """The item without its ``questionnaire-hidden`` extension (read as ``"hidden"``)."""
    rest = dict(element)
    others = [
        e
        for e in element.get("extension") or []
        if not (isinstance(e, Mapping) and e.get("url") == HIDDEN)
    ]
    if others:
        rest["extension"] = others
    else:
        rest.pop("extension", None)
    return rest


def group_element(group: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The (still empty) group item of an entry of ``definition["groups"]``."""
    element: dict[str, Any] = {
        "linkId": group["key"],
        **text_element("text", group.get("text"), lang),
        "type": "group",
    }
    if group.get("required"):
        element["required"] = True
    extension: list[Any] = []
    if group.get("repeats"):  # a repeating group (sob_core.forms.repeating)
        element["repeats"] = True
        for name in ("min_occurs", "max_occurs"):
            if isinstance(group.get(name), int):
                extension.append(
                    {
                        "url": SD + "questionnaire-" + name.replace("_o", "O"),
                        "valueInteger": group[name],
                    }
                )
    if group.get("hidden") is True:
        extension.append(hidden_extension())
    kept = group.get("kept")  # population-only extensions (kept.POPULATION), written back
    if isinstance(kept, Mapping) and kept.get("extension"):
        extension += list(kept["extension"])
    if extension:
        element["extension"] = extension
    element["item"] = []
    return element
