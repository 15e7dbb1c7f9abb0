"""Which sob-questions types administer scale items, and the question config they build."""

from __future__ import annotations

from sob_questions import choice, numeric, temporal

from sob_core import ScaleItem

CHOICE = ScaleItem("1", (0, 1, 2))
MINUTES = ScaleItem("sol", kind="number", unit="min")
HOURS = ScaleItem("tib", kind="number", unit="h")
LABELS = [{"sv": "Aldrig"}, {"sv": "Ibland", "en": "Sometimes"}, {"sv": "Ofta"}]


def test_single_choice_asks_choice_items_with_one_option_per_score():
    config = choice.SINGLE_CHOICE.for_scale_item(CHOICE, LABELS)
    assert config == {
        "options": [
            {"value": "0", "label": {"sv": "Aldrig"}},
            {"value": "1", "label": {"sv": "Ibland", "en": "Sometimes"}},
            {"value": "2", "label": {"sv": "Ofta"}},
        ]
    }
    choice.SINGLE_CHOICE.validate_config(config, "sv")
    assert choice.SINGLE_CHOICE.for_scale_item(MINUTES, []) is None


def test_only_single_choice_serves_scales_among_the_choice_types():
    assert choice.DROPDOWN_TYPE.for_scale_item is None
    assert choice.MULTIPLE_CHOICE.for_scale_item is None


def test_minutes_are_asked_as_a_duration_other_numbers_as_a_number():
    assert temporal.DURATION.for_scale_item(MINUTES, []) == {}
    assert temporal.DURATION.for_scale_item(HOURS, []) is None
    assert numeric.NUMBER.for_scale_item(HOURS, []) == {}
    assert numeric.NUMBER.for_scale_item(MINUTES, []) == {}  # a fallback without durations
    assert numeric.NUMBER.for_scale_item(CHOICE, LABELS) is None
    # the core takes the first serving type in key order: "duration" before "number"
    assert sorted(["number", "duration"])[0] == temporal.DURATION.key
