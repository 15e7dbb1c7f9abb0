"""Skip logic: a question's ``show_if`` condition on an earlier answer."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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


#: why a ``show_if`` cannot be used, by code; the design tool translates the codes
PROBLEMS = {
    "shape": "show_if must name a question and one condition (equals, in or min)",
    "self": "show_if must name an earlier question (not the question itself)",
    "forward": "show_if must name an earlier question (it names a later one)",
    "missing": "show_if must name an earlier question (the form has no such question)",
    "option": "show_if names a value that is not one of the question's options",
    "number": "show_if's 'at least' needs a number and a question answered with a number",
}


def _options(question: Mapping[str, Any]) -> list[str] | None:
    options = (question.get("config") or {}).get("options")
    if not isinstance(options, list):
        return None
    return [str(o.get("value")) for o in options if isinstance(o, Mapping)]


def condition_problem(
    questions: Sequence[Mapping[str, Any]], index: int, condition: Any
) -> str | None:
    """The code (a key of ``PROBLEMS``) of what is wrong with the ``index``-th question's
    ``show_if``, or None when it may be used. The editor and ``validate_definition`` both ask."""
    if condition is None:
        return None
    if not isinstance(condition, Mapping) or not isinstance(condition.get("question"), str):
        return "shape"
    operators = [name for name in ("equals", "in", "min") if name in condition]
    if len(operators) != 1:
        return "shape"
    keys = [q.get("key") for q in questions]
    target = condition["question"]
    if index < len(keys) and target == keys[index]:
        return "self"
    if target not in keys:
        return "missing"
    position = keys.index(target)
    if position > index:
        return "forward"
    options = _options(questions[position])
    operator = operators[0]
    value = condition[operator]
    if operator == "min":
        if isinstance(value, bool) or not isinstance(value, int | float) or options is not None:
            return "number"
        if not math.isfinite(value):
            return "number"
        return None
    values = value if operator == "in" else [value]
    if operator == "in" and (not isinstance(value, list) or not value):
        return "shape"
    if options is not None and any(str(v) not in options for v in values):
        return "option"
    return None


def dependents(questions: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    """Keys of the questions whose ``show_if`` depends on the question ``key``."""
    return [
        str(q.get("key"))
        for q in questions
        if isinstance(q.get("show_if"), Mapping) and q["show_if"].get("question") == key
    ]
