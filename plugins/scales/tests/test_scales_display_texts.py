"""What every first-party scale declares for display: score steps, citizen texts, flag texts."""

from __future__ import annotations

import re

import pytest
from scale_helpers import SCALES

from sob_core import Band

#: words of diagnosis or treatment advice that belong in the care team's text only
CLINICAL = re.compile(
    r"behandling bör|rekommenderas|diagnos|depression|beroende|klinisk|bedömning"
    r"|consider treatment|recommended|diagnos|depression\b|dependence|clinical|assessment",
    re.IGNORECASE,
)


def _bands(scale):
    for sub in scale.subscales:
        yield from sub.bands
        for variant in sub.bands_by_sex.values():
            yield from variant


@pytest.mark.parametrize("scale_id", sorted(SCALES))
def test_every_subscale_declares_its_score_step(scale_id):
    for sub in SCALES[scale_id].subscales:
        assert sub.step is not None and sub.step > 0, (scale_id, sub.id)
        assert sub.minimum is not None and sub.maximum is not None, (scale_id, sub.id)


@pytest.mark.parametrize("scale_id", sorted(SCALES))
def test_every_band_and_subscale_has_neutral_citizen_texts(scale_id):
    scale = SCALES[scale_id]
    for band in _bands(scale):
        for lang in ("sv", "en"):
            assert band.explanation.get(lang), (scale_id, band.slug, lang)
            citizen = band.citizen_explanation.get(lang)
            assert citizen, (scale_id, band.slug, lang)
            assert citizen != band.explanation[lang]
            assert not CLINICAL.search(citizen), (scale_id, band.slug, citizen)
    for sub in scale.subscales:
        for lang in ("sv", "en"):
            citizen = sub.citizen_explanation.get(lang)
            assert citizen, (scale_id, sub.id, lang)
            assert not CLINICAL.search(citizen), (scale_id, sub.id, citizen)


@pytest.mark.parametrize("scale_id", sorted(SCALES))
def test_every_flag_a_scale_can_raise_is_explained(scale_id):
    scale = SCALES[scale_id]
    for slug in set(scale.critical_items.values()):
        for lang in ("sv", "en"):
            assert scale.flag_texts.get(slug, {}).get(lang), (scale_id, slug, lang)


def test_band_ranges_follow_the_step():
    phq9 = SCALES["phq-9"].subscale("total")
    assert [b.inclusive_range(phq9.step, phq9.minimum, phq9.maximum) for b in phq9.bands] == [
        (0, 4),
        (5, 9),
        (10, 14),
        (15, 19),
        (20, 27),
    ]
    sleep = SCALES["sleep-efficiency"].subscale("efficiency")
    assert [b.inclusive_range(sleep.step, sleep.minimum, sleep.maximum) for b in sleep.bands] == [
        (0, 84.9),
        (85, 100),
    ]
    assert Band("x", {}, "#000", 0, 6).inclusive_range(None) == (0, None)
