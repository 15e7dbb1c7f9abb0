"""What the question types share: reading a designer's configuration, options, numbers and text.

Configuration readers raise ``ValueError`` with a message in the designer's language; answer
parsers raise it with a message in the citizen's. Nothing here raises anything else, whatever it is
given: the server hands posted data straight to ``clean()``.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload

from sob_core import QuestionSpec, local

from ._messages import format_number, invalid

#: a number we store must survive JSON and JavaScript: 15 significant integer digits at most
MAX_MAGNITUDE = Decimal(10) ** 15
MAX_OPTIONS = 100
MAX_OPTION_VALUE = 64

_DIGITS = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
# "10 000" and "1 234,5": Swedish groups thousands with a (narrow, no-break) space
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?", re.ASCII)
# C0 controls except tab, line feed and carriage return, and DEL: nothing a person types
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_number(value: Any) -> bool:
    """A real, finite number that is not a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


def is_blank(data: Any) -> bool:
    """Nothing was answered: ``None`` or a string of whitespace."""
    return data is None or (isinstance(data, str) and not data.strip())


def to_decimal(value: int | float | Decimal) -> Decimal:
    """An exact ``Decimal`` of a number; a float by its shortest repr (``0.1`` -> ``0.1``)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(int(value))


def plain_number(value: Decimal) -> int | float:
    """``Decimal`` -> ``int`` when whole, else ``float`` (what configs and payloads hold)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def nothing_answered(spec: QuestionSpec, lang: str) -> Any:
    """The payload of an empty answer: None, or the "required" message when it must be given."""
    if spec.required:
        raise invalid("required", lang)
    return None


Display = Callable[[QuestionSpec, Any, str], str]


def safe_display(render: Display) -> Display:
    """``display()`` shows stored data, which may predate the question's current settings: when
    ``render`` cannot make sense of a payload it falls back to the payload as text, never raising,
    so one odd answer cannot break a results page."""

    @functools.wraps(render)
    def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
        if payload is None:
            return ""
        try:
            return render(spec, payload, lang)
        except Exception:
            try:
                return str(payload)[:1000]
            except Exception:
                return ""

    return display


def config_validator(read: Callable[[Any, str], Any]) -> Callable[[Mapping[str, Any], str], None]:
    """A type's ``validate_config``: reading the settings is the check."""

    def validate_config(config: Mapping[str, Any], lang: str) -> None:
        read(config, lang)

    return validate_config


# --- configuration -------------------------------------------------------------------------------


