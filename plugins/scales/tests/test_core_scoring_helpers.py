"""The shared scoring helpers in sob_core: validation messages, exact rounding, bands."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from sob_core import (
    Band,
    InvalidAnswers,
    Scale,
    ScaleItem,
    ScaleScore,
    Subscale,
    band_for,
    bands_for,
    check_choice_answers,
    check_number_answers,
    context_sex,
    exact,
    item_score,
    item_scores,
    mean,
    round_half_away,
)

ITEMS = (
    ScaleItem(id="1", scores=(0, 1, 2)),
    ScaleItem(id="2", scores=(2, 1, 0)),
    ScaleItem(id="3", scores=(0, 2, 4)),
)
TOY = Scale(
    id="toy",
    name={"sv": "Leksak"},
    version="1",
    citation="-",
    licence="-",
    items=ITEMS,
    subscales=(Subscale(id="total", label={"sv": "Total"}, items=("1", "2", "3")),),
    score=lambda answers, context: ScaleScore(scores={}),
)
NUMBERS = Scale(
    id="numbers",
    name={"sv": "Tal"},
    version="1",
    citation="-",
    licence="-",
    items=(ScaleItem(id="a", kind="number"), ScaleItem(id="b", kind="number")),
    subscales=(Subscale(id="x", label={"sv": "x"}, items=("a", "b")),),
    score=lambda answers, context: ScaleScore(scores={}),
)


def test_check_choice_answers_returns_clean_indexes():
    assert check_choice_answers(TOY, {"1": 0, "2": 2, "3": 1}) == {"1": 0, "2": 2, "3": 1}


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ([0, 1, 2], "answers must be an object"),
        (None, "answers must be an object"),
        ({1: 0, "2": 0, "3": 0}, "item key 1 must be text"),
        ({"4": 0, "1": 0, "2": 0, "3": 0}, "unknown item '4'; the items are 1-3"),
        (
            {"1": True, "2": 0, "3": 0},
            "item '1' must be an option index (a whole number), got a boolean",
        ),
        ({"1": 1.0, "2": 0, "3": 0}, "got a decimal number"),
        ({"1": "1", "2": 0, "3": 0}, "got text"),
        ({"1": None, "2": 0, "3": 0}, "got null"),
        ({"1": [1], "2": 0, "3": 0}, "got a list"),
        ({"1": {}, "2": 0, "3": 0}, "got an object"),
        ({"1": 3, "2": 0, "3": 0}, "item '1' option index 3 is out of range 0-2"),
        ({"1": -1, "2": 0, "3": 0}, "option index -1 is out of range 0-2"),
        ({"1": 0, "3": 0}, "missing item(s) '2'; every item must be answered"),
        ({}, "missing item(s) '1', '2', '3'"),
    ],
)
def test_check_choice_answers_rejects_with_a_one_line_reason(answers, fragment):
    with pytest.raises(InvalidAnswers) as caught:
        check_choice_answers(TOY, answers)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    assert message.startswith("toy: ")


def test_check_choice_answers_may_leave_missing_items_to_the_caller():
    assert check_choice_answers(TOY, {"2": 1}, allow_missing=True) == {"2": 1}
    with pytest.raises(InvalidAnswers, match="unknown item 'x'"):
        check_choice_answers(TOY, {"x": 1}, allow_missing=True)


def test_item_scores_follow_the_printed_order():
    assert item_score(TOY, "2", 0) == 2
    assert item_scores(TOY, {"1": 2, "2": 2, "3": 1}) == {"1": 2, "2": 0, "3": 2}


def test_check_number_answers():
    assert check_number_answers(NUMBERS, {"a": 2, "b": 2.5}) == {"a": 2, "b": Fraction(5, 2)}


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ("a=1", "answers must be an object"),
        ({"a": 1}, "missing 'b'"),
        ({"a": 1, "b": 2, "c": 3}, "unknown item 'c'; the items are a, b"),
        ({"a": True, "b": 1}, "'a' must be a number, got a boolean"),
        ({"a": "1", "b": 1}, "'a' must be a number, got text"),
        ({"a": float("nan"), "b": 1}, "'a' must be a finite number"),
        ({"a": float("inf"), "b": 1}, "'a' must be a finite number"),
        ({"a": -1, "b": 1}, "'a' must not be negative"),
    ],
)
def test_check_number_answers_rejects(answers, fragment):
    with pytest.raises(InvalidAnswers, match=None) as caught:
        check_number_answers(NUMBERS, answers)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (2.675, 2, 2.68),  # binary float 2.67499... would round down
        (Fraction(2675, 1000), 2, 2.68),
        (Decimal("2.675"), 2, 2.68),
        (0.125, 2, 0.13),  # round() gives 0.12 (half to even)
        (-0.125, 2, -0.13),
        (Fraction(1, 3), 2, 0.33),
        (Fraction(2, 3), 2, 0.67),
        (0.005, 2, 0.01),
        (1.5, 0, 2.0),
        (2.5, 0, 3.0),
        (7, 2, 7.0),
        (Fraction(32, 34), 2, 0.94),
    ],
)
def test_round_half_away(value, places, expected):
    assert round_half_away(value, places) == expected


def test_exact_and_mean():
    assert exact(0.1) == Fraction(1, 10)
    assert exact(3) == 3
    assert mean([1, 2, 2]) == Fraction(5, 3)
    with pytest.raises(ValueError):
        mean([])
    with pytest.raises(TypeError):
        exact(True)
    with pytest.raises(TypeError):
        exact("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        exact(float("nan"))


BANDS = (
    Band(slug="low", label={"sv": "låg"}, colour="#2e7d32", lower=0, upper=0.6),
    Band(slug="mid", label={"sv": "mellan"}, colour="#8d6e00", lower=0.6, upper=1.0),
    Band(slug="high", label={"sv": "hög"}, colour="#b71c1c", lower=1.0),
)


def test_band_for_decides_on_the_exact_value():
    assert band_for(BANDS, 0).slug == "low"
    assert band_for(BANDS, Fraction(599, 1000)).slug == "low"
    assert band_for(BANDS, Fraction(3, 5)).slug == "mid"  # exactly 0.6, not float 0.59999...
    assert band_for(BANDS, Fraction(5996, 10000)).slug == "low"  # would round to 0.60
    assert band_for(BANDS, 1).slug == "high"
    assert band_for(BANDS, 400).slug == "high"
    assert band_for(BANDS, -1) is None


def test_bands_for_uses_sex_only_when_known():
    female = (Band(slug="f", label={"sv": "k"}, colour="#000000", lower=0),)
    male = (Band(slug="m", label={"sv": "m"}, colour="#000000", lower=0),)
    sub = Subscale(
        id="total", label={"sv": "t"}, bands=male, bands_by_sex={"female": female, "male": male}
    )
    assert bands_for(sub, {"sex": "female"}) == female
    assert bands_for(sub, {"sex": "male"}) == male
    assert bands_for(sub, {}) == male
    assert bands_for(sub, None) == male
    assert bands_for(sub, {"sex": "other"}) == male
    assert bands_for(sub, {"sex": ["female"]}) == male
    assert bands_for(sub, {"age": 40}) == male


def test_context_sex():
    assert context_sex({"sex": "female", "age": 30}) == "female"
    assert context_sex({"sex": "FEMALE"}) is None
    assert context_sex(None) is None
    with pytest.raises(InvalidAnswers, match="context must be an object"):
        context_sex("female")
