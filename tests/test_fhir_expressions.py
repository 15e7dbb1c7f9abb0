"""FHIRPath in imported Questionnaires (issue 16): calculated questions computed by the server,
prefill from the signed-in citizen (``%patient``), and what stays refused (CQL, expressions that
cannot be read). ``interchange/fhir/expressions.py``, ``calculate.py``, ``fhirpath.py``."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.i18n import translate_error
from sob_core.interchange import fhir
from sob_core.interchange.fhir import fhirpath
from sob_core.interchange.fhir.calculate import Calculator, patient_resource
from sob_core.models import Citizen, Enrollment, FormResponse, Staff
from sob_core.testing import csrf_from, login_as

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
CALCULATED = SDC + "sdc-questionnaire-calculatedExpression"
INITIAL = SDC + "sdc-questionnaire-initialExpression"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"

BMI = "(%weight / (%height * %height)).round(1)"


def _expression(url: str, expression: str, language: str = "text/fhirpath") -> dict[str, Any]:
    return {"url": url, "valueExpression": {"language": language, "expression": expression}}


def _variable(name: str, expression: str) -> dict[str, Any]:
    return {
        "url": VARIABLE,
        "valueExpression": {"name": name, "language": "text/fhirpath", "expression": expression},
    }


def _bmi_form() -> dict[str, Any]:
    """Weight, height and the BMI computed from them (as LHC-Forms' weight/height form does)."""
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "bmi",
        "extension": [
            _variable("weight", "%resource.item.where(linkId='weight').answer.value"),
            _variable("height", "item.where(linkId='height').answer.value / 100"),
        ],
        "item": [
            {"linkId": "weight", "text": "Vikt (kg)", "type": "decimal"},
            {"linkId": "height", "text": "Längd (cm)", "type": "decimal"},
            {
                "linkId": "bmi",
                "text": "BMI",
                "type": "decimal",
                "readOnly": True,
                "extension": [_expression(CALCULATED, BMI)],
            },
            {
                "linkId": "heavy",
                "text": "Över 100 kg",
                "type": "boolean",
                "extension": [_expression(CALCULATED, "%weight > 100")],
            },
        ],
    }


def _patient_form() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "about-you",
        "item": [
            {
                "linkId": "name",
                "text": "Namn",
                "type": "string",
                "readOnly": True,
                "extension": [_expression(INITIAL, "%patient.name.text.first()")],
            },
            {
                "linkId": "born",
                "text": "Född",
                "type": "date",
                "extension": [_expression(INITIAL, "%patient.birthDate")],
            },
            {
                "linkId": "sex",
                "text": "Kön",
                "type": "string",
                "extension": [_expression(INITIAL, "%patient.gender")],
            },
            {
                "linkId": "year",
                "text": "Födelseår",
                "type": "integer",
                "readOnly": True,
                "extension": [
                    _expression(INITIAL, "%patient.birthDate.toString().substring(0,4).toInteger()")
                ],
            },
        ],
    }


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _import(app: Any, resource: dict[str, Any]) -> Any:
    version = fhir.import_questionnaire(
        db.session, _registry(app), json.loads(json.dumps(resource))
    )
    db.session.commit()
    return version


def _assign(version: Any, personnummer: str) -> Any:
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == personnummer))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    return citizen, assignment


def _post(client: Any, assignment: Any, page: str, action: str, **answers: str) -> Any:
    return client.post(
        f"/citizen/forms/{assignment.id}",
        data={
            "csrf_token": csrf_from(page),
            "submission_key": page.split('name="submission_key" value="')[1].split('"')[0],
            "action": action,
            **answers,
        },
    )


# --- import and export ---------------------------------------------------------------------------


