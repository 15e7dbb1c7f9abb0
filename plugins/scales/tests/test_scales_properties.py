"""Property-based tests: no input crashes a scale, valid answers always score within range."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scale_helpers import SCALES

from sob_core import InvalidAnswers, ScaleScore, exact

CHOICE_SCALES = sorted(scale_id for scale_id in SCALES if scale_id != "sleep-efficiency")
PROFILE = settings(
    max_examples=150,
    deadline=None,
    database=None,  # keep no example database in the work tree
    suppress_health_check=[HealthCheck.too_slow],
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def keys_for(scale):
    """Mostly real item ids, plus a few near misses and random text."""
    ids = [item.id for item in scale.items]
    near = ["0", "-1", str(len(ids) + 1), " 1", "1.0", "01", ""]
    return st.sampled_from(ids) | st.sampled_from(near) | st.text(max_size=5)


def values_for(scale):
    small = st.integers(min_value=-2, max_value=8)
    return small | json_values


def answers_for(scale):
    ids = [item.id for item in scale.items]
    realistic = st.fixed_dictionaries({}, optional={item_id: values_for(scale) for item_id in ids})
    noisy = st.dictionaries(keys_for(scale), values_for(scale), max_size=len(ids) + 3)
    return realistic | noisy | json_values


contexts = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "sex": st.sampled_from(["female", "male", "other", ""]) | json_scalars,
            "age": st.integers(0, 120) | json_scalars,
        },
    ),
    json_values,
)


def assert_in_range(scale, result):
    assert isinstance(result, ScaleScore)
    for sub in scale.subscales:
        value = result.scores[sub.id]
        if value is None:
            continue
        assert sub.minimum <= value <= sub.maximum, (sub.id, value)
        if sub.bands:
            assert sub.id in result.bands, sub.id
    assert set(result.bands) <= {sub.id for sub in scale.subscales if sub.bands}
    assert set(result.flags) <= set(scale.critical_items.values())


@pytest.mark.parametrize("scale_id", sorted(SCALES))
def test_arbitrary_input_raises_nothing_but_invalid_answers(scale_id):
    scale = SCALES[scale_id]

    @PROFILE
    @given(answers=answers_for(scale), context=contexts)
    def check(answers, context):
        try:
            result = scale.score(answers, context)
        except InvalidAnswers as error:
            assert str(error) and "\n" not in str(error)
        else:
            assert_in_range(scale, result)

    check()


def complete_answers(scale):
    return st.fixed_dictionaries(
        {item.id: st.integers(0, len(item.scores) - 1) for item in scale.items}
    )


@pytest.mark.parametrize("scale_id", CHOICE_SCALES)
def test_valid_complete_answers_score_within_the_declared_range(scale_id):
    scale = SCALES[scale_id]

    @PROFILE
    @given(answers=complete_answers(scale), sex=st.sampled_from([None, "female", "male"]))
    def check(answers, sex):
        result = scale.score(answers, {} if sex is None else {"sex": sex})
        assert_in_range(scale, result)
        assert all(value is not None for value in result.scores.values())
        # sums are whole numbers; only CORE-OM reports (rounded) means
        expected = float if scale_id == "core-om" else int
        assert all(type(value) is expected for value in result.scores.values())

    check()


@PROFILE
@given(
    answers=complete_answers(SCALES["core-om"]),
    dropped=st.sets(st.sampled_from([str(n) for n in range(1, 35)]), max_size=6),
)
def test_core_om_missing_items_are_prorated_or_rejected(answers, dropped):
    scale = SCALES["core-om"]
    for item in dropped:
        del answers[item]
    if len(dropped) > 3:
        with pytest.raises(InvalidAnswers):
            scale.score(answers, {})
        return
    result = scale.score(answers, {})
    assert_in_range(scale, result)
    assert result.scores["all"] is not None
    assert result.scores["non_risk"] is not None
    assert "all" in result.bands


minutes = st.integers(0, 2000) | st.floats(0, 2000, allow_nan=False)


@PROFILE
@given(in_bed=minutes, asleep=minutes)
def test_sleep_efficiency_is_a_percentage_or_rejected(in_bed, asleep):
    scale = SCALES["sleep-efficiency"]
    answers = {"time_in_bed_min": in_bed, "total_sleep_min": asleep}
    if in_bed == 0 or asleep > in_bed:
        with pytest.raises(InvalidAnswers):
            scale.score(answers, {})
        return
    result = scale.score(answers, {})
    assert 0 <= result.scores["efficiency"] <= 100
    is_low = exact(asleep) * 100 < 85 * exact(in_bed)
    assert result.bands["efficiency"] == ("low" if is_low else "normal")
