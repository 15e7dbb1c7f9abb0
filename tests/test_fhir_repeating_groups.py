"""A FHIR group that ``repeats`` (issue 16): imported as a repeating group, asked as repetitions on
the citizen's page without JavaScript (add and remove buttons keep what was typed), checked per
repetition, stored as one payload per repetition, shown, and exported again: the Questionnaire with
``repeats`` and min/maxOccurs, the QuestionnaireResponse with one group item per repetition."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
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
SD = "http://hl7.org/fhir/StructureDefinition/"
MIN_OCCURS = SD + "questionnaire-minOccurs"
MAX_OCCURS = SD + "questionnaire-maxOccurs"

GROUP: dict[str, Any] = {
    "linkId": "meds",
    "text": "Läkemedel",
    "type": "group",
    "repeats": True,
    "extension": [
        {"url": MIN_OCCURS, "valueInteger": 1},
        {"url": MAX_OCCURS, "valueInteger": 3},
    ],
    "item": [
        {"linkId": "name", "text": "Namn", "type": "string", "required": True},
        {"linkId": "dose", "text": "Tabletter om dagen", "type": "integer"},
    ],
}


def _questionnaire(*items: dict[str, Any]) -> dict[str, Any]:
    return json.loads(
        json.dumps(
            {
                "resourceType": "Questionnaire",
                "status": "active",
                "id": "lakemedelslista",
                "item": [
                    {"linkId": "intro", "text": "Hur mår du?", "type": "string"},
                    *(items or [GROUP]),
                ],
            }
        )
    )


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _import(app: Any, *items: dict[str, Any]) -> Any:
    return fhir.import_questionnaire(db.session, _registry(app), _questionnaire(*items))


def test_a_repeating_group_imports_and_exports_again(app: Any) -> None:
    version = _import(app)
    (group,) = version.definition["groups"]
    assert group == {
        "key": "meds",
        "parent": None,
        "text": {"sv": "Läkemedel"},
        "repeats": True,
        "min_occurs": 1,
        "max_occurs": 3,
    }
    assert forms.repeating.repeated_questions(version.definition) == {
        "name": "meds",
        "dose": "meds",
    }
    again = fhir.export_questionnaire(version, _registry(app), "sv")
    Questionnaire.model_validate(again)
    exported = again["item"][1]
    assert exported["linkId"] == "meds" and exported["repeats"] is True
    assert exported["extension"] == GROUP["extension"]
    assert [i["linkId"] for i in exported["item"]] == ["name", "dose"]
    # and imported again it is the same form
    twice = fhir.import_questionnaire(db.session, _registry(app), again, key="twice")
    assert twice.definition["groups"] == version.definition["groups"]


def test_a_repeating_group_without_occurrences_takes_up_to_fifty(app: Any) -> None:
    plain = {k: v for k, v in GROUP.items() if k != "extension"}
    version = _import(app, plain)
    (group,) = version.definition["groups"]
    assert group["repeats"] is True and "max_occurs" not in group
    assert forms.repeating.most(group) == forms.repeating.MAX_REPETITIONS
    assert "extension" not in fhir.export_questionnaire(version, _registry(app), "sv")["item"][1]


def test_what_sob_cannot_do_in_a_repeating_group_is_refused_by_item(app: Any) -> None:
    inner = {
        **GROUP,
        "linkId": "inner",
        "item": [{"linkId": "when", "text": "När?", "type": "date"}],
    }
    nested = {**GROUP, "item": [*GROUP["item"], inner]}
    outside = {
        "linkId": "why",
        "text": "Varför?",
        "type": "string",
        "enableWhen": [{"question": "name", "operator": "exists", "answerBoolean": True}],
    }
    bad_count = {
        **GROUP,
        "linkId": "meds3",
        "extension": [{"url": MAX_OCCURS, "valueInteger": 0}],
        "item": [{"linkId": "n3", "text": "Namn", "type": "string"}],
    }
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), _questionnaire(nested, outside, bad_count))
    text = str(raised.value)
    assert "group 'inner' repeats inside the repeating group 'meds'" in text
    assert "item 'why': enableWhen naming a question of a repeating group from outside" in text
    assert f"group 'meds3': the extension '{MAX_OCCURS}' needs a usable whole number" in text
    assert text.startswith("3 problems")


def test_min_and_max_occurs_on_a_group_that_does_not_repeat_are_still_refused(app: Any) -> None:
    once = {k: v for k, v in GROUP.items() if k != "repeats"}
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), _questionnaire(once))
    assert MIN_OCCURS in str(raised.value) and MAX_OCCURS in str(raised.value)


def test_a_definition_naming_a_repeated_question_from_outside_is_refused(app: Any) -> None:
    definition = {
        "questions": [
            {"key": "a", "type": "short_text", "label": {"sv": "A"}, "group": "g"},
            {
                "key": "b",
                "type": "short_text",
                "label": {"sv": "B"},
                "group": "g",
                "show_if": {"question": "a", "exists": True},  # per repetition: fine
            },
            {
                "key": "c",
                "type": "short_text",
                "label": {"sv": "C"},
                "show_if": {"question": "a", "exists": True},  # which repetition?
            },
        ],
        "groups": [{"key": "g", "parent": None, "repeats": True}],
    }
    with pytest.raises(forms.FormDefinitionError, match="skip logic naming a question of a repe"):
        forms.validate_definition(definition, _registry(app))
    del definition["questions"][2]
    forms.validate_definition(definition, _registry(app))
    definition["results"] = [{"key": "sum", "method": "sum", "questions": ["a"]}]
    assert forms.repeating.problems(definition) == [("result", "sum")]
    definition["questions"][0]["initial"] = "x"
    assert ("initial", "a") in forms.repeating.problems(definition)


@pytest.fixture()
def page(app: Any, client: Any, demo_data: Any) -> Any:
    """The citizen John's form page of the imported form: (version, url, assignment, post)."""
    version = _import(app)
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    login_as(client, citizen)
    url = f"/citizen/forms/{assignment.id}"

    def post(action: str, count: int, **answers: str) -> Any:
        current = client.get(url).get_data(as_text=True)
        key = current.split('name="submission_key" value="')[1].split('"')[0]
        data = {
            "csrf_token": csrf_from(current),
            "submission_key": key,
            "action": action,
            "repetitions@meds": str(count),
        }
        return client.post(url, data={**data, **answers})

    return version, url, assignment, enrollment, tommy, post


