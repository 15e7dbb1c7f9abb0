"""Single choice, multiple choice and dropdown."""

from __future__ import annotations

import pytest
from questions_testkit import (
    EXAMPLES,
    OPTIONS,
    TYPES,
    clean,
    config_error,
    error,
    fhir_answer,
    fhir_item,
    make_spec,
    optional,
)

ONE_OF = ("single_choice", "dropdown")


@pytest.mark.parametrize("key", ONE_OF)
def test_one_choice_cleans_to_the_option_value(key):
    spec = EXAMPLES[key]
    assert clean(spec, "sleep") == "sleep"
    assert clean(spec, " food ") == "food"
    assert clean(optional(spec), "") is None
    assert clean(optional(spec), None) is None


@pytest.mark.parametrize("key", ONE_OF)
def test_one_choice_refuses_what_is_not_an_option(key):
    spec = EXAMPLES[key]
    assert error(spec, "nope", "sv") == "Välj bland de svarsalternativ som finns."
    assert error(spec, "nope", "en") == "Choose from the options given."
    assert error(spec, ["body", "food"], "sv") == "Välj ett av svarsalternativen."
    assert error(spec, {"value": "body"}, "en") == "Choose one of the options."
    assert error(spec, 1, "en") == "Choose one of the options."
    assert error(spec, "", "sv") == "Du behöver svara på frågan."
    assert error(spec, None, "en") == "Please answer this question."


def test_multiple_choice_cleans_to_values_in_option_order():
    spec = EXAMPLES["multiple_choice"]
    assert clean(spec, ["sleep", "body"]) == ["body", "sleep"]
    assert clean(spec, ("food",)) == ["food"]
    assert clean(spec, "food") == ["food"]
    assert clean(spec, ["food", "food", ""]) == ["food"]
    assert clean(optional(spec), []) is None
    assert clean(optional(spec), [""]) is None


def test_multiple_choice_counts_the_choices():
    spec = EXAMPLES["multiple_choice"]
    assert error(spec, ["body", "food", "sleep"], "sv") == (
        "Välj minst 1 och högst 2 svarsalternativ."
    )
    assert (
        error(spec, ["body", "food", "sleep"], "en") == "Choose at least 1 and at most 2 options."
    )
    exactly = make_spec("multiple_choice", {"options": OPTIONS, "min_choices": 2, "max_choices": 2})
    assert error(exactly, ["body"], "sv") == "Välj 2 svarsalternativ."
    assert error(exactly, ["body"], "en") == "Choose 2 options."
    assert error(spec, [], "sv") == "Du behöver svara på frågan."
    assert error(optional(exactly), ["body"], "en") == "Choose 2 options."


def test_multiple_choice_refuses_unknown_and_odd_values():
    spec = EXAMPLES["multiple_choice"]
    assert error(spec, ["body", "x"], "sv") == "Välj bland de svarsalternativ som finns."
    assert error(spec, ["body", 3], "en") == "Choose from the options given."
    assert error(spec, {"body": True}, "en") == "Choose from the options given."
    assert error(spec, [["body"]], "en") == "Choose from the options given."


def test_multiple_choice_hint_says_how_many():
    field = TYPES["multiple_choice"].make_field(
        make_spec("multiple_choice", {"options": OPTIONS * 1}), "sv"
    )
    assert field.kwargs["description"] == "Du kan välja 1-4 svarsalternativ"
    field = TYPES["multiple_choice"].make_field(EXAMPLES["multiple_choice"], "en")
    assert field.kwargs["description"] == "You can choose 1–2 options"
    one = make_spec("multiple_choice", {"options": OPTIONS, "max_choices": 1})
    assert TYPES["multiple_choice"].make_field(one, "en").kwargs["description"] == "Choose 1 option"


