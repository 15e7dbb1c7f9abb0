"""FHIR's ``questionnaire-hidden`` (issue 16) on a question and on a group: the questions are
never shown to the citizen, nothing posted for them is stored, the form's own value (an initial
one) is, and the flag is exported again where it was (``forms.repeating.hidden_questions``)."""

from __future__ import annotations

from typing import Any

import pytest
from fhir_helpers import assigned, import_resource, post_page, question_block, registry, stored

from sob_core import forms
from sob_core.interchange import fhir

HIDDEN = {
    "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden",
    "valueBoolean": True,
}


def _form() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "hidden",
        "item": [
            {"linkId": "shown", "text": "Namn", "type": "string", "required": True},
            {
                "linkId": "own",
                "text": "Källa",
                "type": "string",
                "extension": [HIDDEN],
                "initial": [{"valueString": "webb"}],
            },
            {
                "linkId": "outer",
                "type": "group",
                "text": "Dolt",
                "required": True,
                "extension": [HIDDEN],
                "item": [
                    {
                        "linkId": "inner",
                        "type": "group",
                        "item": [
                            {"linkId": "deep", "text": "Djupt", "type": "integer", "required": True}
                        ],
                    },
                    {
                        "linkId": "code",
                        "text": "Kod",
                        "type": "integer",
                        "initial": [{"valueInteger": 7}],
                    },
                ],
            },
        ],
    }


def test_hidden_is_read_on_questions_and_groups_and_exported_again(app: Any) -> None:
    version = import_resource(app, _form())
    definition = version.definition
    by_key = {q["key"]: q for q in definition["questions"]}
    assert by_key["own"]["hidden"] is True and "kept" not in by_key["own"]
    assert "hidden" not in by_key["deep"] and "hidden" not in by_key["shown"]
    groups = {g["key"]: g for g in definition["groups"]}
    assert groups["outer"]["hidden"] is True and "kept" not in groups["outer"]
    assert "hidden" not in groups["inner"]
    assert forms.repeating.hidden_questions(definition) == {"own", "deep", "code"}
    assert fhir.import_report(definition) == []  # read, not kept unused
    again = fhir.export_questionnaire(version, registry(app))
    items = {i["linkId"]: i for i in again["item"]}
    assert items["own"]["extension"] == [HIDDEN]
    assert items["outer"]["extension"] == [HIDDEN]
    assert "extension" not in items["shown"]
    inner = items["outer"]["item"][0]
    assert inner["linkId"] == "inner" and "extension" not in inner
    assert "extension" not in inner["item"][0]


def test_hidden_false_is_kept_as_it_came(app: Any) -> None:
    resource = _form()
    resource["item"][0]["extension"] = [{**HIDDEN, "valueBoolean": False}]
    version = import_resource(app, resource)
    shown = version.definition["questions"][0]
    assert "hidden" not in shown
    assert shown["kept"] == {"extension": [{**HIDDEN, "valueBoolean": False}]}


def test_a_hidden_question_in_a_repeating_group_is_never_shown_nor_stored(
    app: Any, client: Any, demo_data: Any
) -> None:
    """In a repeating group a question has no value of the form's own (an initial value there is
    refused, ``forms.repeating.problems``): hidden, it is never answered."""
    resource = _form()
    outer = resource["item"][2]
    outer["repeats"] = True
    del outer["item"][1]["initial"]  # (refused in a repeating group, hidden or not)
    assignment = assigned(app, client, resource)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert question_block(page, "deep@1").endswith("hidden>")
    assert question_block(page, "code@1").endswith("hidden>")
    assert 'id="group-outer" hidden>' in page  # its legend and buttons too
    fields = {"shown": "Anna", "repetitions@outer": "1", "deep@1": "3"}  # deep: never stored
    sent = post_page(client, assignment, page, **fields)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _payloads(assignment) == {"shown": "Anna", "own": "webb"}
    with_initial = _form()
    with_initial["item"][2]["repeats"] = True
    with pytest.raises(fhir.FhirImportError, match="an initial value or readOnly inside"):
        fhir.read_questionnaire(registry(app), with_initial)


def test_the_citizen_never_sees_them_and_the_form_stores_its_own_values(
    app: Any, client: Any, demo_data: Any
) -> None:
    assignment = assigned(app, client, _form())
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    for key in ("own", "deep", "code"):
        assert question_block(page, key).endswith("hidden>"), key
    assert not question_block(page, "shown").endswith("hidden>")
    # own and deep are not hers to give: never stored
    fields = {"shown": "Anna", "own": "posted", "deep": "3"}
    # the required hidden question and the required hidden group do not hold the form back
    sent = post_page(client, assignment, page, **fields)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _payloads(assignment) == {"shown": "Anna", "own": "webb", "code": 7}


def _payloads(assignment: Any) -> dict[str, Any]:
    return stored(assignment)[1]