def config_mapping(config: Any, lang: str) -> Mapping[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise invalid("cfg_mapping", lang)
    return config


@overload
def config_int(
    config: Mapping[str, Any],
    name: str,
    default: int,
    lang: str,
    low: int | None = None,
    high: int | None = None,
) -> int: ...


@overload
def config_int(
    config: Mapping[str, Any],
    name: str,
    default: None,
    lang: str,
    low: int | None = None,
    high: int | None = None,
) -> int | None: ...


def config_int(
    config: Mapping[str, Any],
    name: str,
    default: int | None,
    lang: str,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    """The whole number ``config[name]`` (a whole float such as ``3.0`` counts), within bounds."""
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, float) and is_number(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("cfg_int", lang, name=name)
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise invalid("cfg_at_least", lang, name=name, low=low)
        raise invalid("cfg_between", lang, name=name, low=low, high=high)
    return value


def config_number(
    config: Mapping[str, Any], name: str, lang: str, decimals: int = 4
) -> int | float | None:
    """The finite number ``config[name]`` with at most ``decimals`` decimals, or None."""
    value = config.get(name)
    if value is None:
        return None
    if not is_number(value) or abs(to_decimal(value)) >= MAX_MAGNITUDE:
        raise invalid("cfg_number", lang, name=name)
    number = to_decimal(value)
    if decimal_places(number) > decimals:
        raise invalid("cfg_decimals_of", lang, name=name, count=decimals)
    return plain_number(number)


def config_text(config: Mapping[str, Any], name: str, lang: str) -> dict[str, str]:
    """A text per language; a plain string is taken as Swedish. Empty when absent."""
    return local_text(config.get(name), name, lang)


def local_text(value: Any, name: str, lang: str, required: bool = False) -> dict[str, str]:
    if value is None or value == "":
        texts: dict[str, str] = {}
    elif isinstance(value, str):
        texts = {"sv": value}
    elif isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        texts = {k: v for k, v in value.items() if v.strip()}
    else:
        raise invalid("cfg_text", lang, name=name)
    if texts and not texts.get("sv", "").strip():
        raise invalid("cfg_text_sv", lang, name=name)
    if required and not texts:
        raise invalid("cfg_text_sv", lang, name=name)
    return texts


def check_order(
    low: float | None, high: float | None, low_name: str, high_name: str, lang: str, strict: bool
) -> None:
    if low is None or high is None:
        return
    if low > high or (strict and low == high):
        raise invalid(
            "cfg_below" if strict else "cfg_not_above", lang, **_names(low_name, high_name)
        )


def _names(low_name: str, high_name: str) -> dict[str, str]:
    return {"low_name": low_name, "high_name": high_name}


# --- options -------------------------------------------------------------------------------------


MAX_SYSTEM = 255  # characters of an option's code system URI


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]
    #: the code system of the value (a FHIR Coding's ``system``), kept for import and export
    system: str | None = None
    #: the option's score (FHIR's ``ordinalValue``), kept for import and export
    score: int | float | None = None
    #: the FHIR type of the value when it is not a Coding (``integer``, ``string``, ``date``,
    #: ``time``: an imported ``answerOption.valueInteger`` ...), so it is exported as it came
    value_type: str | None = None
    #: shown before the label, e.g. ``{"sv": "a)"}`` (FHIR's ``optionPrefix``)
    prefix: dict[str, str] | None = None
    #: ``"itemWeight"`` when an imported score came as FHIR's ``itemWeight`` (exported so again),
    #: else None (``ordinalValue``)
    score_as: str | None = None

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"value": self.value, "label": dict(self.label)}
        if self.system:
            config["system"] = self.system
        if self.score is not None:
            config["score"] = self.score
        if self.value_type:
            config["value_type"] = self.value_type
        if self.prefix:
            config["prefix"] = dict(self.prefix)
        if self.score_as:
            config["score_as"] = self.score_as
        return config

    def shown(self, lang: str) -> str:
        """The label as the citizen sees it: after its prefix, when it has one."""
        label = local(self.label, lang)
        prefix = local(self.prefix, lang) if self.prefix else ""
        return f"{prefix} {label}" if prefix else label


#: how an option's score may be written in FHIR besides ``ordinalValue`` (``Option.score_as``)
SCORE_AS = ("itemWeight",)

#: the option values that are not Codings, and what their value must look like
VALUE_TYPES = {
    "integer": re.compile(r"-?\d{1,10}"),
    "string": re.compile(r".+", re.DOTALL),
    # a FHIR Coding with a display and no code (Android FHIR's catalog): the display is the value
    "display": re.compile(r".+", re.DOTALL),
    "date": re.compile(r"\d{4}(-\d{2}(-\d{2})?)?"),
    "time": re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d"),
}


def parse_options(raw: Any, lang: str) -> tuple[Option, ...]:
    """Check a designer's ``options`` list: objects with a unique value and a Swedish label."""
    if not isinstance(raw, list | tuple) or not raw:
        raise invalid("cfg_options", lang)
    if len(raw) > MAX_OPTIONS:
        raise invalid("cfg_too_many_options", lang, max=MAX_OPTIONS)
    options: list[Option] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise invalid("cfg_option", lang, number=number)
        value = item.get("value")
        if not isinstance(value, str) or not is_option_value(value):
            raise invalid("cfg_option_value", lang, number=number, max=MAX_OPTION_VALUE)
        try:
            label = local_text(item.get("label"), "label", lang, required=True)
        except ValueError:
            raise invalid("cfg_option_label", lang, number=number) from None
        system = item.get("system")
        if system is not None and not (
            isinstance(system, str) and 0 < len(system) <= MAX_SYSTEM and system.isprintable()
        ):
            raise invalid("cfg_option", lang, number=number)
        score = item.get("score")
        if score is not None and not (is_number(score) and math.isfinite(score)):
            raise invalid("cfg_option", lang, number=number)
        value_type = item.get("value_type")
        if value_type is not None and (
            value_type not in VALUE_TYPES or system or not VALUE_TYPES[value_type].fullmatch(value)
        ):
            raise invalid("cfg_option", lang, number=number)
        try:
            prefix = local_text(item.get("prefix"), "prefix", lang) or None
        except ValueError:
            raise invalid("cfg_option", lang, number=number) from None
        score_as = item.get("score_as")
        if score_as is not None and (score_as not in SCORE_AS or score is None):
            raise invalid("cfg_option", lang, number=number)
        if value in seen:
            raise invalid("cfg_duplicate_value", lang, value=value)
        seen.add(value)
        options.append(Option(value, label, system or None, score, value_type, prefix, score_as))
    return tuple(options)


