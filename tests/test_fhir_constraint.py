"""FHIR's ``questionnaire-constraint`` on a question item (issue 16, Android FHIR's catalog
behavior_questionnaire_constraint: "Password does not match"): a FHIRPath rule on the answers
checked by the server when the form is submitted, its human message shown at the question; an
``error`` holds the submission back, a ``warning`` is told and does not. Kept verbatim and
exported again; what sob cannot check as its source means it is refused, naming why."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhir_helpers import assigned, import_resource, post_page, registry, stored
from flask_babel import force_locale

from sob_core.i18n import translate_error
from sob_core.interchange import fhir

CONSTRAINT = "http://hl7.org/fhir/StructureDefinition/questionnaire-constraint"


def _constraint(severity: str = "error", expression: str | None = None) -> dict[str, Any]:
    return {
        "url": CONSTRAINT,
        "extension": [
            {"url": "key", "valueId": "same-code"},
            {"url": "requirements", "valueString": "Both codes are the same"},
            {"url": "severity", "valueCode": severity},
            {
                "url": "expression",
                "valueString": expression
                or "%context.answer.value = %resource.descendants().where(linkId='code').answer.value",
            },
            {"url": "human", "valueString": "Koderna är inte lika."},
        ],
    }


def _form(constraint: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "codes",
        "item": [
            {"linkId": "code", "text": "Kod", "type": "string"},
            {
                "linkId": "again",
                "text": "Kod igen",
                "type": "string",
                "extension": [constraint or _constraint()],
            },
        ],
    }


def test_the_constraint_is_kept_and_exported_again_verbatim(app: Any) -> None:
    version = import_resource(app, _form())
    again_question = version.definition["questions"][1]
    assert again_question["constraints"] == [_constraint()]
    assert "kept" not in again_question  # read, not kept unused
    exported = fhir.export_questionnaire(version, registry(app))["item"][1]
    assert exported["extension"] == [_constraint()]


@pytest.mark.parametrize(
    ("constraint", "detail"),
    [
        (_constraint("fatal"), "its severity 'fatal' is neither 'error' nor 'warning'"),
        (_constraint(expression="%context.answer.value = "), "at character"),
        (_constraint(expression="%context.answer.value = %lab"), "sob has no variable %lab"),
    ],
)
def test_a_constraint_sob_cannot_check_is_refused_in_swedish_and_english(
    app: Any, constraint: dict[str, Any], detail: str
) -> None:
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(registry(app), _form(constraint))
    assert caught.value.code == "constraint"
    text = str(caught.value)
    assert text.startswith("item 'again': its questionnaire-constraint 'same-code' cannot be ")
    assert detail in text
    with app.test_request_context(), force_locale("sv"):
        assert translate_error(caught.value).startswith(
            "item 'again': dess questionnaire-constraint 'same-code' kan inte kontrolleras av sob"
        )


def test_a_constraint_on_a_group_is_still_refused(app: Any) -> None:
    resource = _form()
    resource["item"] = [
        {"linkId": "g", "type": "group", "text": "G", "item": resource["item"][:1]},
    ]
    resource["item"][0]["extension"] = [_constraint()]
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(registry(app), resource)
    assert caught.value.code == "group_extension"


def test_a_constraint_in_a_repeating_group_is_refused(app: Any) -> None:
    resource = _form()
    resource["item"] = [{"linkId": "g", "type": "group", "repeats": True, "item": resource["item"]}]
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(registry(app), resource)
    assert str(caught.value) == (
        "item 'again': a question sob calculates, prefills, shows or checks by a FHIRPath "
        "expression inside a repeating group cannot be represented in sob"
    )
    with app.test_request_context(), force_locale("sv"):
        assert "visar eller kontrollerar utifrån ett FHIRPath-uttryck" in translate_error(
            caught.value
        )


def _submit(client: Any, assignment: Any, **answers: str) -> Any:
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    return post_page(client, assignment, page, **answers)


def _payloads(assignment: Any) -> dict[str, Any]:
    status, answers = stored(assignment)
    return {"status": status, **answers}


def test_an_error_holds_the_submission_back_with_the_forms_message(
    app: Any, client: Any, demo_data: Any
) -> None:
    assignment = assigned(app, client, _form())
    refused = _submit(client, assignment, code="1234", again="4321")
    assert refused.status_code == 422
    assert "Koderna är inte lika." in refused.get_data(as_text=True)
    assert _payloads(assignment)["status"] != "submitted"
    sent = _submit(client, assignment, code="1234", again="1234")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _payloads(assignment) == {"status": "submitted", "code": "1234", "again": "1234"}


def test_a_warning_is_told_and_does_not_hold_the_submission_back(
    app: Any, client: Any, demo_data: Any
) -> None:
    assignment = assigned(app, client, _form(copy.deepcopy(_constraint("warning"))))
    sent = _submit(client, assignment, code="1234", again="4321")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _payloads(assignment) == {"status": "submitted", "code": "1234", "again": "4321"}
    shown = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Observera: Koderna är inte lika." in shown
