"""Cleaning the citizen's reminder rules of a programme's content document."""

from __future__ import annotations

from typing import Any

from .checks import ContentError


def clean_reminder_rules(raw: Any, modules: list[dict[str, Any]], known: Any, registry: Any) -> Any:
    """What is stored of ``raw``; raises ``ContentError`` when it breaks a rule."""
    if not isinstance(raw, list | dict):
        raise ContentError("followup_not_valid")
    return raw
