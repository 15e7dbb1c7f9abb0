"""Scale.validate: what a third-party scale gets wrong is refused, naming plugin, scale and problem."""

from __future__ import annotations

import types
from dataclasses import replace

import pytest

from sob_core import (
    PALETTE,
    Band,
    PluginContractError,
    ScaleItem,
    hookimpl,
    simple_sum_scale,
)
from sob_core.plugins import PluginLoadError
from sob_core.testing import build_app

OPTIONS = tuple({"sv": f"Alternativ {n}", "en": f"Option {n}"} for n in range(5))


def band(slug: str, lower: float | None, upper: float | None, colour: str = "green") -> Band:
    return Band(slug=slug, label={"sv": slug, "en": slug}, colour=colour, lower=lower, upper=upper)


GOOD_BANDS = (band("low", 10, 22), band("high", 22, None, "red"))


def scale(
    *,
    bands=GOOD_BANDS,
    options=OPTIONS,
    item_options=None,
    texts_shipped: bool = True,
    scores=(1, 2, 3, 4, 5),
):
    """A K10-like scale: 10 items scored 1-5, total 10-50."""
    items = tuple(
        ScaleItem(
            id=str(n),
            scores=scores,
            text={"sv": f"Fråga {n}", "en": f"Question {n}"} if texts_shipped else {},
            options=item_options if item_options is not None else (),
        )
        for n in range(1, 11)
    )
    return simple_sum_scale(
        id="k-test",
        name={"sv": "Testskala", "en": "Test scale"},
        version="1",
        citation="Test citation",
        licence="Test licence",
        items=items,
        label={"sv": "Summa", "en": "Total"},
        bands=bands,
        options=options,
        texts_shipped=texts_shipped,
    )


def test_a_well_formed_scale_validates():
    scale().validate()
    scale(options=(), texts_shipped=False).validate()


def test_a_palette_name_is_a_colour_and_becomes_its_hex():
    assert band("low", 0, 1, "amber").colour == PALETTE["amber"]


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        # one mapping of languages to lists instead of one {"sv", "en"} per option
        (
            {"options": {"sv": ["a", "b", "c", "d", "e"], "en": ["a", "b", "c", "d", "e"]}},
            "must be a tuple with one {'sv': ..., 'en': ...} per option",
        ),
        (
            {"options": ({"sv": ["a", "b", "c", "d", "e"], "en": ["a", "b", "c", "d", "e"]},)},
            "option 1 must be one {'sv': ..., 'en': ...} text per option, got dict of lists",
        ),
        (
            {"options": OPTIONS[:3]},
            "item 1 has 5 scores but the shared options give 3 option labels",
        ),
        (
            {"options": (), "item_options": OPTIONS[:3]},
            "item 1 has 5 scores but its own options give 3 option labels",
        ),
        (
            {"options": ()},
            "says it ships texts but item 1 has no option labels",
        ),
        (
            {"bands": (band("low", 10, 22, "#ffff00"), band("high", 22, None))},
            "band 'low': the colour #ffff00 has only 1.1:1 contrast against white",
        ),
        (
            {"bands": (band("low", 10, 20), band("high", 22, None))},
            "bands 'low' (below 20) and 'high' (from 22) leave a gap",
        ),
        (
            {"bands": (band("low", 10, 25), band("high", 22, None))},
            "bands 'low' (10 to below 25) and 'high' (from 22) overlap",
        ),
        (
            {"bands": (band("low", 0, 22), band("high", 22, None))},
            "the first band 'low' starts at 0, below the subscale's minimum 10",
        ),
        (
            {"bands": (band("low", 12, 22), band("high", 22, None))},
            "leave a gap from the minimum 10 to 12",
        ),
        (
            {"bands": (band("low", 10, 22), band("high", 22, 60))},
            "the last band 'high' reaches above the subscale's maximum 50",
        ),
        (
            {"bands": (band("low", 10, 22), band("high", 22, 40))},
            "leave a gap from 40 to the maximum 50",
        ),
        (
            {"bands": (band("Low Distress", 10, 22), band("high", 22, None))},
            "band slug 'Low Distress' must be lower-case letters, digits and hyphens",
        ),
        (
            {"bands": (band("low", 10, 22), band("low", 22, None))},
            "band slug 'low' is used twice",
        ),
    ],
)
def test_validate_refuses_naming_the_scale_and_the_problem(kwargs, problem):
    with pytest.raises(PluginContractError) as info:
        scale(**kwargs).validate()
    message = str(info.value)
    assert "'k-test'" in message
    assert problem in message


def test_a_wrong_option_shape_never_reaches_the_registry_as_texts_installed(tmp_path):
    """The host stops start-up naming the plugin, so no listing can call its texts installed."""
    bad = scale(options={"sv": list("abcde"), "en": list("abcde")})
    plugin = types.ModuleType("k10_plugin")
    plugin.sob_scales = hookimpl(lambda: [bad])  # type: ignore[attr-defined]
    with pytest.raises(PluginLoadError) as info:
        build_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, [("k10_plugin", plugin)])
    message = str(info.value)
    assert message.startswith("plugin 'k10_plugin': scale 'k-test'")
    assert "one {'sv': ..., 'en': ...} per option" in message


def test_sex_specific_bands_are_checked_too():
    good = scale()
    sub = good.subscales[0]
    broken = replace(sub, bands_by_sex={"female": (band("low", 10, 20), band("high", 22, None))})
    with pytest.raises(PluginContractError, match=r"bands_by_sex\['female'\].*leave a gap"):
        replace(good, subscales=(broken,)).validate()


def test_a_closed_last_band_ending_exactly_at_the_maximum_is_accepted_without_float_noise():
    """A mean 0-4 with step 0.01: a last band up to (not including) 4.01 ends at 4.00 exactly."""
    good = scale()
    sub = good.subscales[0]
    mean_like = replace(
        sub, bands=(band("low", 0, 1.5), band("high", 1.5, 4.01)), minimum=0, maximum=4, step=0.01
    )
    replace(good, subscales=(mean_like,)).validate()
    too_far = replace(mean_like, bands=(band("low", 0, 1.5), band("high", 1.5, 4.02)))
    with pytest.raises(PluginContractError, match="reaches above the subscale's maximum 4"):
        replace(good, subscales=(too_far,)).validate()


def test_a_banded_subscale_needs_a_step_so_ranges_read_inclusive():
    good = scale()
    no_step = replace(good.subscales[0], step=None)
    with pytest.raises(PluginContractError, match="has bands but no step"):
        replace(good, subscales=(no_step,)).validate()
