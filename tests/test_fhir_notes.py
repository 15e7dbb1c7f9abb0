"""A question's nested display texts (prompt, flyover, unit, legal, instructions) and its answer
options' prefixes import, are shown with the question and export again as they came (issue 16)."""

from __future__ import annotations

import copy
import json
from typing import Any

from sqlalchemy import select

from sob_core.extensions import db
from sob_core.forms import specs
from sob_core.interchange import fhir
from sob_core.models import CareUnit, FormDraft
from sob_core.web.forms_rendering import build_form_class

SD = "http://hl7.org/fhir/StructureDefinition/"
CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
CATEGORY = "http://hl7.org/fhir/questionnaire-display-category"


def _control(code: str) -> dict[str, Any]:
    return {
        "url": SD + "questionnaire-itemControl",
        "valueCodeableConcept": {"coding": [{"system": CONTROL, "code": code}]},
    }


def _display(link: str, text: str, extension: dict[str, Any]) -> dict[str, Any]:
    return {"linkId": link, "text": text, "type": "display", "extension": [extension]}


WEIGHT = {
    "linkId": "weight",
    "text": "Vikt",
    "type": "decimal",
    "item": [
        _display("weight.prompt", "Ange vikten utan kläder", _control("prompt")),
        _display("weight.unit", "kg", _control("unit")),
        {
            "linkId": "weight.instructions",
            "text": "Väg dig på morgonen",
            "_text": {
                "extension": [
                    {
                        "url": SD + "translation",
                        "extension": [
                            {"url": "lang", "valueCode": "en"},
                            {"url": "content", "valueString": "Weigh yourself in the morning"},
                        ],
                    }
                ]
            },
            "type": "display",
            "extension": [
                {
                    "url": SD + "questionnaire-displayCategory",
                    "valueCodeableConcept": {
                        "coding": [{"system": CATEGORY, "code": "instructions"}]
                    },
                }
            ],
        },
    ],
}
OFTEN = {
    "linkId": "often",
    "text": "Hur ofta?",
    "type": "choice",
    "answerOption": [
        {
            "valueCoding": {"code": "never", "display": "Aldrig"},
            "extension": [{"url": SD + "questionnaire-optionPrefix", "valueString": "a)"}],
        },
        {
            "valueCoding": {"code": "often", "display": "Ofta"},
            "extension": [
                {"url": SD + "ordinalValue", "valueDecimal": 2},
                {"url": SD + "questionnaire-optionPrefix", "valueString": "b)"},
            ],
        },
    ],
    "item": [_display("often.flyover", "Räkna den senaste veckan", _control("flyover"))],
}


def _questionnaire(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "notes", "item": list(items)}


def _import(app: Any, *items: dict[str, Any]) -> Any:
    registry = app.extensions["sob"].registry
    data = json.loads(json.dumps(_questionnaire(*items)))
    return fhir.import_questionnaire(db.session, registry, data)


def test_display_children_become_notes_and_return_as_they_came(app: Any) -> None:
    version = _import(app, WEIGHT, OFTEN)
    weight, often = version.definition["questions"]
    assert [note["text"] for note in weight["notes"]] == [
        {"sv": "Ange vikten utan kläder"},
        {"sv": "kg"},
        {"sv": "Väg dig på morgonen", "en": "Weigh yourself in the morning"},
    ]
    assert [note["text"] for note in often["notes"]] == [{"sv": "Räkna den senaste veckan"}]
    exported = fhir.export_questionnaire(version, app.extensions["sob"].registry)["item"]
    assert [c for c in exported[0]["item"] if c["type"] == "display"] == WEIGHT["item"]
    assert [c for c in exported[1]["item"] if c["type"] == "display"] == OFTEN["item"]


def test_the_notes_are_shown_under_the_question_in_each_language(app: Any) -> None:
    version = _import(app, WEIGHT)
    (weight,) = specs(version)
    assert weight.help == {
        "sv": "Ange vikten utan kläder\nkg\nVäg dig på morgonen",
        "en": "Ange vikten utan kläder\nkg\nWeigh yourself in the morning",
    }
    form = build_form_class(version, app.extensions["sob"].registry, "sv")(
        formdata=None, meta={"csrf": False}
    )
    assert form["weight"] is not None


def test_a_display_child_with_a_condition_of_its_own_is_a_follow_up_not_a_note(app: Any) -> None:
    """Not a note (shown whenever its question is) but a text of its own shown on its condition,
    right after the question (``followups.py``; ``test_fhir_display_followups.py``)."""
    item = copy.deepcopy(WEIGHT)
    when = [{"question": "weight", "operator": "exists", "answerBoolean": True}]
    item["item"][0]["enableWhen"] = when
    found = fhir.read_questionnaire(app.extensions["sob"].registry, _questionnaire(item))
    weight, prompt = found["questions"]
    assert [n["fhir"]["linkId"] for n in weight["notes"]] == ["weight.unit", "weight.instructions"]
    assert (prompt["key"], prompt["type"], prompt["parent"]) == (
        "weight.prompt",
        "information",
        "weight",
    )
    assert prompt["show_if"] == {"question": "weight", "exists": True}


def test_option_prefixes_are_shown_before_the_labels_and_exported_again(app: Any) -> None:
    version = _import(app, OFTEN)
    (often,) = version.definition["questions"]
    assert [(o["prefix"], o.get("score")) for o in often["config"]["options"]] == [
        ({"sv": "a)"}, None),
        ({"sv": "b)"}, 2),
    ]
    registry = app.extensions["sob"].registry
    (spec,) = specs(version)
    qtype = registry.question_types[spec.type]
    assert qtype.display(spec, "often", "sv") == "b) Ofta"
    (exported,) = fhir.export_questionnaire(version, registry)["item"]
    assert exported["answerOption"] == OFTEN["answerOption"]


def test_the_citizens_page_shows_the_notes_and_prefixes(
    client: Any, login: Any, app: Any, demo_data: Any
) -> None:
    """Rendered as the citizen sees it, through the design tool's preview of a draft."""
    unit = db.session.scalar(select(CareUnit).order_by(CareUnit.id))
    assert unit is not None
    version = _import(app, WEIGHT, OFTEN)
    draft = FormDraft(
        key="anteckningar",
        care_unit_id=unit.id,
        title={"sv": "Anteckningar"},
        definition=copy.deepcopy(version.definition),
    )
    db.session.add(draft)
    db.session.commit()
    login("staff", "SE2321000131-P000000000015", unit_id=unit.id)
    page = client.get(f"/design/form-drafts/{draft.id}/preview").get_data(as_text=True)
    assert "Ange vikten utan kläder\nkg\nVäg dig på morgonen" in page
    assert "a) Aldrig" in page and "b) Ofta" in page
    assert "Räkna den senaste veckan" in page
