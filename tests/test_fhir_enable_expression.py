"""SDC ``enableWhenExpression`` (issue 16): whether a question is asked, decided by a FHIRPath
boolean the server evaluates, on pages that work without JavaScript (``calculate.Calculator``,
``forms.clean_answers(enabled=...)``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.i18n import translate_error
from sob_core.interchange import fhir
from sob_core.models import Citizen, Enrollment, FormResponse, Staff
from sob_core.testing import csrf_from, login_as

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
ENABLE = SDC + "sdc-questionnaire-enableWhenExpression"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"
#: LHC-Forms' enableWhenExpressionTest, shortened: q4 is asked when n1 + n2 >= 5
TOTAL = "%n1 + %n2 >= 5"


def _enable(expression: str, language: str = "text/fhirpath") -> dict[str, Any]:
    return {"url": ENABLE, "valueExpression": {"language": language, "expression": expression}}


def _variable(name: str, expression: str) -> dict[str, Any]:
    return {
        "url": VARIABLE,
        "valueExpression": {"name": name, "language": "text/fhirpath", "expression": expression},
    }


def _form() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "enable",
        "extension": [
            _variable(
                "n1",
                "iif(%resource.item[0].item.where(linkId='n1').answer.value.exists(), "
                "%resource.item[0].item.where(linkId='n1').answer.value, 0)",
            ),
            _variable("n2", "%resource.repeat(item).where(linkId='n2').answer.value.first()"),
        ],
        "item": [
            {
                "linkId": "group",
                "type": "group",
                "text": "Tal",
                "item": [
                    {"linkId": "n1", "text": "Tal 1", "type": "decimal"},
                    {"linkId": "n2", "text": "Tal 2", "type": "decimal"},
                    {
                        "linkId": "q4",
                        "text": "Varför så stort?",
                        "type": "string",
                        "required": True,
                        "extension": [_enable(TOTAL)],
                    },
                ],
            }
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


def _assigned(app: Any, client: Any, resource: dict[str, Any] | None = None) -> Any:
    version = _import(app, resource or _form())
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    login_as(client, citizen)
    return assignment


def _post(client: Any, assignment: Any, page: str, action: str, **answers: str) -> Any:
    data = {
        "csrf_token": csrf_from(page),
        "submission_key": page.split('name="submission_key" value="')[1].split('"')[0],
        "action": action,
        **answers,
    }
    if 'name="hidden_questions" value="' in page:
        data["hidden_questions"] = page.split('name="hidden_questions" value="')[1].split('"')[0]
    return client.post(f"/citizen/forms/{assignment.id}", data=data)


def _payloads(assignment: Any) -> dict[str, Any]:
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    db.session.refresh(response)
    return forms.payloads(response)


def test_the_expression_is_kept_and_exported_again_verbatim(app: Any) -> None:
    resource = _form()
    version = _import(app, resource)
    (q4,) = [q for q in version.definition["questions"] if q["key"] == "q4"]
    assert q4["enable_expression"] == {"language": "text/fhirpath", "expression": TOTAL}
    again = fhir.export_questionnaire(version, _registry(app))
    (exported,) = [i for i in again["item"][0]["item"] if i["linkId"] == "q4"]
    assert exported["extension"] == [_enable(TOTAL)]
    assert "enableWhen" not in exported


@pytest.mark.parametrize(
    ("extension", "code", "swedish"),
    [
        (
            _enable("NeedsReason", "text/cql"),
            "enable_language",
            "item 'q4': om det visas avgörs i språket 'text/cql' ('NeedsReason'), som sob inte "
            "utvärderar: sob utvärderar bara enableWhenExpression i FHIRPath (text/fhirpath)",
        ),
        (
            _enable("%n1 + >= 5"),
            "enable_fhirpath",
            "item 'q4': dess enableWhenExpression '%n1 + >= 5' kan inte utvärderas som FHIRPath: ",
        ),
    ],
)
def test_an_expression_sob_cannot_evaluate_is_refused_in_swedish_and_english(
    app: Any, extension: dict[str, Any], code: str, swedish: str
) -> None:
    resource = _form()
    resource["item"][0]["item"][2]["extension"] = [extension]
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(_registry(app), resource)
    assert caught.value.code == code
    assert str(caught.value).startswith("item 'q4': ")
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("sv"):
            assert translate_error(caught.value).startswith(swedish)
        with force_locale("en"):
            assert translate_error(caught.value) == str(caught.value)


def test_the_server_hides_the_question_until_the_answers_ask_it(
    app: Any, client: Any, demo_data: Any
) -> None:
    assignment = _assigned(app, client)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert _block(page, "q4").endswith("hidden>")
    # not asked: its answer is not stored, and its being required does not hold the form back
    saved = _post(client, assignment, page, "save", n1="1", n2="2", q4="ignored")
    assert saved.status_code == 302
    assert _payloads(assignment) == {"n1": 1, "n2": 2}
    # asked once the numbers add up to 5: the page made from the saved answers shows it
    _post(client, assignment, page, "save", n1="2", n2="3")
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert not _block(page, "q4").endswith("hidden>")
    refused = _post(client, assignment, page, "submit", n1="2", n2="3")
    assert refused.status_code == 422  # required, now asked
    sent = _post(client, assignment, page, "submit", n1="2", n2="3", q4="Därför")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _payloads(assignment) == {"n1": 2, "n2": 3, "q4": "Därför"}


def test_a_question_the_answers_ask_only_at_submission_is_shown_before_it_is_sent(
    app: Any, client: Any, demo_data: Any
) -> None:
    resource = _form()
    resource["item"][0]["item"][2]["required"] = False  # even an optional one is shown first
    assignment = _assigned(app, client, resource)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert 'name="hidden_questions" value="q4"' in page
    back = _post(client, assignment, page, "submit", n1="4", n2="4")
    assert back.status_code == 422
    text = back.get_data(as_text=True)
    assert "Dina svar gör att den här frågan gäller" in text
    assert not _block(text, "q4").endswith("hidden>")
    assert 'value="4"' in text  # her answers are kept on the page


def _block(page: str, key: str) -> str:
    """The opening tag of a question's block."""
    start = page.index(f'id="question-{key}"')
    return page[start : page.index(">", start) + 1]
