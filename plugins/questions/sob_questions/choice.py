"""Choice questions: single choice (radio buttons), multiple choice (checkboxes) and dropdown.

Configuration: ``options``, a list of ``{"value": "a", "label": {"sv": "...", "en": "..."}}`` with
unique values (an option may also name its code ``system``, carry a ``score``, FHIR's
``ordinalValue``, and a ``prefix`` shown before its label, FHIR's ``optionPrefix``; an imported
Coding with only a display has that display as its value, ``value_type`` ``display``, and is
exported so again); ``fhir_type`` (``integer``, ``string``, ``date`` or ``time``), set by a FHIR
import, is the type of an item that was not a ``choice`` but gave its answers as ``answerOption``
(R4 allows that: the answer must be one of them), each option then of that value type; the item
is exported again with that type. ``option_source: "initial"``, set by a FHIR import, says the
options are the item's ``initial`` values: a ``choice`` item with no ``answerOption`` and no
``answerValueSet`` but initial Codings (Android FHIR writes such items, often hidden, for
extraction), whose only possible answers they are; it is exported without ``answerOption``, the
question's initial answer written again as the item's ``initial``. Multiple choice also takes ``min_choices`` (default 1) and ``max_choices`` (default:
every option). The payload is the chosen option's value, or for multiple choice the list of chosen
values in the options' order.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sob_core import LocalText, QuestionSpec, QuestionType, ScaleItem, hookimpl, local

from . import _fhir, _schema
from ._common import (
    Option,
    config_int,
    config_mapping,
    config_validator,
    is_blank,
    nothing_answered,
    option_label,
    parse_options,
    safe_display,
)
from ._fields import ChoiceQuestionField, field_factory
from ._messages import invalid, message

SINGLE, MULTIPLE, DROPDOWN = "single_choice", "multiple_choice", "dropdown"


@dataclass(frozen=True)
class ChoiceSettings:
    options: tuple[Option, ...]
    multiple: bool = False
    min_choices: int = 1
    max_choices: int = 1
    #: the FHIR item type it was imported from when not ``choice`` (see the module's notes)
    fhir_type: str | None = None
    #: ``"initial"``: the options are the FHIR item's initial values (see the module's notes)
    option_source: str | None = None

    @property
    def values(self) -> frozenset[str]:
        return frozenset(option.value for option in self.options)

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"options": [option.to_config() for option in self.options]}
        if self.fhir_type:
            config["fhir_type"] = self.fhir_type
        if self.option_source:
            config["option_source"] = self.option_source
        if self.multiple:
            config.update(min_choices=self.min_choices, max_choices=self.max_choices)
        return config


def settings(config: Any, lang: str, multiple: bool = False) -> ChoiceSettings:
    config = config_mapping(config, lang)
    options = parse_options(config.get("options"), lang)
    fhir_type = config.get("fhir_type")
    if fhir_type is not None and (
        fhir_type not in _fhir.TYPED_OPTIONS or any(o.value_type != fhir_type for o in options)
    ):
        raise invalid("cfg_fhir_type", lang, type=repr(fhir_type)[:40])
    source = config.get("option_source")
    if source is not None and source != "initial":
        raise invalid("cfg_option_source", lang)
    if not multiple:
        return ChoiceSettings(options, fhir_type=fhir_type, option_source=source)
    count = len(options)
    low = config_int(config, "min_choices", 1, lang, 1, count)
    high = config_int(config, "max_choices", count, lang, 1, count)
    if low > high:
        raise invalid("cfg_not_above", lang, low_name="min_choices", high_name="max_choices")
    return ChoiceSettings(options, True, low, high, fhir_type, source)


def count_message(key: str, low: int, high: int, lang: str) -> str:
    """ "Du kan välja 1-17 svarsalternativ", or "Välj 3 svarsalternativ" when low == high."""
    if low == high:
        return message(f"{key}_exact", lang, count=low)
    return message(f"{key}_range", lang, min=low, max=high)


# --- answers -------------------------------------------------------------------------------------


def clean_one(spec: QuestionSpec, data: Any, lang: str) -> str | None:
    found = settings(spec.config, lang)
    if is_blank(data):
        return nothing_answered(spec, lang)
    if not isinstance(data, str):
        raise invalid("choose_one", lang)
    value = data.strip()
    if value not in found.values:
        raise invalid("unknown_option", lang)
    return value


def clean_many(spec: QuestionSpec, data: Any, lang: str) -> list[str] | None:
    found = settings(spec.config, lang, multiple=True)
    if data is None or isinstance(data, str):
        data = [] if data is None else [data]
    if not isinstance(data, list | tuple | set | frozenset):
        raise invalid("unknown_option", lang)
    chosen: set[str] = set()
    for item in data:
        if not isinstance(item, str):
            raise invalid("unknown_option", lang)
        value = item.strip()
        if value and value not in found.values:
            raise invalid("unknown_option", lang)
        if value:
            chosen.add(value)
    if not chosen:
        return nothing_answered(spec, lang)
    if not found.min_choices <= len(chosen) <= found.max_choices:
        raise ValueError(count_message("choose", found.min_choices, found.max_choices, lang))
    return [option.value for option in found.options if option.value in chosen]


@safe_display
def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
    options = parse_options(config_mapping(spec.config, lang).get("options"), lang)
    values = payload if isinstance(payload, list) else [payload]
    return ", ".join(option_label(options, value, lang) for value in values)


# --- FHIR ----------------------------------------------------------------------------------------


def fhir_item(key: str) -> Any:
    def item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
        found = settings(spec.config, lang, multiple=key == MULTIPLE)
        extra: dict[str, Any] = {"type": found.fhir_type} if found.fhir_type else {}
        if found.option_source != "initial":  # (else the question's initial answer says them)
            extra["answerOption"] = [
                {**option_extensions(o, lang), **_option_value(o, lang)} for o in found.options
            ]
        control = {SINGLE: "radio-button", MULTIPLE: "check-box", DROPDOWN: "drop-down"}[key]
        # options from the initial values (often a hidden item for extraction): no radio buttons
        # to ask for; a drop-down or check-box control says the type and stays
        bare = key == SINGLE and found.option_source == "initial"
        extensions = [] if bare else [_fhir.item_control(control)]
        if found.multiple:
            extra["repeats"] = True
            extensions.append(_fhir.extension(_fhir.MIN_OCCURS, "Integer", found.min_choices))
            extensions.append(_fhir.extension(_fhir.MAX_OCCURS, "Integer", found.max_choices))
        if extensions:
            extra["extension"] = extensions
        return extra

    return item


def _option_value(option: Option, lang: str) -> dict[str, Any]:
    """The ``value[x]`` of an answer option: a Coding, or the type it was imported as."""
    kind = option.value_type
    if kind == "integer":
        return {"valueInteger": int(option.value)}
    if kind in ("string", "display"):
        others = {k: v for k, v in option.label.items() if v != option.value}
        texts = {"sv": option.value, **others} if others else {"sv": option.value}
        if kind == "display":  # a Coding that has only its display, as it came
            return {"valueCoding": _fhir.text_element("display", texts, "sv")}
        return _fhir.text_element("valueString", texts, "sv")
    if kind in ("date", "time"):
        return {f"value{kind.title()}": option.value}
    coding = {
        **({"system": option.system} if option.system else {}),
        "code": option.value,
        **_fhir.text_element("display", option.label, lang),
    }
    return {"valueCoding": coding}


def option_extensions(option: Option, lang: str) -> dict[str, Any]:
    """An option's score and prefix as the ``ordinalValue`` and ``optionPrefix`` extensions of
    its answerOption."""
    found = []
    if option.score is not None:
        url = _fhir.ITEM_WEIGHT if option.score_as == "itemWeight" else _fhir.ORDINAL_VALUE
        found.append(_fhir.extension(url, "Decimal", option.score))
    if option.prefix:
        found.append(
            {"url": _fhir.OPTION_PREFIX, **_fhir.text_element("valueString", option.prefix, lang)}
        )
    return {"extension": found} if found else {}


def _read_prefix(option: Mapping[str, Any]) -> dict[str, Any]:
    """``{"prefix": texts}`` from an answerOption's ``optionPrefix``, or nothing."""
    for found in _fhir.extensions(option, _fhir.OPTION_PREFIX):
        texts = _fhir.read_text(found, "valueString")
        if texts:
            return {"prefix": texts}
    return {}


