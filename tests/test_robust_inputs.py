"""Bad input is refused clearly, never a 500: deep JSON files, foreign ``next=`` targets."""

from __future__ import annotations

import pytest

from sob_core import programs
from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.jsonio import MAX_DEPTH, TooDeep, depth, loads_bounded
from sob_core.web.shell import safe_next

DEEP = ("[" * 5000 + "]" * 5000).encode()
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


def test_depth_ignores_brackets_in_strings():
    assert depth('{"a": "[[[[{{{{", "b": [1, {"c": "\\"]]"}]}') == 3
    assert depth("1") == 0
    assert loads_bounded(b'{"a": [1, "]"]}') == {"a": [1, "]"]}
    assert loads_bounded("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(TooDeep):
        loads_bounded("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(TooDeep):
        loads_bounded(DEEP)
    assert isinstance(TooDeep(3), ValueError)  # callers answering "not JSON" keep working


@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT])
def test_a_deeply_nested_program_file_is_refused_clearly(app, raw):
    registry = app.extensions["sob"].registry
    with pytest.raises(programs.ProgramImportError, match="nested more than 100 levels"):
        programs.import_program(db.session, registry, raw, care_unit_id=1)


@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT])
def test_a_deeply_nested_questionnaire_is_refused_clearly(app, raw):
    registry = app.extensions["sob"].registry
    with pytest.raises(fhir.FhirImportError, match="nested more than 100 levels"):
        fhir.import_questionnaire(db.session, registry, raw, "deep")


def test_the_commands_refuse_a_deep_file(app, demo_data, runner, tmp_path):
    from sob_core.cli.fhir import forms_group
    from sob_core.cli.programs import programs_group
    from sob_core.models import CareUnit

    unit = db.session.query(CareUnit).first()
    path = tmp_path / "deep.json"
    path.write_bytes(DEEP)
    result = runner.invoke(programs_group, ["import", str(path), "--unit", unit.hsa_id])
    assert result.exit_code == 2 and "nested more than 100 levels" in result.output
    result = runner.invoke(forms_group, ["import", str(path)])
    assert result.exit_code == 2 and "nested more than 100 levels" in result.output


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/staff/\n",
        "/staff/\r\nSet-Cookie: x=1",
        "/a\tb",
        "/a\x00",
        "/a\x7f",
        "javascript:alert(1)",
        "staff/",
        "/" + "a" * 5000,
    ],
)
def test_safe_next_refuses_foreign_targets(target):
    assert safe_next(target, "/start") == "/start"


@pytest.mark.parametrize("target", ["/staff/patients", "/citizen/forms/3?x=1#top", "/å"])
def test_safe_next_follows_same_site_paths(target):
    assert safe_next(target, "/start") == target


def test_a_line_break_in_next_is_not_followed(client):
    response = client.get("/lang/en?next=/staff/%0d%0aSet-Cookie:x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_design_tool_refuses_a_deep_file_in_swedish(client, demo_data):
    import io

    from sqlalchemy import select

    from sob_core.models import RoleAssignment, Staff
    from sob_core.testing import csrf_from, login_as

    role = db.session.scalar(select(RoleAssignment).where(RoleAssignment.role == "publisher"))
    login_as(client, db.session.get(Staff, role.staff_id), role.care_unit_id)
    page = client.get("/design/import").get_data(as_text=True)
    response = client.post(
        "/design/import",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(DEEP), "deep.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "nästlad i mer än 100 nivåer" in response.get_data(as_text=True)


def test_a_nul_character_anywhere_is_a_clear_400(client):
    """PostgreSQL text cannot hold NUL: refused up front, on SQLite too."""
    assert client.get("/lang/sv?next=/%00").status_code == 400
    assert client.get("/auth/login%00").status_code in (400, 404)
    response = client.post("/auth/login", data={"x": "a\x00b"})
    assert response.status_code == 400
