"""A quantity item's ``initial`` (issue 16, Android FHIR's component_initial_value and LHC-Forms'
q-with-unit-in-quantity-and-units): an item naming no unit takes its initial value's unit as its
one unit, a unit given with no value is kept as that unit, and an initial value in a unit the item
does not offer is refused, naming both."""

from __future__ import annotations

from typing import Any

import pytest
from fhir_helpers import import_resource, registry
from flask_babel import force_locale

from sob_core.i18n import translate_error
from sob_core.interchange import fhir

DOLLARS = {"unit": "$", "system": "http://measureunit.org", "code": "USD"}
UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption"


def _form(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "qty", "item": list(items)}


def _round_trip(app: Any, item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    version = import_resource(app, _form(item))
    (question,) = version.definition["questions"]
    (again,) = fhir.export_questionnaire(version, registry(app))["item"]
    return question, again


def test_an_initial_value_gives_an_item_without_units_its_unit(app: Any) -> None:
    item = {
        "linkId": "6.0",
        "type": "quantity",
        "text": "Belopp",
        "initial": [{"valueQuantity": {"value": 30, **DOLLARS}}],
    }
    question, again = _round_trip(app, item)
    assert question["config"]["units"] == [
        {"code": "USD", "system": "http://measureunit.org", "display": {"sv": "$"}}
    ]
    assert question["config"]["unit_source"] == "initial"
    assert question["initial"] == {"value": 30, "unit": "USD"}
    assert "extension" not in again  # no questionnaire-unit the source did not have
    assert again["initial"] == item["initial"]


def test_a_unit_given_with_no_value_is_the_items_unit_and_exported_again(
    app: Any, client: Any
) -> None:
    item = {
        "linkId": "7.0",
        "type": "quantity",
        "text": "Bara enheten",
        "initial": [{"valueQuantity": dict(DOLLARS)}],
    }
    question, again = _round_trip(app, item)
    assert "initial" not in question  # nothing to prefill: the unit is a setting
    assert question["config"]["unit_source"] == "initial"
    assert again["initial"] == item["initial"]
    assert {k: v for k, v in again.items() if k != "required"} == {
        "linkId": "7.0",
        "text": "Bara enheten",
        "type": "quantity",
        "initial": item["initial"],
    }


def test_an_initial_value_in_a_unit_the_item_does_not_offer_is_refused(app: Any) -> None:
    item = {
        "linkId": "/body-height",
        "type": "quantity",
        "text": "Body height",
        "extension": [
            {"url": UNIT_OPTION, "valueCoding": {"system": "http://unitsofmeasure.org", "code": c}}
            for c in ("cm", "mm")
        ],
        "initial": [
            {
                "valueQuantity": {
                    "value": 1.8,
                    "unit": "m",
                    "system": "http://unitsofmeasure.org",
                    "code": "m",
                }
            }
        ],
    }
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(registry(app), _form(item))
    assert str(caught.value) == (
        "item '/body-height' of type 'quantity': The initial value of the FHIR item is in the "
        "unit 'm', which is not one of the item's units ('cm', 'mm')."
    )
    with app.test_request_context(), force_locale("sv"):
        assert "FHIR-frågans startvärde har enheten 'm'" in translate_error(caught.value)


def test_an_initial_value_in_one_of_the_items_units_still_imports(app: Any) -> None:
    item = {
        "linkId": "h",
        "type": "quantity",
        "text": "Längd",
        "extension": [
            {"url": UNIT_OPTION, "valueCoding": {"system": "http://unitsofmeasure.org", "code": c}}
            for c in ("cm", "mm")
        ],
        "initial": [
            {"valueQuantity": {"value": 180, "system": "http://unitsofmeasure.org", "code": "cm"}}
        ],
    }
    question, again = _round_trip(app, {**item})
    assert question["initial"] == {"value": 180, "unit": "cm"}
    assert "unit_source" not in question["config"]
    assert again["initial"][0]["valueQuantity"]["code"] == "cm"
