"""FHIRPath expressions and repeating groups together (issue 16): an expression outside a
repeating group reads one group item per repetition, as a QuestionnaireResponse has them; an
expression on a question inside one is refused, naming it (it would be evaluated once per form,
not per repetition)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.interchange.fhir.calculate import Calculator

CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
TOTAL = "%resource.repeat(item).where(linkId='dose').answer.value.sum()"


def _calculated(expression: str) -> list[dict[str, Any]]:
    return [
        {
            "url": CALCULATED,
            "valueExpression": {"language": "text/fhirpath", "expression": expression},
        }
    ]


def _form(total_inside: bool = False) -> dict[str, Any]:
    total = {
        "linkId": "total",
        "text": "Totalt antal tabletter",
        "type": "integer",
        "readOnly": True,
        "extension": _calculated(TOTAL),
    }
    medicine = {
        "linkId": "medicine",
        "text": "Läkemedel",
        "type": "group",
        "repeats": True,
        "item": [
            {"linkId": "name", "text": "Namn", "type": "string"},
            {"linkId": "dose", "text": "Tabletter per dag", "type": "integer"},
        ],
    }
    if total_inside:
        medicine["item"].append(total)
        items = [medicine]
    else:
        items = [medicine, total]
    return {"resourceType": "Questionnaire", "status": "active", "id": "meds", "item": items}


def _import(app: Any, resource: dict[str, Any]) -> Any:
    version = fhir.import_questionnaire(
        db.session, app.extensions["sob"].registry, json.loads(json.dumps(resource))
    )
    db.session.commit()
    return version


def test_an_expression_reads_each_repetition_s_answer(app: Any) -> None:
    version = _import(app, _form())
    calculator = Calculator(version, app.extensions["sob"].registry)
    shown = calculator.shown({"name": ["Alvedon", "Ipren"], "dose": [2, 3]})
    assert shown["total"] == 5
    response, _nodes = calculator._response({"name": ["Alvedon", "Ipren"], "dose": [2, 3]})
    groups = [item for item in response["item"] if item["linkId"] == "medicine"]
    assert [[a["answer"][0] for a in g["item"] if a["linkId"] == "dose"] for g in groups] == [
        [{"valueInteger": 2}],
        [{"valueInteger": 3}],
    ]


def test_a_repetition_left_out_is_not_counted(app: Any) -> None:
    version = _import(app, _form())
    shown = Calculator(version, app.extensions["sob"].registry).shown(
        {"name": ["Alvedon", "Ipren"], "dose": [4, None]}
    )
    assert shown["total"] == 4


def test_an_expression_inside_a_repeating_group_is_refused_naming_the_item(app: Any) -> None:
    with pytest.raises(fhir.FhirImportError, match="'total'.*repeating group"):
        _import(app, _form(total_inside=True))
