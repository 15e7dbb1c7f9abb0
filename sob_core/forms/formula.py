"""Formulas of own results: a whitelist over Python's ``ast``, and an evaluator of the checked tree.

Only numbers, question keys (a key that is not a plain name in braces: ``{time-in-bed}``),
``+ - * /``, unary minus, parentheses, ``min(a, b, ...)``, ``max(a, b, ...)`` and
``round(x[, 0-4])`` pass; anything else is refused with an ``OwnResultError`` naming it. Nothing is
ever ``eval``-ed or compiled: ``Formula.evaluate`` walks the tree, and a division by zero or a value
too large to be a number gives no value (None), never an error.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .result_errors import OwnResultError

MAX_FORMULA = 500
MAX_NODES = 200
MAX_DEPTH = 32
MAX_DECIMALS = 4
FUNCTIONS = ("min", "max", "round")

_BRACED = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER = "__sob_q"  # a braced key's name in the tree (refused when written by hand)
_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_NODE_NAMES: dict[type, str] = {
    ast.Attribute: "attribute access (.)",
    ast.Subscript: "indexing ([ ])",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.Lambda: "lambda",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Dict: "a dictionary",
    ast.Set: "a set",
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Not: "not",
    ast.Invert: "~",
    ast.UAdd: "unary +",
    ast.JoinedStr: "a text",
    ast.NamedExpr: ":=",
    ast.Starred: "*",
}


@dataclass(frozen=True)
class Formula:
    """A checked formula: its tree and the question keys it reads."""

    text: str
    tree: ast.expr
    names: Mapping[str, str]  # the identifier in the tree -> question key
    questions: tuple[str, ...]

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """The value with the answers ``values`` (by question key); None when it has none."""
        bound: dict[str, float] = {}
        for name, key in self.names.items():
            value = values.get(key)
            if value is None:
                return None
            bound[name] = value
        try:
            result = _evaluate(self.tree, bound)
        except (ZeroDivisionError, OverflowError, ValueError):
            return None
        return result if result is not None and math.isfinite(result) else None


def _evaluate(node: ast.expr, bound: Mapping[str, float]) -> float | None:
    if isinstance(node, ast.Constant):  # only int and float pass the check
        return float(node.value)  # type: ignore[arg-type]
    if isinstance(node, ast.Name):
        return bound[node.id]
    if isinstance(node, ast.UnaryOp):  # only unary minus passes the check
        operand = _evaluate(node.operand, bound)
        return None if operand is None else -operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, bound), _evaluate(node.right, bound)
        if left is None or right is None:
            return None
        value = _OPERATORS[type(node.op)](left, right)
        return value if math.isfinite(value) else None
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_evaluate(arg, bound) for arg in node.args]
    if any(arg is None for arg in args):
        return None
    numbers = [arg for arg in args if arg is not None]
    if node.func.id == "min":
        return min(numbers)
    if node.func.id == "max":
        return max(numbers)
    digits = int(numbers[1]) if len(numbers) == 2 else 0
    return float(round(numbers[0], digits))


def parse_formula(text: Any, kinds: Mapping[str, str | None], result_key: str = "") -> Formula:
    """Check ``text`` against the whitelist (see the module); ``kinds`` are the form's questions
    with their answer kind (``answer_kind``). ``OwnResultError`` names what is refused."""
    key = repr(result_key)

    def refuse(code: str, **params: Any) -> OwnResultError:
        return OwnResultError(code, field="formula", key=key, **params)

    if not isinstance(text, str) or not text.strip():
        raise refuse("formula_missing")
    if len(text) > MAX_FORMULA:
        raise refuse("formula_too_long", max=MAX_FORMULA)
    names: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        question = match.group(1).strip()
        if question not in kinds:
            raise refuse("formula_unknown_name", name=repr("{" + match.group(1) + "}"))
        name = f"{_PLACEHOLDER}{len(names)}"
        names[name] = question
        return f" {name} "

    if _PLACEHOLDER in text:
        raise refuse("formula_unknown_name", name=repr(_PLACEHOLDER))
    source = _BRACED.sub(placeholder, text)
    if "{" in source or "}" in source:
        raise refuse("formula_syntax", detail="{ }")
    if "**" in source:
        raise refuse("formula_power")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        raise refuse("formula_syntax", detail=error.msg) from None
    except (RecursionError, MemoryError, ValueError):
        raise refuse("formula_too_big") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES or _depth(tree) > MAX_DEPTH:
        raise refuse("formula_too_big")
    called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    for node in nodes:
        _check_node(node, kinds, names, called, refuse)
    questions = tuple(dict.fromkeys(names.values()))
    if not questions:
        raise refuse("formula_no_question")
    for question in questions:
        if kinds.get(question) not in ("number", "time"):
            raise refuse("formula_not_numeric", question=repr(question))
    return Formula(text, tree.body, names, questions)


def _depth(tree: ast.AST) -> int:
    """How deep the tree nests (without recursion, so no nesting can exhaust the stack)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_node(
    node: ast.AST,
    kinds: Mapping[str, str | None],
    names: dict[str, str],
    called: set[int],
    refuse: Callable[..., OwnResultError],
) -> None:
    if isinstance(node, ast.Expression | ast.Load):
        return
    if isinstance(node, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.USub):
        return
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            raise refuse("formula_power")
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub):
            raise refuse("formula_not_allowed", what=_NODE_NAMES.get(type(node.op), "?"))
        return
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise refuse("formula_not_allowed", what=repr(value))
        try:
            number = float(value)
        except OverflowError:
            raise refuse("formula_number", number=str(value)[:20] + "…") from None
        if not math.isfinite(number):
            raise refuse("formula_number", number=repr(value))
        return
    if isinstance(node, ast.Name):
        if id(node) in called:
            return  # the name of a function, checked with its call
        if node.id in names:
            return
        if node.id in kinds:
            names[node.id] = node.id
            return
        raise refuse("formula_unknown_name", name=repr(node.id))
    if isinstance(node, ast.Call):
        function = node.func.id if isinstance(node.func, ast.Name) else None
        if function not in FUNCTIONS or node.keywords:
            what = f"{function}()" if function else _NODE_NAMES.get(type(node.func), "a call")
            raise refuse("formula_not_allowed", what=what)
        count = len(node.args)
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise refuse("formula_not_allowed", what="*")
        if function in ("min", "max") and count < 2:
            raise refuse("formula_function_args", function=function, needs="2+")
        if function == "round":
            digits = node.args[1] if count == 2 else None
            if count not in (1, 2) or (
                digits is not None
                and not (
                    isinstance(digits, ast.Constant)
                    and type(digits.value) is int
                    and 0 <= digits.value <= MAX_DECIMALS
                )
            ):
                raise refuse("formula_function_args", function="round", needs="(x) / (x, 0-4)")
        return
    raise refuse("formula_not_allowed", what=_NODE_NAMES.get(type(node), type(node).__name__))
