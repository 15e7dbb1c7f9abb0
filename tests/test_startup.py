"""Starting the app loads only what every start needs (issue 14: start-up with all plugins < 1.5 s).

A fresh interpreter creates the app with every installed plugin, as a web worker and the
start-up benchmark (``benchmarks/server.py:startup_seconds``) do. What only some commands or
pages use is imported where they use it, so it must not be loaded by then: a deterministic
check, unlike a timing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: imported only by what needs it: module -> who
LAZY = {
    "alembic": "`sob db` and the migrations",
    "flask_migrate": "`sob db` and the migrations",
    "mako": "Alembic's templates (`sob db revision`)",
    "authlib": "an OpenID Connect login",
    "joserfc": "an OpenID Connect login",
    "requests": "an OpenID Connect login",
    "segno": "a BankID login's QR code",
    "plotly": "the plotly.js route",
    "fhir": "FHIR import and export (fhir.resources)",
}

#: creates the app with all installed plugins; an argon2 hash at start-up would fail it
START = """
import argon2

def _no_hashing(*args, **kwargs):
    raise AssertionError("a password was hashed while the app started")

argon2.PasswordHasher.hash = _no_hashing
from sob_core.app import create_app

app = create_app()
assert "sob_auth.password" in sys.modules, sorted(app.extensions["sob"].plugins)
"""

#: what `sob --help` does after that: every command's help line, `sob db` included
HELP = """
from sob_core.cli import main

main(["--help"], prog_name="sob", standalone_mode=False)
"""


def _loaded_after(code: str, tmp_path: Path) -> list[str]:
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH"}
    environment = {k: v for k, v in os.environ.items() if k in keep}
    environment.update(
        SOB_ENV="development",
        SOB_SECRET_KEY="test-secret-key-not-for-production",
        SOB_DEMO="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'startup.sqlite3'}",
        SOB_UPLOAD_DIR=str(tmp_path / "uploads"),
        SOB_EXPORT_DIR=str(tmp_path / "exports"),
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _lazy_ones_loaded(modules: list[str]) -> dict[str, str]:
    return {name: LAZY[name] for name in modules if name in LAZY}


def test_creating_the_app_imports_nothing_only_some_commands_and_pages_need(tmp_path):
    loaded = _loaded_after(START, tmp_path)
    assert _lazy_ones_loaded(loaded) == {}
    # the plugins did load: the login providers, question types and scales of every package
    assert {"sob_auth.oidc", "sob_auth.bankid", "sob_questions", "sob_scales"} <= set(loaded)


def test_listing_the_commands_imports_no_alembic(tmp_path):
    assert _lazy_ones_loaded(_loaded_after(START + HELP, tmp_path)) == {}


def test_sob_db_is_flask_migrates_group(runner):
    from flask_migrate.cli import db

    listed = runner.invoke(args=["--help"])
    assert re.search(r"^  db +Perform database migrations\.$", listed.output, re.MULTILINE)
    helped = runner.invoke(args=["db", "--help"])
    assert helped.exit_code == 0, helped.output
    for name in db.commands:
        assert f"  {name} " in helped.output
    assert "--x-arg" in helped.output
