"""The third-party path: the WHO-5 example installs as its own distribution and scores,
without any change to the core; uninstalled, the app still starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOB = str(Path(sys.executable).with_name("sob"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A real pip install of examples/who5 into a folder of its own (not into the venv)."""
    target = tmp_path_factory.mktemp("who5-install")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT / "examples/who5"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def _sob(args: list[str], tmp_path: Path, extra_path: Path | None = None):
    env = {
        **os.environ,
        "SOB_SECRET_KEY": "example-plugin-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'who5.sqlite3'}",
        "PYTHONPATH": str(extra_path) if extra_path else "",
    }
    env.pop("REDIS_URL", None)
    return subprocess.run([SOB, *args], env=env, capture_output=True, text=True, timeout=120)


def test_installed_example_is_listed_and_scores(installed, tmp_path):
    listed = _sob(["plugins", "--json"], tmp_path, installed)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["who5"]["distribution"] == "sob-example-who5"
    assert "scale:who-5" in rows["who5"]["provides"]
    scored = _sob(
        ["score", "who-5", "--answers", json.dumps({str(i): 0 for i in range(1, 6)})],
        tmp_path,
        installed,
    )
    assert scored.returncode == 0, scored.stderr
    result = json.loads(scored.stdout)
    assert result["scale"] == "who-5" and result["scores"]["total"] == 25


def test_app_starts_without_the_example(tmp_path):
    listed = _sob(["plugins", "--json"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "who5" not in {row["name"] for row in json.loads(listed.stdout)}
    missing = _sob(["score", "who-5", "--answers", "{}"], tmp_path)
    assert missing.returncode == 2 and "unknown scale 'who-5'" in missing.stderr