def test_the_page_adds_and_removes_repetitions_keeping_what_was_typed(
    client: Any, page: Any
) -> None:
    _version, url, *_rest, post = page
    first = client.get(url).get_data(as_text=True)
    assert '<fieldset class="repeating-group" id="group-meds">' in first
    assert "<legend>Läkemedel</legend>" in first
    assert 'id="group-meds-1">Läkemedel 1</h2>' in first
    assert 'name="name@1"' in first and 'name="name@2"' not in first
    assert 'value="add:meds"' in first and "Lägg till" in first
    assert 'value="remove:1:meds"' not in first  # the only repetition stays
    added = post("add:meds", 1, **{"name@1": "Alvedon", "dose@1": "2", "intro": "Bra"})
    assert added.status_code == 200
    html = added.get_data(as_text=True)
    assert 'value="Alvedon"' in html and 'value="2"' in html and 'value="Bra"' in html
    assert 'id="group-meds-2">Läkemedel 2</h2>' in html and 'name="name@2"' in html
    assert 'name="repetitions@meds" value="2"' in html
    assert 'value="remove:2:meds"' in html and "Ta bort" in html
    # three at most (maxOccurs): no add button then
    third = post("add:meds", 2, **{"name@1": "A", "name@2": "B"}).get_data(as_text=True)
    assert 'name="name@3"' in third and 'value="add:meds"' not in third
    # removing the first moves the second up, as typed
    removed = post(
        "remove:1:meds", 2, **{"name@1": "Alvedon", "dose@1": "2", "name@2": "Ipren", "dose@2": "4"}
    ).get_data(as_text=True)
    assert 'value="Ipren"' in removed and 'value="4"' in removed
    assert "Alvedon" not in removed and 'name="name@2"' not in removed
    assert 'name="repetitions@meds" value="1"' in removed


def test_an_add_without_its_csrf_token_is_refused(client: Any, page: Any) -> None:
    _version, url, *_rest = page
    assert client.post(url, data={"action": "add:meds", "name@1": "x"}).status_code == 400


