"""Shared, public helpers for implementing a scale's ``score`` function.

Every scale plugin (built-in or third-party) validates answers, maps option indexes to scores,
rounds and picks bands the same way, so results are comparable across plugins and the rules live
in one tested place:

* ``check_choice_answers`` / ``check_number_answers`` turn untrusted answers into clean values or
  raise ``InvalidAnswers`` with a one-line reason naming the item;
* ``item_score`` / ``item_scores`` map a chosen option index to the published item score;
* ``exact`` / ``mean`` / ``round_half_away`` do exact arithmetic (``fractions.Fraction``), so a mean
  of 2.675 is reported as 2.68, not 2.67 as binary floats would give;
* ``bands_for`` / ``band_for`` choose a band on the *unrounded* value, by sex when the subscale has
  sex-specific cut-offs;
* ``simple_sum_scale`` builds a whole ``Scale`` for instruments that are a plain sum of items with
  optional bands and item flags (PHQ-9, GAD-7, ISI, EPDS ...).

Plugins import these names from ``sob_core`` directly, never from ``sob_core.scoring``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .types import Band, InvalidAnswers, LocalText, Scale, ScaleItem, ScaleScore, Subscale

__all__ = [
    "ItemFlag",
    "band_for",
    "bands_for",
    "check_choice_answers",
    "check_number_answers",
    "context_sex",
    "exact",
    "item_score",
    "item_scores",
    "mean",
    "round_half_away",
    "simple_sum_scale",
]

#: what ``exact`` accepts: ints, Fractions, Decimals and floats (never bools)
Number = int | float | Fraction | Decimal


# --- describing values in error messages ---------------------------------------------------------


def _kind(value: Any) -> str:
    """Name a value's JSON-ish type for a one-line error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "text"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _describe_ids(ids: Sequence[str]) -> str:
    """``1-34`` when the ids are the numbers 1..N in order, else the ids themselves."""
    if ids and all(item_id == str(n) for n, item_id in enumerate(ids, start=1)):
        return f"1-{len(ids)}"
    return ", ".join(ids)


def _quote(ids: Iterable[str]) -> str:
    return ", ".join(repr(item_id) for item_id in ids)


def _answers_mapping(scale: Scale, answers: Any) -> Mapping[Any, Any]:
    if not isinstance(answers, Mapping):
        raise InvalidAnswers(
            f"{scale.id}: answers must be an object mapping item numbers to answers, "
            f"got {_kind(answers)}"
        )
    return answers


def _check_keys(scale: Scale, answers: Mapping[Any, Any], kind: str) -> None:
    ids = [item.id for item in scale.items if item.kind == kind]
    known = set(ids)
    for key in answers:
        if not isinstance(key, str):
            raise InvalidAnswers(f"{scale.id}: item key {key!r} must be text such as '1'")
        if key not in known:
            raise InvalidAnswers(
                f"{scale.id}: unknown item {key!r}; the items are {_describe_ids(ids)}"
            )


# --- validating answers --------------------------------------------------------------------------


def check_choice_answers(
    scale: Scale, answers: Any, *, allow_missing: bool = False
) -> dict[str, int]:
    """Validate answers to a scale's choice items and return ``{item id: option index}``.

    Keys must be the item ids as text (``"1"``..``"N"``); values must be integers (not booleans,
    not ``2.0``) indexing the item's options in printed order. Any unknown key, wrong type or
    out-of-range index raises ``InvalidAnswers`` naming the item. With ``allow_missing=False``
    every choice item must be answered; with ``True`` absent items are left out of the result so
    the caller can apply its manual's own missing-data rule.
    """
    answers = _answers_mapping(scale, answers)
    _check_keys(scale, answers, "choice")
    clean: dict[str, int] = {}
    for item in scale.items:
        if item.kind != "choice" or item.id not in answers:
            continue
        value = answers[item.id]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAnswers(
                f"{scale.id}: item {item.id!r} must be an option index (a whole number), "
                f"got {_kind(value)}"
            )
        if not 0 <= value < len(item.scores):
            raise InvalidAnswers(
                f"{scale.id}: item {item.id!r} option index {value} is out of range "
                f"0-{len(item.scores) - 1}"
            )
        clean[item.id] = value
    if not allow_missing:
        missing = [i.id for i in scale.items if i.kind == "choice" and i.id not in clean]
        if missing:
            raise InvalidAnswers(
                f"{scale.id}: missing item(s) {_quote(missing)}; every item must be answered"
            )
    return clean