def test_a_calculation_is_a_calculated_question_and_exported_again_verbatim(app: Any) -> None:
    resource = _bmi_form()
    version = _import(app, resource)
    questions = {q["key"]: q for q in version.definition["questions"]}
    assert questions["bmi"]["calculated"] == {"language": "text/fhirpath", "expression": BMI}
    assert questions["bmi"]["read_only"] is True
    assert "read_only" not in questions["heavy"]  # computed all the same (forms.computed)
    assert forms.computed(questions["heavy"]) and not forms.computed(questions["weight"])
    again = fhir.export_questionnaire(version, _registry(app))
    items = {item["linkId"]: item for item in again["item"]}
    (calculation,) = resource["item"][2]["extension"]
    assert calculation in items["bmi"]["extension"]  # beside the number type's own
    assert items["bmi"]["readOnly"] is True and "readOnly" not in items["heavy"]
    assert items["heavy"]["extension"] == resource["item"][3]["extension"]
    assert again["extension"] == resource["extension"]  # the variables, kept unused by import
    # and the export imports again the same
    twice = fhir.read_questionnaire(_registry(app), again)
    assert [q.get("calculated") for q in twice["questions"]] == [
        q.get("calculated") for q in version.definition["questions"]
    ]


def test_a_score_total_is_still_a_result_not_a_question(app: Any) -> None:
    item = {
        "linkId": "total",
        "text": "Summa",
        "type": "integer",
        "extension": [_expression(CALCULATED, "%resource.answers().value.ordinal().sum()")],
    }
    choice = {
        "linkId": "a",
        "text": "A",
        "type": "choice",
        "answerOption": [
            {
                "valueCoding": {"code": "x"},
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
                        "valueDecimal": 2,
                    }
                ],
            }
        ],
    }
    found = fhir.read_questionnaire(
        _registry(app),
        {"resourceType": "Questionnaire", "status": "active", "item": [choice, item]},
    )
    assert [q["key"] for q in found["questions"]] == ["a"]
    assert [r["method"] for r in found["results"]] == ["sum"]


@pytest.mark.parametrize("language", ["text/cql", "text/cql.identifier"])
def test_a_calculation_in_cql_is_refused_in_swedish_and_english(app: Any, language: str) -> None:
    resource = _bmi_form()
    resource["item"][2]["extension"] = [_expression(CALCULATED, "BodyMassIndex", language)]
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(_registry(app), resource)
    error = caught.value
    assert error.code == "calculated_cql"
    assert str(error) == (
        f"item 'bmi': its answer is calculated in CQL ('{language}' 'BodyMassIndex'), which sob "
        "does not evaluate: sob evaluates calculatedExpression in FHIRPath (text/fhirpath) only"
    )
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("sv"):
            assert translate_error(error) == (
                f"item 'bmi': svaret räknas ut i CQL ('{language}' 'BodyMassIndex'), som sob inte "
                "utvärderar: sob utvärderar bara calculatedExpression i FHIRPath (text/fhirpath)"
            )
        with force_locale("en"):
            assert translate_error(error) == str(error)


@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ("(%weight / ", "at character"),
        ("%weight %height", "unexpected '%'"),
        ("%weight.ordinal()", "function ordinal()"),
        ("%nosuch + 1", "no variable %nosuch"),
        ("%questionnaire.contained[0].id", "no contained resources"),
        ("%resource.item.where(linkId='nosuch').answer.value", "does not have: 'nosuch'"),
    ],
)
def test_a_calculation_sob_cannot_evaluate_is_refused_naming_the_item(
    app: Any, expression: str, detail: str
) -> None:
    resource = _bmi_form()
    resource["item"][2]["extension"] = [_expression(CALCULATED, expression)]
    resource["item"][3]["extension"] = [_expression(CALCULATED, "%weight >")]
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(_registry(app), resource)
    error = caught.value
    messages = [str(e) for e in error.errors]  # both items are named at once
    assert len(messages) == 2
    assert messages[0].startswith(f"item 'bmi': its calculatedExpression {expression!r}")
    assert detail in messages[0]
    assert messages[1].startswith("item 'heavy': its calculatedExpression '%weight >'")
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("sv"):
            swedish = translate_error(error.errors[0])
    assert swedish.startswith(f"item 'bmi': dess calculatedExpression {expression!r} kan inte")


