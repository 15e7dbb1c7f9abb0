"""FHIR items sob once refused (issue 16): information texts, questions without text, initial and
readOnly, follow-up questions nested in a question, and what sob keeps verbatim without using it
(``kept.py``), with the import report that says so. Each is imported, shown and exported again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import select

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.models import Citizen, Enrollment, FormResponse, Staff
from sob_core.testing import csrf_from, login_as

CORPUS = Path(__file__).parent / "fhir_corpus"
OTHER = "http://example.org/additional-information"
PLACEHOLDER = "http://hl7.org/fhir/StructureDefinition/entryFormat"
XHTML = "http://hl7.org/fhir/StructureDefinition/rendering-xhtml"
JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"

ITEMS: list[dict[str, Any]] = [
    {"linkId": "intro", "text": "Läs detta först.", "type": "display"},
    {
        "linkId": "clinic",
        "text": "Mottagning",
        "type": "string",
        "readOnly": True,
        "initial": [{"valueString": "Vårdcentralen Norr"}],
    },
    {
        "linkId": "smoker",
        "text": "Röker du?",
        "type": "boolean",
        "initial": [{"valueBoolean": False}],
        "code": [{"system": "http://loinc.org", "code": "72166-2"}],
        "prefix": "1.",
        "extension": [{"url": OTHER, "valueAttachment": {"url": "https://example.org/rok"}}],
        "item": [
            {
                "linkId": "how_many",
                "text": "Hur många om dagen?",
                "type": "integer",
                "enableWhen": [{"question": "smoker", "operator": "=", "answerBoolean": True}],
                "extension": [{"url": PLACEHOLDER, "valueString": "t.ex. 10"}],
            }
        ],
    },
    {
        "linkId": "notes",
        "text": "Något mer?",
        "_text": {"extension": [{"url": XHTML, "valueString": "<b>Något mer?</b>"}]},
        "type": "string",
    },
]


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _import(app: Any, items: list[dict[str, Any]] = ITEMS) -> Any:
    data = {"resourceType": "Questionnaire", "status": "active", "id": "rok", "item": items}
    return fhir.import_questionnaire(db.session, _registry(app), json.loads(json.dumps(data)))


def test_each_item_imports_to_what_sob_shows(app: Any) -> None:
    version = _import(app)
    intro, clinic, smoker, how_many, notes = version.definition["questions"]
    assert (intro["type"], intro["label"], intro["config"]) == (
        "information",
        {"sv": "Läs detta först."},
        {},
    )
    assert clinic["read_only"] is True and clinic["initial"] == "Vårdcentralen Norr"
    assert smoker["initial"] is False and "read_only" not in smoker
    assert how_many["parent"] == "smoker"
    assert how_many["show_if"] == {"question": "smoker", "equals": True}
    assert smoker["kept"] == {
        "keys": {"code": ITEMS[2]["code"], "prefix": "1."},
        "extension": ITEMS[2]["extension"],
    }
    assert how_many["kept"] == {"extension": [{"url": PLACEHOLDER, "valueString": "t.ex. 10"}]}
    assert notes["kept"] == {"text_extension": ITEMS[3]["_text"]["extension"]}


def test_each_item_is_exported_again_as_it_came(app: Any) -> None:
    again = fhir.export_questionnaire(_import(app), _registry(app), "sv")
    Questionnaire.model_validate(again)
    intro, clinic, smoker, notes = again["item"]
    assert intro == {"linkId": "intro", "text": "Läs detta först.", "type": "display"}
    assert clinic["readOnly"] is True
    assert clinic["initial"] == [{"valueString": "Vårdcentralen Norr"}]
    assert smoker["initial"] == [{"valueBoolean": False}]
    assert (smoker["code"], smoker["prefix"]) == (ITEMS[2]["code"], "1.")
    assert smoker["extension"] == ITEMS[2]["extension"]
    (follow_up,) = smoker["item"]
    assert follow_up["linkId"] == "how_many"
    assert follow_up["enableWhen"] == ITEMS[2]["item"][0]["enableWhen"]
    assert follow_up["extension"] == ITEMS[2]["item"][0]["extension"]
    assert notes["_text"]["extension"] == ITEMS[3]["_text"]["extension"]


def test_the_import_report_names_what_is_kept_unused(app: Any) -> None:
    notes = [str(note) for note in fhir.import_report(_import(app).definition)]
    assert "kept, not used by sob: 'code' on 1 items ('smoker')" in notes
    assert "kept, not used by sob: 'prefix' on 1 items ('smoker')" in notes
    assert f"kept, not used by sob: the extension '{OTHER}' on 1 items ('smoker')" in notes
    assert f"kept, not used by sob: the extension '{PLACEHOLDER}' on 1 items ('how_many')" in notes
    assert f"kept, not used by sob: the extension '{XHTML}' on 1 items ('notes (text)')" in notes


def test_a_question_without_text_says_where_its_text_came_from(app: Any, runner: Any) -> None:
    from sob_core.cli.fhir import forms_group

    path = str(CORPUS / "r4-questionnaire-example-gcs.json")
    result = runner.invoke(forms_group, ["import", path], env={"SOB_DEFAULT_LOCALE": "en"})
    assert result.exit_code == 0, result.output
    assert (
        "item '1.1' has no text: the name of its answer list 'GCS Verbal Value Set' is shown"
        in result.output
    )
    assert "kept, not used by sob: 'code' on 3 items ('1.1', '1.2', '1.3')" in result.output
    result = runner.invoke(forms_group, ["import", path], env={"SOB_DEFAULT_LOCALE": "sv"})
    assert "item '1.2' saknar text: namnet på dess svarslista 'GCS Motor Value Set' visas" in (
        result.output
    )
    coded = {"linkId": "x", "type": "string", "code": [{"code": "1", "display": "Vikt"}]}
    (question,) = _import(app, [coded]).definition["questions"]
    assert (question["label"], question["label_from"]) == ({"sv": "Vikt"}, "code")
    (item,) = fhir.export_questionnaire(_import(app, [coded]), _registry(app))["item"]
    assert "text" not in item  # as the source had it


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {
                "linkId": "q",
                "text": "Vad?",
                "type": "string",
                "modifierExtension": [{"url": "http://example.org/not", "valueBoolean": True}],
            },
            r"'q'.*http://example.org/not",
        ),
        (
            {"linkId": "q", "text": "Vad?", "type": "string", "initial": [{"valueInteger": 3}]},
            r"'q'.*initial value",
        ),
        (
            {
                "linkId": "q",
                "text": "Vad?",
                "type": "string",
                "initial": [{"valueString": "a"}, {"valueString": "b"}],
            },
            r"'q'.*more than one initial",
        ),
    ],
)
def test_what_would_change_the_form_is_still_refused(app: Any, item: Any, message: str) -> None:
    with pytest.raises(fhir.FhirImportError, match=message):
        _import(app, [item])


def _assigned(app: Any, client: Any) -> Any:
    version = _import(app)
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    login_as(client, citizen)
    return assignment


def test_the_form_page_shows_them_and_stores_the_read_only_value(
    app: Any, client: Any, demo_data: Any
) -> None:
    assignment = _assigned(app, client)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert '<div class="information" id="intro-text">' in page
    assert "<p>Läs detta först.</p>" in page
    assert 'name="intro"' not in page  # asks nothing
    assert '<fieldset class="read-only" disabled' in page
    assert 'value="Vårdcentralen Norr"' in page
    assert "Ifyllt av formuläret; det går inte att ändra." in page
    assert 'class="question follow-up" id="question-how_many"' in page
    assert page.index('id="question-smoker"') < page.index('id="question-how_many"')
    # the initial "no" is chosen; a posted clinic is ignored: the form's own value is stored
    assert 'name="smoker" value="false" checked>' in page
    assert 'name="smoker" value="true">' in page
    sent = client.post(
        f"/citizen/forms/{assignment.id}",
        data={
            "csrf_token": csrf_from(page),
            "submission_key": page.split('name="submission_key" value="')[1].split('"')[0],
            "clinic": "Någon annan",
            "intro": "försök",
            "smoker": "true",
            "how_many": "5",
            "notes": "",
            "action": "submit",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert forms.payloads(response) == {
        "clinic": "Vårdcentralen Norr",
        "smoker": True,
        "how_many": 5,
    }
