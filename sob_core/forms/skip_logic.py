"""Skip logic: a question's ``show_if`` condition on an earlier answer."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..models import FormVersion


def condition_holds(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    if not condition:
        return True
    value = answers.get(condition["question"])
    if value is None:
        return False
    if "equals" in condition:
        return value == condition["equals"] or (
            isinstance(value, list) and condition["equals"] in value
        )
    if "in" in condition:
        return value in condition["in"] or (
            isinstance(value, list) and bool(set(value) & set(condition["in"]))
        )
    if "min" in condition:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= condition["min"]
        )
    return True


def visible_keys(version: FormVersion, answers: Mapping[str, Any]) -> list[str]:
    shown: list[str] = []
    values: dict[str, Any] = {}
    for question in version.definition["questions"]:
        if condition_holds(question.get("show_if"), values):
            shown.append(question["key"])
            if question["key"] in answers:
                values[question["key"]] = answers[question["key"]]
    return shown
