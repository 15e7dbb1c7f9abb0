"""The types real-world FHIR Questionnaires need: date and time, open choice, quantity with a unit."""

from __future__ import annotations

import pytest
from questions_testkit import (
    TYPES,
    clean,
    config_error,
    error,
    fhir_answer,
    fhir_item,
    make_spec,
    optional,
    parse_html,
)
from werkzeug.datastructures import MultiDict

SD = "http://hl7.org/fhir/StructureDefinition/"
UCUM = "http://unitsofmeasure.org"
DATE_TIME = make_spec("date_time")
PETS = [
    {"value": "dog", "label": {"sv": "Hund", "en": "Dog"}, "system": "http://example.org/pets"},
    {"value": "cat", "label": {"sv": "Katt", "en": "Cat"}},
]
OPEN_ONE = make_spec("open_choice", {"options": PETS})
OPEN_MANY = make_spec("open_choice", {"options": PETS, "multiple": True})
KG = {"code": "kg", "system": UCUM, "display": {"sv": "kg"}}
LB = {"code": "[lb_av]", "system": UCUM, "display": {"sv": "pund", "en": "lb"}}
WEIGHT = make_spec("quantity", {"units": [KG], "decimals": 1, "min": 0, "max": 500})
WEIGHT_CHOSEN = make_spec("quantity", {"units": [KG, LB], "choose_unit": True})


def _import(spec_type: str, item: dict) -> dict:
    qtype = TYPES[spec_type]
    assert [t.key for t in TYPES.values() if t.fhir_matches(item)] == [spec_type]
    return qtype.from_fhir(item)


# --- date and time -------------------------------------------------------------------------------


def test_a_date_and_time_is_stored_with_the_swedish_offset_of_that_day():
    assert clean(DATE_TIME, {"date": "2024-01-15", "time": "07:30"}) == "2024-01-15T07:30:00+01:00"
    assert clean(DATE_TIME, {"date": "2024-07-15", "time": "7.30"}) == "2024-07-15T07:30:00+02:00"
    # the autumn hour that comes twice is read as the first (summer time)
    assert clean(DATE_TIME, {"date": "2024-10-27", "time": "02:30"}) == "2024-10-27T02:30:00+02:00"
    assert clean(DATE_TIME, "2024-06-01T10:00:00Z") == "2024-06-01T10:00:00+00:00"
    assert clean(optional(DATE_TIME), {"date": " ", "time": ""}) is None


@pytest.mark.parametrize(
    ("data", "sv", "en"),
    [
        ({"date": "", "time": ""}, "Du behöver svara på frågan.", "Please answer this question."),
        (
            {"date": "2024-03-01", "time": ""},
            "Ange både datum och klockslag.",
            "Enter both a date and a time.",
        ),
        (
            {"date": "2023-02-29", "time": "10:00"},
            "Datumet finns inte. Kontrollera år, månad och dag.",
            "That date does not exist. Check the year, month and day.",
        ),
        (
            {"date": "2024-03-31", "time": "02:30"},
            "Klockslaget finns inte den dagen, eftersom klockan ställs fram till sommartid. "
            "Ange en tid före 02:00 eller från 03:00.",
            "That time does not exist on that day, because the clocks go forward to summer time. "
            "Enter a time before 02:00 or from 03:00.",
        ),
        (
            "i morgon",
            "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM, till exempel 2024-03-31 07:30.",
            "Enter the date and time as YYYY-MM-DD HH:MM, for example 2024-03-31 07:30.",
        ),
    ],
)
def test_a_wrong_date_and_time_is_refused_clearly(data, sv, en):
    assert error(DATE_TIME, data, "sv") == sv
    assert error(DATE_TIME, data, "en") == en


