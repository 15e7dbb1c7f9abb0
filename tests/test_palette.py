"""The band palette: every colour readable against white, and the check that refuses others."""

from __future__ import annotations

import pytest

from sob_core import PALETTE, check_colour, contrast_ratio


def test_every_palette_colour_has_aa_contrast_against_white():
    for name, colour in PALETTE.items():
        assert contrast_ratio(colour) >= 4.5, name


def test_contrast_ratio_matches_the_wcag_extremes():
    assert contrast_ratio("#000000") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff") == pytest.approx(1.0)


def test_a_palette_name_resolves_and_a_dark_hex_passes():
    assert check_colour("green") == PALETTE["green"]
    assert check_colour("#1b5e20") == "#1b5e20"


@pytest.mark.parametrize("colour", ["#ffff00", "#ffeb3b", "#9e9e9e"])
def test_light_colours_are_refused_with_the_palette_named(colour):
    with pytest.raises(ValueError, match="contrast against white.*green"):
        check_colour(colour)


@pytest.mark.parametrize("colour", ["yellow-ish", "#fff", "rgb(0,0,0)", ""])
def test_anything_not_a_name_or_rrggbb_is_refused(colour):
    with pytest.raises(ValueError, match="#rrggbb"):
        check_colour(colour)
