"""Walkers over a programme version's content JSON, tolerant of missing or odd fields.

These stay as they are until the typed ``sob_core.content`` document replaces them; every
enrollment module reads content only through here, so that move is one file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RULES = ("at_start", "after_previous", "days_after_start", "by_therapist")


def local_text(value: Any) -> dict[str, str]:
    """A local text from content, tolerating a plain string."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items() if v}
    if isinstance(value, str) and value:
        return {"sv": value}
    return {}


def modules_of(content: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    modules = (content or {}).get("modules") or []
    return [m for m in modules if isinstance(m, Mapping) and m.get("key")]


def items_of(module: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [i for i in (module.get("items") or []) if isinstance(i, Mapping) and i.get("key")]


def locate_item(
    content: Mapping[str, Any] | None, item_key: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (module, item) holding ``item_key``, or None."""
    for module in modules_of(content):
        for item in items_of(module):
            if item["key"] == item_key:
                return module, item
    return None


def rule_of(module: Mapping[str, Any], first: bool) -> tuple[str, int]:
    unlock = module.get("unlock") or {}
    rule = unlock.get("rule") if isinstance(unlock, Mapping) else None
    if rule not in RULES:
        rule = "at_start" if first else "after_previous"
    try:
        days = max(0, int(unlock.get("days") or 0)) if isinstance(unlock, Mapping) else 0
    except (TypeError, ValueError):
        days = 0
    return rule, days


def _recommended(value: Any) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def recommended_days(content: Mapping[str, Any] | None) -> int | None:
    """The program's recommended length: its own, else the sum of its modules'."""
    own = _recommended((content or {}).get("recommended_days"))
    if own is not None:
        return own
    total = sum(_recommended(m.get("recommended_days")) or 0 for m in modules_of(content))
    return total or None
