"""A required group (FHIR's group ``required``: at least one answered question in it) is enforced
on submit, server-side, with a clear message; a group hidden by skip logic is not required."""

from __future__ import annotations

from typing import Any

from sob_core.extensions import db
from sob_core.forms import answers
from sob_core.interchange import fhir
from sob_core.web.forms_rendering import build_form_class

QUESTIONNAIRE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "status": "active",
    "id": "grupper",
    "item": [
        {"linkId": "start", "text": "Vill du svara?", "type": "boolean"},
        {
            "linkId": "g1",
            "type": "group",
            "text": "Sömn",
            "required": True,
            "item": [
                {"linkId": "a", "text": "Hur sov du?", "type": "string"},
                {
                    "linkId": "g2",
                    "type": "group",
                    "text": "Drömmar",
                    "item": [{"linkId": "b", "text": "Drömde du?", "type": "string"}],
                },
            ],
        },
        {
            "linkId": "g3",
            "type": "group",
            "text": "Mer",
            "required": True,
            "enableWhen": [{"question": "start", "operator": "=", "answerBoolean": True}],
            "item": [{"linkId": "c", "text": "Något mer?", "type": "string"}],
        },
    ],
}


def _clean(app: Any, posted: dict[str, Any], final: bool = True) -> answers.Outcome:
    registry = app.extensions["sob"].registry
    version = fhir.import_questionnaire(db.session, registry, QUESTIONNAIRE)
    with app.test_request_context(method="POST", data=posted):
        form_class = build_form_class(version, registry, "sv")
        form = form_class(meta={"csrf": False})
        return answers.clean_answers(version, registry, form, "sv", final=final)


def test_a_required_group_with_nothing_answered_is_refused(app: Any) -> None:
    outcome = _clean(app, {})
    assert outcome.errors == {"a": "Besvara minst en fråga under ”Sömn”."}


def test_an_answer_in_a_nested_group_counts(app: Any) -> None:
    outcome = _clean(app, {"b": "Ja"})
    assert outcome.errors == {}
    assert outcome.values["b"] == "Ja"


def test_a_draft_is_not_checked(app: Any) -> None:
    assert _clean(app, {}, final=False).errors == {}


def test_a_shown_required_group_is_checked_a_hidden_one_not(app: Any) -> None:
    registry = app.extensions["sob"].registry
    version = fhir.import_questionnaire(db.session, registry, QUESTIONNAIRE)
    shown = [q["key"] for q in version.definition["questions"] if q["key"] != "c"]
    assert "c" not in answers.group_problems(version, shown, {"a": "x"}, "sv")
    problems = answers.group_problems(version, [*shown, "c"], {"a": "x"}, "en")
    assert problems == {"c": "Answer at least one question under “Mer”."}
