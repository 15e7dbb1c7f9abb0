"""SDC expressions sob evaluates: ``calculatedExpression`` and ``initialExpression`` in FHIRPath.

On import (``read_expressions``) an item's ``sdc-questionnaire-calculatedExpression`` that is
not a score total (``scores.py``) makes its question a **calculated** one: ``"calculated"`` holds
the ``valueExpression`` verbatim; the form shows it read-only and the server computes its answer
from the other answers whenever the form is shown, saved or submitted (``calculate.py``). An
``sdc-questionnaire-initialExpression`` that reads only ``%patient`` (and FHIRPath variables)
becomes ``"initial_expression"``: the question is prefilled from the signed-in citizen
(``calculate.patient_resource``) and the citizen may change the value unless it is read-only.
An ``sdc-questionnaire-enableWhenExpression`` becomes ``"enable_expression"``: the question is
asked when it holds, decided by the server (``calculate.Calculator.enabled``). All are written
back into the exported item as they came (``write_expressions``).

Only ``text/fhirpath`` is evaluated. A calculation in CQL (``text/cql``,
``text/cql.identifier``, ``text/cql-expression``) or any other language is refused, naming the
item; so is an expression fhirpathpy's grammar cannot read (``fhirpath.parse``), one calling a
function sob's evaluator does not have, or one naming a variable that is not a FHIRPath
``variable`` of the Questionnaire (a FHIR query, a launch context other than ``patient``). An
``initialExpression`` sob cannot evaluate stays kept unused as before (``kept.py``): the
question starts empty (a read-only one is refused).

R4's ``questionnaire-constraint`` on a question item (its ``expression`` a FHIRPath boolean over
the answers, ``human`` the message, ``severity`` error or warning) goes to ``"constraints"``
verbatim, checked by the server at submission (``calculate.Calculator.violations``); one sob
cannot check as meant is refused, naming its key (on a group or the Questionnaire it stays
refused, ``kept.REFUSED_EXTENSIONS``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import FhirImportError
from .fhirpath import STANDARD, FhirPathError, functions, parse, variables
from .kept import INITIAL_EXPRESSIONS, SD, SDC, VARIABLE

CALCULATED = SDC + "sdc-questionnaire-calculatedExpression"
ENABLE_WHEN = SDC + "sdc-questionnaire-enableWhenExpression"
#: a rule the answers must keep, checked when the form is submitted (``calculate.violations``)
CONSTRAINT = SD + "questionnaire-constraint"
SEVERITIES = ("error", "warning")
_CONSTRAINT_PARTS = frozenset(
    {"key", "severity", "expression", "human", "requirements", "location"}
)

FHIRPATH = "text/fhirpath"
#: ``%questionnaire`` is sob's export, which has no ``contained`` (value sets become options)
_CONTAINED = re.compile(r"%questionnaire\s*\.\s*contained\b")
#: an item named by its linkId (``linkId = 'x'``, ``linkId!='x'``)
_LINK = re.compile(r"linkId\s*!?=\s*'((?:[^'\\]|\\.)*)'")
CQL = frozenset({"text/cql", "text/cql.identifier", "text/cql-expression", "text/cql.name"})


def own_variables(node: Any) -> list[tuple[str, str]]:
    """``(name, expression)`` of the FHIRPath ``variable`` extensions on ``node`` itself."""
    found = []
    for extension in (node.get("extension") or []) if isinstance(node, Mapping) else []:
        value = extension.get("valueExpression") if isinstance(extension, Mapping) else None
        if (
            isinstance(extension, Mapping)
            and extension.get("url") == VARIABLE
            and isinstance(value, Mapping)
            and value.get("language") == FHIRPATH
            and isinstance(value.get("name"), str)
            and isinstance(value.get("expression"), str)
        ):
            found.append((value["name"], value["expression"]))
    return found


def _variables(node: Any) -> list[tuple[str, str]]:
    """``(name, expression)`` of the FHIRPath ``variable`` extensions anywhere in ``node``."""
    found: list[tuple[str, str]] = []
    if isinstance(node, list):
        for value in node:
            found += _variables(value)
    elif isinstance(node, Mapping):
        found += own_variables(node)
        for key, value in node.items():
            if key != "extension":
                found += _variables(value)
    return found


def fhirpath_variables(node: Any, links: set[str] | None = None) -> set[str]:
    """The names of the ``variable`` extensions anywhere in ``node`` (a Questionnaire) that sob
    can evaluate: FHIRPath ones naming only the standard variables, ``%patient`` and other such
    variables (one built on a FHIR query, say, gives nothing in sob, so it is not one), and only
    items of ``links`` (``linked_items``)."""
    pending = _variables(node)
    usable: set[str] = set()
    while True:
        allowed = set(STANDARD) | {"patient"} | usable
        found = {name for name, text in pending if _problem(text, allowed, links) is None}
        if found <= usable:
            return usable
        usable |= found


def linked_items(node: Any, adds_up: Any) -> set[str]:
    """The linkIds of the items of ``node`` (a Questionnaire) a response of its form has: all
    but the score totals (``adds_up``), which become results."""
    found: set[str] = set()
    for item in (node.get("item") or []) if isinstance(node, Mapping) else []:
        if not isinstance(item, Mapping):
            continue
        if isinstance(item.get("linkId"), str) and not adds_up(item):
            found.add(item["linkId"])
        found |= linked_items(item, adds_up)
    return found


def _problem(expression: str, allowed: set[str], links: set[str] | None = None) -> str | None:
    """Why sob cannot evaluate the FHIRPath ``expression`` (English), or None. ``links``: the
    items a response has (``linked_items``); an expression naming another finds nothing."""
    try:
        parse(expression)
        missing = functions(expression)
        unknown = variables(expression) - allowed
    except FhirPathError as error:
        return str(error)
    unknown_links = sorted(set(_LINK.findall(expression)) - links) if links is not None else []
    if unknown_links:
        return "it names items the form does not have: " + ", ".join(map(repr, unknown_links))
    if _CONTAINED.search(expression):
        return "sob keeps no contained resources of the Questionnaire to read"
    if missing:
        return "sob cannot evaluate the function " + ", ".join(f"{n}()" for n in sorted(missing))
    if unknown:
        found = "sob has no variable " + ", ".join(f"%{n}" for n in sorted(unknown))
        dashed = sorted(n for n in allowed if "-" in n and f"%{n}" in expression)
        if dashed:  # Android FHIR writes %has-fever, which FHIRPath reads as %has - fever
            found += " (FHIRPath reads %{0} as a subtraction: write %`{0}`)".format(dashed[0])
        return found
    return None


def read_expressions(
    item: Mapping[str, Any], link: str, known: set[str], links: set[str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(item without the expressions sob evaluates, what they put on the question)``.

    ``known`` are the Questionnaire's FHIRPath variables (``fhirpath_variables``), ``links``
    the items its responses have (``linked_items``)."""
    where = {"link": repr(link)}
    rest: list[Any] = []
    found: dict[str, Any] = {}
    allowed = set(STANDARD) | {"patient"} | known
    for extension in item.get("extension") or []:
        url = extension.get("url") if isinstance(extension, Mapping) else None
        value = extension.get("valueExpression") if isinstance(extension, Mapping) else None
        if url == CONSTRAINT and item.get("type") not in ("group", "display"):
            _check_constraint(extension, link, allowed, links)
            found.setdefault("constraints", []).append(dict(extension))
            continue
        if url not in (CALCULATED, ENABLE_WHEN, *INITIAL_EXPRESSIONS) or not isinstance(
            value, Mapping
        ):
            rest.append(extension)
            continue
        language, expression = value.get("language"), value.get("expression")
        text = expression if isinstance(expression, str) else ""
        if url == CALCULATED:
            quoted = {**where, "language": repr(language), "expression": repr(text[:300])}
            if language in CQL:
                raise FhirImportError("calculated_cql", **quoted)
            if language != FHIRPATH:
                raise FhirImportError("calculated_language", **quoted)
            problem = _problem(text, allowed, links)
            if item.get("type") in ("display", "group"):
                problem = f"a {item.get('type')} item has no answer to calculate"
            if problem is not None:
                raise FhirImportError("calculated_fhirpath", **quoted, detail=problem)
            if "calculated" in found:
                raise FhirImportError("score_many", **where)
            found["calculated"] = dict(value)
            continue
        if url == ENABLE_WHEN:
            quoted = {**where, "language": repr(language), "expression": repr(text[:300])}
            if language != FHIRPATH:
                raise FhirImportError("enable_language", **quoted)
            problem = _problem(text, allowed, links)
            if problem is not None:
                raise FhirImportError("enable_fhirpath", **quoted, detail=problem)
            found["enable_expression"] = dict(value)
            continue
        if language != FHIRPATH or _problem(text, allowed, links) is not None or "initial" in item:
            rest.append(extension)  # kept unused, as before: the question starts empty
            continue
        found["initial_expression"] = {"url": url, **dict(value)}
    if not found:
        return dict(item), {}
    core = {k: v for k, v in item.items() if k != "extension"}
    if rest:
        core["extension"] = rest
    return core, found


