"""Commands on a database that `sob db upgrade` has not prepared say so in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from sob_core.cli import schema_missing

SOB = str(Path(sys.executable).with_name("sob"))


def _sob(args: list[str], database: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SOB_SECRET_KEY": "cli-schema-test-key",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("REDIS_URL", None)
    env.pop("SOB_ENV", None)
    return subprocess.run([SOB, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [["scales", "list"], ["recompute"]])
def test_before_db_upgrade_a_command_says_run_db_upgrade(args, tmp_path):
    result = _sob(args, tmp_path / "empty.sqlite3")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: the database has no tables for this version of sob yet: run `sob db upgrade`"
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_after_db_upgrade_the_scales_are_listed(tmp_path):
    database = tmp_path / "upgraded.sqlite3"
    upgraded = _sob(["db", "upgrade"], database)
    assert upgraded.returncode == 0, upgraded.stderr
    listed = _sob(["scales", "list"], database)
    assert listed.returncode == 0, listed.stderr
    assert "phq-9" in listed.stdout and "texts installed" in listed.stdout


class _PsycopgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("relation does not exist")
        self.sqlstate = sqlstate


def test_missing_tables_and_columns_are_recognised_for_sqlite_and_postgresql():
    assert schema_missing(OperationalError("SELECT", {}, Exception("no such table: form")))
    assert schema_missing(OperationalError("SELECT", {}, Exception("no such column: band_label")))
    assert schema_missing(ProgrammingError("SELECT", {}, _PsycopgError("42P01")))
    assert schema_missing(ProgrammingError("SELECT", {}, _PsycopgError("42703")))
    assert not schema_missing(ProgrammingError("SELECT", {}, _PsycopgError("42601")))
    assert not schema_missing(OperationalError("SELECT", {}, Exception("database is locked")))
    assert not schema_missing(ValueError("no such table"))
