"""The deviations from FHIR R4 an import accepts (``interchange/fhir/validation.py``), and the
ones it keeps refusing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sob_core.cli.fhir import forms_group
from sob_core.interchange import fhir
from sob_core.interchange.fhir.scores import CALCULATED

CORPUS = Path(__file__).parent / "fhir_corpus"
QUESTION = {"linkId": "q", "text": "Hur mår du?", "type": "string"}


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def test_a_missing_status_is_read_as_draft_with_a_note(app: Any) -> None:
    found = fhir.read_questionnaire(
        _registry(app), {"resourceType": "Questionnaire", "id": "x", "item": [QUESTION]}
    )
    assert found["origin"]["status"] == "draft"
    assert "no status" in found["origin"]["import_note"]
    assert found["notes"] == [found["origin"]["import_note"]]


def test_expression_names_with_underscores_are_kept_and_noted(app: Any) -> None:
    variable = {
        "url": "http://hl7.org/fhir/StructureDefinition/variable",
        "valueExpression": {"name": "q1_value", "language": "text/fhirpath", "expression": "1"},
    }
    resource = {
        "resourceType": "Questionnaire",
        "status": "active",
        "item": [QUESTION],
        "extension": [variable],
    }
    found = fhir.read_questionnaire(_registry(app), resource)
    assert "'q1_value'" in found["origin"]["import_note"]
    assert found["origin"]["status"] == "active"


def test_other_validation_errors_are_still_refused_naming_only_them(app: Any) -> None:
    total = {
        "linkId": "t",
        "text": "T",
        "type": "integer",
        "extension": [{"url": CALCULATED, "valueExpression": {"name": "a_b", "expression": 1}}],
    }
    resource = {"resourceType": "Questionnaire", "item": [QUESTION, total]}
    with pytest.raises(fhir.FhirImportError, match="not a valid FHIR R4") as raised:
        fhir.read_questionnaire(_registry(app), resource)
    text = str(raised.value)
    assert "valueExpression.expression" in text  # the real error: not a string
    assert "valueExpression.name" not in text and "status" not in text  # the accepted ones


def test_lhc_phq9_is_refused_for_its_numeric_option_prefix_only(app: Any) -> None:
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), (CORPUS / "lhc-phq9-44249-1.json").read_bytes())
    text = str(raised.value)
    assert "answerOption.1.extension.0.valueString" in text
    assert "valueExpression.name" not in text


def test_the_cli_prints_the_note(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    resource = {"resourceType": "Questionnaire", "id": "no-status", "item": [QUESTION]}
    path.write_text(json.dumps(resource), encoding="utf-8")
    result = runner.invoke(forms_group, ["import", str(path)], env={"SOB_DEFAULT_LOCALE": "en"})
    assert result.exit_code == 0, result.output
    assert "note: the Questionnaire has no status" in result.output