def test_a_calculation_on_a_display_item_is_refused(app: Any) -> None:
    resource = _bmi_form()
    resource["item"][2]["type"] = "display"
    with pytest.raises(fhir.FhirImportError, match="'bmi'.*a display item has no answer"):
        fhir.read_questionnaire(_registry(app), resource)


def test_a_variable_built_on_a_fhir_query_is_not_one_sob_can_use(app: Any) -> None:
    resource = _bmi_form()
    resource["extension"].append(
        {
            "url": VARIABLE,
            "valueExpression": {
                "name": "obs",
                "language": "application/x-fhir-query",
                "expression": "Observation?code=29463-7",
            },
        }
    )
    resource["extension"].append(_variable("latest", "%obs.entry.resource.value"))
    resource["item"][2]["extension"] = [_expression(CALCULATED, "%latest.value")]
    with pytest.raises(fhir.FhirImportError, match="no variable %latest"):
        fhir.read_questionnaire(_registry(app), resource)


def test_a_variable_name_with_a_dash_is_explained(app: Any) -> None:
    resource = _bmi_form()
    resource["extension"].append(_variable("has-weight", "%weight.exists()"))
    resource["item"][3]["extension"] = [_expression(CALCULATED, "%has-weight")]
    with pytest.raises(
        fhir.FhirImportError, match=r"no variable %has \(FHIRPath reads %has-weight as a"
    ):
        fhir.read_questionnaire(_registry(app), resource)
    resource["item"][3]["extension"] = [_expression(CALCULATED, "%`has-weight`")]
    fhir.read_questionnaire(_registry(app), resource)


def test_the_parser_refuses_what_fhirpathpy_would_let_pass() -> None:
    for text in ("1 +", "((", "a b", "", "x" * (fhirpath.MAX_LENGTH + 1)):
        with pytest.raises(fhirpath.FhirPathError):
            fhirpath.parse(text)
    assert fhirpath.variables("%a + %`b-c`.x") == {"a", "b-c"}


def test_an_expression_reaches_nothing_outside_the_resources(capsys: Any) -> None:
    patient = {"resourceType": "Patient", "id": "p"}
    assert fhirpath.evaluate("Patient.id.resolve()", patient) == []
    assert fhirpath.evaluate("'http://example.org/x'.resolve()", patient) == []
    assert fhirpath.evaluate("trace('secret').id", patient) == ["p"]
    assert capsys.readouterr().out == ""  # trace() prints nothing
    given = {"resourceType": "Patient", "birthDate": "1985-03-14"}
    fhirpath.evaluate("birthDate", given)
    assert given == {"resourceType": "Patient", "birthDate": "1985-03-14"}  # not written into


# --- filling in ----------------------------------------------------------------------------------


def test_the_server_computes_the_calculation_when_the_form_is_saved_and_submitted(
    app: Any, client: Any, demo_data: Any
) -> None:
    version = _import(app, _bmi_form())
    citizen, assignment = _assign(version, JOHN)
    login_as(client, citizen)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert '<fieldset class="read-only" disabled' in page
    assert "Räknas ut av dina andra svar när du sparar eller skickar formuläret" in page
    saved = _post(client, assignment, page, "save", weight="80", height="180")
    assert saved.status_code == 302
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert 'value="24.7"' in page
    # a posted value for the calculated question is ignored: the server's own is stored
    sent = _post(client, assignment, page, "submit", weight="120", height="180", bmi="1")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert forms.payloads(response) == {
        "weight": 120,
        "height": 180,
        "bmi": 37.0,
        "heavy": True,
    }
    exported = fhir.export_response(response, _registry(app))
    answers = {item["linkId"]: item["answer"] for item in exported["item"]}
    assert answers["bmi"] == [{"valueDecimal": 37.0}]


