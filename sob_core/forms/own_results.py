"""Own results of a form: a sum, a mean or a formula over its answers, with coloured bands.

A form that is not a standard scale may define results of its own in ``definition["results"]``
(an entry with a ``method``; the entries of scale forms and those naming a plugin's computed
result have none and are only described here, see ``validate_results``)::

    {"key": "efficiency", "label": {"sv": ..., "en": ...}, "citizen_visible": true,
     "explanation": {...}, "method": "formula", "formula": "asleep / in_bed * 100",
     "decimals": 0, "bands": [{"slug": "low", "label": {...}, "lower": null, "upper": 85,
     "colour": "amber", "citizen_text": {...}, "staff_text": {...}}, ...]}

**Which answers are numbers.** The core names no question type: it reads what a type says of
itself. A question whose FHIR item type is ``integer``, ``decimal`` or ``quantity`` (number,
slider, duration in minutes) answers a number; so does a ``choice`` that allows one answer
(its FHIR item does not repeat) and whose every option is a number (a scale's points, or a single
choice whose option values are written as numbers: "0", "1", "2" — the value is the score). A
``time`` answer ("HH:MM") is its minutes after midnight and may be used in formulas only (adding
clock times means nothing). Anything else (text, dates, multiple choice) cannot be counted.

**Formulas** are parsed with Python's ``ast`` and only this is accepted: numbers, question keys,
``+ - * /``, unary minus, parentheses and ``min(a, b, ...)``, ``max(a, b, ...)``,
``round(x)``/``round(x, digits)``. A key that is not a plain name (``time-in-bed``) is written in
braces: ``{time-in-bed}``. Everything else (``**``, attributes, strings, other calls ...) is
refused with a message naming it. Evaluation walks the checked tree (nothing is ever ``eval``-ed);
a division by zero, or a value too large to be a number, gives no value, never an error.

**Bands** run from low to high without gaps or overlaps: ``lower <= value < upper`` as
``types.Band``; only the first may be open below (``lower`` None) and only the last open above.
Their colour is a palette name or a ``#rrggbb`` passing ``palette.check_colour``.

Errors are coded (``OwnResultError``, translated by the web); each names the result and the field
it concerns (``field``: ``"formula"``, ``"bands.2.colour"``), so a page shows it by that field.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..content.messages import N_, CodedError
from ..palette import check_colour
from ..types import QuestionSpec, local

METHODS = ("sum", "mean", "formula")
#: a band's slug and a result's key: lower-case letters, digits and '-' (not first or last)
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MAX_FORMULA = 500
MAX_NODES = 200
MAX_DEPTH = 32
MAX_DECIMALS = 4
DEFAULT_DECIMALS = 2
MAX_BANDS = 12
FUNCTIONS = ("min", "max", "round")
#: a choice option's value that is a number (its score); no "1e5", "nan" or "inf"
NUMBER_TEXT = re.compile(r"^-?\d{1,12}(?:\.\d{1,6})?$")
TIME_TEXT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$")

RESULT_MESSAGES: dict[str, str] = {
    "results_not_a_list": N_("The results of a form must be a list."),
    "result_not_an_object": N_("Result %(number)s is not an object."),
    "result_key": N_(
        "Result %(number)s: the key %(key)s must be 1-64 lower-case letters a-z, digits or '-'."
    ),
    "result_key_twice": N_("The result key %(key)s is used twice."),
    "result_label": N_("Result %(key)s needs a name in Swedish."),
    "result_text": N_("Result %(key)s: %(what)s must be a text in Swedish and English."),
    "result_method": N_("Result %(key)s: the method must be sum, mean or formula."),
    "result_on_scale_form": N_(
        "Result %(key)s: a form that administers a scale is scored by the scale; "
        "it cannot have results of its own."
    ),
    "result_no_questions": N_("Result %(key)s: choose at least one question."),
    "result_question_unknown": N_("Result %(key)s: there is no question %(question)s."),
    "result_question_twice": N_("Result %(key)s: the question %(question)s is chosen twice."),
    "result_question_not_numeric": N_(
        "Result %(key)s: the answers to %(question)s are not numbers, so they cannot be counted "
        "(use number, slider, scale, duration, or single choice whose options are numbers)."
    ),
    "result_decimals": N_("Result %(key)s: the decimals must be a whole number from 0 to 4."),
    "result_visible": N_("Result %(key)s: whether the citizen sees it must be yes or no."),
    "formula_missing": N_("Result %(key)s: write the formula."),
    "formula_too_long": N_("Result %(key)s: the formula is longer than %(max)s characters."),
    "formula_syntax": N_(
        "Result %(key)s: the formula cannot be read (%(detail)s). Use numbers, question keys, "
        "+ - * /, parentheses, min(), max() and round()."
    ),
    "formula_not_allowed": N_(
        "Result %(key)s: %(what)s is not allowed in a formula. Use numbers, question keys, "
        "+ - * /, parentheses, min(), max() and round()."
    ),
    "formula_power": N_(
        "Result %(key)s: powers (**) are not allowed in a formula; multiply instead."
    ),
    "formula_unknown_name": N_(
        "Result %(key)s: %(name)s in the formula is not a question of the form."
    ),
    "formula_not_numeric": N_(
        "Result %(key)s: the answers to %(question)s are not numbers or times, so the formula "
        "cannot use them."
    ),
    "formula_function_args": N_("Result %(key)s: %(function)s() needs %(needs)s in the formula."),
    "formula_number": N_("Result %(key)s: the number %(number)s in the formula is too large."),
    "formula_too_big": N_("Result %(key)s: the formula is too long; split it or simplify it."),
    "formula_no_question": N_("Result %(key)s: the formula must use at least one question."),
    "bands_not_a_list": N_("Result %(key)s: the bands must be a list."),
    "bands_too_many": N_("Result %(key)s: a result may have at most %(max)s bands."),
    "band_not_an_object": N_("Result %(key)s: band %(number)s is not an object."),
    "band_slug": N_(
        "Result %(key)s, band %(number)s: the short name %(slug)s must be lower-case letters "
        "a-z, digits or '-' (e.g. low-distress)."
    ),
    "band_slug_twice": N_("Result %(key)s: the band short name %(slug)s is used twice."),
    "band_label": N_("Result %(key)s, band %(number)s needs a name in Swedish."),
    "band_bound": N_("Result %(key)s, band %(number)s: %(what)s must be a number or empty."),
    "band_empty": N_(
        "Result %(key)s, band %(number)s: the lower limit must be below the upper limit."
    ),
    "band_open_below": N_(
        "Result %(key)s, band %(number)s: only the first band may have no lower limit."
    ),
    "band_open_above": N_(
        "Result %(key)s, band %(number)s: only the last band may have no upper limit."
    ),
    "band_gap": N_(
        "Result %(key)s, band %(number)s: it must start where the band before it ends "
        "(%(expected)s), so no value falls between bands or in two bands."
    ),
    "band_colour": N_("Result %(key)s, band %(number)s: %(detail)s"),
    "band_text": N_("Result %(key)s, band %(number)s: %(what)s must be a text."),
}

#: what the messages call the parts of a result (message ids, translated where shown)
WHAT: dict[str, str] = {
    "explanation": N_("the explanation"),
    "citizen_text": N_("the citizen's text"),
    "staff_text": N_("the care team's text"),
    "lower": N_("the lower limit"),
    "upper": N_("the upper limit"),
}


class OwnResultError(CodedError):
    """A result definition that cannot be used; ``field`` names the part it concerns."""

    messages = RESULT_MESSAGES

    def __init__(self, code: str, /, *, field: str = "", **params: Any) -> None:
        self.field = field
        super().__init__(code, **params)


def is_own(result: Any) -> bool:
    """An own result (computed by the core), not a description of a scale's or plugin's."""
    return isinstance(result, Mapping) and "method" in result


def stored_key(form_key: str, result_key: str) -> str:
    """The key an own result is stored and charted under: ``<form key>.<result key>``."""
    return f"{form_key}.{result_key}"


# --- which answers are numbers -------------------------------------------------------------------


def answer_kind(spec: QuestionSpec, registry: Any) -> str | None:
    """``"number"``, ``"time"`` or None (see the module): what a question's answers count as."""
    qtype = registry.question_types.get(spec.type)
    if qtype is None:
        return None
    if qtype.fhir_type in ("integer", "decimal", "quantity"):
        return "number"
    if qtype.fhir_type == "time":
        return "time"
    if qtype.fhir_type not in ("choice", "coding"):
        return None
    try:
        item = dict(qtype.fhir_item(spec, "sv"))
    except (ValueError, TypeError, KeyError):
        return None
    if item.get("repeats"):
        return None
    options = item.get("answerOption")
    if not isinstance(options, list) or not options:
        return None
    for option in options:
        if not isinstance(option, Mapping) or _option_number(option) is None:
            return None
    return "number"


