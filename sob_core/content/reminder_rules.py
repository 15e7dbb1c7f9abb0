"""Cleaning the citizen's reminder rules of a programme's content document.

The document's ``"reminders"`` key::

    {"rules": [{"key": "standard", "offsets_days": [0, 2, 5], "battery_keys": []}]}

Each rule reminds the citizen of an opened battery occurrence ``offsets_days`` days after it
opened (0: at the opening), at most ``MAX_REMINDERS`` times, the days going up. ``battery_keys``
limits a rule to those batteries of the programme (empty: every battery). A programme without
rules reminds nobody; the design tool suggests ``SUGGESTED_OFFSETS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checks import KEY_RE, ContentError

#: never more reminders than this in one rule
MAX_REMINDERS = 5
#: the latest day a reminder may come, counted from the opening
MAX_OFFSET_DAYS = 365
#: what the design tool offers a programme without rules
SUGGESTED_OFFSETS = (0, 2, 5)


def _offsets(raw: Any, number: int) -> list[int]:
    if not isinstance(raw, list) or not raw:
        raise ContentError("reminder_no_offsets", number=number)
    if len(raw) > MAX_REMINDERS:
        raise ContentError("reminder_too_many", number=number, count=len(raw), max=MAX_REMINDERS)
    out: list[int] = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ContentError("reminder_bad_offset", number=number, max=MAX_OFFSET_DAYS)
        if not 0 <= value <= MAX_OFFSET_DAYS:
            raise ContentError("reminder_bad_offset", number=number, max=MAX_OFFSET_DAYS)
        if out and value <= out[-1]:
            raise ContentError("reminder_not_ascending", number=number)
        out.append(value)
    return out


def _battery_keys(raw: Any, number: int) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ContentError("reminder_bad_battery", number=number, key=repr(raw))
    out: list[str] = []
    for key in raw:
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ContentError("reminder_bad_battery", number=number, key=repr(key))
        if key not in out:
            out.append(key)
    return out


def clean_rule(raw: Any, number: int) -> dict[str, Any]:
    """One rule as stored; ``number`` (from 1) names it in messages."""
    if not isinstance(raw, Mapping):
        raise ContentError("reminder_rule_not_valid", number=number)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ContentError("reminder_bad_key", number=number, key=repr(key))
    return {
        "key": key,
        "offsets_days": _offsets(raw.get("offsets_days"), number),
        "battery_keys": _battery_keys(raw.get("battery_keys"), number),
    }


def clean_reminder_rules(raw: Any, modules: list[dict[str, Any]], known: Any, registry: Any) -> Any:
    """What is stored of ``raw``; raises ``ContentError`` when it breaks a rule.

    No rules stores nothing (the programme then reminds nobody).
    """
    if not isinstance(raw, Mapping) or not isinstance(raw.get("rules", []), list):
        raise ContentError("reminders_not_valid")
    rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, item in enumerate(raw.get("rules", []), start=1):
        rule = clean_rule(item, number)
        if rule["key"] in seen:
            raise ContentError("reminder_key_twice", number=number, key=rule["key"])
        seen.add(rule["key"])
        rules.append(rule)
    return {"rules": rules} if rules else {}


def rules_of(reminders: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The stored rules of a programme's ``reminders`` (already cleaned; tolerant of old data)."""
    if not isinstance(reminders, Mapping):
        return []
    out = []
    for number, item in enumerate(reminders.get("rules") or [], start=1):
        try:
            out.append(clean_rule(item, number))
        except ContentError:
            continue  # a rule that no longer checks out reminds nobody
    return out
