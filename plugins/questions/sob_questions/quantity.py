"""Quantity: a number with a unit of measure (FHIR's ``quantity`` item, answered by valueQuantity).

Configuration: ``units``, a list of unit codings ``{"code": "kg", "system":
"http://unitsofmeasure.org", "display": {"sv": "kilo", "en": "kg"}}`` (system and display optional,
kept as the source gave them); ``choose_unit`` (default false): false is one fixed unit (FHIR's
``questionnaire-unit``), true lets the citizen choose among the units (``questionnaire-unitOption``);
optional ``decimals`` (0-10; no limit when absent), ``min`` and ``max``.
Payload: the number alone when the unit is fixed (so it charts and compares as a number), or
``{"value": 72.5, "unit": "kg"}`` when the citizen chose the unit.
(A quantity counted in minutes only is asked as a duration, see ``temporal.py``.)
With ``"repeats": true`` a question takes several quantities, a list of those payloads (``_repeats``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sob_core import QuestionSpec, QuestionType, hookimpl, local

from . import _fhir, _schema
from ._common import (
    MAX_SYSTEM,
    check_order,
    config_int,
    config_mapping,
    config_number,
    config_validator,
    decimal_places,
    is_number,
    local_text,
    nothing_answered,
    parse_number,
    plain_number,
    range_error,
    safe_display,
)
from ._fields import QuantityQuestionField, field_factory
from ._messages import format_number, invalid, message
from ._repeats import repeatable

KEY = "quantity"
MAX_UNITS = 30
MAX_DECIMALS = 10


@dataclass(frozen=True)
class Unit:
    code: str
    system: str | None = None
    display: dict[str, str] | None = None

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"code": self.code}
        if self.system:
            config["system"] = self.system
        if self.display:
            config["display"] = dict(self.display)
        return config

    def shown(self, lang: str) -> str:
        return local(self.display, lang) if self.display else self.code

    def coding(self, lang: str) -> dict[str, Any]:
        coding: dict[str, Any] = {"system": self.system} if self.system else {}
        coding["code"] = self.code
        if self.display:
            coding.update(_fhir.text_element("display", self.display, lang))
        return coding


@dataclass(frozen=True)
class QuantitySettings:
    units: tuple[Unit, ...]
    choose_unit: bool = False
    decimals: int | None = None
    min: int | float | None = None
    max: int | float | None = None
    #: ``"initial"``: the item named no unit and its one unit is its initial value's (FHIR)
    unit_source: str | None = None

    def unit(self, code: Any) -> Unit | None:
        return next((u for u in self.units if u.code == code), None)

    @property
    def fixed(self) -> Unit | None:
        return None if self.choose_unit or not self.units else self.units[0]

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"units": [u.to_config() for u in self.units]}
        if self.choose_unit:
            config["choose_unit"] = True
        for name in ("decimals", "min", "max", "unit_source"):
            if getattr(self, name) is not None:
                config[name] = getattr(self, name)
        return config


def _unit(raw: Any, number: int, lang: str) -> Unit:
    if not isinstance(raw, Mapping):
        raise invalid("cfg_unit", lang, number=number)
    code, system = raw.get("code"), raw.get("system")
    if not (isinstance(code, str) and 0 < len(code) <= 64 and code.strip() == code):
        raise invalid("cfg_unit", lang, number=number)
    if system is not None and not (
        isinstance(system, str) and 0 < len(system) <= MAX_SYSTEM and system.isprintable()
    ):
        raise invalid("cfg_unit", lang, number=number)
    try:
        display = local_text(raw.get("display"), "display", lang)
    except ValueError:
        raise invalid("cfg_unit", lang, number=number) from None
    return Unit(code, system, display or None)


def settings(config: Any, lang: str) -> QuantitySettings:
    config = config_mapping(config, lang)
    raw = config.get("units", [])
    if not isinstance(raw, list | tuple) or len(raw) > MAX_UNITS:
        raise invalid("cfg_units", lang, max=MAX_UNITS)
    units = tuple(_unit(u, number, lang) for number, u in enumerate(raw, 1))
    if len({u.code for u in units}) != len(units):
        raise invalid("cfg_units", lang, max=MAX_UNITS)
    choose = config.get("choose_unit", False)
    if not isinstance(choose, bool):
        raise invalid("cfg_bool", lang, name="choose_unit")
    if not choose and len(units) > 1:
        raise invalid("cfg_one_unit", lang)
    decimals = config_int(config, "decimals", None, lang, 0, MAX_DECIMALS)
    places = MAX_DECIMALS if decimals is None else decimals
    low = config_number(config, "min", lang, places)
    high = config_number(config, "max", lang, places)
    check_order(low, high, "min", "max", lang, strict=False)
    source = config.get("unit_source")
    if source is not None and (source != "initial" or choose or len(units) != 1):
        raise invalid("cfg_unit_source", lang)
    return QuantitySettings(units, choose, decimals, low, high, source)


# --- answers -------------------------------------------------------------------------------------


def clean(spec: QuestionSpec, data: Any, lang: str) -> Any:
    found = settings(spec.config, lang)
    if isinstance(data, Mapping):
        number, code = data.get("value"), data.get("unit")
    else:
        number, code = data, None
    value = parse_number(number, lang, whole=found.decimals == 0)
    if value is None:
        return nothing_answered(spec, lang)
    if found.decimals is not None and decimal_places(value) > found.decimals:
        raise invalid("too_many_decimals", lang, count=found.decimals)
    error = range_error(value, found.min, found.max, lang)
    if error:
        raise error
    answer = plain_number(value)
    if not found.choose_unit:
        return answer
    if isinstance(code, str) and found.unit(code.strip()) is not None:
        return {"value": answer, "unit": code.strip()}
    if len(found.units) == 1 and (code is None or code == ""):
        return {"value": answer, "unit": found.units[0].code}
    raise invalid("choose_unit" if not code else "unknown_unit", lang)


def _value_and_unit(found: QuantitySettings | None, payload: Any) -> tuple[Any, Any]:
    if isinstance(payload, Mapping):
        return payload.get("value"), payload.get("unit")
    return payload, (found.fixed.code if found and found.fixed else None)


@safe_display
def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
    found = settings(spec.config, lang)
    value, code = _value_and_unit(found, payload)
    if not is_number(value):
        return str(payload)
    unit = found.unit(code)
    shown = unit.shown(lang) if unit else (code or "")
    return f"{format_number(value, lang)} {shown}".strip()


def hint(found: QuantitySettings, lang: str) -> str:
    shown = {
        "min": format_number(found.min, lang) if found.min is not None else "",
        "max": format_number(found.max, lang) if found.max is not None else "",
    }
    text = message("hint_whole" if found.decimals == 0 else "hint_number", lang)
    if found.min is not None and found.max is not None:
        text += message("hint_between", lang, **shown)
    elif found.min is not None:
        text += message("hint_at_least", lang, **shown)
    elif found.max is not None:
        text += message("hint_at_most", lang, **shown)
    if found.decimals:
        text += message("hint_decimals", lang, count=found.decimals)
    return text + "."


# --- FHIR ----------------------------------------------------------------------------------------


def fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    found = settings(spec.config, lang)
    url = _fhir.UNIT_OPTION if found.choose_unit else _fhir.UNIT
    extensions = [_fhir.extension(url, "Coding", unit.coding(lang)) for unit in found.units]
    extra: dict[str, Any] = {}
    if found.unit_source == "initial" and found.fixed:
        # the unit came with the initial value, not as questionnaire-unit: written there again
        # (the host's initial value, when the question has one, takes this one's place)
        extensions = []
        extra["initial"] = [{"valueQuantity": _quantity(found.fixed)}]
    if found.decimals is not None:
        extensions.append(_fhir.extension(_fhir.MAX_DECIMAL_PLACES, "Integer", found.decimals))
    for bound, value in ((_fhir.MIN_VALUE, found.min), (_fhir.MAX_VALUE, found.max)):
        if value is not None:
            extensions.append(_fhir.extension(bound, "Decimal", value))
    return {**extra, "extension": extensions} if extensions else extra


def _quantity(unit: Unit) -> dict[str, Any]:
    """A valueQuantity's unit, system and code for ``unit`` (no value)."""
    quantity: dict[str, Any] = {
        "unit": local(unit.display, _fhir.BASE_LANGUAGE) if unit.display else unit.code
    }
    if unit.system:
        quantity["system"] = unit.system
    quantity["code"] = unit.code
    return quantity


def fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    if payload is None:
        return []
    try:
        found: QuantitySettings | None = settings(spec.config, _fhir.BASE_LANGUAGE)
    except ValueError:
        found = None  # the answer outlived its settings: export the number and code alone
    value, code = _value_and_unit(found, payload)
    if (
        not is_number(value)
        or isinstance(value, Decimal)
        or not (code is None or isinstance(code, str))
    ):
        raise invalid(
            "fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key=spec.type
        )
    quantity: dict[str, Any] = {"value": value}
    unit = found.unit(code) if found else None
    if unit:
        quantity.update(_quantity(unit))
    elif code:
        quantity.update(unit=code, code=code)
    return [{"valueQuantity": quantity}]


def from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, KEY)
    fixed = [e.get("valueCoding") for e in _fhir.extensions(item, _fhir.UNIT)]
    options = [e.get("valueCoding") for e in _fhir.extensions(item, _fhir.UNIT_OPTION)]
    if fixed and options:
        raise invalid("fhir_unit_and_options", _fhir.BASE_LANGUAGE)
    units = [_read_unit(number, c) for number, c in enumerate(options or fixed, 1)]
    initial = _initial_unit(item)
    source = None
    if initial is not None and not units:  # the unit the item's initial value is given in
        units, source = [_read_unit(1, initial)], "initial"
    elif initial is not None and initial.get("code") not in {u["code"] for u in units}:
        raise invalid(
            "fhir_initial_unit",
            _fhir.BASE_LANGUAGE,
            unit=repr(initial.get("code")),
            units=", ".join(repr(u["code"]) for u in units),
        )
    config: dict[str, Any] = {
        "units": units,
        "unit_source": source,
        "choose_unit": bool(options),
        "decimals": _fhir.extension_value(item, _fhir.MAX_DECIMAL_PLACES, "Integer"),
        "min": _bound(item, _fhir.MIN_VALUE, "minValue"),
        "max": _bound(item, _fhir.MAX_VALUE, "maxValue"),
    }
    return settings(config, _fhir.IMPORTING).to_config()


