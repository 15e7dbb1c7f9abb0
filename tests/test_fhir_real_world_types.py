"""dateTime, open-choice and quantity items import, export again as they came, and keep initials."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire

from sob_core.extensions import db
from sob_core.interchange import fhir

SD = "http://hl7.org/fhir/StructureDefinition/"
UCUM = "http://unitsofmeasure.org"
MMHG = {"system": UCUM, "code": "mm[Hg]", "display": "mm Hg"}
ITEMS: list[dict[str, Any]] = [
    {
        "linkId": "when",
        "text": "När mättes trycket?",
        "type": "dateTime",
        "initial": [{"valueDateTime": "2024-03-31T07:30:00+02:00"}],
    },
    {
        "linkId": "arm",
        "text": "Vilken arm?",
        "type": "open-choice",
        "answerOption": [
            {
                "valueCoding": {
                    "system": "http://snomed.info/sct",
                    "code": "368208006",
                    "display": "Vänster",
                }
            },
            {
                "valueCoding": {
                    "system": "http://snomed.info/sct",
                    "code": "368209003",
                    "display": "Höger",
                }
            },
        ],
    },
    {
        "linkId": "systolic",
        "text": "Övertryck",
        "type": "quantity",
        "extension": [{"url": SD + "questionnaire-unitOption", "valueCoding": MMHG}],
        "initial": [
            {"valueQuantity": {"value": 120, "unit": "mm Hg", "system": UCUM, "code": "mm[Hg]"}}
        ],
    },
    {
        "linkId": "weight",
        "text": "Vikt",
        "type": "quantity",
        "extension": [
            {
                "url": SD + "questionnaire-unit",
                "valueCoding": {"system": UCUM, "code": "kg", "display": "kg"},
            }
        ],
    },
]


def _import(app: Any) -> Any:
    data = {"resourceType": "Questionnaire", "status": "active", "id": "bt", "item": ITEMS}
    registry = app.extensions["sob"].registry
    return fhir.import_questionnaire(db.session, registry, json.loads(json.dumps(data)))


def test_the_items_become_the_new_types(app: Any) -> None:
    when, arm, systolic, weight = _import(app).definition["questions"]
    assert (when["type"], when["initial"]) == ("date_time", "2024-03-31T07:30:00+02:00")
    assert arm["type"] == "open_choice"
    assert [o["system"] for o in arm["config"]["options"]] == ["http://snomed.info/sct"] * 2
    assert systolic["type"] == "quantity" and systolic["config"]["choose_unit"] is True
    assert systolic["initial"] == {"value": 120, "unit": "mm[Hg]"}
    assert weight["config"] == {"units": [{"code": "kg", "system": UCUM, "display": {"sv": "kg"}}]}


def test_they_are_exported_again_as_they_came(app: Any) -> None:
    again = fhir.export_questionnaire(_import(app), app.extensions["sob"].registry, "sv")
    Questionnaire.model_validate(again)
    by_link = {item["linkId"]: item for item in again["item"]}
    for item in ITEMS:
        exported = by_link[item["linkId"]]
        assert exported["type"] == item["type"]
        for key in ("answerOption", "extension"):
            assert exported.get(key) == item.get(key), (item["linkId"], key)
    assert by_link["when"]["initial"] == ITEMS[0]["initial"]
    assert by_link["systolic"]["initial"] == ITEMS[2]["initial"]
