"""Nothing a source did not have is added on import (issue 16): a FHIR text item without
``maxLength`` and a decimal item without ``maxDecimalPlaces`` come back without them, and the
citizen's page does not hold her to the defaults sob would give a question of its own (200
characters, 2 decimals); a limit the source has is kept and exported as it came."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sob_core.extensions import db
from sob_core.forms import specs
from sob_core.interchange import fhir

MAX_DECIMALS = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _form(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "plain", "item": list(items)}


def _round_trip(app: Any, resource: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    registry = _registry(app)
    version = fhir.import_questionnaire(db.session, registry, json.loads(json.dumps(resource)))
    db.session.flush()
    return version, fhir.export_questionnaire(version, registry, "sv")


def _clean(app: Any, version: Any, key: str, data: Any) -> Any:
    spec = next(s for s in specs(version) if s.key == key)
    return _registry(app).question_types[spec.type].clean(spec, data, "en")


def test_text_without_max_length_gets_none_and_takes_a_long_answer(app: Any) -> None:
    items = (
        {"linkId": "name", "text": "Namn", "type": "string"},
        {"linkId": "story", "text": "Berätta", "type": "text"},
    )
    version, again = _round_trip(app, _form(*items))
    assert [("maxLength" in item) for item in again["item"]] == [False, False]
    assert _clean(app, version, "name", "x" * 600) == "x" * 600  # over the default of 200
    assert _clean(app, version, "story", "y" * 9000) == "y" * 9000  # over the default of 5000
    with pytest.raises(ValueError):  # sob's own most stays: 1000 characters on one line
        _clean(app, version, "name", "x" * 1001)


def test_a_max_length_the_source_has_is_kept_and_held_to(app: Any) -> None:
    item = {"linkId": "name", "text": "Namn", "type": "string", "maxLength": 20}
    version, again = _round_trip(app, _form(item))
    assert again["item"][0]["maxLength"] == 20
    with pytest.raises(ValueError):
        _clean(app, version, "name", "x" * 21)


def test_a_decimal_without_max_decimal_places_gets_none_and_takes_more_than_two(app: Any) -> None:
    item = {"linkId": "dose", "text": "Dos (mg)", "type": "decimal"}
    version, again = _round_trip(app, _form(item))
    exported = again["item"][0]
    assert all(e["url"] != MAX_DECIMALS for e in exported.get("extension") or [])
    assert exported["type"] == "decimal"
    assert _clean(app, version, "dose", "0.125") == 0.125


def test_max_decimal_places_the_source_has_is_kept_and_held_to(app: Any) -> None:
    limit = {"url": MAX_DECIMALS, "valueInteger": 1}
    item = {"linkId": "temp", "text": "Temperatur", "type": "decimal", "extension": [limit]}
    version, again = _round_trip(app, _form(item))
    assert limit in again["item"][0]["extension"]
    with pytest.raises(ValueError):
        _clean(app, version, "temp", "37.25")


def test_the_marks_are_plain_settings_a_type_checks(app: Any) -> None:
    registry = _registry(app)
    with pytest.raises(ValueError):
        registry.question_types["short_text"].validate_config({"fhir_max_length": "no"}, "en")
    with pytest.raises(ValueError):
        registry.question_types["number"].validate_config({"fhir_decimals": 0}, "en")