def constraint_parts(extension: Mapping[str, Any]) -> dict[str, Any]:
    """A ``questionnaire-constraint``'s parts by name (``key``, ``severity``, ``expression``,
    ``human``, ``requirements``, ``location``): each the part's one value, or the part itself
    for ``human`` (its translations are in ``_valueString``)."""
    found: dict[str, Any] = {}
    for part in extension.get("extension") or []:
        if not isinstance(part, Mapping) or not isinstance(part.get("url"), str):
            continue
        name = part["url"]
        values = [v for k, v in part.items() if k.startswith("value")]
        if name in found or len(values) != 1:
            found[name] = None  # given twice, or not one value: not usable
        else:
            found[name] = part if name == "human" else values[0]
    return found


def _check_constraint(
    extension: Mapping[str, Any], link: str, allowed: set[str], links: set[str] | None
) -> None:
    """Refuse a constraint sob cannot check as its source means it, naming why."""
    parts = constraint_parts(extension)
    key = parts.get("key")
    where = {"link": repr(link), "key": repr(key)}
    expression = parts.get("expression")
    human = parts.get("human")
    problem = None
    if set(parts) - _CONSTRAINT_PARTS:
        problem = "it has parts R4 does not define: " + ", ".join(
            sorted(repr(n) for n in set(parts) - _CONSTRAINT_PARTS)
        )
    elif not isinstance(key, str) or not key:
        problem = "it has no key"
    elif parts.get("severity") not in SEVERITIES:
        problem = f"its severity {parts.get('severity')!r} is neither 'error' nor 'warning'"
    elif not isinstance(human, Mapping) or not isinstance(human.get("valueString"), str):
        problem = "it has no human message to show"
    elif not isinstance(expression, str) or not expression:
        problem = "it has no expression"
    else:
        problem = _problem(expression, allowed, links)
    if problem is not None:
        raise FhirImportError("constraint", **where, detail=problem)


def write_expressions(question: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The item's extensions of the question's expressions, as they came in."""
    written = [dict(c) for c in question.get("constraints") or [] if isinstance(c, Mapping)]
    calculated = question.get("calculated")
    if isinstance(calculated, Mapping):
        written.append({"url": CALCULATED, "valueExpression": dict(calculated)})
    enable = question.get("enable_expression")
    if isinstance(enable, Mapping):
        written.append({"url": ENABLE_WHEN, "valueExpression": dict(enable)})
    initial = question.get("initial_expression")
    if isinstance(initial, Mapping):
        value = {k: v for k, v in initial.items() if k != "url"}
        url = initial.get("url") if initial.get("url") in INITIAL_EXPRESSIONS else None
        written.append({"url": url or sorted(INITIAL_EXPRESSIONS)[-1], "valueExpression": value})
    return written


def is_calculation(item: Mapping[str, Any]) -> bool:
    """Whether the item has an SDC ``calculatedExpression`` (a score total or a calculation)."""
    return any(
        isinstance(e, Mapping) and e.get("url") == CALCULATED for e in item.get("extension") or []
    )
