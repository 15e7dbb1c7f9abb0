"""The FHIR R4 specification's value sets sob ships (``data/r4_value_sets.json``, issue 16): each
resolves to the specification's systems and codes with sob's Swedish texts, and a value set
supplied with the import still wins."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sob_core.interchange import fhir

VS = "http://hl7.org/fhir/ValueSet/"
HL7 = "http://hl7.org/fhir/"
THO = "http://terminology.hl7.org/CodeSystem/"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"

#: value set → (code system, the codes in the specification's order, one code's English and
#: Swedish text), the facts copied from the R4 (4.0.1) definitions
SHIPPED = {
    "observation-vitalsignresult": (
        LOINC,
        "85353-1 9279-1 8867-4 2708-6 8310-5 8302-2 9843-4 29463-7 39156-5 85354-9 8480-6"
        " 8462-4 8478-0",
        ("8480-6", "Systolic blood pressure", "Systoliskt blodtryck"),
    ),
    "allergyintolerance-clinical": (
        THO + "allergyintolerance-clinical",
        "active inactive resolved",
        ("resolved", "Resolved", "Upphörd"),
    ),
    "allergyintolerance-verification": (
        THO + "allergyintolerance-verification",
        "unconfirmed confirmed refuted entered-in-error",
        ("refuted", "Refuted", "Motbevisad"),
    ),
    "condition-ver-status": (
        THO + "condition-ver-status",
        "unconfirmed provisional differential confirmed refuted entered-in-error",
        ("differential", "Differential", "Differentialdiagnos"),
    ),
    "condition-category": (
        THO + "condition-category",
        "problem-list-item encounter-diagnosis",
        ("encounter-diagnosis", "Encounter Diagnosis", "Besöksdiagnos"),
    ),
    "condition-severity": (
        SNOMED,
        "24484000 6736007 255604002",
        ("255604002", "Mild", "Lindrig"),
    ),
    "event-status": (
        HL7 + "event-status",
        "preparation in-progress not-done on-hold stopped completed entered-in-error unknown",
        ("preparation", "Preparation", "Förberedelse"),
    ),
    "immunization-status": (
        HL7 + "event-status",
        "completed entered-in-error not-done",
        ("not-done", "Not Done", "Inte utförd"),
    ),
    "medicationrequest-status": (
        HL7 + "CodeSystem/medicationrequest-status",
        "active on-hold cancelled completed entered-in-error stopped draft unknown",
        ("stopped", "Stopped", "Utsatt"),
    ),
    "medicationrequest-intent": (
        HL7 + "CodeSystem/medicationrequest-intent",
        "proposal plan order original-order reflex-order filler-order instance-order option",
        ("proposal", "Proposal", "Förslag"),
    ),
    "reaction-event-severity": (
        HL7 + "reaction-event-severity",
        "mild moderate severe",
        ("severe", "Severe", "Svår"),
    ),
    "address-use": (HL7 + "address-use", "home work temp old billing", ("home", "Home", "Hem")),
    "name-use": (
        HL7 + "name-use",
        "usual official temp nickname anonymous old maiden",
        ("nickname", "Nickname", "Smeknamn"),
    ),
}


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _item(canonical: str) -> dict[str, Any]:
    return {"linkId": "q", "text": "Status?", "type": "choice", "answerValueSet": canonical}


def _options(app: Any, canonical: str, **kwargs: Any) -> list[dict[str, Any]]:
    resource = {"resourceType": "Questionnaire", "status": "active", "item": [_item(canonical)]}
    (question,) = fhir.read_questionnaire(_registry(app), resource, **kwargs)["questions"]
    return question["config"]["options"]


@pytest.mark.parametrize("name", sorted(SHIPPED))
@pytest.mark.parametrize("version", ["", "|4.0.1"])
def test_a_shipped_spec_value_set_gives_the_spec_codes_with_swedish_texts(
    app: Any, name: str, version: str
) -> None:
    system, codes, (code, english, swedish) = SHIPPED[name]
    options = _options(app, VS + name + version)
    assert [o["value"] for o in options] == codes.split()
    assert {o.get("system") for o in options} == {system}
    (option,) = [o for o in options if o["value"] == code]
    assert option["label"] == {"sv": swedish, "en": english}
    assert all(o["label"].get("sv") and o["label"].get("en") for o in options)


def test_another_version_of_a_shipped_value_set_is_not_taken_for_it(app: Any) -> None:
    with pytest.raises(fhir.FhirImportError, match=re.escape(f"'{VS}event-status|5.0.0'")):
        _options(app, VS + "event-status|5.0.0")


@pytest.mark.parametrize(
    "name", ["relatedperson-relationshiptype", "condition-code", "vaccine-code", "procedure-code"]
)
def test_a_spec_value_set_defined_by_a_filter_is_not_shipped(app: Any, name: str) -> None:
    with pytest.raises(fhir.FhirImportError, match=f"the value set '{VS}{name}'"):
        _options(app, VS + name)


def test_a_supplied_value_set_wins_over_a_newly_shipped_one(app: Any) -> None:
    supplied = {
        "resourceType": "ValueSet",
        "url": VS + "event-status",
        "status": "active",
        "compose": {"include": [{"system": "urn:x", "concept": [{"code": "klar"}]}]},
    }
    options = _options(app, VS + "event-status", value_sets=[supplied])
    assert [(o["value"], o.get("system")) for o in options] == [("klar", "urn:x")]