def _read_score(option: Mapping[str, Any], coding: Any) -> dict[str, Any]:
    """``{"score": ...}`` from the ``ordinalValue`` of an answer option, on the option or on its
    Coding, or from its ``itemWeight`` (then ``"score_as": "itemWeight"``, so it is exported
    as it came); nothing when it has neither."""
    for url, name in ((_fhir.ORDINAL_VALUE, "ordinalValue"), (_fhir.ITEM_WEIGHT, "itemWeight")):
        for element in (option, coding):
            value = _fhir.extension_value(element, url, "Decimal", "Integer")
            if value is not None:
                score = _fhir.fhir_number(value, name)
                return (
                    {"score": score}
                    if url == _fhir.ORDINAL_VALUE
                    else {
                        "score": score,
                        "score_as": name,
                    }
                )
    return {}


def fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    if payload is None:
        return []
    values = payload if isinstance(payload, list) else [payload]
    if not values or not all(isinstance(value, str) and value for value in values):
        raise invalid(
            "fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key=spec.type
        )
    known: dict[str, Option] = {}
    try:
        options = parse_options(config_mapping(spec.config, "sv").get("options"), "sv")
        known = {option.value: option for option in options}
    except ValueError:
        pass  # the answer outlived its options: export the codes alone
    answers = []
    for value in values:
        if value in known and known[value].value_type:
            answers.append(_option_value(known[value], _fhir.BASE_LANGUAGE))
            continue
        coding = {"code": value}
        if value in known:
            if known[value].system:
                coding = {"system": str(known[value].system), **coding}
            coding["display"] = local(known[value].label, _fhir.BASE_LANGUAGE)
        answers.append({"valueCoding": coding})
    return answers


