"""FHIR items sob once refused (issue 16, second slice): a group of follow-ups nested in a question,
``answerOption`` on integer/string/date/time items, and answer options marked ``initialSelected``.
Each is imported to what sob keeps and exported again as it came (hand-written Questionnaires)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from sob_core.extensions import db
from sob_core.interchange import fhir

GIVEN: dict[str, Any] = {
    "linkId": "given",
    "text": "Fick barnet vitamin K?",
    "type": "boolean",
    "item": [
        {
            "linkId": "doses",
            "text": "Doser",
            "type": "group",
            "required": True,
            "item": [
                {"linkId": "first", "text": "Första dosen", "type": "date"},
                {"linkId": "second", "text": "Andra dosen", "type": "date"},
            ],
        },
        {"linkId": "where", "text": "Var?", "type": "string"},
    ],
}
TYPED: list[dict[str, Any]] = [
    {
        "linkId": "age",
        "text": "Ålder",
        "type": "integer",
        "answerOption": [{"valueInteger": 1}, {"valueInteger": 5}, {"valueInteger": 10}],
    },
    {
        "linkId": "colour",
        "text": "Färg",
        "type": "string",
        "answerOption": [{"valueString": "röd"}, {"valueString": "blå"}],
    },
    {
        "linkId": "day",
        "text": "Dag",
        "type": "date",
        "answerOption": [{"valueDate": "2024-01-01"}, {"valueDate": "2024-02-01"}],
    },
    {
        "linkId": "at",
        "text": "Tid",
        "type": "time",
        "answerOption": [{"valueTime": "08:00:00"}, {"valueTime": "12:30:00"}],
    },
]
PRESELECTED: list[dict[str, Any]] = [
    {
        "linkId": "mood",
        "text": "Humör",
        "type": "choice",
        "answerOption": [
            {"valueCoding": {"system": "http://example.org/m", "code": "good", "display": "Bra"}},
            {
                "valueCoding": {
                    "system": "http://example.org/m",
                    "code": "bad",
                    "display": "Dåligt",
                },
                "initialSelected": True,
            },
        ],
    },
    {
        "linkId": "many",
        "text": "Vilka?",
        "type": "integer",
        "repeats": True,
        "answerOption": [
            {"valueInteger": 1, "initialSelected": True},
            {"valueInteger": 2},
            {"valueInteger": 3, "initialSelected": True},
        ],
    },
]


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _import(app: Any, items: list[dict[str, Any]]) -> Any:
    data = {"resourceType": "Questionnaire", "status": "active", "id": "q", "item": items}
    return fhir.import_questionnaire(db.session, _registry(app), json.loads(json.dumps(data)))


def _export(app: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    again = fhir.export_questionnaire(_import(app, items), _registry(app), "sv")
    Questionnaire.model_validate(again)
    return again


def test_a_group_in_a_question_is_a_group_of_its_follow_ups(app: Any) -> None:
    definition = _import(app, [GIVEN]).definition
    given, first, second, where = definition["questions"]
    assert [q["key"] for q in (given, first, second, where)] == [
        "given",
        "first",
        "second",
        "where",
    ]
    assert (first["parent"], first["group"]) == ("given", "doses")
    assert (second["parent"], second["group"]) == ("given", "doses")
    assert where["parent"] == "given" and where.get("group") is None
    assert "parent" not in given
    assert definition["groups"] == [
        {
            "key": "doses",
            "parent": None,
            "question": "given",
            "text": {"sv": "Doser"},
            "required": True,
        }
    ]


def test_a_group_in_a_question_is_nested_in_it_again_on_export(app: Any) -> None:
    (given,) = _export(app, [GIVEN])["item"]
    assert given["linkId"] == "given" and given["type"] == "boolean"
    doses, where = given["item"]
    assert (doses["linkId"], doses["type"], doses["text"], doses["required"]) == (
        "doses",
        "group",
        "Doser",
        True,
    )
    assert [(i["linkId"], i["type"]) for i in doses["item"]] == [
        ("first", "date"),
        ("second", "date"),
    ]
    assert (where["linkId"], where["type"]) == ("where", "string")


def test_a_group_in_a_question_inside_a_group_keeps_both(app: Any) -> None:
    outer = {"linkId": "outer", "text": "Barnet", "type": "group", "item": [GIVEN]}
    definition = _import(app, [outer]).definition
    assert definition["groups"][0] == {"key": "outer", "parent": None, "text": {"sv": "Barnet"}}
    assert definition["groups"][1]["parent"] == "outer"
    assert definition["groups"][1]["question"] == "given"
    (group,) = _export(app, [outer])["item"]
    (given,) = group["item"]
    assert [i["linkId"] for i in given["item"]] == ["doses", "where"]
    assert [i["linkId"] for i in given["item"][0]["item"]] == ["first", "second"]


def test_answer_options_on_other_types_are_choices_keeping_their_type(app: Any) -> None:
    age, colour, day, at = _import(app, TYPED).definition["questions"]
    assert (age["type"], age["config"]["fhir_type"]) == ("single_choice", "integer")
    assert [o["value"] for o in age["config"]["options"]] == ["1", "5", "10"]
    assert {o["value_type"] for o in age["config"]["options"]} == {"integer"}
    assert colour["config"]["fhir_type"] == "string"
    assert [o["value"] for o in day["config"]["options"]] == ["2024-01-01", "2024-02-01"]
    assert at["config"]["fhir_type"] == "time"
    again = _export(app, TYPED)["item"]
    for source, item in zip(TYPED, again, strict=True):
        assert item["type"] == source["type"]
        assert [
            {k: v for k, v in o.items() if k.startswith("value")} for o in item["answerOption"]
        ] == source["answerOption"]


def test_a_typed_choice_needs_options_of_its_type(app: Any) -> None:
    from sob_questions.choice import SINGLE_CHOICE

    config = {"options": [{"value": "a", "label": {"sv": "A"}}], "fhir_type": "integer"}
    with pytest.raises(ValueError, match="value type"):
        SINGLE_CHOICE.validate_config(config, "en")


def test_preselected_options_are_the_initial_answer(app: Any) -> None:
    mood, many = _import(app, PRESELECTED).definition["questions"]
    assert (mood["initial"], mood["initial_selected"]) == ("bad", True)
    assert (many["type"], many["initial"]) == ("multiple_choice", ["1", "3"])
    mood_item, many_item = _export(app, PRESELECTED)["item"]
    assert "initial" not in mood_item and "initial" not in many_item
    assert [o.get("initialSelected", False) for o in mood_item["answerOption"]] == [False, True]
    assert [o.get("initialSelected", False) for o in many_item["answerOption"]] == [
        True,
        False,
        True,
    ]


def test_several_preselected_options_on_a_single_answer_are_refused(app: Any) -> None:
    item = json.loads(json.dumps(PRESELECTED[0]))
    item["answerOption"][0]["initialSelected"] = True
    with pytest.raises(fhir.FhirImportError, match="'mood': a preselected answer option"):
        _import(app, [item])


def test_an_integer_initial_on_an_integer_item_with_options_is_its_option(app: Any) -> None:
    item = {**TYPED[0], "initial": [{"valueInteger": 5}]}
    (age,) = _import(app, [item]).definition["questions"]
    assert age["initial"] == "5"
    (again,) = _export(app, [item])["item"]
    assert again["initial"] == [{"valueInteger": 5}]
