"""Helpers shared by the sob-scales tests: build answer sets and score them."""

from __future__ import annotations

from typing import Any

from sob_scales import (
    audit,
    core_om,
    dshi9,
    dudit,
    epds,
    gad7,
    isi,
    madrs_s,
    phq9,
    rcads25,
    sleep_efficiency,
)

from sob_core import Scale, ScaleScore

SCALES: dict[str, Scale] = {
    module.SCALE.id: module.SCALE
    for module in (
        audit,
        dudit,
        core_om,
        rcads25,
        phq9,
        gad7,
        isi,
        epds,
        madrs_s,
        dshi9,
        sleep_efficiency,
    )
}


def same(scale: Scale, index: int) -> dict[str, int]:
    """Every choice item answered with the same option index."""
    return {item.id: index for item in scale.items}


def with_total(scale: Scale, total: int) -> dict[str, int]:
    """Complete answers whose item scores add up to ``total`` (items filled greedily in order)."""
    answers = {}
    remaining = total
    for item in scale.items:
        fitting = [i for i, points in enumerate(item.scores) if points <= remaining]
        take = max(fitting, key=lambda i: item.scores[i])
        answers[item.id] = take
        remaining -= item.scores[take]
    assert remaining == 0, f"cannot reach {total} on {scale.id}"
    return answers


def score(scale: Scale, answers: Any, context: Any = None) -> ScaleScore:
    return scale.score(answers, {} if context is None else context)
