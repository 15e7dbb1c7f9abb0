"""WHO-5: registration, worked vectors from the manual, flags, invalid answers, properties."""

from __future__ import annotations

import configparser
from importlib.metadata import entry_points
from pathlib import Path

import pluggy
import pytest
import sob_who5
from hypothesis import given, settings
from hypothesis import strategies as st

from sob_core import InvalidAnswers

SCALE = sob_who5.SCALE
FLAG = "depression-screening-indicated"
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def answers(*points: int) -> dict[str, int]:
    """Answers giving the item scores ``points`` (index = 5 - score, as printed)."""
    return {str(number): 5 - p for number, p in enumerate(points, start=1)}


def test_scale_validates():
    SCALE.validate()
    assert SCALE.texts_shipped is False
    assert all(not item.text for item in SCALE.items)


def test_setup_cfg_declares_one_entry_point():
    config = configparser.ConfigParser()
    config.read(Path(sob_who5.__file__).parent.parent / "setup.cfg", encoding="utf-8")
    assert config["options.entry_points"]["sob"].split() == ["who5", "=", "sob_who5"]


def test_hook_registers_the_scale_with_pluggy():
    manager = pluggy.PluginManager("sob")
    manager.register(sob_who5, name="who5")
    assert [scale.id for result in manager.hook.sob_scales() for scale in result] == ["who-5"]


def test_installed_entry_point_loads_when_installed():
    found = [ep for ep in entry_points(group="sob") if ep.name == "who5"]
    if not found:
        pytest.skip("sob-example-who5 is not installed in this environment")
    assert found[0].load() is sob_who5


@pytest.mark.parametrize(
    ("points", "raw", "percentage", "band", "flagged"),
    [
        ((5, 5, 5, 5, 5), 25, 100, "adequate-wellbeing", False),
        ((0, 0, 0, 0, 0), 0, 0, "poor-wellbeing", True),
        ((3, 3, 3, 2, 2), 13, 52, "adequate-wellbeing", False),  # raw 13: not below 13
        ((3, 3, 2, 2, 2), 12, 48, "poor-wellbeing", True),  # raw 12: below 13
        ((5, 5, 1, 1, 1), 13, 52, "adequate-wellbeing", True),  # an item at 1 flags anyway
        ((5, 4, 3, 3, 0), 15, 60, "adequate-wellbeing", True),  # an item at 0 flags
        ((3, 3, 3, 3, 3), 15, 60, "adequate-wellbeing", False),
        ((4, 2, 4, 2, 4), 16, 64, "adequate-wellbeing", False),
    ],
)
def test_worked_vectors(points, raw, percentage, band, flagged):
    result = SCALE.score(answers(*points), {})
    assert result.scores == {"total": raw, "percentage": percentage}
    assert result.bands == {"percentage": band}
    assert (result.flags == [FLAG]) is flagged


def test_first_printed_option_scores_five():
    result = SCALE.score({str(n): 0 for n in range(1, 6)}, {"sex": "female", "age": 30})
    assert result.scores["total"] == 25


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ({"1": 0, "2": 0, "3": 0, "4": 0}, "missing item(s) '5'"),
        ({**answers(5, 5, 5, 5, 5), "6": 0}, "unknown item '6'"),
        ({**answers(5, 5, 5, 5, 5), "1": 6}, "out of range 0-5"),
        ({**answers(5, 5, 5, 5, 5), "1": -1}, "out of range 0-5"),
        ({**answers(5, 5, 5, 5, 5), "1": True}, "got a boolean"),
        ({**answers(5, 5, 5, 5, 5), "1": "0"}, "got text"),
        ({**answers(5, 5, 5, 5, 5), "1": 0.0}, "got a decimal number"),
        ([0, 0, 0, 0, 0], "answers must be an object"),
    ],
)
def test_invalid_answers(bad, fragment):
    with pytest.raises(InvalidAnswers) as caught:
        SCALE.score(bad, {})
    assert fragment in str(caught.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
keys = st.sampled_from(["1", "2", "3", "4", "5", "0", "6", ""]) | st.text(max_size=3)


@PROPERTY
@given(
    data=st.dictionaries(keys, st.integers(-2, 8) | json_values, max_size=8) | json_values,
    context=st.none() | st.dictionaries(st.sampled_from(["sex", "age"]), json_values),
)
def test_arbitrary_input_raises_only_invalid_answers(data, context):
    try:
        result = SCALE.score(data, context)
    except InvalidAnswers:
        return
    assert 0 <= result.scores["total"] <= 25


@PROPERTY
@given(st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_complete_answers_score_in_range(indexes):
    result = SCALE.score({str(n): i for n, i in enumerate(indexes, start=1)}, {})
    raw = result.scores["total"]
    assert raw == sum(5 - i for i in indexes)
    assert 0 <= raw <= 25
    assert result.scores["percentage"] == raw * 4
    assert result.bands["percentage"] == ("poor-wellbeing" if raw < 13 else "adequate-wellbeing")
    assert (FLAG in result.flags) == (raw < 13 or max(indexes) >= 4)