def from_fhir(key: str) -> Any:
    def read(item: Mapping[str, Any]) -> dict[str, Any]:
        item = _fhir.expect(item, key)
        config: dict[str, Any] = {}
        if _fhir.has_no_option_source(item) and item.get("initial"):
            given = _initial_options(item)
            config["option_source"] = "initial"
        else:
            given = _fhir.answer_options(item)
        config["options"] = [_read_option(number, o) for number, o in enumerate(given, 1)]
        if item.get("type") in _fhir.TYPED_OPTIONS:
            config["fhir_type"] = item["type"]
        if key == MULTIPLE:
            config["min_choices"] = _fhir.extension_value(item, _fhir.MIN_OCCURS, "Integer")
            config["max_choices"] = _fhir.extension_value(item, _fhir.MAX_OCCURS, "Integer")
        return settings(config, _fhir.IMPORTING, multiple=key == MULTIPLE).to_config()

    return read


def _initial_options(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A choice item's initial Codings as its answer options (``option_source`` "initial"):
    each must be a Coding with a code, the answer the item stores."""
    options: list[Mapping[str, Any]] = []
    for entry in item.get("initial") or []:
        coding = entry.get("valueCoding") if isinstance(entry, Mapping) else None
        if not isinstance(coding, Mapping) or not isinstance(coding.get("code"), str):
            raise invalid("fhir_no_options", _fhir.BASE_LANGUAGE)
        options.append({"valueCoding": coding})
    return options


def _read_option(number: int, option: Any) -> dict[str, Any]:
    if isinstance(option, Mapping):
        coding = option.get("valueCoding")
        if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
            label = _fhir.read_text(coding, "display") or {"sv": coding["code"]}
            found: dict[str, Any] = {"value": coding["code"], "label": label}
            if isinstance(coding.get("system"), str):
                found["system"] = coding["system"]
            return {**found, **_read_score(option, coding), **_read_prefix(option)}
        if _display_only(coding):  # the display is its value (``value_type`` "display")
            label = _fhir.read_text(coding, "display")
            value = coding["display"]  # type: ignore[index]
            extra = {**_read_score(option, coding), **_read_prefix(option)}
            return {"value": value, "label": label, "value_type": "display", **extra}
        extra = {**_read_score(option, None), **_read_prefix(option)}
        if isinstance(option.get("valueString"), str):
            label = _fhir.read_text(option, "valueString")
            return {"value": option["valueString"], "label": label, "value_type": "string", **extra}
        integer = option.get("valueInteger")
        if isinstance(integer, int) and not isinstance(integer, bool):
            value = str(integer)
            return {"value": value, "label": {"sv": value}, "value_type": "integer", **extra}
        for kind in ("date", "time"):
            given = option.get(f"value{kind.title()}")
            if isinstance(given, str):
                return {"value": given, "label": {"sv": given}, "value_type": kind, **extra}
    raise invalid("fhir_bad_option", _fhir.BASE_LANGUAGE, number=number)


def _display_only(coding: Any) -> bool:
    """A Coding with a display and nothing else that names a value (no code, system, version)."""
    return (
        isinstance(coding, Mapping)
        and isinstance(coding.get("display"), str)
        and bool(coding["display"].strip())
        and not set(coding) - {"display", "_display", "extension"}
    )


# --- the types -----------------------------------------------------------------------------------


def scale_item_config(item: ScaleItem, option_labels: Sequence[LocalText]) -> dict[str, Any] | None:
    """A scale's choice item as a single-choice question: option ``i`` stores the value ``"i"``."""
    if item.kind != "choice":
        return None
    return {
        "options": [
            {"value": str(index), "label": dict(label)} for index, label in enumerate(option_labels)
        ]
    }


def _question_type(
    key: str, label: dict[str, str], schema: dict[str, Any], serves_scales: bool = False
) -> QuestionType:
    multiple = key == MULTIPLE
    clean = clean_many if multiple else clean_one

    def read(config: Any, lang: str) -> ChoiceSettings:
        return settings(config, lang, multiple)

    def hint(found: ChoiceSettings, lang: str) -> str:
        if not multiple:
            return ""
        return count_message("hint_choose", found.min_choices, found.max_choices, lang)

    return QuestionType(
        key=key,
        label=label,
        make_field=field_factory(
            functools.partial(ChoiceQuestionField, multiple=multiple), read, hint
        ),
        clean=clean,
        fhir_type="choice",
        config_schema=schema,
        validate_config=config_validator(read),
        display=display,
        template=f"sob_questions/{key}.html",
        fhir_item=fhir_item(key),
        fhir_answer=fhir_answer,
        from_fhir=from_fhir(key),
        fhir_matches=lambda item: _fhir.classify(item) == key,
        for_scale_item=scale_item_config if serves_scales else None,
    )


#: set by a FHIR import (see the module's notes); shown, so a designer who changes the options
#: can clear it and have them exported as ``answerOption``
_OPTION_SOURCE = _schema.titled(
    {"type": "string", "enum": ["initial"]},
    "Svarsalternativen är frågans startvärden (FHIR initial)",
    "The options are the question's initial values (FHIR initial)",
)
_OPTIONS_ONLY = _schema.config_schema(
    {"options": _schema.options(), "option_source": _OPTION_SOURCE}, required=("options",)
)

SINGLE_CHOICE = _question_type(
    SINGLE, {"sv": "Envalsfråga", "en": "Single choice"}, _OPTIONS_ONLY, serves_scales=True
)
DROPDOWN_TYPE = _question_type(DROPDOWN, {"sv": "Rullgardinsmeny", "en": "Dropdown"}, _OPTIONS_ONLY)
MULTIPLE_CHOICE = _question_type(
    MULTIPLE,
    {"sv": "Flervalsfråga", "en": "Multiple choice"},
    _schema.config_schema(
        {
            "options": _schema.options(),
            "min_choices": _schema.integer("Minsta antal val", "Fewest choices", 1, default=1),
            "max_choices": _schema.integer("Högsta antal val", "Most choices", 1, None),
            "option_source": _OPTION_SOURCE,
        },
        required=("options",),
    ),
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [SINGLE_CHOICE, MULTIPLE_CHOICE, DROPDOWN_TYPE]
