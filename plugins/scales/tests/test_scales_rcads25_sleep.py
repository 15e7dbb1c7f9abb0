"""RCADS-25 subscale sums and the sleep-efficiency computation."""

from __future__ import annotations

import pytest
from scale_helpers import SCALES, same, score

from sob_core import InvalidAnswers

RCADS = SCALES["rcads-25"]
SLEEP = SCALES["sleep-efficiency"]
DEPRESSION = ("1", "4", "8", "10", "13", "15", "16", "19", "21", "24")


def test_rcads_all_zero_and_all_max():
    assert score(RCADS, same(RCADS, 0)).scores == {"anxiety": 0, "depression": 0, "total": 0}
    top = score(RCADS, same(RCADS, 3))
    assert top.scores == {"anxiety": 45, "depression": 30, "total": 75}
    assert top.bands == {}
    assert top.flags == []


def test_rcads_item_numbering():
    answers = {str(n): (1 if str(n) in DEPRESSION else 2) for n in range(1, 26)}
    assert score(RCADS, answers).scores == {"anxiety": 30, "depression": 10, "total": 40}
    assert score(RCADS, {**same(RCADS, 0), "1": 3}).scores["depression"] == 3
    assert score(RCADS, {**same(RCADS, 0), "2": 3}).scores["anxiety"] == 3
    assert score(RCADS, {**same(RCADS, 0), "25": 2}).scores["anxiety"] == 2
    assert score(RCADS, {**same(RCADS, 0), "24": 2}).scores["depression"] == 2


def test_rcads_context_does_not_change_raw_scores():
    answers = same(RCADS, 1)
    assert score(RCADS, answers, {"sex": "female", "age": 12}) == score(RCADS, answers)


@pytest.mark.parametrize("change", [{"1": 4}, {"26": 0}, {"3": 1.5}, {"3": False}])
def test_rcads_invalid(change):
    with pytest.raises(InvalidAnswers):
        score(RCADS, {**same(RCADS, 0), **change})


def test_rcads_requires_every_item():
    answers = same(RCADS, 0)
    del answers["13"]
    with pytest.raises(InvalidAnswers, match="'13'"):
        score(RCADS, answers)


def sleep(in_bed, asleep):
    return score(SLEEP, {"time_in_bed_min": in_bed, "total_sleep_min": asleep})


@pytest.mark.parametrize(
    ("in_bed", "asleep", "efficiency", "band"),
    [
        (480, 420, 87.5, "normal"),
        (480, 400, 83.3, "low"),
        (480, 408, 85.0, "normal"),  # exactly 85 is normal
        (480, 407.98, 85.0, "low"),  # 84.9958: shown as 85.0, banded on the unrounded value
        (400, 341.8, 85.5, "normal"),  # 85.45: half away from zero
        (800, 681, 85.1, "normal"),  # 85.125
        (100, 2.65, 2.7, "low"),  # read as the decimal 2.65, not the float below it
        (420, 0, 0.0, "low"),
        (420, 420, 100.0, "normal"),
        (450.5, 400.25, 88.8, "normal"),  # 88.845...: 88.8
    ],
)
def test_sleep_efficiency(in_bed, asleep, efficiency, band):
    result = sleep(in_bed, asleep)
    assert result.scores == {"efficiency": efficiency}
    assert result.bands == {"efficiency": band}
    assert result.flags == []


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ({"time_in_bed_min": 0, "total_sleep_min": 0}, "must be more than 0"),
        ({"time_in_bed_min": 400, "total_sleep_min": 401}, "cannot be longer"),
        ({"time_in_bed_min": -5, "total_sleep_min": 0}, "must not be negative"),
        ({"time_in_bed_min": 400, "total_sleep_min": -1}, "must not be negative"),
        ({"time_in_bed_min": 400}, "missing 'total_sleep_min'"),
        ({"total_sleep_min": 400}, "missing 'time_in_bed_min'"),
        ({"time_in_bed_min": "400", "total_sleep_min": 300}, "must be a number, got text"),
        ({"time_in_bed_min": True, "total_sleep_min": 0}, "got a boolean"),
        ({"time_in_bed_min": float("nan"), "total_sleep_min": 0}, "finite"),
        ({"time_in_bed_min": float("inf"), "total_sleep_min": 0}, "finite"),
        ({"time_in_bed_min": 400, "total_sleep_min": None}, "got null"),
        ({"time_in_bed_min": 400, "total_sleep_min": 300, "naps": 1}, "unknown item 'naps'"),
        ([400, 300], "answers must be an object"),
    ],
)
def test_sleep_invalid(answers, fragment):
    with pytest.raises(InvalidAnswers) as caught:
        score(SLEEP, answers)
    assert fragment in str(caught.value)
