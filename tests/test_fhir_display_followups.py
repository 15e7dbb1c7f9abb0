"""A display item nested in a question with a condition of its own (issue 16, Android FHIR's
questionnaire_with_enabled_display_items: "Text when yes is selected"): a follow-up text of the
question (the ``information`` type, ``"parent"`` the question), shown when its condition holds,
nested in the question's item again on export (``followups.py``)."""

from __future__ import annotations

from typing import Any

from fhir_helpers import assigned, import_resource, post_page, question_block, registry

from sob_core.interchange import fhir

ENABLE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"


def _when(answer: bool) -> dict[str, Any]:
    expression = (
        "%resource.repeat(item).where(linkId='smoke' and answer.empty().not())"
        f".select(answer.value) = {str(answer).lower()}"
    )
    return {
        "url": ENABLE,
        "valueExpression": {"language": "text/fhirpath", "expression": expression},
    }


def _form() -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "texts",
        "item": [
            {
                "linkId": "smoke",
                "text": "Röker du?",
                "type": "boolean",
                "item": [
                    {
                        "linkId": "smoke.no",
                        "text": "Bra, fortsätt så.",
                        "type": "display",
                        "extension": [_when(False)],
                    },
                    {
                        "linkId": "smoke.yes",
                        "text": "Vi kan hjälpa dig att sluta.",
                        "type": "display",
                        "extension": [_when(True)],
                    },
                    {
                        "linkId": "smoke.always",
                        "text": "Svara som det är.",
                        "type": "display",
                    },
                    {
                        "linkId": "smoke.when",
                        "text": "Hur länge?",
                        "type": "display",
                        "enableWhen": [
                            {"question": "smoke", "operator": "=", "answerBoolean": True}
                        ],
                    },
                ],
            }
        ],
    }


def test_a_display_child_with_a_condition_is_a_follow_up_text(app: Any) -> None:
    version = import_resource(app, _form())
    by_key = {q["key"]: q for q in version.definition["questions"]}
    assert list(by_key) == ["smoke", "smoke.no", "smoke.yes", "smoke.when"]
    for key in ("smoke.no", "smoke.yes", "smoke.when"):
        assert by_key[key]["type"] == "information"
        assert by_key[key]["parent"] == "smoke"
    assert by_key["smoke.yes"]["enable_expression"] == _when(True)["valueExpression"]
    assert by_key["smoke.when"]["show_if"] == {"question": "smoke", "equals": True}
    # the plain text stays the question's note, as before
    assert [n["fhir"]["linkId"] for n in by_key["smoke"]["notes"]] == ["smoke.always"]


def test_they_are_nested_in_the_question_again_on_export(app: Any) -> None:
    version = import_resource(app, _form())
    (item,) = fhir.export_questionnaire(version, registry(app))["item"]
    children = {child["linkId"]: child for child in item["item"]}
    assert set(children) == {"smoke.no", "smoke.yes", "smoke.always", "smoke.when"}
    source = {child["linkId"]: child for child in _form()["item"][0]["item"]}
    for link, child in children.items():
        assert child["type"] == "display" and child["text"] == source[link]["text"]
        assert child.get("extension") == source[link].get("extension"), link
        assert child.get("enableWhen") == source[link].get("enableWhen"), link


def test_the_page_shows_the_text_its_answer_asks_for(app: Any, client: Any, demo_data: Any) -> None:
    assignment = assigned(app, client, _form())
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert question_block(page, "smoke.no").endswith("hidden>")
    assert question_block(page, "smoke.yes").endswith("hidden>")
    saved = post_page(client, assignment, page, "save", smoke="true")
    assert saved.status_code == 302
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert not question_block(page, "smoke.yes").endswith("hidden>")
    assert question_block(page, "smoke.no").endswith("hidden>")
    assert "Vi kan hjälpa dig att sluta." in page
