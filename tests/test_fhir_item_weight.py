"""``itemWeight``, ``ordinalValue``'s successor in SDC 3 and FHIR R5 (issue 16): an answer
option's score given as ``itemWeight`` is read as a score, counts in a score total, is exported
again as ``itemWeight`` (not turned into ``ordinalValue``) and can be read by an expression
from ``%questionnaire``, as LHC-Forms' Apgar form does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.interchange.fhir.calculate import Calculator
from sob_core.interchange.fhir.scores import CALCULATED

SD = "http://hl7.org/fhir/StructureDefinition/"
ITEM_WEIGHT = SD + "itemWeight"
ORDINAL_VALUE = SD + "ordinalValue"


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _weighted(link: str, url: str = ITEM_WEIGHT) -> dict[str, Any]:
    return {
        "linkId": link,
        "text": link,
        "type": "choice",
        "answerOption": [
            {
                "valueCoding": {"system": "http://loinc.org", "code": code, "display": code},
                "extension": [{"url": url, "valueDecimal": score}],
            }
            for code, score in (("LA6722-8", 0), ("LA6723-6", 1), ("LA6724-4", 2))
        ],
    }


def _calculated(link: str, expression: str) -> dict[str, Any]:
    return {
        "linkId": link,
        "text": link,
        "type": "decimal",
        "readOnly": True,
        "extension": [
            {
                "url": CALCULATED,
                "valueExpression": {"language": "text/fhirpath", "expression": expression},
            }
        ],
    }


def _form(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "apgar", "item": list(items)}


def _import(app: Any, resource: dict[str, Any]) -> Any:
    version = fhir.import_questionnaire(
        db.session, _registry(app), json.loads(json.dumps(resource))
    )
    db.session.flush()
    return version


def test_an_item_weight_is_a_score_and_a_weight_total_adds_it_up(app: Any) -> None:
    total = _calculated("total", "%resource.repeat(item).answer.weight().sum()")
    found = fhir.read_questionnaire(_registry(app), _form(_weighted("a"), _weighted("b"), total))
    options = {q["key"]: q["config"]["options"] for q in found["questions"]}
    assert [o["score"] for o in options["a"]] == [0, 1, 2]
    assert {o["score_as"] for o in options["a"]} == {"itemWeight"}
    (result,) = found["results"]
    assert result["method"] == "sum" and result["questions"] == ["a", "b"]


@pytest.mark.parametrize("url", [ITEM_WEIGHT, ORDINAL_VALUE])
def test_the_score_is_exported_as_it_came(app: Any, url: str) -> None:
    source = _form(_weighted("a", url))
    again = fhir.export_questionnaire(_import(app, source), _registry(app), "sv")
    exported = again["item"][0]["answerOption"]
    assert [o["extension"] for o in exported] == [
        o["extension"] for o in source["item"][0]["answerOption"]
    ]
    assert [o["valueCoding"]["code"] for o in exported] == ["LA6722-8", "LA6723-6", "LA6724-4"]


def test_an_expression_reads_the_chosen_option_s_item_weight_from_the_questionnaire(
    app: Any,
) -> None:
    # as LHC-Forms' apgar-with-itemWeight-variable.json computes each part's score
    expression = (
        "%questionnaire.item.where(linkId = 'a').answerOption.where(valueCoding.code="
        "%resource.item.where(linkId = 'a').answer.valueCoding.code).extension.where("
        f"url='{ITEM_WEIGHT}').valueDecimal"
    )
    version = _import(app, _form(_weighted("a"), _calculated("score-a", expression)))
    shown = Calculator(version, _registry(app)).shown({"a": "LA6724-4"})
    assert shown["score-a"] == 2


def test_a_score_written_as_something_unknown_is_refused_by_the_choice_type(app: Any) -> None:
    qtype = _registry(app).question_types["single_choice"]
    config = {"options": [{"value": "a", "label": {"sv": "A"}, "score": 1, "score_as": "weight"}]}
    with pytest.raises(ValueError):
        qtype.validate_config(config, "en")
    without_score = {"options": [{"value": "a", "label": {"sv": "A"}, "score_as": "itemWeight"}]}
    with pytest.raises(ValueError):
        qtype.validate_config(without_score, "en")
