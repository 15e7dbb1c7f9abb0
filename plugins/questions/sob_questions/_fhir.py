"""FHIR R4 Questionnaire pieces shared by the question types: extensions, texts and import.

``classify(item)`` is the one place that decides which question type a FHIR item becomes; every
type's ``fhir_matches`` asks it, so exactly one type (or none) claims any item.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sob_core import local

from ._common import is_number
from ._messages import invalid

SD = "http://hl7.org/fhir/StructureDefinition/"
ITEM_CONTROL = SD + "questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
CHOICE_ORIENTATION = SD + "questionnaire-choiceOrientation"
MIN_VALUE = SD + "minValue"
MAX_VALUE = SD + "maxValue"
MAX_DECIMAL_PLACES = SD + "maxDecimalPlaces"
SLIDER_STEP = SD + "questionnaire-sliderStepValue"
UNIT = SD + "questionnaire-unit"
UNIT_OPTION = SD + "questionnaire-unitOption"
MIN_OCCURS = SD + "questionnaire-minOccurs"
MAX_OCCURS = SD + "questionnaire-maxOccurs"
ENTRY_FORMAT = SD + "entryFormat"
TRANSLATION = SD + "translation"
ORDINAL_VALUE = SD + "ordinalValue"
#: ``ordinalValue``'s successor (SDC 3, FHIR R5): an option's score kept as it came
ITEM_WEIGHT = SD + "itemWeight"
OPTION_PREFIX = SD + "questionnaire-optionPrefix"
MAX_QUANTITY = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-maxQuantity"
UCUM = "http://unitsofmeasure.org"

#: the item types besides ``choice`` that R4 lets give their answers as ``answerOption`` (the
#: answer must be one of them): such an item is a choice question keeping its type
TYPED_OPTIONS = frozenset({"integer", "string", "date", "time"})

#: Swedish is the base language of texts we read without a translation saying otherwise
BASE_LANGUAGE = "sv"
#: the language a FHIR import checks a question's settings in: its refusal is read by whoever
#: imports, so it carries both languages (``_messages.invalid``), English by ``str()``
IMPORTING = "sv+en"


# --- writing -------------------------------------------------------------------------------------


def extension(url: str, value_type: str, value: Any) -> dict[str, Any]:
    """``{"url": url, "value<Type>": value}``."""
    return {"url": url, f"value{value_type}": value}


def item_control(code: str) -> dict[str, Any]:
    coding = {"system": ITEM_CONTROL_SYSTEM, "code": code}
    return extension(ITEM_CONTROL, "CodeableConcept", {"coding": [coding]})


def number_extension(url: str, value: int | float, whole: bool) -> dict[str, Any]:
    return extension(url, "Integer" if whole else "Decimal", int(value) if whole else value)


def text_element(name: str, texts: Mapping[str, str], lang: str) -> dict[str, Any]:
    """``{name: text in lang, "_name": translations}``: the other languages ride along."""
    shown = local(texts, lang)
    base = lang if lang in texts else next((k for k in texts if texts[k] == shown), lang)
    element: dict[str, Any] = {name: shown}
    translations = [
        {
            "url": TRANSLATION,
            "extension": [
                {"url": "lang", "valueCode": other},
                {"url": "content", "valueString": text},
            ],
        }
        for other, text in texts.items()
        if text and other != base
    ]
    if translations:
        element[f"_{name}"] = {"extension": translations}
    return element


def label_items(key: str, labels: Mapping[str, Mapping[str, str]], lang: str) -> list[dict]:
    """Nested display items for end labels, e.g. ``{"lower": {...}, "upper": {...}}``."""
    return [
        {
            "linkId": f"{key}.{control}",
            "type": "display",
            **text_element("text", texts, lang),
            "extension": [item_control(control)],
        }
        for control, texts in labels.items()
        if texts
    ]


# --- reading -------------------------------------------------------------------------------------


def extensions(element: Any, url: str) -> list[Mapping[str, Any]]:
    if not isinstance(element, Mapping):
        return []
    found = element.get("extension")
    if not isinstance(found, list):
        return []
    return [e for e in found if isinstance(e, Mapping) and e.get("url") == url]


def extension_value(element: Any, url: str, *value_types: str) -> Any:
    """The value of the first extension ``url`` of one of ``value_types``, or None."""
    for found in extensions(element, url):
        for value_type in value_types:
            if f"value{value_type}" in found:
                return found[f"value{value_type}"]
    return None


def item_controls(item: Mapping[str, Any]) -> set[str]:
    codes: set[str] = set()
    for found in extensions(item, ITEM_CONTROL):
        concept = found.get("valueCodeableConcept")
        codings = concept.get("coding") if isinstance(concept, Mapping) else None
        for coding in codings if isinstance(codings, list) else []:
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
                codes.add(coding["code"])
    return codes


def read_text(element: Any, name: str) -> dict[str, str]:
    """The texts of ``element[name]`` by language, from its translations and its base text.

    The base text takes the first of sv/en that no translation covers (Swedish when there are no
    translations), so what ``text_element`` wrote in those languages comes back as it was.
    """
    if not isinstance(element, Mapping):
        return {}
    texts: dict[str, str] = {}
    for found in extensions(element.get(f"_{name}"), TRANSLATION):
        parts = {p.get("url"): p for p in found.get("extension") or [] if isinstance(p, Mapping)}
        lang = (parts.get("lang") or {}).get("valueCode")
        content = (parts.get("content") or {}).get("valueString")
        if isinstance(lang, str) and isinstance(content, str) and content:
            texts[lang] = content
    base = element.get(name)
    if isinstance(base, str) and base:
        for lang in (BASE_LANGUAGE, "en"):
            if lang not in texts:
                texts[lang] = base
                break
    return texts


def label_texts(item: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The nested lower/upper display items' texts, keyed by control code."""
    labels: dict[str, dict[str, str]] = {}
    children = item.get("item")
    for child in children if isinstance(children, list) else []:
        if isinstance(child, Mapping) and child.get("type") == "display":
            for control in item_controls(child) & {"lower", "upper"}:
                labels[control] = read_text(child, "text")
    return labels


