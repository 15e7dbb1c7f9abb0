"""Number, slider and scale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from questions_testkit import (
    EXAMPLES,
    TYPES,
    clean,
    config_error,
    error,
    fhir_answer,
    fhir_item,
    make_spec,
    optional,
)

NUMBER, SLIDER, SCALE = EXAMPLES["number"], EXAMPLES["slider"], EXAMPLES["scale"]
WHOLE = make_spec("number", {"min": 0, "max": 10})


# --- number --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "payload"),
    [
        ("7,5", 7.5),
        ("7.5", 7.5),
        (" 12 ", 12.0),
        ("7,50", 7.5),
        ("+3", 3.0),
        ("0", 0.0),
        ("-0", 0.0),
        (12, 12.0),
        (7.5, 7.5),
        (Decimal("299.9"), 299.9),
    ],
)
def test_number_with_decimals_cleans_to_float(data, payload):
    cleaned = clean(NUMBER, data)
    assert cleaned == payload
    assert type(cleaned) is float


@pytest.mark.parametrize(
    ("data", "payload"), [("7", 7), ("10", 10), (3, 3), (4.0, 4), ("7,0", 7), ("−0", 0)]
)
def test_whole_number_cleans_to_int(data, payload):
    cleaned = clean(WHOLE, data)
    assert cleaned == payload
    assert type(cleaned) is int


def test_number_reads_swedish_thousands():
    spec = make_spec("number")
    assert clean(spec, "10 000") == 10000
    assert clean(spec, "1\u00a0234") == 1234
    assert clean(spec, "−2") == -2
    assert error(spec, "1 2", "sv") == "Ange ett heltal, till exempel 12."


@pytest.mark.parametrize(
    ("spec", "data", "sv", "en"),
    [
        (
            NUMBER,
            "abc",
            "Ange ett tal, till exempel 12 eller 7,5.",
            "Enter a number, for example 12 or 7.5.",
        ),
        (
            NUMBER,
            "1e3",
            "Ange ett tal, till exempel 12 eller 7,5.",
            "Enter a number, for example 12 or 7.5.",
        ),
        (
            NUMBER,
            float("nan"),
            "Ange ett tal, till exempel 12 eller 7,5.",
            "Enter a number, for example 12 or 7.5.",
        ),
        (
            NUMBER,
            float("inf"),
            "Ange ett tal, till exempel 12 eller 7,5.",
            "Enter a number, for example 12 or 7.5.",
        ),
        (
            NUMBER,
            True,
            "Ange ett tal, till exempel 12 eller 7,5.",
            "Enter a number, for example 12 or 7.5.",
        ),
        (
            NUMBER,
            [1],
            "Ange ett tal, till exempel 12 eller 7,5.",
            "Enter a number, for example 12 or 7.5.",
        ),
        (
            NUMBER,
            "7,55",
            "Ange talet med högst 1 decimal.",
            "Enter the number with at most 1 decimal.",
        ),
        (NUMBER, "300,1", "Ange ett tal mellan 0 och 300.", "Enter a number between 0 and 300."),
        (NUMBER, "-1", "Ange ett tal mellan 0 och 300.", "Enter a number between 0 and 300."),
        (NUMBER, "9" * 40, "Talet är för stort.", "The number is too large."),
        (NUMBER, 10**400, "Talet är för stort.", "The number is too large."),
        (NUMBER, "", "Du behöver svara på frågan.", "Please answer this question."),
        (
            WHOLE,
            "7,5",
            "Ange ett heltal, till exempel 12.",
            "Enter a whole number, for example 12.",
        ),
        (WHOLE, "11", "Ange ett tal mellan 0 och 10.", "Enter a number between 0 and 10."),
        (
            make_spec("number", {"min": 0.5, "decimals": 1}),
            "0",
            "Ange ett tal som är 0,5 eller större.",
            "Enter a number of 0.5 or more.",
        ),
        (
            make_spec("number", {"max": 5}),
            "6",
            "Ange ett tal som är 5 eller mindre.",
            "Enter a number of 5 or less.",
        ),
    ],
)
def test_number_messages(spec, data, sv, en):
    assert error(spec, data, "sv") == sv
    assert error(spec, data, "en") == en


def test_optional_number_may_be_empty():
    assert clean(optional(NUMBER), "  ") is None
    assert clean(optional(NUMBER), None) is None


def test_number_hint():
    def hint(config, lang):
        return TYPES["number"].make_field(make_spec("number", config), lang).kwargs["description"]

    assert hint({"decimals": 1, "min": 0, "max": 300}, "sv") == (
        "Ett tal mellan 0 och 300, med högst 1 decimal."
    )
    assert hint({"min": 0, "max": 10}, "en") == "A whole number between 0 and 10."
    assert hint({"min": 1}, "sv") == "Ett heltal som är 1 eller större."
    assert hint({"decimals": 2, "max": 2.5}, "en") == (
        "A number of 2.5 or less, with at most 2 decimals."
    )
    assert hint({}, "sv") == "Ett heltal."


@pytest.mark.parametrize(
    ("config", "en"),
    [
        ({"min": 5, "max": 1}, "The setting min must not be greater than max."),
        ({"decimals": 5}, "The setting decimals must be between 0 and 4."),
        ({"decimals": -1}, "The setting decimals must be between 0 and 4."),
        ({"decimals": 1.5}, "The setting decimals must be a whole number."),
        ({"min": 0.5}, "The setting min must not have more decimals than decimals (0)."),
        ({"min": "0"}, "The setting min must be a number."),
        ({"max": float("inf")}, "The setting max must be a number."),
        ({"max": float("nan")}, "The setting max must be a number."),
        (
            {"unit": 5},
            'The setting unit must be a text per language, for example {"sv": "...", "en": "..."}.',
        ),
        ({"unit": {"en": "glasses"}}, "The setting unit needs a Swedish text (sv)."),
    ],
)
def test_broken_number_configs(config, en):
    assert config_error("number", config, "en") == en
    assert config_error("number", config, "sv").startswith("Inställningen")


def test_number_display():
    display = TYPES["number"].display
    assert display(NUMBER, 7.5, "sv") == "7,5 kg"
    assert display(NUMBER, 7.5, "en") == "7.5 kg"
    assert display(NUMBER, 12.0, "sv") == "12 kg"
    glasses = make_spec("number", {"unit": {"sv": "glas", "en": "glasses"}})
    assert display(glasses, 3, "en") == "3 glasses"
    assert display(make_spec("number"), 3, "sv") == "3"
    assert display(NUMBER, "odd", "sv") == "odd"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_number_fhir(lang):
    item = fhir_item(NUMBER, lang)
    assert item["type"] == "decimal"
    values = {e["url"].rsplit("/", 1)[1]: e for e in item["extension"]}
    assert values["maxDecimalPlaces"]["valueInteger"] == 1
    assert values["minValue"]["valueDecimal"] == 0
    assert values["maxValue"]["valueDecimal"] == 300
    assert values["questionnaire-unit"]["valueCoding"]["display"] == "kg"
    assert fhir_answer(NUMBER, 7.5, lang) == [{"valueDecimal": 7.5}]
    assert TYPES["number"].from_fhir(item) == {
        "decimals": 1,
        "min": 0,
        "max": 300,
        "unit": {"sv": "kg"},
    }


def test_whole_number_fhir():
    item = fhir_item(WHOLE)
    assert item["type"] == "integer"
    assert {e["url"].rsplit("/", 1)[1]: e.get("valueInteger") for e in item["extension"]} == {
        "minValue": 0,
        "maxValue": 10,
    }
    assert fhir_answer(WHOLE, 7) == [{"valueInteger": 7}]
    assert TYPES["number"].from_fhir(item) == {"decimals": 0, "min": 0, "max": 10}
    bare = fhir_item(make_spec("number"))
    assert bare == {
        "linkId": "number",
        "text": "Fråga (number)",
        "type": "integer",
        "required": True,
    }
    assert TYPES["number"].from_fhir(bare) == {"decimals": 0}


def test_number_unit_per_language_round_trips():
    spec = make_spec("number", {"unit": {"sv": "glas", "en": "glasses"}})
    for lang in ("sv", "en"):
        assert TYPES["number"].from_fhir(fhir_item(spec, lang)) == {
            "decimals": 0,
            "unit": {"sv": "glas", "en": "glasses"},
        }


def test_foreign_decimal_without_places_takes_the_most_and_exports_none():
    # no limit the source did not have is added (issue 16)
    config = TYPES["number"].from_fhir({"type": "decimal"})
    assert config == {"decimals": 4, "fhir_decimals": False}
    assert "extension" not in TYPES["number"].fhir_item(make_spec("number", config), "sv")
    with pytest.raises(ValueError, match="decimals"):
        TYPES["number"].from_fhir(
            {
                "type": "decimal",
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces",
                        "valueInteger": 6,
                    }
                ],
            }
        )


# --- slider --------------------------------------------------------------------------------------


def test_slider_cleans_steps():
    assert clean(SLIDER, "35") == 35
    assert clean(SLIDER, 100) == 100
    assert clean(SLIDER, "0") == 0
    assert clean(optional(SLIDER), "") is None


@pytest.mark.parametrize(
    ("data", "sv", "en"),
    [
        (
            "36",
            "Välj ett värde mellan 0 och 100 i steg om 5.",
            "Choose a value between 0 and 100 in steps of 5.",
        ),
        ("105", "Ange ett tal mellan 0 och 100.", "Enter a number between 0 and 100."),
        ("35.5", "Ange ett heltal, till exempel 12.", "Enter a whole number, for example 12."),
        ("x", "Ange ett heltal, till exempel 12.", "Enter a whole number, for example 12."),
        (
            None,
            "Flytta reglaget till ditt svar och kryssa sedan i ”Jag har valt mitt värde”.",
            "Move the slider to your answer, then tick “I have chosen my value”.",
        ),
    ],
)
def test_slider_messages(data, sv, en):
    assert error(SLIDER, data, "sv") == sv
    assert error(SLIDER, data, "en") == en


@pytest.mark.parametrize(
    ("config", "en"),
    [
        ({"step": 0}, "The setting step must be at least 1."),
        ({"step": -5}, "The setting step must be at least 1."),
        ({"step": 0.5}, "The setting step must be a whole number."),
        ({"min": 10, "max": 10}, "The setting min must be less than max."),
        ({"min": 10, "max": 0}, "The setting min must be less than max."),
        ({"max": 10, "step": 3}, "The range from 0 to 10 must divide evenly into steps of 3."),
        (
            {"min_label": ["x"]},
            'The setting min_label must be a text per language, for example {"sv": "...", "en": "..."}.',
        ),
    ],
)
def test_broken_slider_configs(config, en):
    assert config_error("slider", config, "en") == en


def test_slider_display_and_fhir():
    display = TYPES["slider"].display
    assert display(SLIDER, 35, "sv") == "35"
    assert display(SLIDER, 0, "en") == "0 (No pain)"
    item = fhir_item(SLIDER, "en")
    assert item["type"] == "integer"
    urls = {e["url"].rsplit("/", 1)[1]: e for e in item["extension"]}
    assert (
        urls["questionnaire-itemControl"]["valueCodeableConcept"]["coding"][0]["code"] == "slider"
    )
    assert urls["questionnaire-sliderStepValue"]["valueInteger"] == 5
    assert [(i["type"], i["text"]) for i in item["item"]] == [
        ("display", "No pain"),
        ("display", "Worst imaginable"),
    ]
    assert fhir_answer(SLIDER, 35) == [{"valueInteger": 35}]
    for lang in ("sv", "en"):
        assert TYPES["slider"].from_fhir(fhir_item(SLIDER, lang)) == dict(SLIDER.config)


def test_slider_from_fhir_defaults_and_refusals():
    control = {
        "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
        "valueCodeableConcept": {"coding": [{"code": "slider"}]},
    }
    assert TYPES["slider"].from_fhir({"type": "integer", "extension": [control]}) == {
        "min": 0,
        "max": 100,
        "step": 1,
    }
    with pytest.raises(ValueError, match="type"):
        TYPES["slider"].from_fhir({"type": "decimal", "extension": [control]})


# --- scale ---------------------------------------------------------------------------------------


def test_scale_cleans_points():
    assert clean(SCALE, "7") == 7
    assert clean(SCALE, 0) == 0
    assert clean(SCALE, "10") == 10
    assert clean(optional(SCALE), None) is None


@pytest.mark.parametrize("data", ["11", "-1", "7.5", "x", [7], 1e300, float("nan")])
def test_scale_messages(data):
    assert error(SCALE, data, "sv") == "Välj ett värde från 0 till 10."
    assert error(SCALE, data, "en") == "Choose a value from 0 to 10."


@pytest.mark.parametrize(
    ("config", "en"),
    [
        ({"min": 3, "max": 3}, "The setting min must be less than max."),
        ({"min": 0, "max": 30}, "A scale may have at most 21 points, from min to max."),
        ({"max": "10"}, "The setting max must be a whole number."),
    ],
)
def test_broken_scale_configs(config, en):
    assert config_error("scale", config, "en") == en


def test_scale_display_and_fhir():
    display = TYPES["scale"].display
    assert display(SCALE, 10, "sv") == "10 (Mycket)"
    assert display(SCALE, 4, "sv") == "4"
    item = fhir_item(SCALE, "sv")
    assert item["type"] == "choice"
    assert [o["valueInteger"] for o in item["answerOption"]] == list(range(11))
    assert fhir_answer(SCALE, 4) == [{"valueInteger": 4}]
    for lang in ("sv", "en"):
        assert TYPES["scale"].from_fhir(fhir_item(SCALE, lang)) == dict(SCALE.config)
    one_to_five = make_spec("scale", {"min": 1, "max": 5})
    assert TYPES["scale"].from_fhir(fhir_item(one_to_five)) == {"min": 1, "max": 5}
