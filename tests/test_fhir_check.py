"""``sob forms check-fhir``: the real import of every file, rolled back, and the refusals ranked.

The counts over tests/fhir_corpus come from the corpus test's expected set (``IMPORTS``), so the
two cannot disagree.
"""

from __future__ import annotations

import json
import shutil

from sqlalchemy import func, select
from test_fhir_corpus import CORPUS, FILES, IMPORTS

from sob_core.cli.fhir import forms_group
from sob_core.extensions import db
from sob_core.models import Form, FormVersion

EN = {"SOB_DEFAULT_LOCALE": "en"}


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Form.id))),
        db.session.scalar(select(func.count(FormVersion.id))),
    )


def test_the_corpus_is_checked_file_by_file_and_nothing_is_saved(app, runner):
    before = _counts()
    result = runner.invoke(forms_group, ["check-fhir", str(CORPUS)], env=EN)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    for path in FILES:
        (line,) = [line for line in lines if line.startswith(f"{path}: ")]
        if path.name in IMPORTS:
            assert ": imports as " in line, line
        else:
            assert ": refused: " in line, line
    assert f"{len(IMPORTS)} of {len(FILES)} files import" in lines
    assert "Refused by (files; files it alone refuses):" in lines
    assert _counts() == before


def test_json_report_names_each_file_and_ranks_the_features(app, runner):
    result = runner.invoke(forms_group, ["check-fhir", "--json", str(CORPUS)], env=EN)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["imported"], report["total"], report["crashed"]) == (
        len(IMPORTS),
        len(FILES),
        0,
    )
    imported = {row["path"].rsplit("/", 1)[1] for row in report["files"] if row["imported"]}
    assert imported == IMPORTS
    refused = [row for row in report["files"] if not row["imported"]]
    assert all(row["reason"] and row["features"] for row in refused)
    files = [feature["files"] for feature in report["features"]]
    assert files == sorted(files, reverse=True)
    # a feature is named without its item, so the same feature on several items counts once
    for feature in report["features"]:
        named = sum(feature["feature"] in row["features"] for row in refused)
        assert feature["files"] == named, feature
    # a file refused by a single feature counts as what that feature alone refuses
    for feature in report["features"]:
        alone = [row for row in refused if row["features"] == [feature["feature"]]]
        assert feature["alone"] == len(alone), feature


def test_all_importing_exits_0_and_files_may_be_named_one_by_one(app, runner, tmp_path):
    for name in IMPORTS:
        shutil.copy(CORPUS / name, tmp_path / name)
    result = runner.invoke(forms_group, ["check-fhir", str(tmp_path)], env=EN)
    assert result.exit_code == 0, result.output
    assert f"{len(IMPORTS)} of {len(IMPORTS)} files import" in result.stdout
    one = sorted(IMPORTS)[0]
    result = runner.invoke(forms_group, ["check-fhir", str(tmp_path / one)], env=EN)
    assert result.exit_code == 0
    assert "1 of 1 files import" in result.stdout


def test_a_refusal_is_told_in_the_cli_language(app, runner, tmp_path):
    path = tmp_path / "q.json"
    path.write_text(json.dumps({"resourceType": "Patient"}), encoding="utf-8")
    result = runner.invoke(forms_group, ["check-fhir", str(path)], env={"SOB_DEFAULT_LOCALE": "sv"})
    assert result.exit_code == 1
    assert f"{path}: avvisas: inte ett Questionnaire (resourceType 'Patient')" in result.stdout
    assert "0 av 1 filer importeras" in result.stdout


def test_bad_arguments_exit_2_with_one_line(app, runner, tmp_path):
    missing = runner.invoke(forms_group, ["check-fhir", str(tmp_path / "nope")], env=EN)
    assert missing.exit_code == 2
    assert missing.stderr == f"error: there is no file or directory {tmp_path / 'nope'}\n"
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    empty = runner.invoke(forms_group, ["check-fhir", str(tmp_path)], env=EN)
    assert empty.exit_code == 2
    assert empty.stderr == f"error: no JSON files in {tmp_path}\n"
    none = runner.invoke(forms_group, ["check-fhir"], env=EN)
    assert none.exit_code == 2


def test_a_questionnaire_naming_nothing_takes_its_key_from_the_file_name(app, runner, tmp_path):
    path = tmp_path / "Text_Questionnaire.json"
    item = {"linkId": "a", "text": "Namn", "type": "string"}
    path.write_text(
        json.dumps({"resourceType": "Questionnaire", "status": "active", "item": [item]})
    )
    checked = runner.invoke(forms_group, ["check-fhir", str(path)], env=EN)
    assert checked.exit_code == 0, checked.output
    assert f"{path}: imports as text_questionnaire (1 questions)" in checked.stdout
    done = runner.invoke(forms_group, ["import", str(path)], env=EN)
    assert done.exit_code == 0, done.output
    assert "imported text_questionnaire version 1" in done.output
