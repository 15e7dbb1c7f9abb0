"""Skip logic: a question's ``show_if`` condition on earlier answers.

A condition is ``{"question": key, OPERATOR: value}`` with one of ``OPERATORS``, or several of
them combined: ``{"all": [condition, ...]}`` (every one holds) or ``{"any": [...]}`` (at least
one holds); the combined conditions may name different earlier questions.

- ``equals`` / ``not_equals``: an answer is / no answer is the value (``not_equals`` holds for an
  unanswered question, as FHIR's ``!=`` does); ``in``: the answer is one of a list of values;
- ``min`` (>=), ``max`` (<=), ``greater`` (>), ``less`` (<): an answer compared with the value;
- ``exists``: ``true`` when the question is answered, ``false`` when it is not.

The value is of the earlier question's kind (its type's ``fhir_type``): a number for numbers and
durations, ``YYYY-MM-DD`` for dates, an ISO date-time for date-times, ``HH:MM[:SS]`` for times,
``true``/``false`` for yes/no, an option's value for choices (ordered only when the options are
numbers) and a text for texts (never ordered); an open choice's own answer (``{"other": text}``)
is compared as its text. ``condition_problem`` checks this, so the
evaluator reads both sides as the value's kind. ``forms.js`` evaluates the same rules in the
browser; the server decides on every submit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from ..models import FormVersion

#: the operators of a single condition
OPERATORS = ("equals", "not_equals", "in", "min", "max", "greater", "less", "exists")
#: the operators that order two answers
ORDERING = ("min", "max", "greater", "less")
#: how several conditions combine
COMBINATIONS = ("all", "any")
#: question kinds (``fhir_type``) that are numbers
NUMBERS = frozenset({"integer", "decimal", "quantity"})
#: question kinds whose answers can be ordered (choices too when their option values are numbers)
ORDERED = NUMBERS | {"date", "dateTime", "time"}
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


def operator_of(condition: Mapping[str, Any]) -> str | None:
    """The operator of a single condition (the first of ``OPERATORS`` it has)."""
    return next((name for name in OPERATORS if name in condition), None)


def parts(condition: Mapping[str, Any]) -> tuple[str, list[Mapping[str, Any]]]:
    """``("all" | "any", [single condition, ...])`` of any condition."""
    for mode in COMBINATIONS:
        if mode in condition:
            listed = condition[mode]
            return mode, [c for c in listed if isinstance(c, Mapping)] if isinstance(
                listed, list
            ) else []
    return "all", [condition]


def sources(condition: Any) -> list[str]:
    """The keys of the questions a condition names."""
    if not isinstance(condition, Mapping):
        return []
    return [str(c.get("question")) for c in parts(condition)[1] if c.get("question") is not None]


def condition_holds(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """Whether a question with this ``show_if`` is shown, given the answers before it."""
    if not condition:
        return True
    mode, conditions = parts(condition)
    if not conditions:
        return True
    results = [_one_holds(c, answers) for c in conditions]
    return all(results) if mode == "all" else any(results)


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _one_holds(condition: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    operator = operator_of(condition)
    if operator is None:
        return True
    value = answers.get(condition.get("question"))  # type: ignore[arg-type]
    target = condition[operator]
    if operator == "exists":
        return _answered(value) == (target is True)
    given = value if isinstance(value, list) else [value] if _answered(value) else []
    # an answer of one's own to an open choice (``{"other": text}``) is compared as its text, as
    # FHIR compares an open-choice's valueString with answerString
    given = [v.get("other") if isinstance(v, Mapping) and "other" in v else v for v in given]
    if operator == "not_equals":
        return not any(_same(v, target) for v in given)
    if operator == "equals":
        return any(_same(v, target) for v in given)
    if operator == "in":
        targets = target if isinstance(target, list) else [target]
        return any(_same(v, t) for v in given for t in targets)
    return any(_ordered(v, target, operator) for v in given)


def _same(value: Any, target: Any) -> bool:
    if isinstance(value, bool) or isinstance(target, bool):
        return value is target or str(value).lower() == str(target).lower()
    if isinstance(target, int | float):
        number = _number(value)
        return number is not None and number == target
    left, right = _comparable(value, target)
    return left is not None and left == right


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _comparable(value: Any, target: Any) -> tuple[Any, Any]:
    """Both sides read as the target's kind: numbers, times, dates or date-times, else texts."""
    if isinstance(target, int | float) and not isinstance(target, bool):
        return _number(value), float(target)
    if not isinstance(target, str) or not isinstance(value, str | int | float):
        return None, None
    text = str(value)
    if _TIME.fullmatch(target):
        return (_time(text), _time(target)) if _TIME.fullmatch(text) else (None, None)
    if _DATE.fullmatch(target) or _DATETIME.fullmatch(target):
        return _moment(text, target), _moment(target, target)
    return text, target


def _time(text: str) -> str:
    return (text + ":00")[:8] if len(text) == 5 else text[:8]