def _initial_unit(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The unit of the item's one initial valueQuantity, as a Coding (its ``unit`` the
    display), or None when it has none with a code (the host judges the initial value)."""
    initial = item.get("initial")
    if not isinstance(initial, list) or len(initial) != 1 or not isinstance(initial[0], Mapping):
        return None
    quantity = initial[0].get("valueQuantity")
    if not isinstance(quantity, Mapping) or not isinstance(quantity.get("code"), str):
        return None
    coding = {k: quantity[k] for k in ("system", "code") if k in quantity}
    if isinstance(quantity.get("unit"), str) and quantity["unit"] != quantity["code"]:
        coding["display"] = quantity["unit"]
    return coding


def _bound(item: Mapping[str, Any], url: str, name: str) -> int | float | None:
    return _fhir.fhir_number(_fhir.extension_value(item, url, "Decimal", "Integer"), name)


def _read_unit(number: int, coding: Any) -> dict[str, Any]:
    if not isinstance(coding, Mapping):
        raise invalid("fhir_bad_unit", _fhir.BASE_LANGUAGE, number=number)
    code = coding.get("code")
    display = _fhir.read_text(coding, "display")
    if not isinstance(code, str) or not code:
        raise invalid("fhir_bad_unit", _fhir.BASE_LANGUAGE, number=number)
    unit: dict[str, Any] = {"code": code}
    if isinstance(coding.get("system"), str):
        unit["system"] = coding["system"]
    if display:
        unit["display"] = display
    return unit


_UNIT_SCHEMA = {
    "type": "object",
    "properties": {
        "code": _schema.titled({"type": "string", "maxLength": 64}, "Kod", "Code"),
        "system": _schema.titled({"type": "string"}, "Kodsystem", "Code system"),
        "display": _schema.local_text("Visas som", "Shown as"),
    },
    "required": ["code"],
}

QUANTITY = repeatable(
    QuestionType(
        key=KEY,
        label={"sv": "Mängd med enhet", "en": "Quantity with unit"},
        make_field=field_factory(QuantityQuestionField, settings, hint),
        clean=clean,
        fhir_type="quantity",
        config_schema=_schema.config_schema(
            {
                "units": _schema.titled(
                    {"type": "array", "items": _UNIT_SCHEMA, "maxItems": MAX_UNITS},
                    "Enheter",
                    "Units",
                ),
                "choose_unit": _schema.titled(
                    {"type": "boolean", "default": False}, "Välj enhet", "Choose the unit"
                ),
                "decimals": _schema.integer(
                    "Högst antal decimaler", "Most decimals", 0, MAX_DECIMALS
                ),
                "min": _schema.number("Minsta värde", "Lowest value"),
                "max": _schema.number("Högsta värde", "Highest value"),
                "unit_source": _schema.titled(
                    {"type": "string", "enum": ["initial"]},
                    "Enheten kommer från startvärdet (FHIR)",
                    "The unit comes from the initial value (FHIR)",
                ),
            }
        ),
        validate_config=config_validator(settings),
        display=display,
        template="sob_questions/quantity.html",
        fhir_item=fhir_item,
        fhir_answer=fhir_answer,
        from_fhir=from_fhir,
        fhir_matches=lambda item: _fhir.classify(item) == KEY,
    )
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [QUANTITY]
