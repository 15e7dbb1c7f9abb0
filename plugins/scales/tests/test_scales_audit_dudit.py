"""AUDIT and DUDIT: item scoring (0-4 and 0/2/4) and the sex-specific Swedish cut-offs."""

from __future__ import annotations

import pytest
from scale_helpers import SCALES, same, score, with_total

from sob_core import InvalidAnswers

AUDIT = SCALES["audit"]
DUDIT = SCALES["dudit"]


def test_audit_all_zero_and_all_max():
    assert score(AUDIT, same(AUDIT, 0)).scores == {"total": 0}
    top = {**same(AUDIT, 4), "9": 2, "10": 2}
    result = score(AUDIT, top)
    assert result.scores == {"total": 40}
    assert result.bands == {"total": "possible-dependence"}
    assert result.flags == []


@pytest.mark.parametrize(("index", "points"), [(0, 0), (1, 2), (2, 4)])
def test_audit_items_9_and_10_score_0_2_4(index, points):
    for item in ("9", "10"):
        answers = {**same(AUDIT, 0), item: index}
        assert score(AUDIT, answers).scores["total"] == points


def test_audit_mixed_case():
    # items 1-8: 4+3+2+1+0+1+2+3 = 16; item 9 "yes, not in the last year" 2; item 10 "no" 0
    answers = {"1": 4, "2": 3, "3": 2, "4": 1, "5": 0, "6": 1, "7": 2, "8": 3, "9": 1, "10": 0}
    result = score(AUDIT, answers, {"sex": "male", "age": 40})
    assert result.scores == {"total": 18}
    assert result.bands == {"total": "harmful"}


@pytest.mark.parametrize(
    ("total", "sex", "band"),
    [
        (5, "female", "low-risk"),
        (6, "female", "hazardous"),
        (7, "male", "low-risk"),
        (8, "male", "hazardous"),
        (6, None, "low-risk"),  # unknown sex: WHO cut-off 8
        (7, None, "low-risk"),
        (8, None, "hazardous"),
        (15, "female", "hazardous"),
        (16, "female", "harmful"),
        (15, "male", "hazardous"),
        (16, "male", "harmful"),
        (19, "male", "harmful"),
        (20, "male", "possible-dependence"),
        (20, "female", "possible-dependence"),
    ],
)
def test_audit_cut_offs(total, sex, band):
    context = {} if sex is None else {"sex": sex}
    result = score(AUDIT, with_total(AUDIT, total), context)
    assert result.scores["total"] == total
    assert result.bands == {"total": band}


def test_audit_unrecognised_sex_uses_the_default_cut_off():
    assert score(AUDIT, with_total(AUDIT, 6), {"sex": "x"}).bands == {"total": "low-risk"}
    assert score(AUDIT, with_total(AUDIT, 6), None).bands == {"total": "low-risk"}


@pytest.mark.parametrize(
    "change",
    [{"9": 3}, {"1": 5}, {"1": -1}, {"1": "1"}, {"1": True}, {"1": 1.0}, {"11": 0}, {"0": 0}],
)
def test_audit_invalid_answers(change):
    with pytest.raises(InvalidAnswers):
        score(AUDIT, {**same(AUDIT, 0), **change})


def test_audit_requires_every_item():
    answers = same(AUDIT, 0)
    del answers["3"]
    with pytest.raises(InvalidAnswers, match="'3'"):
        score(AUDIT, answers)


def test_audit_rejects_a_malformed_context():
    with pytest.raises(InvalidAnswers, match="context"):
        AUDIT.score(same(AUDIT, 0), ["female"])


def test_dudit_all_zero_and_all_max():
    assert score(DUDIT, same(DUDIT, 0)).bands == {"total": "no-drug-related-problems"}
    result = score(DUDIT, {**same(DUDIT, 4), "10": 2, "11": 2})
    assert result.scores == {"total": 44}
    assert result.bands == {"total": "probable-dependence"}


@pytest.mark.parametrize(("index", "points"), [(0, 0), (1, 2), (2, 4)])
def test_dudit_items_10_and_11_score_0_2_4(index, points):
    for item in ("10", "11"):
        assert score(DUDIT, {**same(DUDIT, 0), item: index}).scores["total"] == points


@pytest.mark.parametrize(
    ("total", "sex", "band"),
    [
        (1, "female", "no-drug-related-problems"),
        (2, "female", "drug-related-problems"),
        (5, "male", "no-drug-related-problems"),
        (6, "male", "drug-related-problems"),
        (2, None, "no-drug-related-problems"),  # unknown sex: the men's cut-off 6
        (5, None, "no-drug-related-problems"),
        (6, None, "drug-related-problems"),
        (24, "female", "drug-related-problems"),
        (25, "female", "probable-dependence"),
        (24, "male", "drug-related-problems"),
        (25, "male", "probable-dependence"),
        (25, None, "probable-dependence"),
    ],
)
def test_dudit_cut_offs(total, sex, band):
    context = {} if sex is None else {"sex": sex}
    result = score(DUDIT, with_total(DUDIT, total), context)
    assert result.scores == {"total": total}
    assert result.bands == {"total": band}


def test_dudit_mixed_case():
    answers = {"1": 2, "2": 1, "3": 1, "4": 2, "5": 0, "6": 1, "7": 0, "8": 0, "9": 3}
    answers |= {"10": 1, "11": 2}
    assert score(DUDIT, answers, {"sex": "female"}).scores == {"total": 16}


@pytest.mark.parametrize("change", [{"10": 3}, {"1": 5}, {"12": 0}, {"1": None}, {"1": 2.5}])
def test_dudit_invalid_answers(change):
    with pytest.raises(InvalidAnswers):
        score(DUDIT, {**same(DUDIT, 0), **change})


def test_dudit_requires_every_item():
    answers = same(DUDIT, 0)
    del answers["11"]
    with pytest.raises(InvalidAnswers, match="'11'"):
        score(DUDIT, answers)
