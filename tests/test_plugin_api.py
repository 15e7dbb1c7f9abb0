"""The plugin contract is exactly ``sob_core``'s public names, and importing it stays cheap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sob_core
from sob_core import plugin_api

ROOT = Path(__file__).resolve().parents[1]

#: the documented contract (docs/hooks.md, docs/writing-plugins.md): change both together
CONTRACT = {
    # the hook marker
    "hookimpl",
    # the typed objects hooks return and receive
    "AnswerProblem",
    "Band",
    "ComputedResult",
    "Credential",
    "FormInfo",
    "InvalidAnswers",
    "LocalText",
    "LoginProvider",
    "Notice",
    "NotificationChannel",
    "PluginContractError",
    "QuestionSpec",
    "QuestionType",
    "Scale",
    "ScaleItem",
    "ScaleScore",
    "Setting",
    "Subscale",
    "TranslatedError",
    "VerifiedIdentity",
    "local",
    # answer files (a question type with file_rules)
    "ANSWER_FILE_TYPES",
    "FileRules",
    "content_type_matches",
    # where guardianships come from (sob_guardianship_sources)
    "GuardianshipSource",
    "Ward",
    # scale helpers
    "ItemFlag",
    "band_for",
    "bands_for",
    "check_choice_answers",
    "check_number_answers",
    "context_sex",
    "exact",
    "item_score",
    "item_scores",
    "mean",
    "round_half_away",
    "simple_sum_scale",
    # the band colours
    "PALETTE",
    "check_colour",
    "contrast_ratio",
    # access declarations for a plugin's views
    "public",
    "require",
    # what login providers call: sign-in, the credential store, the demo directory
    "complete_login",
    "load_credential",
    "save_credential",
    "record_failure",
    "record_success",
    "demo_people",
}

#: modules a plugin-like import must not load: the ORM, the session layer, the host
HEAVY = ("sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_migrate", "sob_core.models")
HOST_PACKAGES = (
    "sob_core.web",
    "sob_core.app",
    "sob_core.programs",
    "sob_core.enrollments",
    "sob_core.forms",
    "sob_core.results",
    "sob_core.identity",
    "sob_core.media",
    "sob_core.audit",
    "sob_core.notifications",
    "sob_core.interchange",
    "sob_core.demo",
    "sob_core.cli",
    "sob_core.jobs",
    "sob_core.extensions",
)


def test_public_names_are_exactly_the_contract():
    assert set(sob_core.__all__) == CONTRACT
    assert len(sob_core.__all__) == len(CONTRACT)
    assert sob_core.__all__ == plugin_api.__all__
    for name in CONTRACT:
        assert getattr(sob_core, name) is getattr(plugin_api, name), name


def test_host_entry_points_are_reached_lazily_and_are_not_public():
    from sob_core.app import create_app

    assert sob_core.create_app is create_app
    assert "create_app" not in sob_core.__all__


def _modules_after(code: str) -> list[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if name in HEAVY
        or name.startswith(tuple(f"{h}." for h in HEAVY))
        or name.startswith(HOST_PACKAGES)
    ]


def test_importing_sob_core_loads_no_orm_and_no_host():
    assert _heavy(_modules_after("import sob_core")) == []


def test_a_scale_plugin_like_import_stays_light():
    code = "from sob_core import Scale, simple_sum_scale, hookimpl, public, require, local"
    assert _heavy(_modules_after(code)) == []


def test_the_first_party_scale_plugin_stays_light():
    assert _heavy(_modules_after("import sob_scales, sob_scales.phq9")) == []


def test_plugins_import_only_top_level_sob_core():
    """A plugin that imports ``sob_core.something`` depends on the host, not on the contract."""
    offenders = []
    for folder in (ROOT / "plugins", ROOT / "examples"):
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).parts
            if "tests" in parts or ".egg-info" in str(path):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                text = line.strip()
                if text.startswith(("from sob_core.", "import sob_core.")):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {text}")
    assert offenders == []
