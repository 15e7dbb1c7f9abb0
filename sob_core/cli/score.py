"""Scoring a scale from the command line or a service: parse, score, shape the result."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ..types import InvalidAnswers, Scale


class ScoringError(ValueError):
    """Answers or context that cannot be scored; the message is one line for the user."""


def _load(label: str, text: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(text, Mapping):
        return dict(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScoringError(f"{label} is not valid JSON: {error.msg}") from error
    if not isinstance(value, dict):
        raise ScoringError(f"{label} must be a JSON object")
    return value


def _check_context(context: dict[str, Any]) -> None:
    unknown = set(context) - {"sex", "age"}
    if unknown:
        raise ScoringError(f"unknown context keys: {', '.join(sorted(unknown))}")
    if "sex" in context and context["sex"] not in ("female", "male"):
        raise ScoringError('context sex must be "female" or "male"')
    age = context.get("age")
    if age is not None and (
        isinstance(age, bool)
        or not isinstance(age, int | float)
        or not math.isfinite(age)
        or age < 0
        or age > 130
    ):
        raise ScoringError("context age must be a number of years between 0 and 130")


def score_scale(
    scales: Mapping[str, Scale],
    scale_id: str,
    answers: str | Mapping[str, Any],
    context: str | Mapping[str, Any] = "{}",
) -> dict[str, Any]:
    scale = scales.get(scale_id)
    if scale is None:
        known = ", ".join(sorted(scales)) or "none"
        raise ScoringError(
            f"unknown scale {scale_id!r}; installed scales: {known}. A scale comes with its"
            " plugin: pip install its distribution next to sob (the tutorial's WHO-5:"
            " pip install -e examples/who5), then `sob plugins` lists it"
        )
    parsed_answers = _load("answers", answers)
    parsed_context = _load("context", context)
    _check_context(parsed_context)
    try:
        outcome = scale.score(parsed_answers, parsed_context)
    except InvalidAnswers as error:
        raise ScoringError(
            str(error).splitlines()[0] if str(error) else "invalid answers"
        ) from error
    return {
        "scale": scale.id,
        "scores": dict(outcome.scores),
        "bands": dict(outcome.bands),
        "flags": list(outcome.flags),
    }
