"""Every package of the core imports on its own, first, in a fresh interpreter.

Inside one test session modules are imported in whatever order the tests happen to use, which hides
an import cycle that only breaks when one package is the first to be imported (``sob_core.results``
before ``sob_core.forms`` once did).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sob_core

ROOT = Path(sob_core.__file__).parent
PACKAGES = sorted(
    p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "migrations"
)


def test_the_packages_are_found() -> None:
    assert {"forms", "results", "enrollments", "web"} <= set(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_imports_first(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import sob_core.{name}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
