"""Open choice: choose among options, or write an answer of one's own (FHIR's ``open-choice``).

Configuration: ``options`` as for the choice questions (a value, a label per language, optionally a
code ``system``, a ``score`` and a ``value_type``) and ``multiple`` (default false: one answer; true:
any number of options and the own answer, FHIR's ``repeats``).
The payload is a list of answers in the options' order, each an option's value or
``{"other": "the citizen's own text"}`` last: ``["a"]``, ``[{"other": "Marsvin"}]``,
``["a", "c", {"other": "Marsvin"}]``. Skip logic compares the option values as for multiple choice.

``"free_text": true`` (and no options) is an open choice whose every answer is the citizen's own
text: a FHIR ``open-choice`` item with no ``answerOption`` and no ``answerValueSet`` (R4 lets an
open-choice answer be a free string). It is shown as one text input, stored as
``[{"other": text}]``, answered with ``valueString`` and exported as an ``open-choice`` item with
no ``answerOption``. Without ``free_text`` an open choice needs its options, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sob_core import QuestionSpec, QuestionType, hookimpl, local

from . import _fhir, _schema
from ._common import (
    Option,
    config_mapping,
    config_validator,
    is_blank,
    nothing_answered,
    option_label,
    parse_options,
    safe_display,
)
from ._fields import OpenChoiceQuestionField, field_factory
from ._messages import invalid, message
from .choice import _option_value, _read_option, option_extensions

KEY = "open_choice"
#: the value of the "Other" radio button: no option may have it
OTHER = ":other"
#: the longest own answer kept (a FHIR string may be longer; this one is typed into a form field)
MAX_OTHER = 1000


@dataclass(frozen=True)
class OpenChoiceSettings:
    options: tuple[Option, ...]
    multiple: bool = False
    #: no options: every answer is the citizen's own text (see the module's notes)
    free_text: bool = False

    @property
    def values(self) -> frozenset[str]:
        return frozenset(option.value for option in self.options)

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = (
            {"free_text": True}
            if self.free_text
            else {"options": [option.to_config() for option in self.options]}
        )
        if self.multiple:
            config["multiple"] = True
        return config


def settings(config: Any, lang: str) -> OpenChoiceSettings:
    config = config_mapping(config, lang)
    free_text = config.get("free_text", False)
    if not isinstance(free_text, bool):
        raise invalid("cfg_bool", lang, name="free_text")
    multiple = config.get("multiple", False)
    if not isinstance(multiple, bool):
        raise invalid("cfg_bool", lang, name="multiple")
    if free_text:
        if config.get("options"):
            raise invalid("cfg_free_text_options", lang)
        return OpenChoiceSettings((), multiple, True)
    options = parse_options(config.get("options"), lang)
    if OTHER in {option.value for option in options}:
        raise invalid("cfg_duplicate_value", lang, value=OTHER)
    return OpenChoiceSettings(options, multiple)


# --- answers -------------------------------------------------------------------------------------


def _own_text(value: Any, lang: str) -> str | None:
    if is_blank(value):
        return None
    if not isinstance(value, str):
        raise invalid("not_text", lang)
    text = " ".join(value.split())
    if len(text) > MAX_OTHER:
        raise invalid("other_too_long", lang, max=MAX_OTHER)
    if not text.isprintable():
        raise invalid("bad_characters", lang)
    return text


def _parts(data: Any, lang: str) -> tuple[list[Any], Any]:
    """The chosen values and the own text, from a post (a mapping) or a stored payload (a list)."""
    if isinstance(data, Mapping):
        chosen = data.get("chosen")
        chosen = [] if chosen is None else chosen if isinstance(chosen, list) else [chosen]
        return list(chosen), data.get("other")
    if isinstance(data, str):
        return [data], None
    if isinstance(data, list | tuple):
        values = [v for v in data if not isinstance(v, Mapping)]
        others = [v.get("other") for v in data if isinstance(v, Mapping)]
        if len(others) > 1:
            raise invalid("one_other", lang)
        return values, others[0] if others else None
    if data is None:
        return [], None
    raise invalid("unknown_option", lang)


def clean(spec: QuestionSpec, data: Any, lang: str) -> list[Any] | None:
    found = settings(spec.config, lang)
    values, other = _parts(data, lang)
    text = _own_text(other, lang)
    said_other = False
    chosen: set[str] = set()
    for value in values:
        if not isinstance(value, str):
            raise invalid("unknown_option", lang)
        value = value.strip()
        if value == OTHER:
            said_other = True
        elif value and value not in found.values:
            raise invalid("unknown_option", lang)
        elif value:
            chosen.add(value)
    if said_other and text is None:
        raise invalid("other_empty", lang)
    if not chosen and text is None:
        return nothing_answered(spec, lang)
    if not found.multiple and len(chosen) + (text is not None) > 1:
        raise invalid("option_or_other", lang)
    answer: list[Any] = [option.value for option in found.options if option.value in chosen]
    if text is not None:
        answer.append({"other": text})
    return answer


@safe_display
def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
    found = settings(spec.config, lang)
    shown = []
    for value in payload if isinstance(payload, list) else [payload]:
        if isinstance(value, Mapping) and found.free_text:  # there is nothing else to tell
            shown.append(str(value.get("other")))
        elif isinstance(value, Mapping):
            shown.append(f"{message('other', lang)}: {value.get('other')}")
        else:
            shown.append(option_label(found.options, value, lang))
    return ", ".join(shown)


# --- FHIR ----------------------------------------------------------------------------------------


def fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    found = settings(spec.config, lang)
    item: dict[str, Any] = {}
    if not found.free_text:  # (R4 lets an open-choice item have no options: a free string)
        item["answerOption"] = [
            {**option_extensions(o, lang), **_option_value(o, lang)} for o in found.options
        ]
    if found.multiple:
        item["repeats"] = True
    return item


def fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    if payload is None:
        return []
    wrong = invalid("fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key=spec.type)
    if isinstance(payload, str):
        payload = [payload]
    if not isinstance(payload, list) or not payload:
        raise wrong
    known: dict[str, Option] = {}
    with contextlib.suppress(ValueError):  # the answer outlived its options: the codes alone
        known = {o.value: o for o in settings(spec.config, _fhir.BASE_LANGUAGE).options}
    answers: list[dict[str, Any]] = []
    for value in payload:
        if isinstance(value, Mapping) and isinstance(value.get("other"), str):
            answers.append({"valueString": value["other"]})
        elif isinstance(value, str) and value in known:
            option = known[value]
            exported = _option_value(option, _fhir.BASE_LANGUAGE)
            if "valueCoding" in exported:
                coding = dict(exported["valueCoding"])
                coding.pop("_display", None)
                coding["display"] = local(option.label, _fhir.BASE_LANGUAGE)
                exported = {"valueCoding": coding}
            else:
                exported = {k: v for k, v in exported.items() if not k.startswith("_")}
            answers.append(exported)
        elif isinstance(value, str) and value:
            answers.append({"valueCoding": {"code": value}})
        else:
            raise wrong
    return answers


def from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, KEY)
    config: dict[str, Any]
    if _fhir.has_no_option_source(item):  # every answer a string of one's own (R4)
        initial = item.get("initial")
        if isinstance(initial, list) and any(
            isinstance(v, Mapping) and "valueCoding" in v for v in initial
        ):  # a coded answer where there are no codes: not a free text, and not ours to invent
            raise invalid("fhir_free_text_coding", _fhir.BASE_LANGUAGE)
        config = {"free_text": True}
    else:
        options = _fhir.answer_options(item)
        config = {"options": [_read_option(number, o) for number, o in enumerate(options, 1)]}
    if item.get("repeats") is True:
        config["multiple"] = True
    return settings(config, _fhir.IMPORTING).to_config()


def _hint(found: OpenChoiceSettings, lang: str) -> str:
    if found.free_text:  # a text input: nothing to choose, nothing to explain
        return ""
    return message("hint_open_many" if found.multiple else "hint_open_one", lang)


OPEN_CHOICE = QuestionType(
    key=KEY,
    label={"sv": "Val med eget svar", "en": "Choice with own answer"},
    make_field=field_factory(
        OpenChoiceQuestionField,
        settings,
        _hint,
    ),
    clean=clean,
    fhir_type="open-choice",
    config_schema=_schema.config_schema(
        {
            "options": _schema.options(),
            "multiple": _schema.titled(
                {"type": "boolean", "default": False}, "Flera svar", "Several answers"
            ),
            "free_text": _schema.titled(
                {
                    "type": "boolean",
                    "default": False,
                    "description": "Inga svarsalternativ: svaret är en egen text.",
                },
                "Bara eget svar",
                "Own answer only",
            ),
        },
    ),
    validate_config=config_validator(settings),
    display=display,
    template="sob_questions/open_choice.html",
    fhir_item=fhir_item,
    fhir_answer=fhir_answer,
    from_fhir=from_fhir,
    fhir_matches=lambda item: _fhir.classify(item) == KEY,
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [OPEN_CHOICE]
