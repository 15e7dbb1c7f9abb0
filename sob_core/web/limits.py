"""Text limits on the web's forms: said beforehand, answered with a message, never a silent cut.

WTForms' ``Length`` puts ``maxlength`` on the input, and a browser then cuts a pasted text at that
length without a word. ``MaxLength`` leaves the input alone: it flags ``max_characters`` (the
field macros show the limit as a hint) and refuses a longer text with a message in the user's
language that says how long it is, so the text comes back whole to be shortened.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from wtforms.validators import ValidationError


class MaxLength:
    """At most ``max`` characters (``None`` or empty passes: ``InputRequired`` judges that)."""

    def __init__(self, max: int) -> None:
        self.max = max
        self.field_flags = {"max_characters": max}

    def __call__(self, form: Any, field: Any) -> None:
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(
                _(
                    "The text may be at most %(max)s characters long; it is %(length)s. "
                    "Shorten it and try again.",
                    max=self.max,
                    length=length,
                )
            )


#: no list is paged further than this: a larger number in a URL is a made-up one
MAX_PAGE = 100_000


def page_number(value: str | None) -> int:
    """The page of a paged list asked for in a URL: 1 for anything that is not a page number
    (text, zero, a negative or a number no list has)."""
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 6:
        return 1
    return min(max(1, int(text)), MAX_PAGE)
