"""Score totals of a Questionnaire: an item computed by an expression becomes a result of the form.

SDC carries a score as each answer option's ``ordinalValue`` (read by the choice types into
``options[].score``) and the total as an item with an SDC ``calculatedExpression`` (FHIRPath) or a
``cqf-expression``. sob computes such a total itself, so the item is not asked of the citizen: it
becomes an own result (``forms.own_results``, method ``sum``) over the scored questions the
expression adds up, shown to staff like every result; the designer adds bands afterwards. The item
is kept verbatim in the result (``fhir_item``, with the group and the question it followed) and
exported again as it came, expression and all.

Recognised expressions (whitespace aside) add up the scores of **all** answers of the response:
``%resource.answers().value.ordinal().sum()``, the same with ``weight()``, and
``%resource.repeat(item).answer.value.ordinal().sum()`` (or ``weight()``; ``.value`` may be left out,
as LHC-Forms writes ``answer.weight()``); and the total of the top-level items but some,
``%resource.item.where(linkId != 'x').answer.weight().sum()`` (LHC-Forms' PHQ-9: all items but the
unscored last one), which adds up the scored questions outside groups whose key is not ``x``. Any
other FHIRPath ``calculatedExpression`` is a calculated question (``expressions.py``,
``adds_up_scores``), computed as its source computes it; any other ``cqf-expression`` (a CQL
library name such as ``CalculateTotalScore``) is refused, quoting the expression, so no total is
lost or computed differently without a word.

A FHIRPath ``sum()`` passes over unanswered questions; sob's ``sum`` gives no value until every
scored question is answered (a required question always is).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ...forms.own_results import SLUG_RE, option_scores
from ...plugins import Registry
from ...types import QuestionSpec
from .common import SD, read_text
from .errors import FhirImportError
from .items import link_of

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
CALCULATED = SDC + "sdc-questionnaire-calculatedExpression"
CQF_EXPRESSION = SD + "cqf-expression"
EXPRESSIONS = (CALCULATED, CQF_EXPRESSION)

#: FHIRPath totals of every answer's score (see the module)
_ALL_SCORES = re.compile(
    r"%resource\.(?:answers\(\)|repeat\(item\)\.answer)(?:\.value)?\.(?:ordinal|weight)\(\)\.sum\(\)"
)
#: FHIRPath totals of the scores of the top-level items but those named (``linkId != 'x'``)
_TOP_SCORES = re.compile(
    r"%resource\.item\.where\((?P<but>linkId!='[^'\\]+'(?:andlinkId!='[^'\\]+')*)\)"
    r"\.answer(?:\.value)?\.(?:ordinal|weight)\(\)\.sum\(\)"
)
#: an item's keys a total keeps (all of them go back verbatim; these are what it may have)
_TOTAL_KEYS = frozenset(
    {"linkId", "text", "_text", "type", "code", "extension", "readOnly", "required", "prefix"}
)


def is_total(item: Mapping[str, Any]) -> bool:
    """An item whose answer an expression computes (``calculatedExpression``/``cqf-expression``)."""
    return any(
        isinstance(extension, Mapping) and extension.get("url") in EXPRESSIONS
        for extension in item.get("extension") or []
    )


def adds_up_scores(item: Mapping[str, Any]) -> bool:
    """Whether the item is a score total sob reads as a result: a ``cqf-expression`` (refused
    below unless it adds up scores), or a FHIRPath ``calculatedExpression`` of the shapes named in
    the module's notes. Any other ``calculatedExpression`` is a calculated question
    (``expressions.py``)."""
    if not is_total(item):
        return False
    if any(
        isinstance(e, Mapping) and e.get("url") == CQF_EXPRESSION
        for e in item.get("extension") or []
    ):
        return True
    language, expression = _expression(item)
    compact = re.sub(r"\s+", "", expression)
    return language == "text/fhirpath" and bool(
        _TOP_SCORES.fullmatch(compact) or _ALL_SCORES.fullmatch(compact)
    )


def _expression(item: Mapping[str, Any]) -> tuple[str | None, str]:
    for extension in item.get("extension") or []:
        if isinstance(extension, Mapping) and extension.get("url") in EXPRESSIONS:
            value = extension.get("valueExpression")
            if isinstance(value, Mapping):
                language = value.get("language")
                expression = value.get("expression")
                return (
                    language if isinstance(language, str) else None,
                    expression if isinstance(expression, str) else "",
                )
    return None, ""


def _key(link: str, taken: set[str]) -> str:
    key = re.sub(r"[^a-z0-9]+", "-", link.lower()).strip("-")[:60] or "score"
    if not SLUG_RE.match(key):
        key = "score"
    found, number = key, 2
    while found in taken:
        found, number = f"{key}-{number}", number + 1
    return found


def read_totals(
    totals: Sequence[tuple[Mapping[str, Any], str | None, str | None]],
    questions: Sequence[Mapping[str, Any]],
    registry: Registry,
    taken: set[str],
    problems: list[FhirImportError],
) -> list[dict[str, Any]]:
    """The results of the total items ``(item, group, the question it follows)``; what cannot be
    mapped goes to ``problems`` naming the item and quoting its expression."""
    results = []
    for item, group, after in totals:
        link = link_of(item)
        where = {"link": repr(link)}
        language, expression = _expression(item)
        extra = sorted(set(item) - _TOTAL_KEYS)
        if extra:
            problems.append(FhirImportError("item_key", **where, name=", ".join(map(repr, extra))))
            continue
        others = [
            e.get("url")
            for e in item.get("extension") or []
            if isinstance(e, Mapping) and e.get("url") in EXPRESSIONS
        ]
        if len(others) != 1:
            problems.append(FhirImportError("score_many", **where))
            continue
        compact = re.sub(r"\s+", "", expression)
        top = _TOP_SCORES.fullmatch(compact) if language == "text/fhirpath" else None
        if language != "text/fhirpath" or not (top or _ALL_SCORES.fullmatch(compact)):
            problems.append(
                FhirImportError(
                    "score_expression",
                    **where,
                    language=repr(language),
                    expression=repr(expression[:300]),
                )
            )
            continue
        but = set(re.findall(r"'([^']+)'", top["but"])) if top else set()
        scored = [
            q["key"]
            for q in questions
            if _scored(q, registry)
            and (top is None or (q.get("group") is None and q["key"] not in but))
        ]
        if not scored:
            problems.append(FhirImportError("score_none", **where))
            continue
        key = _key(link, taken)
        taken.add(key)
        result: dict[str, Any] = {
            "key": key,
            "label": read_text(item, "text") or {"sv": link},
            "citizen_visible": False,
            "method": "sum",
            "questions": scored,
            "decimals": 0,
            "bands": [],
            "fhir_item": {"item": dict(item), "group": group, "after": after},
        }
        results.append(result)
    return results


def merge_totals(
    results: list[dict[str, Any]], totals: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The form's results with the totals read from items. A result sob exported names its total
    item (``item``); that total then gives it only the kept item, so its bands and texts stay."""
    by_link = {str(t["fhir_item"]["item"].get("linkId")): t for t in totals}
    merged = []
    for result in results:
        link = result.pop("item", None)
        total = by_link.pop(link, None) if isinstance(link, str) else None
        if total is not None:
            result["fhir_item"] = total["fhir_item"]
        merged.append(result)
    return merged + [t for t in totals if str(t["fhir_item"]["item"].get("linkId")) in by_link]