@pytest.mark.parametrize("key", [*ONE_OF, "multiple_choice"])
@pytest.mark.parametrize(
    ("config", "sv", "en"),
    [
        (
            {},
            "Inställningen options måste vara en lista med minst ett svarsalternativ.",
            "The setting options must be a list of at least one option.",
        ),
        (
            {"options": []},
            "Inställningen options måste vara en lista med minst ett svarsalternativ.",
            "The setting options must be a list of at least one option.",
        ),
        (
            {"options": [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]},
            'Svarsalternativens värden måste vara unika, men "a" förekommer flera gånger.',
            'Option values must be unique, but "a" occurs more than once.',
        ),
        (
            {"options": [{"value": "", "label": "A"}]},
            "Svarsalternativ 1 behöver ett värde: en text på 1-64 tecken utan inledande eller "
            "avslutande mellanslag.",
            "Option 1 needs a value: a text of 1–64 characters without leading or trailing spaces.",
        ),
        (
            {"options": [{"value": "a", "label": "A"}, {"value": 2, "label": "B"}]},
            "Svarsalternativ 2 behöver ett värde: en text på 1-64 tecken utan inledande eller "
            "avslutande mellanslag.",
            "Option 2 needs a value: a text of 1–64 characters without leading or trailing spaces.",
        ),
        (
            {"options": [{"value": "a", "label": {"en": "A"}}]},
            "Svarsalternativ 1 behöver en etikett med svensk text (sv).",
            "Option 1 needs a label with a Swedish text (sv).",
        ),
        (
            {"options": ["a"]},
            'Svarsalternativ 1 måste vara ett objekt med "value" och "label".',
            'Option 1 must be an object with "value" and "label".',
        ),
        ("options", "Inställningarna måste vara ett objekt.", "The settings must be an object."),
    ],
)
def test_broken_choice_configs_are_refused(key, config, sv, en):
    assert config_error(key, config, "sv") == sv
    assert config_error(key, config, "en") == en


@pytest.mark.parametrize(
    ("config", "en"),
    [
        (
            {"min_choices": 3, "max_choices": 2},
            "The setting min_choices must not be greater than max_choices.",
        ),
        ({"max_choices": 5}, "The setting max_choices must be between 1 and 4."),
        ({"min_choices": 0}, "The setting min_choices must be between 1 and 4."),
        ({"min_choices": "2"}, "The setting min_choices must be a whole number."),
        ({"max_choices": True}, "The setting max_choices must be a whole number."),
    ],
)
def test_broken_choice_counts_are_refused(config, en):
    assert config_error("multiple_choice", {"options": OPTIONS, **config}, "en") == en


def test_display_shows_labels():
    assert TYPES["single_choice"].display(EXAMPLES["single_choice"], "sleep", "en") == "Sleep"
    assert TYPES["dropdown"].display(EXAMPLES["dropdown"], "friends", "en") == "Vänner"
    multiple = EXAMPLES["multiple_choice"]
    assert TYPES["multiple_choice"].display(multiple, ["body", "sleep"], "sv") == "Min kropp, Sömn"
    assert TYPES["single_choice"].display(EXAMPLES["single_choice"], None, "sv") == ""
    # an answer that outlived its option still shows
    assert TYPES["single_choice"].display(EXAMPLES["single_choice"], "gone", "sv") == "gone"


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize(
    ("key", "control"),
    [
        ("single_choice", "radio-button"),
        ("dropdown", "drop-down"),
        ("multiple_choice", "check-box"),
    ],
)
def test_fhir_item_lists_the_options(key, control, lang):
    item = fhir_item(EXAMPLES[key], lang)
    assert item["type"] == "choice"
    codings = [o["valueCoding"] for o in item["answerOption"]]
    assert [c["code"] for c in codings] == [o["value"] for o in OPTIONS]
    assert codings[0]["display"] == ("Min kropp" if lang == "sv" else "My body")
    assert codings[3]["display"] == "Vänner"
    controls = [e for e in item["extension"] if e["url"].endswith("questionnaire-itemControl")]
    assert controls[0]["valueCodeableConcept"]["coding"][0]["code"] == control
    assert item.get("repeats", False) is (key == "multiple_choice")


def test_fhir_multiple_choice_carries_its_limits():
    spec = make_spec("multiple_choice", {"options": OPTIONS, "min_choices": 2, "max_choices": 3})
    values = {
        e["url"].rsplit("-", 1)[1]: e.get("valueInteger") for e in fhir_item(spec)["extension"]
    }
    assert values["minOccurs"] == 2
    assert values["maxOccurs"] == 3


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("key", [*ONE_OF, "multiple_choice"])
def test_fhir_round_trip(key, lang):
    spec = EXAMPLES[key]
    qtype = TYPES[key]
    config = qtype.from_fhir(fhir_item(spec, lang))
    expected = {"options": [{**o, "label": dict(o["label"])} for o in OPTIONS]}
    if key == "multiple_choice":
        expected.update(min_choices=1, max_choices=2)
    assert config == expected


def test_fhir_answers():
    assert fhir_answer(EXAMPLES["single_choice"], "sleep") == [
        {"valueCoding": {"code": "sleep", "display": "Sömn"}}
    ]
    assert fhir_answer(EXAMPLES["multiple_choice"], ["body", "food"]) == [
        {"valueCoding": {"code": "body", "display": "Min kropp"}},
        {"valueCoding": {"code": "food", "display": "Matproblem"}},
    ]
    assert TYPES["dropdown"].fhir_answer(EXAMPLES["dropdown"], None) == []
    with pytest.raises(ValueError, match="does not fit") as caught:
        TYPES["single_choice"].fhir_answer(EXAMPLES["single_choice"], 3)
    assert "passar inte" in _swedish(caught.value)  # English by str(), Swedish for a reader


