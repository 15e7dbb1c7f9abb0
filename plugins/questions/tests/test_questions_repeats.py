"""Questions that take several answers (``"repeats": true``): settings, payload, form, FHIR."""

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

from sob_core import QuestionSpec

MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"
MIN_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs"
REPEATING = ("short_text", "long_text", "number", "date", "time", "date_time", "duration")

TEXTS = make_spec("short_text", {"max_length": 20, "repeats": True, "max_answers": 4})
NUMBERS = make_spec("number", {"decimals": 1, "repeats": True})
DATES = make_spec("date", {"repeats": True, "min_answers": 2})


def display(spec: QuestionSpec, payload, lang: str = "sv") -> str:
    return TYPES[spec.type].display(spec, payload, lang)


@pytest.mark.parametrize("key", REPEATING + ("quantity", "yes_no"))
def test_the_types_offer_the_setting_in_their_schema(key):
    properties = TYPES[key].config_schema["properties"]
    assert properties["repeats"]["type"] == "boolean"
    assert properties["max_answers"]["type"] == "integer"
    assert properties["repeats"]["x-title"] == {"sv": "Flera svar", "en": "Several answers"}


@pytest.mark.parametrize(
    ("config", "sv", "en"),
    [
        (
            {"repeats": "yes"},
            "Inställningen repeats måste vara sant eller falskt.",
            "The setting repeats must be true or false.",
        ),
        (
            {"max_answers": 3},
            "Inställningen max_answers gäller bara en fråga med flera svar (repeats).",
            "The setting max_answers applies only to a question with several answers (repeats).",
        ),
        (
            {"repeats": True, "max_answers": 0},
            "Inställningen max_answers måste vara mellan 1 och 50.",
            "The setting max_answers must be between 1 and 50.",
        ),
        (
            {"repeats": True, "min_answers": 3, "max_answers": 2},
            "Inställningen min_answers får inte vara större än max_answers.",
            "The setting min_answers must not be greater than max_answers.",
        ),
        (
            {"repeats": True, "max_length": 0},
            "Inställningen max_length måste vara mellan 1 och 1000.",
            "The setting max_length must be between 1 and 1000.",
        ),
    ],
)
def test_settings_are_checked_in_both_languages(config, sv, en):
    assert config_error("short_text", config, "sv") == sv
    assert config_error("short_text", config, "en") == en


def test_repeats_off_leaves_the_type_as_it_was():
    spec = make_spec("short_text", {"max_length": 20, "repeats": False})
    assert clean(spec, " Hej ") == "Hej"
    assert "repeats" not in fhir_item(spec)
    assert fhir_answer(spec, "Hej") == [{"valueString": "Hej"}]
    assert TYPES["short_text"].from_fhir(fhir_item(spec)) == {"max_length": 20}


def test_a_list_of_answers_each_cleaned_blanks_dropped():
    assert clean(TEXTS, [" Alvedon ", "", "  ", "Ipren"]) == ["Alvedon", "Ipren"]
    assert clean(TEXTS, "Alvedon") == ["Alvedon"]  # one value, as a list of one
    assert clean(TEXTS, clean(TEXTS, ["a", "b"])) == ["a", "b"]
    assert clean(NUMBERS, ["7", "", "12"]) == [7, 12]
    assert clean(DATES, ["2024-03-31", "2024-04-01"]) == ["2024-03-31", "2024-04-01"]


def test_required_means_at_least_one_and_limits_hold():
    assert error(TEXTS, ["", " "], "sv") == "Du behöver svara på frågan."
    assert clean(optional(TEXTS), ["", None]) is None
    assert error(TEXTS, list("abcde"), "sv") == "Ge högst 4 svar."
    assert error(TEXTS, list("abcde"), "en") == "Give at most 4 answers."
    assert error(DATES, ["2024-03-31"], "en") == "Give at least 2 answers."
    assert error(TEXTS, ["a", "x" * 21], "sv") == (
        "Svar 2: Svaret får vara högst 20 tecken långt, nu är det 21."
    )
    assert error(NUMBERS, ["1", "abc"], "en").startswith("Answer 2: Enter a number")
    assert error(NUMBERS, ["1"] * 51, "sv") == "Ge högst 50 svar."
    assert error(NUMBERS, [["1", "2"]], "sv").startswith("Svar 1: ")  # a tampered post


def test_display_joins_the_answers():
    assert display(TEXTS, ["Alvedon", "Ipren"]) == "Alvedon; Ipren"
    assert display(NUMBERS, [7.5, 12], "sv") == "7,5; 12"
    assert display(NUMBERS, [7.5, 12], "en") == "7.5; 12"
    assert display(DATES, ["2024-03-31"]) == display(make_spec("date"), "2024-03-31")