def _moment(text: str, target: str) -> date | datetime | None:
    """A date (when the target is a date) or a date-time in UTC (naive ones taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if _DATE.fullmatch(target):
        return moment.date()
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _ordered(value: Any, target: Any, operator: str) -> bool:
    left, right = _comparable(value, target)
    if left is None or right is None:
        return False
    try:
        if operator == "min":
            return bool(left >= right)
        if operator == "max":
            return bool(left <= right)
        if operator == "greater":
            return bool(left > right)
        return bool(left < right)
    except TypeError:
        return False


def visible_keys(version: FormVersion, answers: Mapping[str, Any]) -> list[str]:
    """The questions shown, given the answers; a hidden question's answer does not count."""
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
    "shape": "show_if must name a question and one condition (equals, not_equals, in, min, max, "
    "greater, less or exists)",
    "self": "show_if must name an earlier question (not the question itself)",
    "forward": "show_if must name an earlier question (it names a later one)",
    "missing": "show_if must name an earlier question (the form has no such question)",
    "option": "show_if names a value that is not one of the question's options",
    "number": "show_if's comparison needs a number and a question answered with a number",
    "combination": "show_if's all/any needs a list of one or more conditions",
    "exists": "show_if's exists needs true (answered) or false (not answered)",
    "order": "show_if compares as greater or less a question whose answers have no order",
    "value": "show_if's value is not an answer the question can have",
}


def _options(question: Mapping[str, Any]) -> list[str] | None:
    options = (question.get("config") or {}).get("options")
    if not isinstance(options, list):
        return None
    return [str(o.get("value")) for o in options if isinstance(o, Mapping)]


def kinds_of(questions: Sequence[Mapping[str, Any]], registry: Any) -> dict[str, str]:
    """Question key -> the kind of its answers (its type's ``fhir_type``)."""
    found: dict[str, str] = {}
    for question in questions:
        qtype = registry.question_types.get(question.get("type") or "")
        if qtype is not None and isinstance(question.get("key"), str):
            found[question["key"]] = qtype.fhir_type
    return found


def condition_problem(
    questions: Sequence[Mapping[str, Any]],
    index: int,
    condition: Any,
    kinds: Mapping[str, str] | None = None,
) -> str | None:
    """The code (a key of ``PROBLEMS``) of what is wrong with the ``index``-th question's
    ``show_if``, or None when it may be used. The editor and ``validate_definition`` both ask.
    ``kinds`` (``kinds_of``) lets the values be checked against the earlier questions' types."""
    if condition is None:
        return None
    if not isinstance(condition, Mapping):
        return "shape"
    combined = [mode for mode in COMBINATIONS if mode in condition]
    if combined:
        listed = condition[combined[0]]
        if len(condition) != 1 or not isinstance(listed, list) or not listed:
            return "combination"
        for single in listed:
            problem = _single_problem(questions, index, single, kinds or {})
            if problem is not None:
                return problem
        return None
    return _single_problem(questions, index, condition, kinds or {})


def _single_problem(
    questions: Sequence[Mapping[str, Any]], index: int, condition: Any, kinds: Mapping[str, str]
) -> str | None:
    if not isinstance(condition, Mapping) or not isinstance(condition.get("question"), str):
        return "shape"
    operators = [name for name in OPERATORS if name in condition]
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
    operator = operators[0]
    value = condition[operator]
    if operator == "exists":
        return None if isinstance(value, bool) else "exists"
    options = _options(questions[position])
    kind = kinds.get(target)
    if operator == "in" and (not isinstance(value, list) or not value):
        return "shape"
    values = value if operator == "in" else [value]
    if operator in ORDERING:
        return _order_problem(value, kind, options)
    if options is not None:
        return None if all(str(v) in options for v in values) else "option"
    return next((p for v in values if (p := _value_problem(v, kind)) is not None), None)


def _order_problem(value: Any, kind: str | None, options: list[str] | None) -> str | None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not math.isfinite(value):
        return "number"
    if options is not None:  # a choice orders only by option values that are numbers
        if not number:
            return "number"
        return None if all(_number(o) is not None for o in options) else "order"
    if kind is None:  # the type is not known: a number or a date/time as before
        if number or (isinstance(value, str) and _value_problem(value, "time") is None):
            return None
        return None if _value_problem(value, "dateTime") is None else "number"
    if kind == "choice":  # a choice without listed options (a 0-10 scale): its numbers
        return None if number else "number"
    if kind not in ORDERED:
        return "order"
    if kind in NUMBERS:
        return None if number else "number"
    return _value_problem(value, kind)


def _value_problem(value: Any, kind: str | None) -> str | None:
    """Whether ``value`` is an answer a question of ``kind`` can have (None when unknown)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind is None:
        return None
    if kind in NUMBERS:
        return None if number and math.isfinite(value) else "number"
    if kind == "boolean":
        return None if isinstance(value, bool) else "value"
    if kind not in ("time", "date", "dateTime"):
        return None  # texts and choices: any value (a choice's options are checked before)
    if not isinstance(value, str) or not value:
        return "value"
    if kind == "time":
        return None if _TIME.fullmatch(value) else "value"
    if kind in ("date", "dateTime"):
        pattern = _DATE if kind == "date" else _DATETIME
        if not (pattern.fullmatch(value) or (kind == "dateTime" and _DATE.fullmatch(value))):
            return "value"
        return None if _moment(value, value) is not None else "value"
    return None


def dependents(questions: Sequence[Mapping[str, Any]], key: str) -> list[str]:
    """Keys of the questions whose ``show_if`` depends on the question ``key``."""
    return [str(q.get("key")) for q in questions if key in sources(q.get("show_if"))]
