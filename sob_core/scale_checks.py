"""The checks ``Scale.validate`` runs on a scale's option labels and bands (kept apart from
``types`` so that module stays the plain list of the contract's objects).

Each raises ``PluginContractError`` naming the scale, the subscale and what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .palette import check_colour
from .types import SLUG_RE, Band, LocalText, PluginContractError, Subscale, _check_text


def check_options(
    scale_id: str, what: str, options: Any, texts_shipped: bool
) -> tuple[LocalText, ...]:
    """Option labels: a sequence with one ``{"sv": ..., "en": ...}`` per option, printed order."""
    if isinstance(options, Mapping | str):
        raise PluginContractError(
            f"scale {scale_id!r}: {what} must be a tuple with one {{'sv': ..., 'en': ...}} per"
            f" option, not one mapping of languages (got {type(options).__name__})"
        )
    labels = tuple(options or ())
    for number, label in enumerate(labels, start=1):
        if not isinstance(label, Mapping) or not all(
            isinstance(lang, str) and isinstance(value, str) for lang, value in label.items()
        ):
            raise PluginContractError(
                f"scale {scale_id!r}: {what}: option {number} must be one {{'sv': ..., 'en': ...}}"
                f" text per option, got {type(label).__name__}"
                + (" of lists" if isinstance(label, Mapping) else "")
            )
        if texts_shipped and not label.get("sv"):
            raise PluginContractError(
                f"scale {scale_id!r}: {what}: option {number} has no Swedish ('sv') text"
            )
    return labels


def _number(value: float | None) -> str:
    return "open" if value is None else f"{value:g}"


def check_bands(scale_id: str, sub: Subscale, bands: tuple[Band, ...], what: str) -> None:
    """One set of bands: well-formed, in order, covering the subscale without gaps or overlaps."""
    where = f"scale {scale_id!r} subscale {sub.id!r} {what}"
    if not bands:
        return
    if sub.step is not None and not sub.step > 0:
        raise PluginContractError(f"scale {scale_id!r} subscale {sub.id!r}: step must be above 0")
    if sub.step is None:
        raise PluginContractError(
            f"scale {scale_id!r} subscale {sub.id!r} has bands but no step: set step (1 for a"
            " sum of whole item scores, 0.01 for a mean with two decimals) so each band reads"
            " as its inclusive range, such as '22–29'"
        )
    slugs: set[str] = set()
    for band in bands:
        if not isinstance(band, Band):
            raise PluginContractError(f"{where}: {band!r} is not a Band")
        if not isinstance(band.slug, str) or not SLUG_RE.match(band.slug):
            raise PluginContractError(
                f"{where}: band slug {band.slug!r} must be lower-case letters, digits and"
                " hyphens, such as 'low-distress'"
            )
        if band.slug in slugs:
            raise PluginContractError(f"{where}: band slug {band.slug!r} is used twice")
        slugs.add(band.slug)
        _check_text(f"{where} band {band.slug!r} label", band.label)
        try:
            check_colour(band.colour)
        except ValueError as error:
            raise PluginContractError(f"{where} band {band.slug!r}: {error}") from error
        if band.lower is not None and band.upper is not None and band.lower >= band.upper:
            raise PluginContractError(
                f"{where} band {band.slug!r}: lower {band.lower:g} must be below upper"
                f" {band.upper:g} (upper is exclusive)"
            )
    ordered = sorted(bands, key=lambda b: -math.inf if b.lower is None else b.lower)
    first, last = ordered[0], ordered[-1]
    if sub.minimum is not None and first.lower is not None:
        if first.lower < sub.minimum:
            raise PluginContractError(
                f"{where}: the first band {first.slug!r} starts at {first.lower:g}, below the"
                f" subscale's minimum {sub.minimum:g}"
            )
        if first.lower > sub.minimum:
            raise PluginContractError(
                f"{where}: the bands leave a gap from the minimum {sub.minimum:g} to"
                f" {first.lower:g}, where the first band {first.slug!r} starts"
            )
    if sub.maximum is not None and last.lower is not None and last.lower > sub.maximum:
        raise PluginContractError(
            f"{where}: the last band {last.slug!r} starts at {last.lower:g}, above the"
            f" subscale's maximum {sub.maximum:g}"
        )
    if sub.maximum is not None and last.upper is not None:
        # exactly, as ``Band.inclusive_range`` does: 4.01 - 0.01 is 4, not 4.000000000000001
        top = Decimal(str(last.upper)) - Decimal(str(sub.step or 0))
        if last.upper <= sub.maximum:
            raise PluginContractError(
                f"{where}: the bands leave a gap from {last.upper:g} to the maximum"
                f" {sub.maximum:g}; make the last band {last.slug!r} open (upper=None)"
            )
        if sub.step and top > Decimal(str(sub.maximum)):
            raise PluginContractError(
                f"{where}: the last band {last.slug!r} reaches above the subscale's maximum"
                f" {sub.maximum:g}; make it open (upper=None)"
            )
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.upper is None or (after.lower is not None and before.upper > after.lower):
            raise PluginContractError(
                f"{where}: bands {before.slug!r} ({_number(before.lower)} to below"
                f" {_number(before.upper)}) and {after.slug!r} (from {_number(after.lower)})"
                " overlap; each band's upper must be the next band's lower"
            )
        if after.lower is None or before.upper < after.lower:
            raise PluginContractError(
                f"{where}: bands {before.slug!r} (below {_number(before.upper)}) and"
                f" {after.slug!r} (from {_number(after.lower)}) leave a gap; each band's upper"
                " must be the next band's lower"
            )
