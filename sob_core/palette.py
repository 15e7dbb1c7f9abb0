"""The band colours: one accessible palette for every chart, scale and form result.

A band's colour fills its area on a chart and marks its swatch beside the band's label, and the
label is always written out, so colour is never the only signal. Each colour has at least 4.5:1
contrast against white (WCAG 2.1 AA for text), so white text on it and it as a line or a swatch
on the white page are both readable. ``check_colour`` is what ``Scale.validate`` and the form
builder use; a plugin may use any colour that passes it, but the palette's names keep "green"
meaning the same thing everywhere.
"""

from __future__ import annotations

import re

#: name -> CSS hex colour, in the order the design tool offers them (from "all is well" to "act")
PALETTE: dict[str, str] = {
    "green": "#2e7d32",
    "lime": "#4e7d0e",
    "teal": "#00695c",
    "blue": "#1565c0",
    "purple": "#6a1b9a",
    "amber": "#8d6e00",
    "orange": "#a84f00",
    "deep-orange": "#bf360c",
    "red": "#b71c1c",
    "grey": "#545454",
}

#: the least contrast a band colour must have against white
MIN_CONTRAST = 4.5

_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def _luminance(colour: str) -> float:
    match = _HEX.match(colour)
    if match is None:
        raise ValueError(f"{colour!r} is not a colour written #rrggbb")
    digits = match.group(1)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour: str, other: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    a, b = _luminance(colour), _luminance(other)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def resolve_colour(colour: str) -> str:
    """A palette name or a #rrggbb colour as #rrggbb (a name is looked up; case is kept)."""
    return PALETTE.get(colour, colour)


def check_colour(colour: str) -> str:
    """The colour as #rrggbb when it is a palette name or a hex colour with enough contrast
    against white; otherwise ``ValueError`` saying why (and naming the palette)."""
    if not isinstance(colour, str):
        raise ValueError(f"a band colour must be text, not {type(colour).__name__}")
    value = resolve_colour(colour)
    ratio = contrast_ratio(value)  # raises for anything not #rrggbb
    if ratio < MIN_CONTRAST:
        raise ValueError(
            f"the colour {colour} has only {ratio:.1f}:1 contrast against white (at least "
            f"{MIN_CONTRAST}:1 is needed); use one of the palette's: {', '.join(PALETTE)}"
        )
    return value
