"""JSON from outside (import files) read with a bound on nesting.

``json.loads`` recurses once per level: a file nested thousands of levels deep raises
``RecursionError`` — a 500, not an answer. The brackets are counted first (strings stripped, so
brackets inside them do not count) and a too-deep file is refused with ``TooDeep`` (a
``ValueError``, so callers that already answer "not JSON" keep working).
"""

from __future__ import annotations

import json
import re
from typing import Any

#: deeper than any sob export or FHIR Questionnaire needs, far below Python's recursion limit
MAX_DEPTH = 100

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeep(ValueError):
    """The JSON nests deeper than the bound."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"nested more than {max_depth} levels deep")
        self.max_depth = max_depth


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a scalar)."""
    deepest = level = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def loads_bounded(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with ``TooDeep``."""
    text = data.decode(json.detect_encoding(data)) if isinstance(data, bytes) else data
    if depth(text) > max_depth:
        raise TooDeep(max_depth)
    return json.loads(text)
