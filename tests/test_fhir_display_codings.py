"""Answer options given as a Coding with only a display (issue 16, Android FHIR's catalog
component_help: ``{"valueCoding": {"display": "Yes"}}``), and a help text's own linkId: both kept
as they came, so the export gives the same item back."""

from __future__ import annotations

from typing import Any

import pytest
from fhir_helpers import import_resource, registry

from sob_core import forms
from sob_core.interchange import fhir

CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
CONTROLS = "http://hl7.org/fhir/questionnaire-item-control"


def _item() -> dict[str, Any]:
    return {
        "linkId": "1",
        "text": "Har du ont?",
        "type": "choice",
        "answerOption": [
            {"valueCoding": {"display": "Ja"}},
            {"valueCoding": {"display": "Nej"}},
            {"valueCoding": {"display": "Vet inte"}},
        ],
        "item": [
            {
                "linkId": "1.2",
                "text": "Välj ett svar.",
                "type": "display",
                "extension": [
                    {
                        "url": CONTROL,
                        "valueCodeableConcept": {"coding": [{"system": CONTROLS, "code": "help"}]},
                    }
                ],
            }
        ],
    }


def _form(item: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "codings", "item": [item]}


def test_a_coding_with_only_a_display_is_an_option_exported_as_it_came(app: Any) -> None:
    source = _item()
    version = import_resource(app, _form(source))
    (question,) = version.definition["questions"]
    assert question["config"]["options"] == [
        {"value": "Ja", "label": {"sv": "Ja"}, "value_type": "display"},
        {"value": "Nej", "label": {"sv": "Nej"}, "value_type": "display"},
        {"value": "Vet inte", "label": {"sv": "Vet inte"}, "value_type": "display"},
    ]
    assert question["help"] == {"sv": "Välj ett svar."}
    (again,) = fhir.export_questionnaire(version, registry(app))["item"]
    assert again["answerOption"] == source["answerOption"]
    (help_item,) = again["item"]
    assert help_item == source["item"][0]  # its own linkId, not '1.help'
    (spec,) = forms.specs(version)
    qtype = registry(app).question_types[spec.type]
    assert qtype.fhir_answer(spec, "Nej") == [{"valueCoding": {"display": "Nej"}}]
    assert qtype.display(spec, "Nej", "sv") == "Nej"


def test_a_coding_with_a_system_but_no_code_is_still_refused(app: Any) -> None:
    item = _item()
    item["answerOption"][0]["valueCoding"]["system"] = "http://example.org/svar"
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(registry(app), _form(item))
    assert "Option 1 of the FHIR item has no usable value" in str(caught.value)