def _option_number(option: Mapping[str, Any]) -> float | None:
    for name in ("valueInteger", "valueDecimal"):
        value = option.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    coding = option.get("valueCoding")
    code = coding.get("code") if isinstance(coding, Mapping) else None
    if isinstance(code, str) and NUMBER_TEXT.match(code):
        return float(code)
    return None


def answer_value(kind: str | None, payload: Any) -> float | None:
    """A stored answer as a number of its kind; None when it is missing or not one."""
    if payload is None or isinstance(payload, bool):
        return None
    if kind == "number":
        if isinstance(payload, int | float):
            return float(payload) if math.isfinite(payload) else None
        if isinstance(payload, str) and NUMBER_TEXT.match(payload.strip()):
            return float(payload)
        return None
    if kind == "time" and isinstance(payload, str):
        match = TIME_TEXT.match(payload.strip())
        if match:
            return float(int(match.group(1)) * 60 + int(match.group(2)))
    return None


# --- formulas ------------------------------------------------------------------------------------

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


# --- validation ----------------------------------------------------------------------------------


def _text(value: Any, code: str, field: str, required: bool, **params: Any) -> dict[str, str]:
    if value is None:
        value = {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise OwnResultError(code, field=field, **params)
    if required and not str(value.get("sv", "")).strip():
        raise OwnResultError(code, field=field, **params)
    return {k: v.strip() for k, v in value.items() if v.strip()}


def _bound(value: Any) -> bool:
    return value is None or (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    )


def check_bands(bands: Any, key: str) -> None:
    """Bands of one result: slugs, Swedish names, colours, and contiguous from low to high."""
    shown = repr(key)
    if bands is None:
        return
    if not isinstance(bands, list):
        raise OwnResultError("bands_not_a_list", field="bands", key=shown)
    if len(bands) > MAX_BANDS:
        raise OwnResultError("bands_too_many", field="bands", key=shown, max=MAX_BANDS)
    slugs: set[str] = set()
    previous_upper: float | None = None
    for index, band in enumerate(bands):
        number = index + 1
        where = f"bands.{index}"
        if not isinstance(band, Mapping):
            raise OwnResultError("band_not_an_object", field=where, key=shown, number=number)
        slug = band.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            raise OwnResultError(
                "band_slug", field=f"{where}.slug", key=shown, number=number, slug=repr(slug)
            )
        if slug in slugs:
            raise OwnResultError(
                "band_slug_twice", field=f"{where}.slug", key=shown, slug=repr(slug)
            )
        slugs.add(slug)
        _text(band.get("label"), "band_label", f"{where}.label", True, key=shown, number=number)
        for name in ("citizen_text", "staff_text"):
            _text(
                band.get(name),
                "band_text",
                f"{where}.{name}",
                False,
                key=shown,
                number=number,
                what=WHAT[name],
            )
        lower, upper = band.get("lower"), band.get("upper")
        for name, value in (("lower", lower), ("upper", upper)):
            if not _bound(value):
                raise OwnResultError(
                    "band_bound", field=f"{where}.{name}", key=shown, number=number, what=WHAT[name]
                )
        if lower is not None and upper is not None and not lower < upper:
            raise OwnResultError("band_empty", field=f"{where}.upper", key=shown, number=number)
        if lower is None and index > 0:
            raise OwnResultError(
                "band_open_below", field=f"{where}.lower", key=shown, number=number
            )
        if upper is None and index < len(bands) - 1:
            raise OwnResultError(
                "band_open_above", field=f"{where}.upper", key=shown, number=number
            )
        if index > 0 and lower != previous_upper:
            raise OwnResultError(
                "band_gap",
                field=f"{where}.lower",
                key=shown,
                number=number,
                expected=previous_upper,
            )
        previous_upper = upper
        try:
            check_colour(band.get("colour"))  # type: ignore[arg-type]
        except ValueError as error:
            raise OwnResultError(
                "band_colour", field=f"{where}.colour", key=shown, number=number, detail=str(error)
            ) from None


def check_result(
    result: Mapping[str, Any],
    questions: Sequence[QuestionSpec],
    registry: Any,
    *,
    scale_form: bool = False,
) -> Formula | None:
    """One own result (``is_own``) against the form's ``questions``; its formula when it has one."""
    key = result.get("key")
    shown = repr(key)
    if not isinstance(key, str) or not SLUG_RE.match(key):
        raise OwnResultError("result_key", field="key", number=1, key=shown)
    if scale_form:
        raise OwnResultError("result_on_scale_form", field="method", key=shown)
    _text(result.get("label"), "result_label", "label", True, key=shown)
    _text(
        result.get("explanation"),
        "result_text",
        "explanation",
        False,
        key=shown,
        what=WHAT["explanation"],
    )
    if not isinstance(result.get("citizen_visible", False), bool):
        raise OwnResultError("result_visible", field="citizen_visible", key=shown)
    decimals = result.get("decimals", DEFAULT_DECIMALS)
    if type(decimals) is not int or not 0 <= decimals <= MAX_DECIMALS:
        raise OwnResultError("result_decimals", field="decimals", key=shown)
    kinds = {spec.key: answer_kind(spec, registry) for spec in questions}
    method = result.get("method")
    formula = None
    if method in ("sum", "mean"):
        chosen = result.get("questions")
        if not isinstance(chosen, list) or not chosen:
            raise OwnResultError("result_no_questions", field="questions", key=shown)
        seen: set[str] = set()
        for question in chosen:
            if not isinstance(question, str) or question not in kinds:
                raise OwnResultError(
                    "result_question_unknown", field="questions", key=shown, question=repr(question)
                )
            if question in seen:
                raise OwnResultError(
                    "result_question_twice", field="questions", key=shown, question=repr(question)
                )
            seen.add(question)
            if kinds[question] != "number":
                raise OwnResultError(
                    "result_question_not_numeric",
                    field="questions",
                    key=shown,
                    question=repr(question),
                )
    elif method == "formula":
        formula = parse_formula(result.get("formula"), kinds, key)
    else:
        raise OwnResultError("result_method", field="method", key=shown)
    check_bands(result.get("bands", []), key)
    return formula


def validate_results(
    results: Any, questions: Sequence[QuestionSpec], registry: Any, *, scale_form: bool = False
) -> None:
    """Every result definition of a form: own results fully, the others' keys (module docs)."""
    if results is None:
        return
    if not isinstance(results, list):
        raise OwnResultError("results_not_a_list", field="results")
    keys: set[str] = set()
    for number, result in enumerate(results, start=1):
        if not isinstance(result, Mapping):
            raise OwnResultError("result_not_an_object", field="results", number=number)
        key = result.get("key")
        if not is_own(result):
            if not isinstance(key, str) or not key:
                raise OwnResultError("result_key", field="key", number=number, key=repr(key))
        else:
            check_result(result, questions, registry, scale_form=scale_form)
        if key in keys:
            raise OwnResultError("result_key_twice", field="key", key=repr(key))
        keys.add(str(key))


# --- computing -----------------------------------------------------------------------------------


def band_for(value: float | None, bands: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The band holding ``value`` (``lower <= value < upper``), or None."""
    if value is None:
        return None
    for band in bands or ():
        lower, upper = band.get("lower"), band.get("upper")
        if (lower is None or value >= lower) and (upper is None or value < upper):
            return band
    return None


def compute(
    result: Mapping[str, Any],
    questions: Sequence[QuestionSpec],
    registry: Any,
    answers: Mapping[str, Any],
) -> tuple[float | None, Mapping[str, Any] | None]:
    """The value of one own result and its band; (None, None) when a needed answer is missing."""
    kinds = {spec.key: answer_kind(spec, registry) for spec in questions}
    method = result.get("method")
    value: float | None
    if method == "formula":
        try:
            formula = parse_formula(result.get("formula"), kinds, str(result.get("key")))
        except OwnResultError:
            return None, None
        values = {key: answer_value(kinds.get(key), answers.get(key)) for key in formula.questions}
        value = formula.evaluate(values)
    else:
        keys = result.get("questions") or []
        numbers = [answer_value(kinds.get(key), answers.get(key)) for key in keys]
        if not numbers or any(number is None for number in numbers):
            return None, None
        present = [number for number in numbers if number is not None]
        value = sum(present) if method == "sum" else sum(present) / len(present)
    if value is None or not math.isfinite(value):
        return None, None
    decimals = result.get("decimals", DEFAULT_DECIMALS)
    value = round(value, decimals if isinstance(decimals, int) else DEFAULT_DECIMALS)
    value = value + 0.0  # no "-0.0"
    return value, band_for(value, result.get("bands") or [])


def band_label(result: Mapping[str, Any], slug: str | None, lang: str = "sv") -> str:
    for band in result.get("bands") or []:
        if band.get("slug") == slug:
            return local(band.get("label"), lang)
    return slug or ""
