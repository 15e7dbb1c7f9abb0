"""The plugin as the host sees it: entry points, the hook, the contract, templates and FHIR import."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pluggy
import pytest
import sob_questions
from questions_testkit import EXAMPLES, MODULES, TYPES, fhir_item, make_spec

from sob_core import hookspecs

PACKAGE = Path(sob_questions.__file__).parent
ALL_KEYS = {
    "yes_no",
    "single_choice",
    "multiple_choice",
    "dropdown",
    "number",
    "slider",
    "scale",
    "short_text",
    "long_text",
    "date",
    "time",
    "duration",
    "date_time",
    "open_choice",
    "quantity",
}


def test_entry_points_name_one_module_each():
    found = {
        ep.name: ep.value
        for ep in entry_points(group="sob")
        if ep.value.startswith("sob_questions")
    }
    assert found == {
        "boolean": "sob_questions.boolean",
        "choice": "sob_questions.choice",
        "information": "sob_questions.information",
        "numeric": "sob_questions.numeric",
        "text": "sob_questions.text",
        "temporal": "sob_questions.temporal",
        "open_choice": "sob_questions.open_choice",
        "quantity": "sob_questions.quantity",
        "attachment": "sob_questions.attachment",
    }


def test_the_hook_registers_every_type_once():
    manager = pluggy.PluginManager("sob")
    manager.add_hookspecs(hookspecs)
    for module in MODULES:
        manager.register(module)
    manager.check_pending()
    keys = [t.key for result in manager.hook.sob_question_types() for t in result]
    assert sorted(keys) == sorted(ALL_KEYS)
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("key", sorted(ALL_KEYS))
def test_every_type_keeps_the_contract(key):
    qtype = TYPES[key]
    qtype.validate()
    assert qtype.label["sv"] and qtype.label["en"]
    # a type that may take several answers renders through repeatable.html, which includes the
    # type's own template
    assert qtype.template in (f"sob_questions/{key}.html", "sob_questions/repeatable.html")
    assert (PACKAGE / "templates" / qtype.template).is_file()
    assert (PACKAGE / "templates" / "sob_questions" / f"{key}.html").is_file()
    assert callable(qtype.from_fhir) and callable(qtype.fhir_matches)
    schema = qtype.config_schema
    assert schema["type"] == "object"
    # the example's configuration uses only the settings the schema describes
    assert set(EXAMPLES[key].config) <= set(schema["properties"])
    for name, prop in schema["properties"].items():
        assert prop["title"] and set(prop["x-title"]) == {"sv", "en"}, name


def test_stylesheet_and_script_are_shipped():
    css = (PACKAGE / "static" / "sob_questions" / "questions.css").read_text()
    selectors = [line for line in css.splitlines() if line.startswith(".")]
    assert selectors and all(line.startswith(".q-") for line in selectors)
    assert (PACKAGE / "static" / "sob_questions" / "questions.js").is_file()


@pytest.mark.parametrize("key", sorted(ALL_KEYS))
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_exactly_one_type_claims_each_exported_item(key, lang):
    item = fhir_item(EXAMPLES[key], lang)
    claimed = [t.key for t in TYPES.values() if t.fhir_matches(item)]
    assert claimed == [key]


def _control(code: str) -> dict:
    return {
        "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
        "valueCodeableConcept": {"coding": [{"code": code}]},
    }


@pytest.mark.parametrize(
    ("item", "key"),
    [
        ({"type": "choice", "answerOption": [{"valueString": "a"}]}, "single_choice"),
        ({"type": "choice", "answerValueSet": "http://example.org/vs"}, "single_choice"),
        (
            {"type": "choice", "repeats": True, "extension": [_control("drop-down")]},
            "multiple_choice",
        ),
        ({"type": "choice", "extension": [_control("drop-down")]}, "dropdown"),
        ({"type": "choice", "answerOption": [{"valueInteger": i} for i in (1, 2, 3)]}, "scale"),
        (
            {"type": "choice", "answerOption": [{"valueInteger": i} for i in (1, 2, 4)]},
            "single_choice",
        ),
        ({"type": "integer", "answerOption": [{"valueInteger": 1}]}, "single_choice"),
        (
            {"type": "string", "repeats": True, "answerOption": [{"valueString": "a"}]},
            "multiple_choice",
        ),
        ({"type": "date", "answerOption": [], "extension": [_control("drop-down")]}, "dropdown"),
        ({"type": "text", "answerOption": [{"valueString": "a"}]}, "long_text"),
        ({"type": "decimal"}, "number"),
        ({"type": "integer", "extension": [_control("slider")]}, "slider"),
        ({"type": "string"}, "short_text"),
        ({"type": "text"}, "long_text"),
        ({"type": "date"}, "date"),
        ({"type": "time"}, "time"),
        ({"type": "open-choice"}, "open_choice"),
        ({"type": "boolean"}, "yes_no"),
        ({"type": "dateTime"}, "date_time"),
        ({"type": "group", "item": []}, None),
        ({"type": "quantity"}, "quantity"),
        ({"linkId": "x"}, None),
        ({"type": ["choice"]}, None),
    ],
)
def test_foreign_items_are_claimed_by_at_most_one_type(item, key):
    claimed = [t.key for t in TYPES.values() if t.fhir_matches(item)]
    assert claimed == ([key] if key else [])


@pytest.mark.parametrize("item", [None, "choice", 3, [], {"extension": "x"}, {"extension": [1]}])
def test_fhir_matches_never_raises(item):
    assert [t.key for t in TYPES.values() if t.fhir_matches(item)] == []


def test_make_field_gives_an_unbound_field_with_the_label():
    for lang, label in (("sv", "Fråga (number)"), ("en", "Question (number)")):
        unbound = TYPES["number"].make_field(make_spec("number"), lang)
        assert unbound.args[0] == label
        assert not hasattr(unbound, "data")