def test_an_expression_that_fails_leaves_its_question_empty_and_keeps_the_answers(
    app: Any, client: Any, demo_data: Any, caplog: Any
) -> None:
    resource = _bmi_form()
    # a text weight makes the sum fail at fill time: 1 + 'a' is an error in FHIRPath
    resource["item"][0]["type"] = "string"
    resource["item"][2]["extension"] = [_expression(CALCULATED, "%weight + 1")]
    version = _import(app, resource)
    citizen, assignment = _assign(version, JOHN)
    login_as(client, citizen)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    with caplog.at_level(logging.WARNING):
        sent = _post(client, assignment, page, "submit", weight="åttio", height="180")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert forms.payloads(response) == {"weight": "åttio", "height": 180}  # both failed
    logged = [r.getMessage() for r in caplog.records if "gave no value" in r.getMessage()]
    assert logged and all("åttio" not in line for line in logged)  # no answer in the log


def test_patient_prefill_shows_the_signed_in_citizen_and_no_one_else(
    app: Any, client: Any, demo_data: Any
) -> None:
    version = _import(app, _patient_form())
    john, john_assignment = _assign(version, JOHN)
    other = db.session.scalar(
        select(Citizen).where(Citizen.personnummer != JOHN, Citizen.id != john.id)
    )
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == other.id))
    if enrollment is None:
        pytest.skip("the demo data has one enrolled citizen")
    _other, other_assignment = _assign(version, other.personnummer)
    login_as(client, john)
    page = client.get(f"/citizen/forms/{john_assignment.id}").get_data(as_text=True)
    assert f'value="{john.name}"' in page
    assert f'value="{john.birth_date.isoformat()}"' in page
    assert f'value="{john.birth_date.year}"' in page
    assert other.name not in page
    # someone else's assignment is not found at all, prefilled or not
    assert client.get(f"/citizen/forms/{other_assignment.id}").status_code == 404
    # the citizen changes what she may; the read-only values are her own whatever is posted
    sent = _post(
        client, john_assignment, page, "submit", name=other.name, born="1990-01-02", sex="x"
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == john_assignment.id)
    )
    assert forms.payloads(response) == {
        "name": john.name,
        "born": "1990-01-02",
        "sex": "x",
        "year": john.birth_date.year,
    }


def test_a_prefilled_question_the_citizen_cleared_stays_cleared(
    app: Any, client: Any, demo_data: Any
) -> None:
    version = _import(app, _patient_form())
    john, assignment = _assign(version, JOHN)
    login_as(client, john)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert f'value="{john.legal_sex}"' in page
    assert f'value="{john.birth_date.isoformat()}"' in page
    _post(client, assignment, page, "save", born="", sex="annat")
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert 'value="annat"' in page
    assert f'value="{john.birth_date.isoformat()}"' not in page  # not filled in again
    assert f'value="{john.birth_date.year}"' in page  # the read-only one is hers all the same


def test_the_patient_is_the_citizen_by_the_identifier_responses_name_her_by(app: Any) -> None:
    citizen = Citizen(
        id=7,
        personnummer="198503142393",
        name="Anna Maria Svensson",
        birth_date=date(1985, 3, 14),
        legal_sex="female",
        coordination_number=False,
    )
    patient = patient_resource(citizen)
    assert patient == {
        "resourceType": "Patient",
        "id": "citizen-7",
        "identifier": [
            {"system": fhir.PERSONNUMMER_SYSTEM, "value": "198503142393"},
        ],
        "name": [
            {
                "use": "official",
                "text": "Anna Maria Svensson",
                "family": "Svensson",
                "given": ["Anna", "Maria"],
            }
        ],
        "gender": "female",
        "birthDate": "1985-03-14",
    }


def test_the_preview_has_no_patient_so_prefills_stay_empty(app: Any) -> None:
    version = _import(app, _patient_form())
    calculator = Calculator(version, _registry(app), None)
    assert calculator.shown({}) == {}


def test_the_import_report_says_what_sob_computes(app: Any) -> None:
    calculated = _import(app, _bmi_form())
    prefilled = _import(app, _patient_form())
    lines = [str(n) for n in fhir.import_report(calculated.definition)]
    assert (
        "2 items ('bmi', 'heavy') are calculated by sob from the other answers (SDC "
        "calculatedExpression in FHIRPath): shown read-only, computed when the form is saved"
    ) in lines
    (note,) = [n for n in fhir.import_report(prefilled.definition) if n.code == "patient_prefill"]
    assert str(note) == (
        "4 items ('name', 'born', 'sex', 'year') are prefilled from the signed-in citizen "
        "(SDC initialExpression reading %patient)"
    )
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("sv"):
            assert translate_error(note) == (
                "4 items ('name', 'born', 'sex', 'year') fylls i i förväg från den inloggade "
                "invånaren (SDC initialExpression som läser %patient)"
            )


