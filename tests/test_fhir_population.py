"""SDC population-only extensions kept unused, the FHIR R4 value sets sob ships, and the contained
ValueSet deviations accepted (issue 16; ``kept.POPULATION``, ``value_sets.spec_value_sets``,
``validation.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sob_core.extensions import db
from sob_core.interchange import fhir

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
SD = "http://hl7.org/fhir/StructureDefinition/"
VARIABLE = {
    "url": "http://hl7.org/fhir/StructureDefinition/variable",
    "valueExpression": {"name": "age", "language": "text/fhirpath", "expression": "%patient.age"},
}
INITIAL = {
    "url": SDC + "sdc-questionnaire-initialExpression",
    # the practitioner's record (launch context ``user``), which sob has not: %patient is the
    # citizen herself (test_fhir_expressions.py)
    "valueExpression": {"language": "text/fhirpath", "expression": "%user.name.given.first()"},
}
CONTEXT = {
    "url": SDC + "sdc-questionnaire-launchContext",
    "extension": [
        {"url": "name", "valueCoding": {"code": "patient"}},
        {"url": "type", "valueCode": "Patient"},
    ],
}
POPULATION = {
    "url": SDC + "sdc-questionnaire-itemPopulationContext",
    "valueExpression": {"language": "text/fhirpath", "expression": "%patient"},
}
SHORT = {"url": SDC + "sdc-questionnaire-shortText", "valueString": "Namn"}


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _resource(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "pop",
        "item": list(items),
        **extra,
    }


def _round_trip(app: Any, resource: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    version = fhir.import_questionnaire(
        db.session, _registry(app), json.loads(json.dumps(resource))
    )
    return version, fhir.export_questionnaire(version, _registry(app), "sv")


def test_terminology_and_extraction_extensions_on_a_group_are_kept_and_exported_again(
    app: Any,
) -> None:
    server = {"url": SD + "terminology-server", "valueUrl": "https://clinicaltables.nlm.nih.gov"}
    category = {
        "url": SDC + "sdc-questionnaire-observation-extract-category",
        "valueCodeableConcept": {"coding": [{"code": "vital-signs"}]},
    }
    group = {
        "linkId": "g",
        "text": "Mått",
        "type": "group",
        "item": [{"linkId": "w", "text": "Vikt", "type": "decimal"}],
        "extension": [server, category],
    }
    _version, again = _round_trip(app, _resource(group))
    assert again["item"][0]["extension"] == [server, category]


def test_population_extensions_are_kept_reported_and_exported_again(app: Any) -> None:
    name = {"linkId": "name", "text": "Förnamn", "type": "string", "extension": [INITIAL, SHORT]}
    group = {
        "linkId": "g",
        "text": "Om dig",
        "type": "group",
        "item": [name],
        "extension": [VARIABLE, POPULATION],
    }
    resource = _resource(group, extension=[CONTEXT, VARIABLE])
    version, again = _round_trip(app, resource)
    assert again["extension"] == [CONTEXT, VARIABLE]  # the Questionnaire's own, unchanged
    (exported_group,) = again["item"]
    assert exported_group["extension"] == [VARIABLE, POPULATION]
    (item,) = exported_group["item"]
    assert INITIAL in item["extension"] and SHORT in item["extension"]
    lines = [str(note) for note in fhir.import_report(version.definition)]
    assert any("on the Questionnaire" in line and "launchContext" in line for line in lines)
    assert any("itemPopulationContext" in line and "'g (group)'" in line for line in lines)
    prefill = [line for line in lines if "patient record" in line]
    assert prefill == [
        "1 items ('name') are prefilled from the patient record in the source (SDC "
        "initialExpression); sob has no patient record, so these questions start empty"
    ]
    assert not any(
        "kept, not used by sob" in line and "initialExpression" in line for line in lines
    )
    (question,) = version.definition["questions"]
    assert "initial" not in question  # nothing is prefilled: the question starts empty


def test_a_read_only_question_filled_from_the_record_is_refused(app: Any) -> None:
    item = {
        "linkId": "age",
        "text": "Ålder",
        "type": "integer",
        "readOnly": True,
        "extension": [INITIAL],
    }
    with pytest.raises(fhir.FhirImportError, match="read-only and filled from the patient record"):
        fhir.read_questionnaire(_registry(app), _resource(item))


@pytest.mark.parametrize(
    "url",
    [
        # (an item's enableWhenExpression in FHIRPath is evaluated: test_fhir_enable_expression.py)
        SDC + "sdc-questionnaire-answerExpression",
        SDC + "sdc-questionnaire-candidateExpression",
        "http://hl7.org/fhir/StructureDefinition/targetConstraint",
        # (on a question a well-formed one is checked: test_fhir_constraint.py; this one, with
        # no key, severity or human message, is refused as one sob cannot check)
        "http://hl7.org/fhir/StructureDefinition/questionnaire-constraint",
    ],
)
def test_expressions_that_change_what_is_asked_stay_refused(app: Any, url: str) -> None:
    extension = {"url": url, "valueExpression": {"language": "text/fhirpath", "expression": "true"}}
    item = {"linkId": "q", "text": "Fråga", "type": "string", "extension": [extension]}
    # (answerExpression gives the options: refused as such, test_fhir_free_answers.py)
    with pytest.raises(
        fhir.FhirImportError, match="cannot be (represented|checked)|cannot evaluate"
    ):
        fhir.read_questionnaire(_registry(app), _resource(item))
    group = {
        "linkId": "g",
        "type": "group",
        "item": [{**item, "extension": []}],
        "extension": [extension],
    }
    with pytest.raises(fhir.FhirImportError, match="group 'g'"):
        fhir.read_questionnaire(_registry(app), _resource(group))
    with pytest.raises(fhir.FhirImportError, match="the Questionnaire's extension"):
        fhir.read_questionnaire(
            _registry(app), _resource({**item, "extension": []}, extension=[extension])
        )


def test_a_spec_value_set_resolves_with_swedish_texts_and_the_spec_codes(app: Any) -> None:
    item = {
        "linkId": "q",
        "text": "Har du ont?",
        "type": "choice",
        "answerValueSet": "http://hl7.org/fhir/ValueSet/yesnodontknow",
    }
    (question,) = fhir.read_questionnaire(_registry(app), _resource(item))["questions"]
    options = question["config"]["options"]
    assert [(o["value"], o.get("system")) for o in options] == [
        ("Y", "http://terminology.hl7.org/CodeSystem/v2-0136"),
        ("N", "http://terminology.hl7.org/CodeSystem/v2-0136"),
        ("asked-unknown", "http://terminology.hl7.org/CodeSystem/data-absent-reason"),
    ]
    assert [o["label"] for o in options] == [
        {"sv": "Ja", "en": "Yes"},
        {"sv": "Nej", "en": "No"},
        {"sv": "Vet inte", "en": "Don't know"},
    ]
    gender = {**item, "answerValueSet": "http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1"}
    (question,) = fhir.read_questionnaire(_registry(app), _resource(gender))["questions"]
    assert [o["value"] for o in question["config"]["options"]] == [
        "male",
        "female",
        "other",
        "unknown",
    ]


def test_a_supplied_value_set_wins_over_the_one_sob_ships(app: Any) -> None:
    url = "http://hl7.org/fhir/ValueSet/yesnodontknow"
    supplied = {
        "resourceType": "ValueSet",
        "url": url,
        "status": "active",
        "compose": {"include": [{"system": "urn:x", "concept": [{"code": "ja"}]}]},
    }
    item = {"linkId": "q", "text": "Har du ont?", "type": "choice", "answerValueSet": url}
    found = fhir.read_questionnaire(_registry(app), _resource(item), value_sets=[supplied])
    assert [o["value"] for o in found["questions"][0]["config"]["options"]] == ["ja"]


def _with_contained(value_set: dict[str, Any]) -> dict[str, Any]:
    item = {"linkId": "q", "text": "Färg?", "type": "choice", "answerValueSet": "#colours"}
    return _resource(item, contained=[value_set])


def test_a_contained_expansion_without_timestamp_or_status_is_read_with_notes(app: Any) -> None:
    value_set = {
        "resourceType": "ValueSet",
        "id": "colours",
        "expansion": {
            "contains": [{"code": "b", "display": "Blå"}, {"code": "g", "display": "Grön"}]
        },
    }
    resource = _with_contained(value_set)
    found = fhir.read_questionnaire(_registry(app), resource)
    assert [o["value"] for o in found["questions"][0]["config"]["options"]] == ["b", "g"]
    note = found["origin"]["import_note"]
    assert "expansion has no timestamp" in note and "'colours'" in note
    assert "without a status" in note
    assert "timestamp" not in resource["contained"][0]["expansion"]  # the caller's data unchanged


def test_a_string_in_a_contained_decimal_is_still_refused(app: Any) -> None:
    template = {
        "resourceType": "Observation",
        "id": "o",
        "status": "final",
        "code": {"text": "Längd"},
        "valueQuantity": {"value": "%patient-height.value", "unit": "cm"},
    }
    resource = _resource({"linkId": "q", "text": "Längd", "type": "string"}, contained=[template])
    with pytest.raises(fhir.FhirImportError, match="valueQuantity.value"):
        fhir.read_questionnaire(_registry(app), resource)


def test_publishing_a_draft_keeps_the_questionnaires_own_extensions(
    app: Any, demo_data: Any
) -> None:
    from sqlalchemy import select

    from sob_core.forms import drafts
    from sob_core.models import CareUnit

    unit = db.session.scalars(select(CareUnit).order_by(CareUnit.id)).first()
    item = {"linkId": "q", "text": "Fråga", "type": "string"}
    resource = _resource(item, extension=[CONTEXT])
    first = fhir.import_questionnaire(db.session, _registry(app), resource, care_unit_id=unit.id)
    db.session.flush()
    draft = drafts.open_draft(db.session, first.form, None)
    second = drafts.publish(db.session, _registry(app), draft, None)
    assert second.definition["kept"] == {"extension": [CONTEXT]}
    again = fhir.export_questionnaire(second, _registry(app), "sv")
    assert again["extension"] == [CONTEXT]


# --- initial values of items that repeat, of typed options and of open choices -------------------

TIMES = [{"valueTime": "10:30:00"}, {"valueTime": "13:30:00"}, {"valueTime": "23:59:59"}]
INTEGERS = [{"valueInteger": 12}, {"valueInteger": 34}, {"valueInteger": 56}]
CODINGS = [
    {"valueCoding": {"code": "a", "display": "Katt"}},
    {"valueCoding": {"code": "b", "display": "Hund"}},
]


def test_several_initial_values_of_an_item_that_repeats_are_its_initial_answers(app: Any) -> None:
    item = {
        "linkId": "many",
        "text": "Vilka?",
        "type": "integer",
        "repeats": True,
        "answerOption": INTEGERS,
        "initial": [{"valueInteger": 34}, {"valueInteger": 56}],
    }
    version, exported = _round_trip(app, _resource(item))
    (question,) = version.definition["questions"]
    assert (question["type"], question["initial"]) == ("multiple_choice", ["34", "56"])
    assert exported["item"][0]["initial"] == item["initial"]


def test_several_initial_values_of_an_item_that_does_not_repeat_are_refused(app: Any) -> None:
    item = {
        "linkId": "one",
        "text": "Vilken?",
        "type": "integer",
        "answerOption": INTEGERS,
        "initial": [{"valueInteger": 34}, {"valueInteger": 56}],
    }
    with pytest.raises(fhir.FhirImportError) as refused:
        fhir.read_questionnaire(_registry(app), _resource(item))
    assert "more than one initial value" in str(refused.value)


def test_a_time_options_initial_value_keeps_its_seconds(app: Any) -> None:
    item = {
        "linkId": "when",
        "text": "När?",
        "type": "time",
        "answerOption": TIMES,
        "initial": [{"valueTime": "13:30:00"}],
    }
    version, exported = _round_trip(app, _resource(item))
    assert version.definition["questions"][0]["initial"] == "13:30:00"
    assert exported["item"][0]["initial"] == item["initial"]


def test_an_open_choices_initial_text_is_an_answer_of_ones_own(app: Any) -> None:
    item = {
        "linkId": "pet",
        "text": "Vilket djur?",
        "type": "open-choice",
        "answerOption": CODINGS,
        "initial": [{"valueString": "Marsvin"}],
    }
    version, exported = _round_trip(app, _resource(item))
    assert version.definition["questions"][0]["initial"] == [{"other": "Marsvin"}]
    assert exported["item"][0]["initial"] == item["initial"]


def test_an_initial_quantity_in_a_unit_the_item_does_not_offer_is_refused(app: Any) -> None:
    item = {
        "linkId": "height",
        "text": "Längd",
        "type": "quantity",
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption",
                "valueCoding": {"system": "http://unitsofmeasure.org", "code": "cm"},
            }
        ],
        "initial": [
            {"valueQuantity": {"value": 1.8, "system": "http://unitsofmeasure.org", "code": "m"}}
        ],
    }
    with pytest.raises(fhir.FhirImportError) as refused:
        fhir.read_questionnaire(_registry(app), _resource(item))
    assert "'height'" in str(refused.value) and "initial value" in str(refused.value)


def test_an_enable_expression_on_a_group_stays_refused(app: Any) -> None:
    extension = {
        "url": SDC + "sdc-questionnaire-enableWhenExpression",
        "valueExpression": {"language": "text/fhirpath", "expression": "true"},
    }
    group = {
        "linkId": "g",
        "type": "group",
        "item": [{"linkId": "q", "text": "Fråga", "type": "string"}],
        "extension": [extension],
    }
    with pytest.raises(fhir.FhirImportError, match="group 'g'.*enableWhenExpression"):
        fhir.read_questionnaire(_registry(app), _resource(group))
