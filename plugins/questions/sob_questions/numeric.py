"""Numeric questions: number (typed in), slider (a native range input) and scale (a row of radios).

- number: ``decimals`` (0-4, default 0), optional ``min``/``max``, optional ``unit`` (a text, or a
  text per language). Payload: an int, or a float when ``decimals`` > 0. Typed input may use a
  decimal comma and Swedish thousands spaces ("10 000", "7,5").
- slider: whole numbers ``min`` (0), ``max`` (100) and ``step`` (1), the range divisible by the step
  (FHIR's sliderStepValue is an integer), end labels ``min_label``/``max_label``. Payload: an int.
- scale: whole numbers ``min`` (0) and ``max`` (10), at most 21 points, end labels
  ``min_label``/``max_label``. Payload: an int.

A number question with ``"repeats": true`` takes several numbers, a list (``_repeats``); sliders
and scales take one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sob_core import LocalText, QuestionSpec, QuestionType, ScaleItem, hookimpl, local

from . import _fhir, _schema
from ._common import (
    check_order,
    config_int,
    config_mapping,
    config_number,
    config_text,
    config_validator,
    decimal_places,
    is_number,
    nothing_answered,
    parse_number,
    range_error,
    safe_display,
)
from ._fields import SliderQuestionField, TextQuestionField, field_factory
from ._messages import format_number, invalid, message
from ._repeats import repeatable

#: whole-number settings stay within what anyone would put on a slider or scale
LIMIT = 10**9
MAX_SCALE_POINTS = 21


def _labels(config: Mapping[str, Any], lang: str) -> tuple[dict[str, str], dict[str, str]]:
    return config_text(config, "min_label", lang), config_text(config, "max_label", lang)


def _label_config(low: dict[str, str], high: dict[str, str]) -> dict[str, Any]:
    return {name: text for name, text in (("min_label", low), ("max_label", high)) if text}


# --- number --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberSettings:
    decimals: int = 0
    min: int | float | None = None
    max: int | float | None = None
    unit: dict[str, str] = field(default_factory=dict)
    #: False for a decimal imported from a FHIR item without ``maxDecimalPlaces``: it takes up
    #: to the most decimals sob keeps (4), and the export adds no ``maxDecimalPlaces``
    fhir_decimals: bool = True

    @property
    def whole(self) -> bool:
        return self.decimals == 0

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"decimals": self.decimals}
        for name in ("min", "max"):
            if getattr(self, name) is not None:
                config[name] = getattr(self, name)
        if self.unit:
            config["unit"] = dict(self.unit)
        if not self.fhir_decimals:
            config["fhir_decimals"] = False
        return config


#: the most decimals a number keeps
MOST_DECIMALS = 4


def number_settings(config: Any, lang: str) -> NumberSettings:
    config = config_mapping(config, lang)
    decimals = config_int(config, "decimals", 0, lang, 0, MOST_DECIMALS)
    low = config_number(config, "min", lang, decimals)
    high = config_number(config, "max", lang, decimals)
    check_order(low, high, "min", "max", lang, strict=False)
    in_fhir = config.get("fhir_decimals", True)
    if not isinstance(in_fhir, bool):
        raise invalid("cfg_bool", lang, name="fhir_decimals")
    return NumberSettings(decimals, low, high, config_text(config, "unit", lang), in_fhir)


def clean_number(spec: QuestionSpec, data: Any, lang: str) -> int | float | None:
    found = number_settings(spec.config, lang)
    value = parse_number(data, lang, whole=found.whole)
    if value is None:
        return nothing_answered(spec, lang)
    if decimal_places(value) > found.decimals:
        raise invalid("too_many_decimals", lang, count=found.decimals)
    error = range_error(value, found.min, found.max, lang)
    if error:
        raise error
    return int(value) if found.whole else float(value)


def number_hint(found: NumberSettings, lang: str) -> str:
    """ "Ett heltal mellan 0 och 10." / "A number of 0 or more, with at most 1 decimal."."""
    shown = {
        "min": format_number(found.min, lang) if found.min is not None else "",
        "max": format_number(found.max, lang) if found.max is not None else "",
    }
    text = message("hint_whole" if found.whole else "hint_number", lang)
    if found.min is not None and found.max is not None:
        text += message("hint_between", lang, **shown)
    elif found.min is not None:
        text += message("hint_at_least", lang, **shown)
    elif found.max is not None:
        text += message("hint_at_most", lang, **shown)
    if not found.whole:
        text += message("hint_decimals", lang, count=found.decimals)
    return text + "."


@safe_display
def display_number(spec: QuestionSpec, payload: Any, lang: str) -> str:
    if not is_number(payload):
        return str(payload)
    unit = local(number_settings(spec.config, lang).unit, lang)
    return f"{format_number(payload, lang)} {unit}".strip()


def number_for_scale_item(
    item: ScaleItem, option_labels: Sequence[LocalText]
) -> dict[str, Any] | None:
    """Any numeric scale item can be asked as a number (a duration type takes minutes first)."""
    return {} if item.kind == "number" else None


def number_fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    found = number_settings(spec.config, lang)
    extensions = []
    if not found.whole and found.fhir_decimals:
        extensions.append(_fhir.extension(_fhir.MAX_DECIMAL_PLACES, "Integer", found.decimals))
    for url, value in ((_fhir.MIN_VALUE, found.min), (_fhir.MAX_VALUE, found.max)):
        if value is not None:
            extensions.append(_fhir.number_extension(url, value, found.whole))
    if found.unit:
        coding = _fhir.text_element("display", found.unit, lang)
        extensions.append(_fhir.extension(_fhir.UNIT, "Coding", coding))
    # the item type follows the configuration, so it is given here as well as in fhir_type
    item: dict[str, Any] = {"type": "integer" if found.whole else "decimal"}
    if extensions:
        item["extension"] = extensions
    return item


def number_fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    if payload is None:
        return []
    if not is_number(payload):
        raise _bad_payload(spec, payload)
    try:
        whole = number_settings(spec.config, "sv").whole
    except ValueError:
        whole = isinstance(payload, int)
    if not whole:
        return [{"valueDecimal": float(payload)}]
    if payload != int(payload):
        raise _bad_payload(spec, payload)
    return [{"valueInteger": int(payload)}]


def number_from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, "number")
    whole = item.get("type") == "integer"
    decimals = 0 if whole else _fhir.extension_value(item, _fhir.MAX_DECIMAL_PLACES, "Integer")
    coding = _fhir.extension_value(item, _fhir.UNIT, "Coding")
    unit = _fhir.read_text(coding, "display")
    if not unit and isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
        unit = {"sv": coding["code"]}
    config = {
        # no limit in the source: the most sob keeps, and none added to the export
        "decimals": MOST_DECIMALS if decimals is None else decimals,
        **({"fhir_decimals": False} if decimals is None and not whole else {}),
        "min": _min_max(item, _fhir.MIN_VALUE, "minValue"),
        "max": _min_max(item, _fhir.MAX_VALUE, "maxValue"),
        "unit": unit or None,
    }
    return number_settings(config, _fhir.IMPORTING).to_config()


def _min_max(item: Mapping[str, Any], url: str, name: str) -> int | float | None:
    return _fhir.fhir_number(_fhir.extension_value(item, url, "Integer", "Decimal"), name)


def _bad_payload(spec: QuestionSpec, payload: Any) -> ValueError:
    return invalid("fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key=spec.type)


# --- slider --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SliderSettings:
    min: int = 0
    max: int = 100
    step: int = 1
    min_label: dict[str, str] = field(default_factory=dict)
    max_label: dict[str, str] = field(default_factory=dict)

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"min": self.min, "max": self.max, "step": self.step}
        return config | _label_config(self.min_label, self.max_label)


def slider_settings(config: Any, lang: str) -> SliderSettings:
    config = config_mapping(config, lang)
    low = config_int(config, "min", 0, lang, -LIMIT, LIMIT)
    high = config_int(config, "max", 100, lang, -LIMIT, LIMIT)
    step = config_int(config, "step", 1, lang, 1)
    check_order(low, high, "min", "max", lang, strict=True)
    if (high - low) % step:
        raise invalid("cfg_step_fit", lang, min=low, max=high, step=step)
    return SliderSettings(low, high, step, *_labels(config, lang))


def clean_slider(spec: QuestionSpec, data: Any, lang: str) -> int | None:
    found = slider_settings(spec.config, lang)
    value = parse_number(data, lang, whole=True)
    if value is None:
        if spec.required:  # an untouched slider stands somewhere too: say what makes an answer
            raise invalid("slider_not_chosen", lang)
        return None
    error = range_error(value, found.min, found.max, lang)
    if error:
        raise error
    if (int(value) - found.min) % found.step:
        raise invalid("slider_step", lang, min=found.min, max=found.max, step=found.step)
    return int(value)


# --- scale ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleSettings:
    min: int = 0
    max: int = 10
    min_label: dict[str, str] = field(default_factory=dict)
    max_label: dict[str, str] = field(default_factory=dict)

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"min": self.min, "max": self.max}
        return config | _label_config(self.min_label, self.max_label)


def scale_settings(config: Any, lang: str) -> ScaleSettings:
    config = config_mapping(config, lang)
    low = config_int(config, "min", 0, lang, -LIMIT, LIMIT)
    high = config_int(config, "max", 10, lang, -LIMIT, LIMIT)
    check_order(low, high, "min", "max", lang, strict=True)
    if high - low + 1 > MAX_SCALE_POINTS:
        raise invalid("cfg_scale_size", lang, max=MAX_SCALE_POINTS)
    return ScaleSettings(low, high, *_labels(config, lang))


def clean_scale(spec: QuestionSpec, data: Any, lang: str) -> int | None:
    found = scale_settings(spec.config, lang)
    value: Decimal | None
    try:
        value = parse_number(data, lang, whole=True)
    except ValueError:
        value = Decimal(found.max + 1)  # whatever it was, it was none of the points
    if value is None:
        return nothing_answered(spec, lang)
    if not found.min <= value <= found.max:
        raise invalid("scale_range", lang, min=found.min, max=found.max)
    return int(value)


# --- slider and scale: display and FHIR ---------------------------------------------------------

Ranged = SliderSettings | ScaleSettings


def ranged_display(read: Callable[[Any, str], Ranged]) -> Callable[[QuestionSpec, Any, str], str]:
    @safe_display
    def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
        if not is_number(payload):
            return str(payload)
        found = read(spec.config, lang)
        shown = format_number(payload, lang)
        anchor = {found.min: found.min_label, found.max: found.max_label}.get(payload)
        return f"{shown} ({local(anchor, lang)})" if anchor else shown

    return display


def _label_items(spec: QuestionSpec, found: Ranged, lang: str) -> list[dict[str, Any]]:
    labels = {"lower": found.min_label, "upper": found.max_label}
    return _fhir.label_items(spec.key, labels, lang)


def slider_fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    found = slider_settings(spec.config, lang)
    item: dict[str, Any] = {
        "extension": [
            _fhir.item_control("slider"),
            _fhir.extension(_fhir.MIN_VALUE, "Integer", found.min),
            _fhir.extension(_fhir.MAX_VALUE, "Integer", found.max),
            _fhir.extension(_fhir.SLIDER_STEP, "Integer", found.step),
        ]
    }
    labels = _label_items(spec, found, lang)
    if labels:
        item["item"] = labels
    return item


def scale_fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    found = scale_settings(spec.config, lang)
    item: dict[str, Any] = {
        "answerOption": [{"valueInteger": point} for point in found.points],
        "extension": [
            _fhir.item_control("radio-button"),
            _fhir.extension(_fhir.CHOICE_ORIENTATION, "Code", "horizontal"),
        ],
    }
    labels = _label_items(spec, found, lang)
    if labels:
        item["item"] = labels
    return item


def integer_fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    if payload is None:
        return []
    if isinstance(payload, bool) or not isinstance(payload, int):
        raise _bad_payload(spec, payload)
    return [{"valueInteger": payload}]


def _read_labels(item: Mapping[str, Any]) -> dict[str, Any]:
    labels = _fhir.label_texts(item)
    return {"min_label": labels.get("lower"), "max_label": labels.get("upper")}


def slider_from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, "slider")
    if item.get("type") != "integer":
        raise invalid("fhir_bad_value", _fhir.BASE_LANGUAGE, name="type")
    config = {
        "min": _min_max(item, _fhir.MIN_VALUE, "minValue"),
        "max": _min_max(item, _fhir.MAX_VALUE, "maxValue"),
        "step": _fhir.extension_value(item, _fhir.SLIDER_STEP, "Integer"),
        **_read_labels(item),
    }
    return slider_settings(config, _fhir.IMPORTING).to_config()


def scale_from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, "scale")
    points = _fhir.integer_options(item) or []
    config = {"min": points[0], "max": points[-1], **_read_labels(item)}
    return scale_settings(config, _fhir.IMPORTING).to_config()


# --- the types -----------------------------------------------------------------------------------


_LABELS = {
    "min_label": _schema.local_text("Text vid lägsta värdet", "Label at the lowest value"),
    "max_label": _schema.local_text("Text vid högsta värdet", "Label at the highest value"),
}

NUMBER = repeatable(
    QuestionType(
        key="number",
        label={"sv": "Sifferinmatning", "en": "Number"},
        make_field=field_factory(TextQuestionField, number_settings, number_hint),
        clean=clean_number,
        fhir_type="integer",
        config_schema=_schema.config_schema(
            {
                "decimals": _schema.integer("Antal decimaler", "Decimals", 0, 4, default=0),
                "min": _schema.number("Lägsta värde", "Lowest value"),
                "max": _schema.number("Högsta värde", "Highest value"),
                "unit": _schema.local_text("Enhet", "Unit"),
            }
        ),
        validate_config=config_validator(number_settings),
        display=display_number,
        template="sob_questions/number.html",
        fhir_item=number_fhir_item,
        fhir_answer=number_fhir_answer,
        from_fhir=number_from_fhir,
        fhir_matches=lambda item: _fhir.classify(item) == "number",
        for_scale_item=number_for_scale_item,
    )
)

SLIDER = QuestionType(
    key="slider",
    label={"sv": "Skjutreglage", "en": "Slider"},
    make_field=field_factory(SliderQuestionField, slider_settings),
    clean=clean_slider,
    fhir_type="integer",
    config_schema=_schema.config_schema(
        {
            "min": _schema.integer("Lägsta värde", "Lowest value", -LIMIT, LIMIT, default=0),
            "max": _schema.integer("Högsta värde", "Highest value", -LIMIT, LIMIT, default=100),
            "step": _schema.integer("Steg", "Step", 1, default=1),
            **_LABELS,
        }
    ),
    validate_config=config_validator(slider_settings),
    display=ranged_display(slider_settings),
    template="sob_questions/slider.html",
    fhir_item=slider_fhir_item,
    fhir_answer=integer_fhir_answer,
    from_fhir=slider_from_fhir,
    fhir_matches=lambda item: _fhir.classify(item) == "slider",
)

SCALE = QuestionType(
    key="scale",
    label={"sv": "Skala", "en": "Scale"},
    make_field=field_factory(TextQuestionField, scale_settings),
    clean=clean_scale,
    fhir_type="choice",
    config_schema=_schema.config_schema(
        {
            "min": _schema.integer("Lägsta värde", "Lowest value", -LIMIT, LIMIT, default=0),
            "max": _schema.integer("Högsta värde", "Highest value", -LIMIT, LIMIT, default=10),
            **_LABELS,
        }
    ),
    validate_config=config_validator(scale_settings),
    display=ranged_display(scale_settings),
    template="sob_questions/scale.html",
    fhir_item=scale_fhir_item,
    fhir_answer=integer_fhir_answer,
    from_fhir=scale_from_fhir,
    fhir_matches=lambda item: _fhir.classify(item) == "scale",
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [NUMBER, SLIDER, SCALE]
