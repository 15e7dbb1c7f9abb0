"""Docs and hooks stay in step: every hook is documented with its arguments and has a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from sob_core import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = {
    name: fn for name, fn in vars(hookspecs).items() if name.startswith("sob_") and callable(fn)
}


def test_every_hook_is_documented_with_matching_arguments():
    text = (ROOT / "docs/hooks.md").read_text()
    documented = {
        m.group(1): [a.strip() for a in m.group(2).split(",") if a.strip()]
        for m in re.finditer(r"^### `(sob_\w+)\(([^)]*)\)`", text, re.MULTILINE)
    }
    for name, fn in HOOKS.items():
        assert name in documented, f"{name} is not documented in docs/hooks.md"
        assert documented[name] == list(inspect.signature(fn).parameters), name
    assert set(documented) == set(HOOKS), "docs/hooks.md documents hooks that do not exist"


def test_every_hook_has_a_docstring():
    for name, fn in HOOKS.items():
        assert fn.__doc__ and fn.__doc__.strip(), name


def test_every_hook_has_a_test_of_its_own():
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    for name in HOOKS:
        assert f"def test_hook_{name}" in sources, f"no test named test_hook_{name}"


def _commands(group, prefix: str = "sob"):
    """Every command of the `sob` CLI as "sob a b", groups and their sub-commands alike."""
    import click

    for name, command in sorted(group.commands.items()):
        yield f"{prefix} {name}"
        if isinstance(command, click.Group) and name != "db":  # db: Flask-Migrate's own
            yield from _commands(command, f"{prefix} {name}")


def test_every_sob_command_is_in_the_readme(app):
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## The `sob` command") : readme.index("## Configuration")]
    missing = [
        command
        for command in _commands(app.cli)
        if not re.search(rf"`{re.escape(command)}(?=[ `])", table)
    ]
    assert missing == []
