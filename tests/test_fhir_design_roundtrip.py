"""Editing an imported form in the design tool keeps what the editor does not show (issue 16).

The question page shows an option's value and labels only; the edit merges into the stored
config, so an option's ``system``, ``score`` and ``value_type`` survive, and publishing keeps
``definition["origin"]`` and ``["groups"]``. Export after an edit equals the original export
apart from the edit.
"""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.models import CareUnit, Form, FormDraft
from sob_core.testing import csrf_from

SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1
LOINC = "http://loinc.org"

QUESTIONNAIRE = {
    "resourceType": "Questionnaire",
    "url": "https://forms.example.org/Questionnaire/mood",
    "version": "2.1",
    "status": "active",
    "item": [
        {
            "linkId": "g1",
            "type": "group",
            "text": "Humör",
            "item": [
                {
                    "linkId": "coded",
                    "text": "Hur mår du?",
                    "type": "choice",
                    "answerOption": [
                        {
                            "valueCoding": {"system": LOINC, "code": "LA6568-5", "display": "Bra"},
                            "extension": [
                                {
                                    "url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
                                    "valueDecimal": 0,
                                }
                            ],
                        },
                        {"valueCoding": {"system": LOINC, "code": "LA6569-3", "display": "Dåligt"}},
                    ],
                },
                {
                    "linkId": "count",
                    "text": "Hur många dagar?",
                    "type": "choice",
                    "answerOption": [{"valueInteger": 0}, {"valueInteger": 3}],
                },
                # a web address, a free-text open choice and a choice whose one option is its
                # initial value (test_fhir_free_answers.py): their settings survive an edit too
                {"linkId": "web", "text": "Webbplats", "type": "url"},
                {"linkId": "pet", "text": "Husdjur", "type": "open-choice"},
                {
                    "linkId": "symptom",
                    "text": "Symtom",
                    "type": "choice",
                    "initial": [
                        {
                            "valueCoding": {
                                "system": "http://snomed.info/sct",
                                "code": "386661006",
                                "display": "Fever",
                            }
                        }
                    ],
                },
            ],
        }
    ],
}


def _revision(page: str) -> str:
    return page.split('name="revision"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("question", ["coded", "count", "web", "pet", "symptom"])
def test_editing_a_question_text_and_publishing_loses_nothing(
    app, client, login, demo_data, question
):
    registry = app.extensions["sob"].registry
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    first = fhir.import_questionnaire(
        db.session, registry, copy.deepcopy(QUESTIONNAIRE), "mood", care_unit_id=unit
    )
    db.session.commit()
    before = fhir.export_questionnaire(first, registry, "sv")
    login("staff", SARA, unit_id=unit)
    form_id = db.session.scalar(select(Form.id).where(Form.key == "mood"))
    page = client.get(f"/design/forms/{form_id}").get_data(as_text=True)
    opened = client.post(f"/design/forms/{form_id}/edit", data={"csrf_token": csrf_from(page)})
    assert opened.status_code == 302
    draft = db.session.scalar(select(FormDraft).where(FormDraft.key == "mood"))
    url = f"/design/form-drafts/{draft.id}/questions/{question}"
    page = client.get(url).get_data(as_text=True)
    # the page as the browser sends it: every field with its shown value, the text changed
    from html.parser import HTMLParser

    fields: dict[str, str] = {}

    class Reader(HTMLParser):
        textarea: str | None = None

        def handle_starttag(self, tag, attrs):
            found = dict(attrs)
            name = found.get("name")
            if tag == "input" and name and found.get("type") not in ("checkbox", "submit"):
                fields[name] = found.get("value") or ""
            elif tag == "input" and name and "checked" in found:
                fields[name] = found.get("value") or "y"
            elif tag == "textarea" and name:
                self.textarea = name
                fields[name] = ""
            elif tag == "option" and "selected" in found and self.select:
                fields[self.select] = found.get("value") or ""
            if tag == "select":
                self.select = name

        select: str | None = None

        def handle_data(self, data):
            if self.textarea:
                fields[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None

    Reader().feed(page)
    fields = {k: v.lstrip("\n") for k, v in fields.items()}
    fields["label_sv"] = "Ny text"
    sent = client.post(url, data=fields)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    editor = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    published = client.post(
        f"/design/form-drafts/{draft.id}/publish",
        data={"csrf_token": csrf_from(editor), "revision": _revision(editor)},
    )
    assert published.status_code == 302, published.get_data(as_text=True)
    latest = db.session.scalar(select(Form).where(Form.key == "mood")).latest
    assert latest.version == first.version + 1
    after = fhir.export_questionnaire(latest, registry, "sv")
    expected = copy.deepcopy(before)
    items = expected["item"][0]["item"]
    next(i for i in items if i["linkId"] == question)["text"] = "Ny text"
    assert {k: v for k, v in after.items() if k not in ("id", "date")} == {
        k: v for k, v in expected.items() if k not in ("id", "date")
    }


def test_a_repeating_group_is_previewed_and_kept_on_publishing(app, client, login, demo_data):
    """The design tool's preview shows a repeating group's first repetition (no add or remove
    buttons: nothing is posted there), and publishing keeps ``repeats`` and max_occurs."""
    registry = app.extensions["sob"].registry
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    data = copy.deepcopy(QUESTIONNAIRE)
    data["item"][0]["repeats"] = True
    # (an initial value inside a repeating group is refused: the choice from its initial goes)
    data["item"][0]["item"] = [i for i in data["item"][0]["item"] if i["linkId"] != "symptom"]
    data["item"][0]["extension"] = [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs",
            "valueInteger": 2,
        }
    ]
    first = fhir.import_questionnaire(db.session, registry, data, "mood", care_unit_id=unit)
    db.session.commit()
    login("staff", SARA, unit_id=unit)
    form_id = db.session.scalar(select(Form.id).where(Form.key == "mood"))
    page = client.get(f"/design/forms/{form_id}").get_data(as_text=True)
    client.post(f"/design/forms/{form_id}/edit", data={"csrf_token": csrf_from(page)})
    draft = db.session.scalar(select(FormDraft).where(FormDraft.key == "mood"))
    preview = client.get(f"/design/form-drafts/{draft.id}/preview")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'id="group-g1-1">Humör 1</h2>' in html and 'name="coded@1"' in html
    assert 'value="add:g1"' not in html
    editor = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    published = client.post(
        f"/design/form-drafts/{draft.id}/publish",
        data={"csrf_token": csrf_from(editor), "revision": _revision(editor)},
    )
    assert published.status_code == 302, published.get_data(as_text=True)
    latest = db.session.scalar(select(Form).where(Form.key == "mood")).latest
    assert latest.definition["groups"] == first.definition["groups"]
    assert latest.definition["groups"][0]["repeats"] is True
