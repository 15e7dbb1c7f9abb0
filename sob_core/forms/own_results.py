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
slider, duration in minutes) answers a number, unless it takes several answers (``"repeats"``); so does a ``choice`` that allows one answer
(its FHIR item does not repeat) and whose every option is a number (a scale's points, or a single
choice whose option values are written as numbers: "0", "1", "2" — the value is the score — or
whose every option carries a score, FHIR's ``ordinalValue``: then the chosen option's score counts,
as an imported FHIR PHQ-9's does). A
``time`` answer ("HH:MM") is its minutes after midnight and may be used in formulas only (adding
clock times means nothing). Anything else (text, dates, multiple choice) cannot be counted.

**Formulas** (``formula.py``) are parsed with Python's ``ast`` and only this is accepted: numbers, question keys,
``+ - * /``, unary minus, parentheses and ``min(a, b, ...)``, ``max(a, b, ...)``,
``round(x)``/``round(x, digits)``. A key that is not a plain name (``time-in-bed``) is written in
braces: ``{time-in-bed}``. Everything else (``**``, attributes, strings, other calls ...) is
refused with a message naming it. Evaluation walks the checked tree (nothing is ever ``eval``-ed);
a division by zero, or a value too large to be a number, gives no value, never an error.

**Bands** run from low to high without gaps or overlaps: ``lower <= value < upper`` as
``types.Band``; only the first may be open below (``lower`` None) and only the last open above.
Their colour is a palette name or a ``#rrggbb`` passing ``palette.check_colour``.

Errors are coded (``result_errors.OwnResultError``, translated by the web); each names the result and the field
it concerns (``field``: ``"formula"``, ``"bands.2.colour"``), so a page shows it by that field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..palette import check_colour
from ..types import QuestionSpec, local
from .formula import MAX_DECIMALS as MAX_DECIMALS
from .formula import MAX_FORMULA as MAX_FORMULA
from .formula import Formula as Formula
from .formula import parse_formula as parse_formula
from .result_errors import WHAT
from .result_errors import OwnResultError as OwnResultError

METHODS = ("sum", "mean", "formula")
#: a band's slug and a result's key: lower-case letters, digits and '-' (not first or last)
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
DEFAULT_DECIMALS = 2
MAX_BANDS = 12
#: a choice option's value that is a number (its score); no "1e5", "nan" or "inf"
NUMBER_TEXT = re.compile(r"^-?\d{1,12}(?:\.\d{1,6})?$")
TIME_TEXT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$")


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
    if isinstance(spec.config, Mapping) and spec.config.get("repeats") is True:
        return None  # several answers (a number question that repeats) are not one number
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


#: the extension that carries an answer option's score (FHIR ``ordinalValue``)
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
#: its successor in SDC 3 and FHIR R5 (``itemWeight``), which the choice types write back when
#: a form came with it
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
SCORE_EXTENSIONS = (ORDINAL_VALUE, ITEM_WEIGHT)


def _option_score(option: Mapping[str, Any]) -> float | None:
    """The score an answer option carries (``ordinalValue`` or ``itemWeight``, as the choice
    types write it)."""
    for extension in option.get("extension") or []:
        if isinstance(extension, Mapping) and extension.get("url") in SCORE_EXTENSIONS:
            for name in ("valueDecimal", "valueInteger"):
                value = extension.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
    return None


def _option_payload(option: Mapping[str, Any]) -> Any:
    """The stored answer that chooses ``option`` (the code of a Coding, else its value)."""
    coding = option.get("valueCoding")
    if isinstance(coding, Mapping):
        return coding.get("code")
    for name, value in option.items():
        if name.startswith("value"):
            return value
    return None


def option_scores(spec: QuestionSpec, registry: Any) -> dict[str, float]:
    """A single choice's scored options: the stored answer (as text) -> its score. An option's
    score (``ordinalValue``) counts before a value written as a number."""
    qtype = registry.question_types.get(spec.type)
    if qtype is None or qtype.fhir_type not in ("choice", "coding"):
        return {}
    try:
        item = dict(qtype.fhir_item(spec, "sv"))
    except (ValueError, TypeError, KeyError):
        return {}
    scores: dict[str, float] = {}
    for option in item.get("answerOption") or []:
        if isinstance(option, Mapping):
            score = _option_score(option)
            payload = _option_payload(option)
            if score is not None and payload is not None:
                scores[str(payload)] = score
    return scores


def _option_number(option: Mapping[str, Any]) -> float | None:
    score = _option_score(option)
    if score is not None:
        return score
    for name in ("valueInteger", "valueDecimal"):
        value = option.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    coding = option.get("valueCoding")
    code = coding.get("code") if isinstance(coding, Mapping) else None
    if isinstance(code, str) and NUMBER_TEXT.match(code):
        return float(code)
    return None


def answer_value(
    kind: str | None, payload: Any, scores: Mapping[str, float] | None = None
) -> float | None:
    """A stored answer as a number of its kind; None when it is missing or not one. ``scores``
    (``option_scores``) give a scored choice's answers their option's score."""
    if payload is None or isinstance(payload, bool):
        return None
    if scores and not isinstance(payload, list | dict) and str(payload) in scores:
        return scores[str(payload)]
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
    scores = {spec.key: option_scores(spec, registry) for spec in questions}
    method = result.get("method")
    value: float | None
    if method == "formula":
        try:
            formula = parse_formula(result.get("formula"), kinds, str(result.get("key")))
        except OwnResultError:
            return None, None
        values = {
            key: answer_value(kinds.get(key), answers.get(key), scores.get(key))
            for key in formula.questions
        }
        value = formula.evaluate(values)
    else:
        keys = result.get("questions") or []
        numbers = [answer_value(kinds.get(key), answers.get(key), scores.get(key)) for key in keys]
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