def check_number_answers(scale: Scale, answers: Any) -> dict[str, Fraction]:
    """Validate answers to a scale's number items; every one is required.

    Values must be finite, non-negative numbers (int or float, not booleans or text). They are
    returned as exact ``Fraction`` values (see ``exact``) for the caller's arithmetic.
    """
    answers = _answers_mapping(scale, answers)
    _check_keys(scale, answers, "number")
    clean: dict[str, Fraction] = {}
    for item in scale.items:
        if item.kind != "number":
            continue
        if item.id not in answers:
            raise InvalidAnswers(f"{scale.id}: missing {item.id!r}; every value is required")
        value = answers[item.id]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidAnswers(f"{scale.id}: {item.id!r} must be a number, got {_kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidAnswers(f"{scale.id}: {item.id!r} must be a finite number")
        if value < 0:
            raise InvalidAnswers(f"{scale.id}: {item.id!r} must not be negative, got {value}")
        clean[item.id] = exact(value)
    return clean


# --- scores and exact arithmetic -----------------------------------------------------------------


def item_score(scale: Scale, item_id: str, option_index: int) -> int:
    """The published score of the option at ``option_index`` (printed order) of an item."""
    return scale.item(item_id).scores[option_index]


def item_scores(scale: Scale, choices: Mapping[str, int]) -> dict[str, int]:
    """Map validated ``{item id: option index}`` to ``{item id: item score}``."""
    return {item_id: item_score(scale, item_id, index) for item_id, index in choices.items()}


def exact(value: Number) -> Fraction:
    """Turn a number into an exact ``Fraction``.

    A float is read through its shortest decimal representation (``repr``), so ``2.675`` means
    the decimal 2.675 that was written, not the nearest binary double below it.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number here")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("value must be finite")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, int | Fraction | Decimal):
        return Fraction(value)
    raise TypeError(f"cannot use {type(value).__name__} as a number")


def mean(values: Iterable[Number]) -> Fraction:
    """The exact mean of one or more numbers."""
    parts = [exact(v) for v in values]
    if not parts:
        raise ValueError("mean of no values")
    return sum(parts, Fraction(0)) / len(parts)


def round_half_away(value: Number, places: int = 2) -> float:
    """Round to ``places`` decimals, halves away from zero, exactly: 2.675 -> 2.68, -0.125 -> -0.13.

    Python's ``round`` rounds halves to even and works on binary floats, so it gives 2.67 for
    2.675; clinical manuals round halves up, and scores must not depend on float noise.
    """
    scaled = exact(value) * 10**places
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    return float(Fraction(magnitude if scaled >= 0 else -magnitude, 10**places))


# --- bands ---------------------------------------------------------------------------------------


def context_sex(context: Any) -> str | None:
    """The ``sex`` of a scoring context, when it is one the scales know ("female" or "male").

    ``None`` or an empty context means unknown. A context that is not an object is an error.
    """
    if context is None:
        return None
    if not isinstance(context, Mapping):
        raise InvalidAnswers(
            f"context must be an object such as {{'sex': 'female'}}, got {_kind(context)}"
        )
    sex = context.get("sex")
    return sex if sex in ("female", "male") else None


def bands_for(subscale: Subscale, context: Any = None) -> tuple[Band, ...]:
    """The bands that apply to ``subscale`` for ``context``.

    Sex-specific bands are used when the context names a sex the subscale has bands for;
    otherwise (sex missing, unknown or unrecognised) the subscale's default ``bands`` apply.
    Scales document what their default is (usually the WHO / higher cut-off).
    """
    sex = context_sex(context)
    if sex is not None and sex in subscale.bands_by_sex:
        return tuple(subscale.bands_by_sex[sex])
    return tuple(subscale.bands)


def band_for(bands: Sequence[Band], value: Number) -> Band | None:
    """The band with ``lower <= value < upper`` (None is open), decided exactly on ``value``.

    Pass the unrounded value (an int or Fraction): a mean of 5.996 belongs below a cut-off of 6
    even though it is reported as 6.0. Bounds are read like ``exact`` reads floats, so a bound
    of 0.6 means exactly 3/5.
    """
    target = exact(value)
    for band in bands:
        if band.lower is not None and target < exact(band.lower):
            continue
        if band.upper is not None and target >= exact(band.upper):
            continue
        return band
    return None


# --- simple sum scales ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFlag:
    """A flag raised when an item's score (after any reverse scoring) is at least ``minimum``.

    ``text`` says for the care team what the flag means (it becomes the scale's ``flag_texts``).
    """

    slug: str
    item_id: str
    minimum: int = 1
    text: LocalText | None = None

    def raised(self, scores: Mapping[str, int]) -> bool:
        score = scores.get(self.item_id)
        return score is not None and score >= self.minimum


def simple_sum_scale(
    *,
    id: str,
    name: LocalText,
    version: str,
    citation: str,
    licence: str,
    items: Sequence[ScaleItem],
    label: LocalText,
    bands: Sequence[Band] = (),
    bands_by_sex: Mapping[str, Sequence[Band]] | None = None,
    flags: Sequence[ItemFlag] = (),
    texts_shipped: bool = True,
    description: LocalText | None = None,
    explanation: LocalText | None = None,
    citizen_explanation: LocalText | None = None,
    options: Sequence[LocalText] = (),
    languages: tuple[str, ...] = ("sv", "en"),
) -> Scale:
    """Build a ``Scale`` whose one subscale ``total`` is the sum of all item scores.

    Every item is required; write your own score function when the manual allows prorating
    (see the CORE-OM plugin). The band comes from
    ``bands`` or, when the context names a sex, ``bands_by_sex``. ``flags`` become the scale's
    ``critical_items`` and are checked against item scores.
    """
    by_sex = {sex: tuple(b) for sex, b in (bands_by_sex or {}).items()}
    subscale = Subscale(
        id="total",
        label=label,
        items=tuple(item.id for item in items),
        bands=tuple(bands),
        bands_by_sex=by_sex,
        minimum=sum(min(item.scores) for item in items),
        maximum=sum(max(item.scores) for item in items),
        explanation=explanation or {},
        citizen_explanation=citizen_explanation or {},
        step=1,  # a sum of whole item scores
    )
    holder: list[Scale] = []

    def score(answers: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> ScaleScore:
        scale = holder[0]
        context_sex(context)  # rejects a malformed context before any work
        choices = check_choice_answers(scale, answers)
        scores = item_scores(scale, choices)
        total = sum(scores.values())
        band = band_for(bands_for(subscale, context), total)
        return ScaleScore(
            scores={"total": total},
            bands={"total": band.slug} if band is not None else {},
            flags=[flag.slug for flag in flags if flag.raised(scores)],
        )

    scale = Scale(
        id=id,
        name=name,
        version=version,
        citation=citation,
        licence=licence,
        items=tuple(items),
        subscales=(subscale,),
        score=score,
        texts_shipped=texts_shipped,
        languages=languages,
        critical_items={flag.item_id: flag.slug for flag in flags},
        flag_texts={flag.slug: flag.text for flag in flags if flag.text},
        description=description or {},
        # a mapping (the wrong shape) is kept as given, so ``Scale.validate`` names the mistake
        options=options if isinstance(options, Mapping) else tuple(options),  # type: ignore[arg-type]
    )
    holder.append(scale)
    return scale