def test_a_date_and_time_is_shown_and_exported_as_it_was_meant():
    payload = "2024-06-01T10:00:00+00:00"
    assert TYPES["date_time"].display(DATE_TIME, payload, "sv") == "2024-06-01 12:00"
    assert fhir_answer(DATE_TIME, "2024-03-31T07:30:00+02:00") == [
        {"valueDateTime": "2024-03-31T07:30:00+02:00"}
    ]
    item = fhir_item(DATE_TIME)
    assert item["type"] == "dateTime"
    assert _import("date_time", item) == {}


def test_the_date_and_time_field_posts_and_shows_the_swedish_clock(make_app):
    client = make_app([DATE_TIME]).test_client()
    page = parse_html(client.get("/form").get_data(as_text=True))
    fieldset = page.find_all("fieldset")[0]
    assert fieldset.find_all("legend")
    assert [i["type"] for i in fieldset.find_all("input")] == ["date", "time"]
    for node in fieldset.find_all("input"):
        assert page.find_all("label", **{"for": node["id"]})
    post = MultiDict([("date-time:date", "2024-01-15"), ("date-time:time", "07:30")])
    assert client.post("/form", data=post).get_json() == {"date-time": "2024-01-15T07:30:00+01:00"}
    wrong = MultiDict([("date-time:date", "2024-01-15"), ("date-time:time", "")])
    again = parse_html(client.post("/form", data=wrong).get_data(as_text=True))
    assert "Ange både datum och klockslag." in again.text
    assert again.by_id("date-time")["value"] == "2024-01-15"  # nothing typed is lost


# --- open choice ---------------------------------------------------------------------------------


def test_open_choice_takes_an_option_or_an_own_answer():
    assert clean(OPEN_ONE, {"chosen": ["cat"], "other": ""}) == ["cat"]
    assert clean(OPEN_ONE, {"chosen": [":other"], "other": " Marsvin "}) == [{"other": "Marsvin"}]
    assert clean(OPEN_ONE, {"chosen": [], "other": "Marsvin"}) == [{"other": "Marsvin"}]
    assert clean(OPEN_MANY, {"chosen": ["cat", "dog"], "other": "Häst"}) == [
        "dog",
        "cat",
        {"other": "Häst"},
    ]
    assert clean(OPEN_MANY, ["dog", {"other": "Häst"}]) == ["dog", {"other": "Häst"}]
    assert clean(optional(OPEN_ONE), {"chosen": [], "other": " "}) is None


@pytest.mark.parametrize(
    ("spec", "data", "en"),
    [
        (OPEN_ONE, {"chosen": [], "other": ""}, "Please answer this question."),
        (
            OPEN_ONE,
            {"chosen": ["cat"], "other": "Marsvin"},
            "Choose an option or write your own answer under Other, not both.",
        ),
        (
            OPEN_ONE,
            {"chosen": [":other"], "other": ""},
            "You chose Other: write your answer in the box.",
        ),
        (OPEN_ONE, {"chosen": ["horse"], "other": ""}, "Choose from the options given."),
        (
            OPEN_MANY,
            {"chosen": [], "other": "x" * 1001},
            "Write your answer in at most 1000 characters.",
        ),
    ],
)
def test_open_choice_errors_are_clear(spec, data, en):
    assert error(spec, data, "en") == en
    assert error(spec, data, "sv") != en


def test_an_option_may_not_take_the_value_of_other():
    assert "duplicate" in config_error(
        "open_choice", {"options": [{"value": ":other", "label": "Annat"}]}, "en"
    ).lower() or config_error("open_choice", {"options": [{"value": ":other", "label": "A"}]}, "en")