def test_fhir_item_answers_and_import_round_trip():
    item = fhir_item(TEXTS)
    assert item["repeats"] is True and item["maxLength"] == 20
    assert {"url": MAX_OCCURS, "valueInteger": 4} in item["extension"]
    assert TYPES["short_text"].from_fhir(item) == TEXTS.config
    assert fhir_answer(TEXTS, ["a", "b"]) == [{"valueString": "a"}, {"valueString": "b"}]
    assert fhir_answer(NUMBERS, [7.5, 12]) == [{"valueDecimal": 7.5}, {"valueDecimal": 12}]
    integers = make_spec("number", {"repeats": True})
    assert fhir_answer(integers, [7, 12]) == [{"valueInteger": 7}, {"valueInteger": 12}]
    dates = fhir_item(DATES)
    assert {"url": MIN_OCCURS, "valueInteger": 2} in dates["extension"]
    assert TYPES["date"].from_fhir(dates) == DATES.config
    imported = TYPES["number"].from_fhir({"linkId": "n", "type": "integer", "repeats": True})
    assert imported["repeats"] is True and "max_answers" not in imported
    with pytest.raises(ValueError, match="max_answers"):
        TYPES["number"].from_fhir(
            {
                "linkId": "n",
                "type": "integer",
                "repeats": True,
                "extension": [{"url": MAX_OCCURS, "valueInteger": 500}],
            }
        )


def test_the_form_asks_several_answers_in_a_fieldset(make_app):
    app = make_app([TEXTS, optional(NUMBERS)])
    page = parse_html(app.test_client().get("/form").get_data(as_text=True))
    fieldset = page.by_id("short-text")
    assert fieldset.tag == "fieldset"
    assert fieldset.find_all("legend")[0].text == TEXTS.label["sv"]
    hint = page.by_id("short-text:hint").text
    assert hint == "Du kan skriva högst 20 tecken. Du kan ge upp till 4 svar, ett i varje ruta."
    number_hint = page.by_id("number:hint").text
    assert number_hint == "Ett tal, med högst 1 decimal. Du kan ge flera svar, ett i varje ruta."
    inputs = [n for n in fieldset.iter() if n.tag == "input"]
    assert [i["name"] for i in inputs] == ["short-text:1", "short-text:2", "short-text:3"]
    for number, node in enumerate(inputs, start=1):
        assert node.ancestor("fieldset") is fieldset
        assert page.find("label", for_=node["id"]).text == f"Svar {number}"
        assert "short-text:hint" in node["aria-describedby"].split()
    assert ["required" in i.attrs for i in inputs] == [True, False, False]  # at least one
    assert "(frivillig)" in page.by_id("number").find_all("legend")[0].text


def test_posted_answers_become_a_list_and_errors_name_their_input(make_app):
    app = make_app([TEXTS, optional(NUMBERS)])
    client = app.test_client()
    posted = MultiDict(
        [("short-text:1", "Alvedon"), ("short-text:2", ""), ("short-text:3", "Ipren")]
    )
    assert client.post("/form", data=posted).get_json() == {
        "short-text": ["Alvedon", "Ipren"],
        "number": None,
    }
    bad = MultiDict([("short-text:1", "ok"), ("short-text:2", "x" * 21), ("number:1", "7")])
    page = parse_html(client.post("/form", data=bad).get_data(as_text=True))
    assert page.by_id("short-text:error").text.startswith("Fel: Svar 2: ")
    assert page.by_id("short-text:2")["value"] == "x" * 21  # shown again as typed
    assert page.by_id("short-text:2").get("aria-invalid") == "true"
    assert "aria-invalid" not in page.by_id("short-text:1").attrs
    assert "short-text:error" in page.by_id("short-text:1")["aria-describedby"].split()
    assert page.by_id("number:1")["value"] == "7"


def test_a_stored_list_fills_the_form_with_one_more_empty_input(make_app):
    from flask_wtf import FlaskForm

    app = make_app([TEXTS])
    with app.test_request_context("/form"):

        class Draft(FlaskForm):
            pass

        Draft.answers = TYPES["short_text"].make_field(TEXTS, "sv")
        form = Draft(data={"answers": ["a", "b", "c"]})
        shown = [entry._value() for entry in form["answers"].entries]
        assert shown == ["a", "b", "c", ""]
        full = Draft(data={"answers": ["a", "b", "c", "d"]})
        assert len(full["answers"].entries) == 4  # max_answers caps the inputs
        assert [e._value() for e in Draft(data={"answers": None})["answers"].entries] == [""] * 3


@pytest.mark.parametrize("key", REPEATING + ("quantity", "yes_no"))
def test_every_repeating_type_renders_valid_labelled_inputs(make_app, key):
    from questions_testkit import EXAMPLES
    from test_questions_render import check_page

    base = EXAMPLES[key]
    spec = make_spec(key, {**base.config, "repeats": True, "max_answers": 5}, key="q")
    page = parse_html(make_app([spec]).test_client().get("/form").get_data(as_text=True))
    check_page(page)  # unique ids, every label and description points at something
    fieldset = page.by_id("q")
    assert fieldset.tag == "fieldset" and fieldset.find_all("legend")
    names = {n["name"].split(":")[1] for n in fieldset.iter() if n.get("name")}
    assert names == {"1", "2", "3"}
    # each answer is labelled: its input's label, or the legend of its own fieldset (date and
    # time, hours and minutes, yes/no)
    shown = [n.text for n in fieldset.iter() if n.tag in ("label", "legend")]
    for number in (1, 2, 3):
        assert f"Svar {number}" in shown, key