def test_each_repetition_is_checked_and_named_and_nothing_typed_is_lost(page: Any) -> None:
    _version, _url, *_rest, post = page
    refused = post(
        "submit", 3, **{"name@1": "Alvedon", "dose@1": "två", "dose@2": "3", "name@3": ""}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Läkemedel 2: frågan måste besvaras." in html  # name left blank in repetition 2
    assert "Ange ett heltal" in html  # the dose of repetition 1
    assert 'value="två"' in html and 'value="Alvedon"' in html and 'value="3"' in html
    assert 'id="group-meds-3"' in html  # the blank third is still shown as posted


def test_answers_are_stored_per_repetition_shown_and_exported(
    app: Any, client: Any, page: Any
) -> None:
    version, _url, assignment, enrollment, tommy, post = page
    sent = post(
        "submit",
        3,
        intro="Bra",
        **{"name@1": "Alvedon", "dose@1": "2", "name@2": "", "name@3": "Ipren"},
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    # the blank second repetition is dropped; the lists are aligned by repetition
    assert forms.payloads(response) == {
        "intro": "Bra",
        "name": ["Alvedon", "Ipren"],
        "dose": [2, None],
    }
    registry = _registry(app)
    dose = forms.specs(version)[2]
    assert forms.display_answer(dose, response.answers["dose"], registry, "sv", True) == (
        "1: 2 | 2: –"
    )
    resource = fhir.export_response(response, registry)
    QuestionnaireResponse.model_validate(resource)
    assert resource["item"] == [
        {"linkId": "intro", "text": "Hur mår du?", "answer": [{"valueString": "Bra"}]},
        {
            "linkId": "meds",
            "text": "Läkemedel",
            "item": [
                {"linkId": "name", "text": "Namn", "answer": [{"valueString": "Alvedon"}]},
                {"linkId": "dose", "text": "Tabletter om dagen", "answer": [{"valueInteger": 2}]},
            ],
        },
        {
            "linkId": "meds",
            "text": "Läkemedel",
            "item": [{"linkId": "name", "text": "Namn", "answer": [{"valueString": "Ipren"}]}],
        },
    ]
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    login_as(client, tommy, unit_id=unit)
    staff_page = client.get(f"/staff/patients/{enrollment.id}/responses/{response.id}")
    assert staff_page.status_code == 200
    assert "1: Alvedon | 2: Ipren" in staff_page.get_data(as_text=True)


def test_a_draft_comes_back_with_its_repetitions(client: Any, page: Any) -> None:
    _version, url, *_rest, post = page
    saved = post("save", 2, **{"name@1": "Alvedon", "name@2": "Ipren", "dose@2": "1"})
    assert saved.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'id="group-meds-2"' in html and 'id="group-meds-3"' not in html
    assert 'value="Alvedon"' in html and 'value="Ipren"' in html
    assert 'name="repetitions@meds" value="2"' in html


def test_too_few_repetitions_are_refused(page: Any) -> None:
    _version, _url, *_rest, post = page
    refused = post("submit", 1, intro="Bra")
    assert refused.status_code == 422
    assert "Fyll i minst 1 ”Läkemedel”." in refused.get_data(as_text=True)


CORPUS_FILE = Path(__file__).parent / "fhir_corpus" / "android-fhir-repeated-group.json"


def test_skip_logic_inside_a_repeating_group_holds_per_repetition(
    app: Any, client: Any, demo_data: Any
) -> None:
    """Android FHIR's repeating "Pregnancy Outcome - Baby": the sex of a live birth, the type of
    a stillbirth, asked in each repetition by that repetition's own answer."""
    registry = _registry(app)
    version = fhir.import_questionnaire(
        db.session, registry, CORPUS_FILE.read_bytes(), file_name=CORPUS_FILE.name
    )
    assert forms.repeating.repeated_questions(version.definition) == {
        "12.6.1": "12.0",
        "12.6.3.1": "12.0",
        "12.6.4.1": "12.0",
    }
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    login_as(client, citizen)
    url = f"/citizen/forms/{assignment.id}"
    current = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(current),
        "submission_key": current.split('name="submission_key" value="')[1].split('"')[0],
        "repetitions@12.0": "2",
    }
    two = client.post(url, data={**data, "action": "add:12.0"}).get_data(as_text=True)
    # the page's skip logic names the repetition's own field (forms.js reads it by name)
    assert "&#34;question&#34;: &#34;12.6.1@2&#34;" in two
    sent = client.post(
        url,
        data={
            **data,
            "action": "submit",
            "12.6.1@1": "live-birth",
            "12.6.3.1@1": "male",
            "12.6.4.1@1": "FSB",  # hidden in a live birth: not stored
            "12.6.1@2": "still-birth",
            "12.6.4.1@2": "MSB",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert forms.payloads(response) == {
        "12.6.1": ["live-birth", "still-birth"],
        "12.6.3.1": ["male", None],
        "12.6.4.1": [None, "MSB"],
    }
    resource = fhir.export_response(response, registry)
    QuestionnaireResponse.model_validate(resource)
    first, second = resource["item"]
    assert first["linkId"] == second["linkId"] == "12.0"
    # nested in the groups inside the repetition, as the Questionnaire has them (R4)
    live = {"linkId": "12.6.1", "text": "Is it Live Birth/Stillbirth?"}
    assert first["item"] == [
        {
            "linkId": "12.6",
            "text": "Live Birth/Stillbirth",
            "item": [
                {
                    **live,
                    "answer": [{"valueCoding": {"code": "live-birth", "display": "Live Birth"}}],
                },
                {
                    "linkId": "12.6.3",
                    "text": "Baby Gender",
                    "item": [
                        {
                            "linkId": "12.6.3.1",
                            "text": "Sex of Baby",
                            "answer": [{"valueCoding": {"code": "male", "display": "Male"}}],
                        }
                    ],
                },
            ],
        }
    ]
    inner = second["item"][0]["item"]
    assert [i["linkId"] for i in inner] == ["12.6.1", "12.6.4"]
    assert inner[1]["item"][0]["linkId"] == "12.6.4.1"


def test_a_score_total_over_a_repeating_group_is_refused(app: Any) -> None:
    scored = {
        "linkId": "often",
        "text": "Hur ofta?",
        "type": "choice",
        "answerOption": [
            {
                "valueCoding": {"code": code, "display": code},
                "extension": [{"url": SD + "ordinalValue", "valueDecimal": score}],
            }
            for code, score in (("aldrig", 0), ("ofta", 2))
        ],
    }
    total = {
        "linkId": "total",
        "text": "Summa",
        "type": "integer",
        "readOnly": True,
        "extension": [
            {
                "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression",
                "valueExpression": {
                    "language": "text/fhirpath",
                    "expression": "%resource.answers().value.ordinal().sum()",
                },
            }
        ],
    }
    group = {**GROUP, "extension": [], "item": [scored]}
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), _questionnaire(group, total))
    assert "item 'total': a score total over a question in a repeating group" in str(raised.value)
    # the same form without the repetition imports, its total a result
    once = {k: v for k, v in group.items() if k != "repeats"}
    found = fhir.read_questionnaire(_registry(app), _questionnaire(once, total))
    assert [r["key"] for r in found["results"]] == ["total"]


def test_a_required_repeating_group_is_refused_once_when_nothing_is_answered(app: Any) -> None:
    from sob_core.web.forms_rendering import build_form_class

    required = {**GROUP, "required": True, "extension": []}
    version = _import(app, required)
    registry = _registry(app)
    posted = {"intro": "Bra", "name@1": "", "repetitions@meds": "1"}
    with app.test_request_context(method="POST", data=posted):
        form = build_form_class(version, registry, "sv", {"meds": 1})(meta={"csrf": False})
        outcome = forms.clean_answers(version, registry, form, "sv", final=True)
    assert outcome.errors == {"name@1": "Fyll i minst 1 ”Läkemedel”."}
    assert outcome.values == {"intro": "Bra"}


def test_a_question_that_repeats_inside_a_repeating_group_stores_a_list_per_repetition(
    app: Any,
) -> None:
    from sob_core.web.forms_rendering import build_form_class

    several = {"linkId": "times", "text": "Klockslag", "type": "string", "repeats": True}
    group = {**GROUP, "extension": [], "item": [GROUP["item"][0], several]}
    version = _import(app, group)
    registry = _registry(app)
    posted = {
        "name@1": "Alvedon",
        "times@1:1": "08",
        "times@1:2": "20",
        "name@2": "Ipren",
        "times@2:1": "12",
    }
    with app.test_request_context(method="POST", data=posted):
        form = build_form_class(version, registry, "sv", {"meds": 2})(meta={"csrf": False})
        outcome = forms.clean_answers(version, registry, form, "sv", final=True)
    assert outcome.errors == {}
    assert outcome.values == {"name": ["Alvedon", "Ipren"], "times": [["08", "20"], ["12"]]}
    spec = forms.specs(version)[2]
    stored = {"type": spec.type, "value": outcome.values["times"]}
    assert forms.display_answer(spec, stored, registry, "sv", True) == "1: 08; 20 | 2: 12"
