"""Which flag rules apply to an enrollment: its programme's ``flag_rules``, or the defaults.

A programme without flag rules gets ``DEFAULT_RULES``: critical items of every scale, missed
forms of every battery, staff reminders and activity values. Staff reminders and activity values
are always on: a programme whose rules do not name them gets their default rule too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from ..models import Enrollment, ProgramVersion

DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"key": "critical-items", "kind": "critical_item", "severity": 3, "scale": "all"},
    {"key": "missed-forms", "kind": "missed_form", "severity": 2},
    {"key": "staff-reminders", "kind": "staff_reminder", "severity": 2},
    {"key": "activity-values", "kind": "activity_value", "severity": 2},
)
ALWAYS_ON = ("staff_reminder", "activity_value")


def effective(rules: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The rules in force for a programme whose content holds ``rules``."""
    chosen = [
        dict(rule)
        for rule in rules or ()
        if isinstance(rule, Mapping) and isinstance(rule.get("key"), str) and rule.get("kind")
    ]
    if not chosen:
        return [dict(rule) for rule in DEFAULT_RULES]
    kinds = {rule.get("kind") for rule in chosen}
    keys = {rule.get("key") for rule in chosen}
    for rule in DEFAULT_RULES:
        if rule["kind"] in ALWAYS_ON and rule["kind"] not in kinds and rule["key"] not in keys:
            chosen.append(dict(rule))
    return chosen


def for_version_content(content: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    raw = (content or {}).get("flag_rules") if isinstance(content, Mapping) else None
    return effective(raw if isinstance(raw, list) else None)


def for_enrollment(session: Session, enrollment: Enrollment) -> list[dict[str, Any]]:
    version = (
        session.get(ProgramVersion, enrollment.program_version_id)
        if enrollment.program_version_id
        else None
    )
    return for_version_content(version.content if version is not None else None)


def of_kind(rules: Sequence[Mapping[str, Any]], *kinds: str) -> list[Mapping[str, Any]]:
    return [rule for rule in rules if rule.get("kind") in kinds]


def matches(result_key: str, wanted: str) -> bool:
    """A rule's ``result_key`` names one result ("phq-9.total") or a whole scale ("phq-9")."""
    return result_key == wanted or ("." not in wanted and result_key.startswith(wanted + "."))