def test_the_design_preview_shows_computed_questions_empty_and_read_only(
    app: Any, client: Any, login: Any
) -> None:
    from sob_core.forms import drafts
    from sob_core.models import CareUnit

    sara = "SE2321000131-P000000000015"  # a designer at unit 1
    unit = db.session.scalar(select(CareUnit.id).order_by(CareUnit.id))
    resource = _patient_form()
    resource["item"] += _bmi_form()["item"]
    resource["extension"] = _bmi_form()["extension"]
    version = fhir.import_questionnaire(
        db.session, _registry(app), json.loads(json.dumps(resource)), care_unit_id=unit
    )
    staff = db.session.scalar(select(Staff).where(Staff.hsa_id == sara))
    draft = drafts.open_draft(db.session, version.form, staff.id)
    db.session.commit()
    login("staff", sara, unit_id=unit)
    page = client.get(f"/design/form-drafts/{draft.id}/preview").get_data(as_text=True)
    assert page.count('<fieldset class="read-only" disabled') == 4  # name, year, bmi, heavy
    assert "Räknas ut av dina andra svar" in page
    names = [c.name for c in db.session.scalars(select(Citizen))]
    assert names and not any(name in page for name in names)  # no one's data in a preview


def test_sums_and_ages_are_computed_as_their_sources_compute_them(app: Any) -> None:
    age = (
        "%resource.item.where(linkId='born').answer.value.select("
        "today().toString().substring(0,4).toInteger() - toString().substring(0,4).toInteger())"
    )
    resource = {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "sums",
        "item": [
            {"linkId": "a", "text": "A", "type": "integer"},
            {"linkId": "b", "text": "B", "type": "decimal"},
            {"linkId": "born", "text": "Född", "type": "date"},
            {
                "linkId": "total",
                "text": "Summa",
                "type": "decimal",
                "extension": [
                    _expression(
                        CALCULATED, "%resource.item.where(linkId in ('a' | 'b')).answer.value.sum()"
                    )
                ],
            },
            {
                "linkId": "largest",
                "text": "Störst",
                "type": "decimal",
                "extension": [
                    _expression(
                        CALCULATED,
                        "(%resource.item.where(linkId='a' or linkId='b').answer.value).max()",
                    )
                ],
            },
            {
                "linkId": "age",
                "text": "Ålder",
                "type": "integer",
                "extension": [_expression(CALCULATED, age)],
            },
        ],
    }
    version = _import(app, resource)
    shown = Calculator(version, _registry(app)).shown({"a": 2, "b": 1.5, "born": "1985-03-14"})
    assert shown["total"] == 3.5 and shown["largest"] == 2
    assert shown["age"] == date.today().year - 1985


def test_the_standard_variables_are_there(app: Any) -> None:
    resource = _bmi_form()
    resource["item"][3]["type"] = "string"
    resource["item"][3]["extension"] = [_expression(CALCULATED, "%loinc & ' ' & %sct")]
    version = _import(app, resource)
    shown = Calculator(version, _registry(app)).shown({})
    assert shown["heavy"] == "http://loinc.org http://snomed.info/sct"


def test_a_calculation_may_name_a_later_answer(app: Any, client: Any, demo_data: Any) -> None:
    resource = _bmi_form()
    resource["item"] = [resource["item"][2], *resource["item"][:2]]  # the BMI first
    version = _import(app, resource)
    citizen, assignment = _assign(version, JOHN)
    login_as(client, citizen)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    sent = _post(client, assignment, page, "submit", weight="80", height="180")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert forms.payloads(response) == {"bmi": 24.7, "weight": 80, "height": 180}