def test_open_choice_round_trips_through_fhir():
    item = fhir_item(OPEN_MANY)
    assert item["type"] == "open-choice" and item["repeats"] is True
    assert item["answerOption"][0]["valueCoding"]["system"] == "http://example.org/pets"
    assert _import("open_choice", item) == OPEN_MANY.config
    answers = fhir_answer(OPEN_MANY, ["dog", {"other": "Häst"}])
    assert answers == [
        {"valueCoding": {"system": "http://example.org/pets", "code": "dog", "display": "Hund"}},
        {"valueString": "Häst"},
    ]
    assert "repeats" not in fhir_item(OPEN_ONE)
    shown = TYPES["open_choice"].display(OPEN_MANY, ["dog", {"other": "Häst"}], "en")
    assert shown == "Dog, Other: Häst"


def test_the_open_choice_field_has_an_other_radio_and_keeps_the_text(make_app):
    client = make_app([OPEN_ONE]).test_client()
    page = parse_html(client.get("/form").get_data(as_text=True))
    radios = [i["value"] for i in page.find_all("input", type="radio")]
    assert radios == ["dog", "cat", ":other"]
    assert page.by_id("open-choice:other")["type"] == "text"
    post = MultiDict([("open-choice", ":other"), ("open-choice:other", "Marsvin")])
    assert client.post("/form", data=post).get_json() == {"open-choice": [{"other": "Marsvin"}]}
    both = MultiDict([("open-choice", "cat"), ("open-choice:other", "Marsvin")])
    again = parse_html(client.post("/form", data=both).get_data(as_text=True))
    assert again.by_id("open-choice:other")["value"] == "Marsvin"
    assert "inte båda" in again.text


FREE = make_spec("open_choice", {"free_text": True})


def test_an_open_choice_without_options_takes_an_own_text_only():
    assert clean(FREE, {"chosen": [], "other": "  Marsvin  "}) == [{"other": "Marsvin"}]
    assert clean(FREE, [{"other": "Häst"}]) == [{"other": "Häst"}]
    assert clean(optional(FREE), {"chosen": [], "other": " "}) is None
    assert error(FREE, {"chosen": ["dog"], "other": ""}, "en") == "Choose from the options given."
    assert TYPES["open_choice"].display(FREE, [{"other": "Häst"}], "sv") == "Häst"


def test_free_text_takes_no_options():
    assert (
        config_error(
            "open_choice",
            {"free_text": True, "options": [{"value": "a", "label": {"sv": "A"}}]},
            "sv",
        )
        == "Ett val med bara eget svar (free_text) har inga svarsalternativ."
    )
    assert config_error("open_choice", {"free_text": "ja"}, "en")
    assert config_error("open_choice", {}, "en")  # without free_text the options are needed


def test_a_free_text_open_choice_round_trips_through_fhir():
    item = fhir_item(FREE)
    assert item["type"] == "open-choice" and "answerOption" not in item
    assert _import("open_choice", item) == {"free_text": True}
    assert _import("open_choice", {**item, "repeats": True}) == {
        "free_text": True,
        "multiple": True,
    }
    assert fhir_answer(FREE, [{"other": "Häst"}]) == [{"valueString": "Häst"}]
    with pytest.raises(ValueError, match="no options"):  # a value set is no free text
        _import("open_choice", {**item, "answerValueSet": "http://example.org/vs"})
    coded = {**item, "initial": [{"valueCoding": {"code": "1", "display": "X"}}]}
    with pytest.raises(ValueError, match="but a Coding as its initial value"):
        _import("open_choice", coded)


def test_the_free_text_open_choice_field_is_one_text_input(make_app):
    client = make_app([FREE]).test_client()
    page = parse_html(client.get("/form").get_data(as_text=True))
    assert page.find_all("input", type="radio") == []
    field = page.by_id("open-choice")
    assert (field["type"], field["name"]) == ("text", "open-choice:other")
    post = MultiDict([("open-choice:other", "Marsvin")])
    assert client.post("/form", data=post).get_json() == {"open-choice": [{"other": "Marsvin"}]}


# --- quantity ------------------------------------------------------------------------------------


