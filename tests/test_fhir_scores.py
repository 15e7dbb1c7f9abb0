"""Score totals of FHIR Questionnaires (``interchange/fhir/scores.py``): option scores
(``ordinalValue``) and a ``calculatedExpression`` total become a computed result of the form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.forms import own_results
from sob_core.interchange import fhir
from sob_core.interchange.fhir.scores import CALCULATED
from sob_core.models import Citizen, Enrollment, Staff
from sob_core.plugins import current_host

CORPUS = Path(__file__).parent / "fhir_corpus"
PHQ9 = CORPUS / "sdc-phq9.json"
JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"
TOTAL = "%resource.answers().value.ordinal().sum()"


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _total(expression: str, language: str = "text/fhirpath") -> dict[str, Any]:
    return {
        "linkId": "total",
        "text": "Total",
        "type": "integer",
        "readOnly": True,
        "extension": [
            {
                "url": CALCULATED,
                "valueExpression": {"language": language, "expression": expression},
            }
        ],
    }


def _scored(link: str) -> dict[str, Any]:
    return {
        "linkId": link,
        "text": link,
        "type": "choice",
        "answerOption": [
            {
                "valueCoding": {"code": code, "display": code},
                "extension": [
                    {"url": own_results.ORDINAL_VALUE, "valueDecimal": score},
                ],
            }
            for code, score in (("never", 0), ("often", 2), ("always", 5))
        ],
    }


def _small(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "small", "item": list(items)}


def test_the_sdc_phq9_total_becomes_a_sum_of_its_nine_scored_questions(app: Any) -> None:
    found = fhir.read_questionnaire(_registry(app), PHQ9.read_bytes())
    assert [q["key"] for q in found["questions"]] == [f"H1/T1/Q{n}" for n in range(1, 10)]
    (result,) = found["results"]
    assert result["key"] == "h1-ts"
    assert result["method"] == "sum" and result["citizen_visible"] is False
    assert result["questions"] == [f"H1/T1/Q{n}" for n in range(1, 10)]
    assert result["bands"] == []  # the designer adds them afterwards
    assert result["label"]["sv"] == "Patient health questionnaire 9 item total score"


def test_an_expression_sob_cannot_compute_is_refused_quoting_it(app: Any) -> None:
    odd = _total("%resource.item.where(linkId='a').answer.value.ordinal() * 2")
    cql = _total("CalculateTotalScore", "text/cql")
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), _small(_scored("a"), odd, {**cql, "linkId": "t2"}))
    assert raised.value.code == "several"
    text = str(raised.value)
    assert "linkId='a').answer.value.ordinal() * 2" in text
    assert "'CalculateTotalScore'" in text and "'text/cql'" in text


def test_a_total_without_any_scored_question_is_refused(app: Any) -> None:
    plain = {"linkId": "a", "text": "A", "type": "string"}
    with pytest.raises(fhir.FhirImportError, match="no question has scores"):
        fhir.read_questionnaire(_registry(app), _small(plain, _total(TOTAL)))


def test_only_questions_scored_on_every_option_are_added_up(app: Any) -> None:
    half = _scored("b")
    del half["answerOption"][1]["extension"]
    found = fhir.read_questionnaire(_registry(app), _small(_scored("a"), half, _total(TOTAL)))
    assert found["results"][0]["questions"] == ["a"]


def test_lhc_forms_weight_of_the_answer_adds_up_every_scored_answer(app: Any) -> None:
    # LHC-Forms writes ``answer.weight()`` without ``.value``: the same total
    expression = "%resource.repeat(item).answer.weight().sum()"
    found = fhir.read_questionnaire(
        _registry(app), _small(_scored("a"), _scored("b"), _total(expression))
    )
    assert found["results"][0]["questions"] == ["a", "b"]


def test_a_total_of_the_top_level_items_but_one_leaves_out_that_item_and_grouped_ones(
    app: Any,
) -> None:
    group = {"linkId": "g", "type": "group", "text": "G", "item": [_scored("in-group")]}
    expression = "%resource.item.where(linkId != 'last').answer.weight().sum()"
    found = fhir.read_questionnaire(
        _registry(app),
        _small(_scored("a"), group, _scored("b"), _scored("last"), _total(expression)),
    )
    assert found["results"][0]["questions"] == ["a", "b"]
    # the expression and the item go back as they came
    assert (
        found["results"][0]["fhir_item"]["item"]["extension"][0]["valueExpression"]["expression"]
        == expression
    )


def _submit(version: Any, answers: dict[str, Any]) -> Any:
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.citizen_id == citizen.id).order_by(Enrollment.id)
    )
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.flush()
    response = forms.open_response(db.session, assignment)
    forms.submit(db.session, current_host(), response, answers)
    db.session.commit()
    return response


def test_a_submitted_phq9_scores_the_sum_of_the_chosen_options(app: Any, demo_data: Any) -> None:
    version = fhir.import_questionnaire(db.session, _registry(app), PHQ9.read_bytes())
    db.session.commit()
    source = json.loads(PHQ9.read_bytes())
    concepts = source["contained"][0]["compose"]["include"][0]["concept"]
    scores = {c["code"]: c["extension"][0]["valueDecimal"] for c in concepts}
    chosen = [concepts[n % 4]["code"] for n in range(9)]  # 0,1,2,3,0,1,2,3,0
    answers = {f"H1/T1/Q{n + 1}": code for n, code in enumerate(chosen)}
    response = _submit(version, answers)
    rows = {r.key: r for r in response.results}
    expected = sum(scores[code] for code in chosen)
    assert expected == 12
    assert rows[f"{version.form.key}.h1-ts"].value == expected
    assert rows[f"{version.form.key}.h1-ts"].citizen_visible is False


def test_the_total_is_exported_again_where_it_was_and_reimports_as_one_result(app: Any) -> None:
    registry = _registry(app)
    version = fhir.import_questionnaire(db.session, registry, PHQ9.read_bytes())
    db.session.flush()
    again = fhir.export_questionnaire(version, registry, "sv")
    source = json.loads(PHQ9.read_bytes())
    assert again["item"][0]["item"][-1] == source["item"][0]["item"][-1]  # H1/TS, verbatim
    # a designer's band survives the next export and import
    definition = dict(version.definition)
    (result,) = definition["results"]
    banded = {
        **result,
        "bands": [
            {"slug": "low", "label": {"sv": "Låg"}, "lower": None, "upper": 10, "colour": "green"},
            {"slug": "high", "label": {"sv": "Hög"}, "lower": 10, "upper": None, "colour": "red"},
        ],
    }
    newer = forms.create_form(
        db.session,
        registry,
        key=version.form.key,
        title=version.title,
        questions=definition["questions"],
        results=[banded],
        origin=definition.get("origin"),
        groups=definition.get("groups"),
    )
    db.session.flush()
    found = fhir.read_questionnaire(registry, fhir.export_questionnaire(newer, registry, "sv"))
    (back,) = found["results"]
    assert [b["slug"] for b in back["bands"]] == ["low", "high"]
    assert back["fhir_item"]["item"] == source["item"][0]["item"][-1]
    assert back["questions"] == result["questions"]
