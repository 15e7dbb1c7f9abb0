"""Properties that hold for any input: clean() returns a storable payload or raises ValueError."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from questions_testkit import (
    EXAMPLES,
    LANGS,
    OPTIONS,
    TYPES,
    anything,
    clean,
    fhir_answer,
    json_values,
    make_spec,
    optional,
)

SPECS = [*EXAMPLES.values(), *(optional(s) for s in EXAMPLES.values())]
SPEC_IDS = [f"{s.type}-{'required' if s.required else 'optional'}" for s in SPECS]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_payload(spec, payload, lang):
    """What every accepted answer must be: JSON, stable under clean(), displayable, exportable."""
    json.dumps(payload, allow_nan=False)
    assert clean(spec, payload, lang) == payload
    shown = TYPES[spec.type].display(spec, payload, lang)
    assert isinstance(shown, str)
    if payload is None:
        assert not spec.required
        assert TYPES[spec.type].fhir_answer(spec, payload) == []


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@FAST
@given(data=anything)
@example(data=float("nan"))
@example(data=Decimal("sNaN"))
@example(data=10**4000)
@example(data="9" * 5000)
@example(data={"hours": float("inf"), "minutes": [1]})
@example(data=["body", ["food"]])
def test_clean_returns_a_payload_or_raises_value_error(spec, data):
    for lang in LANGS:
        try:
            payload = clean(spec, data, lang)
        except ValueError as exc:
            assert type(exc) is ValueError
            assert str(exc).strip()
            continue
        check_payload(spec, payload, lang)


@pytest.mark.parametrize("key", sorted(EXAMPLES))
@FAST
@given(
    config=json_values
    | st.dictionaries(
        st.sampled_from(
            [
                "options",
                "min",
                "max",
                "step",
                "decimals",
                "max_length",
                "max_minutes",
                "min_choices",
                "max_choices",
                "unit",
                "min_label",
            ]
        ),
        json_values,
        max_size=4,
    )
)
def test_validate_config_only_raises_value_error(key, config):
    for lang in LANGS:
        try:
            TYPES[key].validate_config(config, lang)
        except ValueError as exc:
            assert str(exc).strip()


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@FAST
@given(payload=anything)
def test_display_never_raises(spec, payload):
    for lang in LANGS:
        assert isinstance(TYPES[spec.type].display(spec, payload, lang), str)


# --- valid answers clean to what they mean ---------------------------------------------------------

VALUES = [o["value"] for o in OPTIONS]
padding = st.sampled_from(["", " ", "  ", "\t"])


@given(value=st.sampled_from(VALUES), left=padding, right=padding)
def test_single_choice_and_dropdown(value, left, right):
    for key in ("single_choice", "dropdown"):
        assert clean(EXAMPLES[key], f"{left}{value}{right}") == value


@given(chosen=st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True))
def test_multiple_choice(chosen):
    payload = clean(EXAMPLES["multiple_choice"], chosen)
    assert payload == [v for v in VALUES if v in chosen]
    fhir_answer(EXAMPLES["multiple_choice"], payload)


@given(
    value=st.decimals(min_value=0, max_value=300, places=1, allow_nan=False, allow_infinity=False),
    comma=st.booleans(),
)
def test_number_with_decimals(value, comma):
    text = f"{value:f}".replace(".", "," if comma else ".")
    payload = clean(EXAMPLES["number"], text)
    assert payload == float(value)
    assert fhir_answer(EXAMPLES["number"], payload) == [{"valueDecimal": float(value)}]


@given(value=st.integers(min_value=-(10**14), max_value=10**14))
def test_whole_number(value):
    spec = make_spec("number")
    assert clean(spec, str(value)) == value
    assert clean(spec, value) == value


@given(step=st.integers(min_value=0, max_value=20))
def test_slider(step):
    assert clean(EXAMPLES["slider"], str(step * 5)) == step * 5


@given(point=st.integers(min_value=0, max_value=10))
def test_scale(point):
    assert clean(EXAMPLES["scale"], str(point)) == point
    fhir_answer(EXAMPLES["scale"], point)


printable = st.characters(blacklist_categories=("Cs", "Cc"))


@given(text=st.text(printable, min_size=1, max_size=20))
def test_short_text(text):
    expected = unicodedata.normalize("NFC", text).strip()
    if expected and len(expected) <= 20:
        assert clean(EXAMPLES["short_text"], text) == expected


@given(
    lines=st.lists(st.text(printable, max_size=30), min_size=1, max_size=5),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_long_text(lines, newline):
    expected = unicodedata.normalize("NFC", "\n".join(lines)).strip()
    if expected:
        assert clean(EXAMPLES["long_text"], newline.join(lines)) == expected


@given(day=st.dates())
def test_date(day):
    spec = make_spec("date")
    assert clean(spec, day.isoformat()) == day.isoformat()
    assert clean(spec, day) == day.isoformat()


@given(moment=st.times(), separator=st.sampled_from([":", "."]))
def test_time(moment, separator):
    expected = f"{moment.hour:02d}:{moment.minute:02d}"
    assert clean(EXAMPLES["time"], f"{moment.hour}{separator}{moment.minute:02d}") == expected
    assert clean(EXAMPLES["time"], moment) == expected


@given(hours=st.integers(min_value=0, max_value=16), minutes=st.integers(min_value=0, max_value=59))
def test_duration(hours, minutes):
    total = hours * 60 + minutes
    data = {"hours": str(hours), "minutes": str(minutes)}
    if total <= 16 * 60:
        assert clean(EXAMPLES["duration"], data) == total
        assert fhir_answer(EXAMPLES["duration"], total)[0]["valueQuantity"]["value"] == total
    else:
        with pytest.raises(ValueError, match="högst 16 h"):
            clean(EXAMPLES["duration"], data)