def test_a_quantity_with_a_fixed_unit_stores_the_number():
    assert clean(WEIGHT, "72,5") == 72.5
    assert clean(WEIGHT, {"value": "80", "unit": None}) == 80
    assert TYPES["quantity"].display(WEIGHT, 72.5, "sv") == "72,5 kg"
    assert error(WEIGHT, "72,55", "en") == "Enter the number with at most 1 decimal."
    assert error(WEIGHT, "600", "en") == "Enter a number between 0 and 500."
    assert error(WEIGHT, "mycket", "sv") == "Ange ett tal, till exempel 12 eller 7,5."


def test_a_quantity_with_units_to_choose_stores_the_unit():
    assert clean(WEIGHT_CHOSEN, {"value": "160", "unit": "[lb_av]"}) == {
        "value": 160,
        "unit": "[lb_av]",
    }
    assert error(WEIGHT_CHOSEN, {"value": "160", "unit": ""}, "en") == "Choose a unit."
    assert error(WEIGHT_CHOSEN, {"value": "160", "unit": "st"}, "en") == (
        "Choose from the units given."
    )
    shown = TYPES["quantity"].display(WEIGHT_CHOSEN, {"value": 160, "unit": "[lb_av]"}, "en")
    assert shown == "160 lb"


def test_a_quantity_keeps_its_ucum_coding_through_fhir():
    item = {
        "linkId": "weight",
        "type": "quantity",
        "extension": [
            {
                "url": SD + "questionnaire-unitOption",
                "valueCoding": {"system": UCUM, "code": "kg", "display": "kg"},
            },
            {
                "url": SD + "questionnaire-unitOption",
                "valueCoding": {"system": UCUM, "code": "[lb_av]", "display": "lb"},
            },
        ],
    }
    config = _import("quantity", item)
    spec = make_spec("quantity", config)
    assert fhir_item(spec)["extension"] == item["extension"]
    assert fhir_answer(spec, {"value": 160, "unit": "[lb_av]"}) == [
        {"valueQuantity": {"value": 160, "unit": "lb", "system": UCUM, "code": "[lb_av]"}}
    ]
    fixed = fhir_item(WEIGHT)
    assert [e["url"] for e in fixed["extension"]][0] == SD + "questionnaire-unit"
    assert _import("quantity", fixed) == WEIGHT.config
    assert fhir_answer(WEIGHT, 72.5) == [
        {"valueQuantity": {"value": 72.5, "unit": "kg", "system": UCUM, "code": "kg"}}
    ]


def test_minutes_alone_are_still_a_duration():
    item = {
        "type": "quantity",
        "extension": [
            {"url": SD + "questionnaire-unitOption", "valueCoding": {"system": UCUM, "code": "min"}}
        ],
    }
    assert [t.key for t in TYPES.values() if t.fhir_matches(item)] == ["duration"]


def test_a_quantity_refuses_a_bad_configuration_clearly():
    assert config_error("quantity", {"units": [KG, LB]}, "en").startswith(
        "A fixed unit can only be one"
    )
    assert config_error("quantity", {"units": [{"code": ""}]}, "en").startswith(
        "Unit 1 must have a code"
    )


def test_the_quantity_field_offers_the_units_without_javascript(make_app):
    client = make_app(
        [WEIGHT_CHOSEN, make_spec("quantity", {"units": [KG]}, key="fixed")]
    ).test_client()
    page = parse_html(client.get("/form").get_data(as_text=True))
    select = page.by_id("quantity:unit")
    assert select.tag == "select" and page.find_all("label", **{"for": "quantity:unit"})
    assert [o["value"] for o in select.find_all("option")] == ["", "kg", "[lb_av]"]
    assert "fixed:unit" in page.by_id("fixed")["aria-describedby"]
    post = MultiDict([("quantity", "70"), ("quantity:unit", "kg"), ("fixed", "3")])
    assert client.post("/form", data=post).get_json() == {
        "quantity": {"value": 70, "unit": "kg"},
        "fixed": 3,
    }