def _scored(question: Mapping[str, Any], registry: Registry) -> bool:
    """A question whose every answer option carries a score."""
    spec = QuestionSpec(
        key=question["key"],
        type=question["type"],
        label=question["label"],
        config=question["config"],
        required=question.get("required", False),
    )
    qtype = registry.question_types.get(spec.type)
    if qtype is None:
        return False
    scores = option_scores(spec, registry)
    try:
        options = dict(qtype.fhir_item(spec, "sv")).get("answerOption") or []
    except (ValueError, TypeError, KeyError):
        return False
    return bool(scores) and len(scores) == len(options)


def place_totals(
    items: list[dict[str, Any]],
    questions: list[Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]],
) -> None:
    """Put the kept total items back among the exported ``items`` (each after the question it
    followed, in its group; ``questions`` is kept parallel for ``groups.nest``)."""
    for result in results:
        kept = result.get("fhir_item") if isinstance(result, Mapping) else None
        if not isinstance(kept, Mapping) or not isinstance(kept.get("item"), Mapping):
            continue
        keys = [q.get("key") for q in questions]
        after = kept.get("after")
        at = keys.index(after) + 1 if after in keys else 0
        items.insert(at, dict(kept["item"]))
        questions.insert(at, {"key": None, "group": kept.get("group")})
