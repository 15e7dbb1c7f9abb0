"""FHIRPath as data: parsed strictly, evaluated by fhirpathpy with no way out of the resources.

An imported Questionnaire's expressions (SDC ``calculatedExpression``, ``initialExpression``,
``variable``) are text in a form definition, never code: ``parse`` reads one with fhirpathpy's
grammar and refuses anything that is not one whole expression (fhirpathpy's own ``parse`` lets
syntax errors and trailing text pass silently), and ``evaluate`` runs it with fhirpathpy's
interpreter over plain JSON resources given to it. That interpreter has no I/O: it reads only
the resources and variables it is handed. Defence in depth all the same: ``resolve()`` (which in
other engines may fetch a reference) always gives the empty collection, and ``trace()``, which
fhirpathpy prints to standard output, is silent, so no answer reaches a log that way. ``sum()``,
``min()``, ``max()`` and ``avg()`` are sob's own: fhirpathpy's fail on the values of answers. An
expression is at most ``MAX_LENGTH`` characters; functions fhirpathpy does not have are named at
import (``functions``), so an expression that could never be evaluated is refused there.

SDC's own functions (``answers()``, ``ordinal()``, ``weight()``) are not there: an expression
calling them is refused at import, naming them (a total of scores is a result, ``scores.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from antlr4 import CommonTokenStream, InputStream, ParseTreeWalker, Token
from antlr4.error.ErrorListener import ErrorListener
from fhirpathpy import apply_parsed_path
from fhirpathpy.engine import base_invocation_registry
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

#: the longest expression sob accepts (the longest of the public corpora is about 1,200)
MAX_LENGTH = 4000
#: the environment variables every expression may name (``%resource`` and the like)
STANDARD = frozenset(
    {"resource", "rootResource", "questionnaire", "context", "ucum", "sct", "loinc"}
)


class FhirPathError(ValueError):
    """An expression that cannot be read or evaluated; the message says why (English)."""


class _Raising(ErrorListener):
    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # noqa: N802
        raise FhirPathError(f"at character {column + 1}: {msg.split(' expecting ')[0]}")


def _numbers(inputs: list[Any], name: str) -> list[Any]:
    """The values of an aggregate, as numbers that add up (a float as the decimal it prints)."""
    found = []
    for value in inputs:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise FhirPathError(f"{name}() of a value that is not a number")
        found.append(Decimal(str(value)) if isinstance(value, float) else value)
    return found


def _ordered(inputs: list[Any], pick: Any) -> Any:
    if not inputs:
        return []
    try:
        return pick(inputs)
    except TypeError as error:
        raise FhirPathError("values that cannot be compared") from error


def _average(inputs: list[Any]) -> Any:
    values = _numbers(inputs, "avg")
    return Decimal(sum(values)) / len(values) if values else []


#: what sob changes of fhirpathpy's functions (see the module's notes); fhirpathpy's own
#: aggregates fail on the values of a response's answers (they add up its internal nodes)
_OWN: dict[str, dict[str, Any]] = {
    "sum": {"fn": lambda inputs: sum(_numbers(inputs, "sum")), "arity": {0: []}},
    "min": {"fn": lambda inputs: _ordered(inputs, min), "arity": {0: []}},
    "max": {"fn": lambda inputs: _ordered(inputs, max), "arity": {0: []}},
    "avg": {"fn": _average, "arity": {0: []}},
    "resolve": {"fn": lambda inputs: [], "arity": {0: []}},
    "trace": {"fn": lambda inputs, *name: inputs, "arity": {0: [], 1: ["String"]}},
}


@lru_cache(maxsize=1024)
def parse(expression: str) -> dict[str, Any]:
    """The syntax tree of one whole FHIRPath expression, or ``FhirPathError`` saying why not."""
    if not isinstance(expression, str) or not expression.strip():
        raise FhirPathError("the expression is empty")
    if len(expression) > MAX_LENGTH:
        raise FhirPathError(f"the expression is longer than {MAX_LENGTH} characters")
    lexer = FHIRPathLexer(InputStream(expression))
    lexer.removeErrorListeners()
    lexer.addErrorListener(_Raising())
    tokens = CommonTokenStream(lexer)
    parser = FHIRPathParser(tokens)
    parser.removeErrorListeners()
    parser.addErrorListener(_Raising())
    try:
        tree = parser.expression()
    except FhirPathError:
        raise
    except Exception as error:  # the lexer's own recovery raises its error
        raise FhirPathError(" ".join(str(error).split()) or type(error).__name__) from error
    if tokens.LA(1) != Token.EOF:
        raise FhirPathError(f"unexpected {tokens.LT(1).text!r} after the expression")
    listener = ASTPathListener()
    ParseTreeWalker().walk(listener, tree)
    return dict(listener.parentStack[0])


def _nodes(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for child in node.get("children") or []:
            yield from _nodes(child)


def variables(expression: str) -> set[str]:
    """The names of the environment variables (``%name``) the expression reads."""
    names = set()
    for node in _nodes(parse(expression)):
        if node.get("type") == "ExternalConstant":
            for child in node.get("children") or []:
                text = str(child.get("text") or "")
                names.add(text.strip("`'\""))
    return names


def functions(expression: str) -> set[str]:
    """The names of the functions the expression calls that sob's evaluator does not have."""
    known = {*base_invocation_registry, *_OWN}
    missing = set()
    for node in _nodes(parse(expression)):
        if node.get("type") == "Functn":
            children = node.get("children") or []
            name = str(children[0].get("text") or "") if children else ""
            if name and name not in known:
                missing.add(name)
    return missing


def evaluate(
    expression: str,
    resource: Any,
    environment: Mapping[str, Any] | None = None,
    context_path: str | None = None,
) -> list[Any]:
    """The collection ``expression`` gives over ``resource`` (plain JSON, copied: fhirpathpy
    writes into what it reads), with the variables of ``environment`` (``{"resource": ...}``
    without the ``%``). ``context_path``: what ``%context`` is when it is part of a resource
    (``QuestionnaireResponse.item``), so that its ``answer.value`` finds ``valueString`` and the
    other choice types as from the resource. Any failure is a ``FhirPathError``."""
    tree = parse(expression)
    data = copy.deepcopy(resource)
    names = copy.deepcopy(dict(environment or {}))
    if context_path and isinstance(names.get("context"), Mapping):
        names["context"] = ResourceNode.create_node(names["context"], context_path)
    try:
        found = apply_parsed_path(data, tree, names, models["r4"], {"userInvocationTable": _OWN})
    except FhirPathError:
        raise
    except Exception as error:  # fhirpathpy raises plain exceptions of every kind
        raise FhirPathError(" ".join(str(error).split())[:300] or type(error).__name__) from error
    return [plain(value) for value in found]


def plain(value: Any) -> Any:
    """A result as JSON would hold it: decimals as int or float, dates as their text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return str(value)  # fhirpathpy's dates, times and quantities print as FHIRPath literals
