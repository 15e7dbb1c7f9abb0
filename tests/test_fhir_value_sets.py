"""ValueSets supplied with a FHIR import (``interchange/fhir/value_sets.py``): beside the
Questionnaire in a Bundle, or by ``sob forms import --value-sets``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from sob_core.cli.fhir import forms_group
from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.models import Form

CORPUS = Path(__file__).parent / "fhir_corpus"
CQF = CORPUS / "r4-questionnaire-cqf-example.json"
LL358 = "http://loinc.org/vs/LL358-3"
LOINC = "http://loinc.org"
#: the LOINC answer list LL358-3 as a ValueSet with its codes listed (its content is LOINC's)
VALUE_SET = {
    "resourceType": "ValueSet",
    "url": LL358,
    "version": "2.76",
    "status": "active",
    "compose": {
        "include": [
            {
                "system": LOINC,
                "concept": [
                    {"code": "LA6568-5", "display": "Not at all"},
                    {"code": "LA6569-3", "display": "Several days"},
                    {"code": "LA6570-1", "display": "More than half the days"},
                    {"code": "LA6571-9", "display": "Nearly every day"},
                ],
            }
        ]
    },
}
ITEM = {"linkId": "q", "text": "Lust?", "type": "choice", "answerValueSet": LL358}


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _questionnaire(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "vs", "item": list(items)}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def test_a_value_set_beside_the_questionnaire_in_a_bundle_gives_the_options(app: Any) -> None:
    found = fhir.read_questionnaire(_registry(app), _bundle(_questionnaire(ITEM), VALUE_SET))
    (question,) = found["questions"]
    options = question["config"]["options"]
    assert [o["value"] for o in options] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert {o.get("system") for o in options} == {LOINC}


def test_a_versioned_canonical_is_resolved_too(app: Any) -> None:
    item = {**ITEM, "answerValueSet": f"{LL358}|2.76"}
    found = fhir.read_questionnaire(_registry(app), _questionnaire(item), [VALUE_SET])
    assert len(found["questions"][0]["config"]["options"]) == 4


def test_an_unresolved_canonical_is_refused_by_name(app: Any) -> None:
    with pytest.raises(fhir.FhirImportError, match="the value set 'http://loinc.org/vs/LL358-3'"):
        fhir.read_questionnaire(_registry(app), _questionnaire(ITEM))


def test_a_contained_value_set_named_by_its_canonical_url_gives_the_options(app: Any) -> None:
    # LHC-Forms names a contained ValueSet by its ``url`` as often as by ``#id``
    contained = {**VALUE_SET, "id": "ll358"}
    questionnaire = {**_questionnaire(ITEM), "contained": [contained]}
    found = fhir.read_questionnaire(_registry(app), questionnaire)
    options = found["questions"][0]["config"]["options"]
    assert [o["value"] for o in options] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]


def test_a_bundle_with_another_kind_of_resource_is_refused(app: Any) -> None:
    patient = {"resourceType": "Patient", "id": "p"}
    with pytest.raises(fhir.FhirImportError, match="Patient"):
        fhir.read_questionnaire(_registry(app), _bundle(_questionnaire(ITEM), patient))


def test_a_value_set_that_is_not_a_plain_list_is_refused_by_url(app: Any) -> None:
    filtered = {
        **VALUE_SET,
        "compose": {
            "include": [{"system": LOINC, "filter": [{"property": "a", "op": "=", "value": "b"}]}]
        },
    }
    with pytest.raises(fhir.FhirImportError, match="neither an expansion"):
        fhir.read_questionnaire(_registry(app), _questionnaire(ITEM), [filtered])


def test_the_cqf_example_with_its_loinc_list_is_refused_only_for_its_cql_total(app: Any) -> None:
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), CQF.read_bytes(), [VALUE_SET])
    assert [part.params.get("link") for part in raised.value.errors or (raised.value,)] == [
        "'TotalScore'"
    ]
    assert "'CalculateTotalScore'" in str(raised.value)


def _forms() -> int:
    return db.session.scalar(select(func.count()).select_from(Form)) or 0


def test_cli_import_with_value_sets_from_a_file_and_a_directory(
    app: Any, runner: Any, tmp_path: Path
) -> None:
    form = tmp_path / "form.json"
    form.write_text(json.dumps(_questionnaire(ITEM)), encoding="utf-8")
    folder = tmp_path / "value-sets"
    folder.mkdir()
    (folder / "ll358.json").write_text(json.dumps(_bundle(VALUE_SET)), encoding="utf-8")
    result = runner.invoke(forms_group, ["import", str(form), "--value-sets", str(folder)])
    assert result.exit_code == 0, result.output
    single = folder / "ll358.json"
    args = ["import", str(form), "--key", "vs-two", "--value-sets", str(single)]
    result = runner.invoke(forms_group, args)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("what", "message"),
    [
        ("missing", "no value set file or directory"),
        ("questionnaire", "holds a 'Questionnaire', not a ValueSet"),
        ("broken", "is not JSON"),
        ("empty", "holds no .json file"),
    ],
)
def test_cli_refuses_bad_value_sets_with_exit_2(
    app: Any, runner: Any, tmp_path: Path, what: str, message: str
) -> None:
    form = tmp_path / "form.json"
    form.write_text(json.dumps(_questionnaire(ITEM)), encoding="utf-8")
    paths = {
        "missing": tmp_path / "nowhere",
        "questionnaire": form,
        "broken": tmp_path / "broken.json",
        "empty": tmp_path / "empty",
    }
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    before = _forms()
    args = ["import", str(form), "--value-sets", str(paths[what])]
    result = runner.invoke(forms_group, args, env={"SOB_DEFAULT_LOCALE": "en"})
    assert result.exit_code == 2
    assert message in result.stderr
    assert _forms() == before