def test_from_fhir_reads_foreign_options():
    item = {
        "linkId": "1",
        "type": "choice",
        "answerOption": [
            {"valueString": "Ja"},
            {"valueInteger": 2},
            {"valueCoding": {"code": "x", "display": "x"}},
            {"valueDate": "2024-01-01"},
            {"valueTime": "08:30:00"},
        ],
    }
    config = TYPES["single_choice"].from_fhir(item)
    assert config == {
        "options": [
            {"value": "Ja", "label": {"sv": "Ja"}, "value_type": "string"},
            {"value": "2", "label": {"sv": "2"}, "value_type": "integer"},
            {"value": "x", "label": {"sv": "x"}},
            {"value": "2024-01-01", "label": {"sv": "2024-01-01"}, "value_type": "date"},
            {"value": "08:30:00", "label": {"sv": "08:30:00"}, "value_type": "time"},
        ]
    }
    # exported as they came, not as Codings
    spec = make_spec("single_choice", config)
    assert TYPES["single_choice"].fhir_item(spec, "sv")["answerOption"] == item["answerOption"]
    assert TYPES["single_choice"].fhir_answer(spec, "2") == [{"valueInteger": 2}]


@pytest.mark.parametrize(
    ("item", "match"),
    [
        ({"type": "choice", "answerValueSet": "http://example.org/vs"}, "answerValueSet"),
        (
            {"type": "choice", "answerOption": [{"valueReference": {"reference": "Patient/1"}}]},
            "Svarsalternativ 1",
        ),
        (
            {"type": "choice", "answerOption": [{"valueString": "a"}, {"valueString": "a"}]},
            "unika",
        ),
        ({"type": "string"}, "kan inte bli en fråga av typen single_choice"),
        ("choice", "måste vara ett objekt"),
    ],
)
def test_from_fhir_refuses_what_it_cannot_represent(item, match):
    with pytest.raises(ValueError) as caught:
        TYPES["single_choice"].from_fhir(item)
    assert match in _swedish(caught.value)


def _swedish(error: ValueError) -> str:
    """What a Swedish reader is told: a plugin's FHIR message is English by ``str()`` and
    Swedish by ``in_language`` (``sob_core.TranslatedError``)."""
    in_language = getattr(error, "in_language", None)
    return in_language("sv") if in_language else str(error)


# --- options from the item's initial values (FHIR) -----------------------------------------------

FEVER = {"system": "http://snomed.info/sct", "code": "386661006", "display": "Fever"}
COUGH = {"system": "http://snomed.info/sct", "code": "49727002", "display": "Cough"}


def test_a_choice_item_with_only_initial_codings_takes_them_as_options():
    item = {"linkId": "1.2.1", "type": "choice", "initial": [{"valueCoding": FEVER}]}
    config = TYPES["single_choice"].from_fhir(item)
    assert config == {
        "options": [
            {"value": "386661006", "label": {"sv": "Fever"}, "system": "http://snomed.info/sct"}
        ],
        "option_source": "initial",
    }
    spec = make_spec("single_choice", config)
    exported = TYPES["single_choice"].fhir_item(spec, "sv")
    assert "answerOption" not in exported  # the question's initial answer says them
    assert TYPES["single_choice"].fhir_answer(spec, "386661006") == [{"valueCoding": FEVER}]
    both = {**item, "repeats": True, "initial": [{"valueCoding": FEVER}, {"valueCoding": COUGH}]}
    config = TYPES["multiple_choice"].from_fhir(both)
    assert [o["value"] for o in config["options"]] == ["386661006", "49727002"]
    assert config["option_source"] == "initial"


@pytest.mark.parametrize(
    "initial",
    [[], [{"valueString": "T1"}], [{"valueCoding": {"display": "Fever"}}], ["x"]],
)
def test_a_choice_item_without_options_or_initial_codings_is_refused(initial):
    item = {"linkId": "2.1.2", "type": "choice", "initial": initial}
    with pytest.raises(ValueError, match="The FHIR item has no options"):
        TYPES["single_choice"].from_fhir(item)


def test_option_source_can_only_be_initial():
    config = {"options": OPTIONS, "option_source": "answerValueSet"}
    assert config_error("single_choice", config, "sv") == 'option_source kan bara vara "initial".'
    assert "answerOption" in TYPES["dropdown"].fhir_item(
        make_spec("dropdown", {"options": OPTIONS}), "sv"
    )
