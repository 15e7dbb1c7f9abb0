"""Small building blocks shared by the scale modules of this distribution (not an entry point).

Band colours are names of ``sob_core.PALETTE`` ("green", "amber", "red" ...), the one palette of
every chart, scale and form result, so "green" means the same thing everywhere; ``Band`` turns a
name into its #rrggbb and ``Scale.validate`` checks it with ``check_colour``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sob_core import Band, LocalText, ScaleItem


def band(
    slug: str,
    label: tuple[str, str],
    colour: str,  # a name of sob_core.PALETTE
    lower: float | None,
    upper: float | None,
    explanation: tuple[str, str],
    citizen: tuple[str, str],
) -> Band:
    """A band with Swedish and English label, staff explanation and citizen text (``(sv, en)``).

    ``explanation`` is for the care team; ``citizen`` is what the citizen reads beside her own
    values: neutral, without diagnosis or treatment advice.
    """
    return Band(
        slug=slug,
        label={"sv": label[0], "en": label[1]},
        colour=colour,
        lower=lower,
        upper=upper,
        explanation={"sv": explanation[0], "en": explanation[1]},
        citizen_explanation={"sv": citizen[0], "en": citizen[1]},
    )


def text(sv: str, en: str) -> LocalText:
    return {"sv": sv, "en": en}


def structure_items(scores: Sequence[tuple[int, ...]]) -> tuple[ScaleItem, ...]:
    """Items numbered 1..N that carry only option scores (texts come from a licensed text pack)."""
    return tuple(
        ScaleItem(id=str(number), scores=item_scores)
        for number, item_scores in enumerate(scores, start=1)
    )
