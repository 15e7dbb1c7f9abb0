"""FHIR items that repeat on a non-choice type (string, integer ...): imported as questions taking
several answers, asked in the web form without JavaScript, shown, and exported again."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.models import CareUnit, Citizen, Enrollment, FormResponse, Staff
from sob_core.testing import csrf_from, login_as

JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"
MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"

ITEMS: list[dict[str, Any]] = [
    {
        "linkId": "medicines",
        "text": "Vilka läkemedel tar du?",
        "type": "string",
        "repeats": True,
        "required": True,
        "extension": [{"url": MAX_OCCURS, "valueInteger": 4}],
    },
    {
        "linkId": "doses",
        "text": "Hur många tabletter om dagen?",
        "type": "integer",
        "repeats": True,
        "initial": [{"valueInteger": 1}, {"valueInteger": 2}],
    },
    {
        "linkId": "many",
        "text": "Varför så många?",
        "type": "string",
        "enableWhen": [{"question": "doses", "operator": ">=", "answerInteger": 6}],
    },
]


def _import(app: Any) -> Any:
    data = {"resourceType": "Questionnaire", "status": "active", "id": "lakemedel", "item": ITEMS}
    registry = app.extensions["sob"].registry
    return fhir.import_questionnaire(db.session, registry, json.loads(json.dumps(data)))


def test_repeating_items_import_and_export_again_with_repeats(app: Any) -> None:
    version = _import(app)
    medicines, doses, _many = version.definition["questions"]
    assert medicines["config"]["repeats"] is True and medicines["config"]["max_answers"] == 4
    assert doses["config"]["repeats"] is True
    assert doses["initial"] == [1, 2]
    again = fhir.export_questionnaire(version, app.extensions["sob"].registry, "sv")
    Questionnaire.model_validate(again)
    first, second, third = again["item"]
    assert first["repeats"] is True and first["extension"] == ITEMS[0]["extension"]
    assert second["repeats"] is True and second["initial"] == ITEMS[1]["initial"]
    assert "repeats" not in third and third["enableWhen"] == ITEMS[2]["enableWhen"]


def test_several_answers_are_asked_stored_shown_and_exported(
    app: Any, client: Any, demo_data: Any
) -> None:
    version = _import(app)
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    login_as(client, citizen)
    url = f"/citizen/forms/{assignment.id}"
    page = client.get(url).get_data(as_text=True)
    assert '<fieldset class="q-question q-question--repeating q-repeating" id="medicines"' in page
    assert '<legend class="q-label">Vilka läkemedel tar du?</legend>' in page
    for number in (1, 2, 3):
        assert f'<label class="q-label" for="medicines:{number}">Svar {number}</label>' in page
    assert 'name="medicines:4"' not in page  # three inputs, then one more per answer
    assert 'name="doses:1" value="1"' in page and 'name="doses:2" value="2"' in page

    def post(action: str, **answers: str) -> Any:
        current = client.get(url).get_data(as_text=True)
        key = current.split('name="submission_key" value="')[1].split('"')[0]
        data = {"csrf_token": csrf_from(current), "submission_key": key, "action": action}
        return client.post(url, data={**data, **answers})

    # a draft keeps the list and fills the inputs again, one empty more
    saved = post("save", **{"medicines:1": "Alvedon", "medicines:2": "", "medicines:3": "Ipren"})
    assert saved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'name="medicines:1" value="Alvedon"' in page
    assert 'name="medicines:2" value="Ipren"' in page
    assert 'name="medicines:3" value=""' in page
    # one answer that does not fit is named, the form shown again as typed
    refused = post("submit", **{"medicines:1": "Alvedon", "doses:1": "2", "doses:2": "två"})
    assert refused.status_code == 422
    assert "Svar 2: Ange ett heltal" in refused.get_data(as_text=True)
    sent = post(
        "submit",
        **{"medicines:1": "Alvedon", "medicines:2": "Ipren", "doses:1": "2", "doses:2": "6"},
        many="Ont",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    # any answer >= 6 shows the follow-up (FHIR's enableWhen over a repeating answer)
    assert forms.payloads(response) == {
        "medicines": ["Alvedon", "Ipren"],
        "doses": [2, 6],
        "many": "Ont",
    }
    registry = app.extensions["sob"].registry
    spec = forms.specs(version)[0]
    shown = forms.display_answer(spec, response.answers["medicines"], registry, "sv")
    assert shown == "Alvedon; Ipren"
    resource = fhir.export_response(response, registry)
    QuestionnaireResponse.model_validate(resource)
    answers = {item["linkId"]: item["answer"] for item in resource["item"]}
    assert answers["medicines"] == [{"valueString": "Alvedon"}, {"valueString": "Ipren"}]
    assert answers["doses"] == [{"valueInteger": 2}, {"valueInteger": 6}]
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    login_as(client, tommy, unit_id=unit)
    staff_page = client.get(f"/staff/patients/{enrollment.id}/responses/{response.id}")
    assert staff_page.status_code == 200
    assert "Alvedon; Ipren" in staff_page.get_data(as_text=True)


def test_one_initial_value_of_a_repeating_item_is_a_list_of_one(app: Any) -> None:
    item = {
        "linkId": "names",
        "text": "Namn",
        "type": "string",
        "repeats": True,
        "initial": [{"valueString": "Anna"}],
    }
    data = {"resourceType": "Questionnaire", "status": "active", "id": "namn", "item": [item]}
    registry = app.extensions["sob"].registry
    version = fhir.import_questionnaire(db.session, registry, data)
    (question,) = version.definition["questions"]
    assert question["initial"] == ["Anna"]
    (again,) = fhir.export_questionnaire(version, registry, "sv")["item"]
    assert again["initial"] == item["initial"] and again["repeats"] is True
