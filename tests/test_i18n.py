"""Swedish first: every user-facing string of the core has a Swedish translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "sob_core/translations/sv/LC_MESSAGES/messages.po"


def _ids(catalog) -> set[str]:
    return {m.id for m in catalog if m.id and not isinstance(m.id, tuple)}


def test_every_extracted_string_is_translated_to_swedish(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            str(ROOT / "sob_core"),
        ],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        extracted = _ids(read_po(f))
    with PO.open("rb") as f:
        swedish = read_po(f, locale="sv")
    missing = extracted - _ids(swedish)
    assert not missing, f"strings missing from the Swedish catalogue (run make messages): {missing}"
    untranslated = [m.id for m in swedish if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, f"untranslated or fuzzy Swedish strings: {untranslated}"