def is_option_value(value: Any) -> bool:
    """A FHIR-code-like string: 1-64 characters, no outer or control whitespace."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_OPTION_VALUE
        and value == value.strip()
        and value.isprintable()
    )


def option_label(options: tuple[Option, ...], value: Any, lang: str) -> str:
    """The label of the option ``value`` in ``lang``, or the value itself when it is not known."""
    for option in options:
        if option.value == value:
            return option.shown(lang)
    return str(value)


# --- numbers -------------------------------------------------------------------------------------


def decimal_places(value: Decimal) -> int:
    """How many decimals a finite ``Decimal`` really has (``7.50`` has 1), exactly."""
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    places, end = -exponent, len(digits)
    while places and end and digits[end - 1] == 0:
        places, end = places - 1, end - 1
    return places


def parse_number(data: Any, lang: str, whole: bool) -> Decimal | None:
    """A posted or stored number as a finite ``Decimal``; None when nothing was given.

    Accepts numbers and strings such as ``"7,5"``, ``" -3 "``, ``"10 000"`` or ``"−2"`` (the
    typographic minus). Rejects bools, NaN, infinities, exponents and anything of 15 or more digits.
    """
    not_number = "not_whole" if whole else "not_number"
    if is_blank(data):
        return None
    if isinstance(data, str):
        text = data.strip().replace("\u2212", "-")
        if _GROUPED.fullmatch(text):
            text = re.sub(r"[ \u00a0\u202f]", "", text)
        text = text.replace(",", ".")
        if not _DIGITS.fullmatch(text):
            raise invalid(not_number, lang)
        number = Decimal(text)
    elif is_number(data):
        if isinstance(data, int) and abs(data) >= 10**15:
            raise invalid("too_large", lang)  # before Decimal(): int -> str is bounded
        number = to_decimal(data)
    else:
        raise invalid(not_number, lang)
    if abs(number) >= MAX_MAGNITUDE:
        raise invalid("too_large", lang)
    if number == 0:
        number = Decimal(0)  # no "-0"
    if whole and decimal_places(number) > 0:
        raise invalid("not_whole", lang)
    return number


def range_error(
    value: Decimal, low: float | None, high: float | None, lang: str
) -> ValueError | None:
    """The message for ``value`` outside ``low..high`` (either may be open), or None."""
    too_low = low is not None and value < to_decimal(low)
    too_high = high is not None and value > to_decimal(high)
    if not (too_low or too_high):
        return None
    shown = {
        "min": format_number(low, lang) if low is not None else "",
        "max": format_number(high, lang) if high is not None else "",
    }
    if low is not None and high is not None:
        return invalid("number_range", lang, **shown)
    return invalid("number_min" if too_low else "number_max", lang, **shown)


# --- text ----------------------------------------------------------------------------------------


def clean_text(data: Any, lang: str, multiline: bool) -> str | None:
    """A posted text, NFC-normalised and stripped, line breaks as ``\\n``; None when blank."""
    if is_blank(data):
        return None
    if not isinstance(data, str):
        raise invalid("not_text", lang)
    text = unicodedata.normalize("NFC", data.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if _CONTROL.search(text) or not _encodes(text):
        raise invalid("bad_characters", lang)
    if not multiline and "\n" in text:
        raise invalid("one_line", lang)
    return text


def _encodes(text: str) -> bool:
    """Lone surrogates cannot be stored as UTF-8 (PostgreSQL refuses them)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