def fhir_number(value: Any, name: str) -> int | float | None:
    """A number read from FHIR (JSON numbers, or ``Decimal`` from fhir.resources), or None."""
    if value is None:
        return None
    if not is_number(value):
        raise invalid("fhir_bad_value", BASE_LANGUAGE, name=name)
    if isinstance(value, Decimal | float) and value == int(value):
        return int(value)
    return float(value)


def has_no_option_source(item: Mapping[str, Any]) -> bool:
    """Whether the item names no answer options at all: no ``answerOption`` (or an empty list),
    no ``answerValueSet``. (The core refuses the extensions that give options some other way,
    ``answerExpression`` and the like, before a type reads the item.)"""
    return not item.get("answerOption") and item.get("answerValueSet") is None


def answer_options(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = item.get("answerOption")
    if not isinstance(options, list) or not options:
        raise invalid("fhir_no_options", BASE_LANGUAGE)
    return options


def integer_options(item: Mapping[str, Any]) -> list[int] | None:
    """The ``valueInteger`` of every answer option, when they are all integers; else None."""
    options = item.get("answerOption")
    if not isinstance(options, list) or not options:
        return None
    values = [o.get("valueInteger") if isinstance(o, Mapping) else None for o in options]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return values  # type: ignore[return-value]
    return None


def unit_codes(item: Mapping[str, Any]) -> set[str]:
    codes: set[str] = set()
    for url in (UNIT_OPTION, UNIT):
        for found in extensions(item, url):
            coding = found.get("valueCoding")
            if isinstance(coding, Mapping):
                code = coding.get("code") or coding.get("display")
                if isinstance(code, str):
                    codes.add(code)
    return codes


def expect(item: Any, key: str) -> Mapping[str, Any]:
    """``item`` when ``classify`` gives it to the type ``key``; otherwise a ``ValueError``."""
    if not isinstance(item, Mapping):
        raise invalid("fhir_item", BASE_LANGUAGE)
    if classify(item) != key:
        raise invalid("fhir_wrong_type", BASE_LANGUAGE, type=item.get("type"), key=key)
    return item


def classify(item: Any) -> str | None:
    """The question type key a FHIR Questionnaire item belongs to, or None when none fits."""
    if not isinstance(item, Mapping):
        return None
    kind = item.get("type")
    controls = item_controls(item)
    if (
        isinstance(kind, str)
        and kind in TYPED_OPTIONS
        and isinstance(item.get("answerOption"), list)
    ):
        if item.get("repeats") is True:
            return "multiple_choice"
        return "dropdown" if "drop-down" in controls else "single_choice"
    if kind == "choice":
        if item.get("repeats") is True:
            return "multiple_choice"
        if "drop-down" in controls:
            return "dropdown"
        values = integer_options(item)
        if values and len(values) > 1 and values == list(range(values[0], values[0] + len(values))):
            return "scale"
        return "single_choice"
    if kind == "open-choice":
        return "open_choice"
    if kind == "boolean":
        return "yes_no"
    if kind == "display":
        return "information"
    if kind in ("integer", "decimal"):
        return "slider" if "slider" in controls else "number"
    if kind == "quantity":
        return "duration" if unit_codes(item) == {"min"} else "quantity"
    if kind == "attachment":
        return "attachment"
    simple = {
        "string": "short_text",
        "url": "short_text",  # ``format: url`` (``text.py``)
        "text": "long_text",
        "date": "date",
        "time": "time",
    }
    return {**simple, "dateTime": "date_time"}.get(kind if isinstance(kind, str) else "")
