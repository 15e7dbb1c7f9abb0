"""PHQ-9, GAD-7, ISI, EPDS and MADRS-S: sums, severity bands at every boundary, item flags."""

from __future__ import annotations

import pytest
from scale_helpers import SCALES, same, score, with_total

from sob_core import InvalidAnswers

BOUNDARIES = {
    "phq-9": [
        (0, "none-minimal"),
        (4, "none-minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately-severe"),
        (19, "moderately-severe"),
        (20, "severe"),
        (27, "severe"),
    ],
    "gad-7": [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
    "isi": [
        (0, "no-clinically-significant-insomnia"),
        (7, "no-clinically-significant-insomnia"),
        (8, "subthreshold-insomnia"),
        (14, "subthreshold-insomnia"),
        (15, "clinical-insomnia-moderate-severity"),
        (21, "clinical-insomnia-moderate-severity"),
        (22, "clinical-insomnia-severe"),
        (28, "clinical-insomnia-severe"),
    ],
    "epds": [(0, "below-cutoff"), (11, "below-cutoff"), (12, "above-cutoff"), (30, "above-cutoff")],
    "madrs-s": [
        (0, "none-or-very-mild"),
        (12, "none-or-very-mild"),
        (13, "mild"),
        (19, "mild"),
        (20, "moderate"),
        (34, "moderate"),
        (35, "severe"),
        (54, "severe"),
    ],
}
CASES = [(scale_id, total, band) for scale_id, rows in BOUNDARIES.items() for total, band in rows]


@pytest.mark.parametrize(("scale_id", "total", "band"), CASES)
def test_band_boundaries(scale_id, total, band):
    scale = SCALES[scale_id]
    result = score(scale, with_total(scale, total), {"sex": "female"})
    assert result.scores == {"total": total}
    assert isinstance(result.scores["total"], int)
    assert result.bands == {"total": band}


@pytest.mark.parametrize(
    ("scale_id", "maximum"), [("phq-9", 27), ("gad-7", 21), ("isi", 28), ("madrs-s", 54)]
)
def test_all_zero_and_all_max(scale_id, maximum):
    scale = SCALES[scale_id]
    assert score(scale, same(scale, 0)).scores == {"total": 0}
    top = len(scale.items[0].scores) - 1
    assert score(scale, same(scale, top)).scores == {"total": maximum}


def test_phq9_mixed_case_and_item_9_flag():
    phq9 = SCALES["phq-9"]
    answers = {"1": 2, "2": 3, "3": 1, "4": 2, "5": 0, "6": 1, "7": 2, "8": 0, "9": 1}
    result = score(phq9, answers)
    assert result.scores == {"total": 12}
    assert result.bands == {"total": "moderate"}
    assert result.flags == ["item-9-positive"]
    assert score(phq9, {**answers, "9": 0}).flags == []


def test_phq9_rejects_the_unscored_difficulty_question():
    phq9 = SCALES["phq-9"]
    with pytest.raises(InvalidAnswers, match="unknown item '10'"):
        score(phq9, {**same(phq9, 0), "10": 1})


def test_epds_reverse_scored_items():
    epds = SCALES["epds"]
    # first option everywhere: items 1, 2, 4 score 0; items 3, 5-10 score 3 each
    first = score(epds, same(epds, 0))
    assert first.scores == {"total": 21}
    assert first.bands == {"total": "above-cutoff"}
    assert first.flags == ["item-10-positive"]
    # last option everywhere: items 1, 2, 4 score 3 each; reversed items 0
    last = score(epds, same(epds, 3))
    assert last.scores == {"total": 9}
    assert last.bands == {"total": "below-cutoff"}
    assert last.flags == []


@pytest.mark.parametrize(("index", "flagged"), [(0, True), (1, True), (2, True), (3, False)])
def test_epds_item_10_flag_compares_the_score_not_the_index(index, flagged):
    epds = SCALES["epds"]
    answers = {**same(epds, 3), "10": index}
    assert (score(epds, answers).flags == ["item-10-positive"]) is flagged


def test_epds_mixed_case():
    epds = SCALES["epds"]
    # item scores: 1:1 2:0 3:2 4:2 5:1 6:2 7:0 8:1 9:0 10:0 -> 9
    answers = {"1": 1, "2": 0, "3": 1, "4": 2, "5": 2, "6": 1, "7": 3, "8": 2, "9": 3, "10": 3}
    assert score(epds, answers).scores == {"total": 9}


@pytest.mark.parametrize(("index", "flagged"), [(0, False), (3, False), (4, True), (6, True)])
def test_madrs_s_item_9_flag(index, flagged):
    madrs = SCALES["madrs-s"]
    assert (score(madrs, {**same(madrs, 0), "9": index}).flags == ["item-9-high"]) is flagged


def test_isi_and_gad7_have_no_flags():
    assert score(SCALES["isi"], same(SCALES["isi"], 4)).flags == []
    assert score(SCALES["gad-7"], same(SCALES["gad-7"], 3)).flags == []


@pytest.mark.parametrize("scale_id", sorted(BOUNDARIES))
def test_every_item_is_required(scale_id):
    scale = SCALES[scale_id]
    for item in scale.items:
        answers = same(scale, 0)
        del answers[item.id]
        with pytest.raises(InvalidAnswers, match=f"'{item.id}'"):
            score(scale, answers)


@pytest.mark.parametrize("scale_id", sorted(BOUNDARIES))
def test_out_of_range_and_wrong_types(scale_id):
    scale = SCALES[scale_id]
    options = len(scale.items[0].scores)
    for bad in (options, -1, True, False, 1.0, "0", None, [0]):
        with pytest.raises(InvalidAnswers, match="'1'"):
            score(scale, {**same(scale, 0), "1": bad})
    with pytest.raises(InvalidAnswers, match="unknown item"):
        score(scale, {**same(scale, 0), str(len(scale.items) + 1): 0})
