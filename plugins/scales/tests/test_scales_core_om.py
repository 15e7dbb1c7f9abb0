"""CORE-OM: reverse scoring, domain means, prorating limits, rounding and the clinical band."""

from __future__ import annotations

import pytest
from scale_helpers import SCALES, score

from sob_core import InvalidAnswers

CORE = SCALES["core-om"]
POSITIVE = {"3", "4", "7", "12", "19", "21", "31", "32"}
RISK = {"6", "9", "16", "22", "24", "34"}


def scoring(points: int, **overrides: int) -> dict[str, int]:
    """Answers where every item *scores* ``points`` (positive items answered in reverse)."""
    answers = {str(n): (4 - points if str(n) in POSITIVE else points) for n in range(1, 35)}
    answers.update({key.removeprefix("i"): value for key, value in overrides.items()})
    return answers


def test_every_option_0():
    result = score(CORE, {str(n): 0 for n in range(1, 35)})
    # positive items answered 0 score 4: W has 2 of 4, F 6 of 12, all 8 of 34, non-risk 8 of 28
    assert result.scores == {
        "W": 2.0,
        "P": 0.0,
        "F": 2.0,
        "R": 0.0,
        "all": 0.94,  # 32/34 = 0.941
        "non_risk": 1.14,  # 32/28 = 1.143
    }
    assert result.bands == {"all": "low-level"}
    assert result.flags == []


def test_every_option_4():
    result = score(CORE, {str(n): 4 for n in range(1, 35)})
    assert result.scores == {
        "W": 2.0,
        "P": 4.0,
        "F": 2.0,
        "R": 4.0,
        "all": 3.06,  # 104/34 = 3.0588
        "non_risk": 2.86,  # 80/28 = 2.857
    }
    assert result.bands == {"all": "severe"}
    assert result.flags == ["risk-items-endorsed"]


def test_best_possible_answers_are_healthy():
    result = score(CORE, scoring(0))
    assert set(result.scores.values()) == {0.0}
    assert result.bands == {"all": "healthy"}


def test_positively_worded_item_answered_0_scores_4():
    result = score(CORE, scoring(0, i3=0))
    assert result.scores["F"] == 0.33  # 4/12
    assert result.scores["all"] == 0.12  # 4/34
    assert result.scores["non_risk"] == 0.14  # 4/28
    assert result.scores["W"] == 0.0


@pytest.mark.parametrize(
    ("points", "band"),
    [(1, "mild"), (2, "moderate-to-severe"), (3, "severe"), (4, "severe")],
)
def test_bands_at_exact_means(points, band):
    result = score(CORE, scoring(points))
    assert result.scores["all"] == float(points)
    assert result.bands == {"all": band}


def test_clinical_band_boundaries_on_the_mean():
    # 20 of 34 items scoring 1: mean 0.588 (clinical 5.9) is healthy; 21: 0.618 is low-level
    base = scoring(0)
    items = [str(n) for n in range(1, 35)]
    for count, band in ((20, "healthy"), (21, "low-level")):
        answers = dict(base)
        for item in items[:count]:
            answers[item] = 3 if item in POSITIVE else 1
        assert score(CORE, answers).bands == {"all": band}
    # 17 items at 2 and 17 at 1: mean 1.5 exactly is moderate, not mild
    answers = {item: (2 if n < 17 else 1) for n, item in enumerate(items)}
    answers = {i: (4 - p if i in POSITIVE else p) for i, p in answers.items()}
    result = score(CORE, answers)
    assert result.scores["all"] == 1.5
    assert result.bands == {"all": "moderate"}


def test_missing_items_inside_the_allowance_are_prorated():
    answers = scoring(1)
    for item in ("14", "2", "1"):  # one each from W, P and F: three in all
        del answers[item]
    result = score(CORE, answers)
    assert result.scores == {
        "W": None,  # no missing item is allowed in well-being
        "P": 1.0,
        "F": 1.0,
        "R": 1.0,
        "all": 1.0,
        "non_risk": 1.0,
    }
    assert result.bands == {"all": "mild"}
    assert result.flags == ["risk-items-endorsed"]


def test_domain_beyond_its_allowance_is_none():
    answers = scoring(2)
    del answers["2"]
    del answers["5"]  # two from problems: more than the one allowed
    del answers["6"]  # one risk item: none allowed
    result = score(CORE, answers)
    assert result.scores["P"] is None
    assert result.scores["R"] is None
    assert result.scores["W"] == 2.0
    assert result.scores["F"] == 2.0
    assert result.scores["all"] == 2.0
    assert result.scores["non_risk"] == 2.0


def test_rounding_half_away_from_zero():
    # 32 items answered, summing to 4: mean 0.125 reports as 0.13 (round() would give 0.12)
    answers = scoring(0, i8=2, i13=2)
    del answers["2"]
    del answers["5"]
    result = score(CORE, answers)
    assert result.scores["all"] == 0.13
    assert result.scores["non_risk"] == 0.15  # 4/26 = 0.1538
    assert result.scores["P"] is None
    assert result.bands == {"all": "healthy"}


def test_more_than_three_missing_is_invalid():
    answers = scoring(1)
    for item in ("1", "2", "3", "4"):
        del answers[item]
    with pytest.raises(InvalidAnswers, match="4 items are missing"):
        score(CORE, answers)
    with pytest.raises(InvalidAnswers, match="34 items are missing"):
        score(CORE, {})


@pytest.mark.parametrize("item", sorted(RISK, key=int))
def test_any_endorsed_risk_item_raises_the_flag(item):
    result = score(CORE, scoring(0, **{f"i{item}": 1}))
    assert result.flags == ["risk-items-endorsed"]
    assert result.scores["R"] == 0.17  # 1/6


def test_missing_risk_item_still_flags_the_answered_ones():
    answers = scoring(0, i9=2)
    del answers["16"]
    result = score(CORE, answers)
    assert result.scores["R"] is None
    assert result.flags == ["risk-items-endorsed"]


@pytest.mark.parametrize("bad", [5, -1, True, 2.0, "2", None])
def test_invalid_values(bad):
    with pytest.raises(InvalidAnswers, match="'7'"):
        score(CORE, {**scoring(0), "7": bad})


def test_unknown_item():
    with pytest.raises(InvalidAnswers, match="unknown item '35'"):
        score(CORE, {**scoring(0), "35": 0})
