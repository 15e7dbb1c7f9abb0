"""Coded errors: an error code and its parameters; the words are looked up from the code.

The core has no request and no language, so it never translates. A ``CodedError`` renders itself
in English (``str(error)``, for logs, the command line and tests); the web renders the same code in
the user's language with ``error.render(gettext, lang)``. The templates are Babel message ids, so
the Swedish catalogue already holds their translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..types import local


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translated where shown)."""
    return message


@dataclass(frozen=True)
class Phrase:
    """A translatable piece of a message, such as a place ("Module 2") or a field name."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


#: Pieces of messages: places and field names.
PHRASES: dict[str, str] = {
    "program": N_("The program"),
    "module": N_("Module %(number)s"),
    "module_titled": N_("Module %(number)s (%(title)s)"),
    "item": N_("item %(number)s"),
    "question": N_("Question %(key)s"),
    "in_module": "%(module)s › %(item)s",
    "the_name": N_("the name"),
    "the_description": N_("the description"),
    "the_welcome": N_("the welcome text"),
    "the_days": N_("the recommended number of days"),
    "the_number_of_days": N_("the number of days"),
    "the_title": N_("the title"),
    "the_text": N_("the text"),
    "the_alt": N_("the alt text"),
    "the_transcript": N_("the transcript"),
}

Translate = Callable[[str], str]


def _identity(message: str) -> str:
    return message


def render_value(value: Any, translate: Translate, lang: str) -> Any:
    """A parameter as text: phrases translated, local texts in ``lang``, errors rendered."""
    if isinstance(value, Phrase):
        return render(PHRASES[value.code], value.params, translate, lang)
    if isinstance(value, CodedError):
        return value.render(translate, lang)
    if isinstance(value, Mapping):
        return local(value, lang)
    return value


def render(template: str, params: Mapping[str, Any], translate: Translate, lang: str) -> str:
    text = translate(template)
    if not params:
        return text
    return text % {name: render_value(value, translate, lang) for name, value in params.items()}


class CodedError(ValueError):
    """An error with a ``code`` from the class's ``messages`` table and named ``params``."""

    messages: ClassVar[Mapping[str, str]] = {}

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in self.messages:
            raise KeyError(f"{type(self).__name__} has no message {code!r}")
        self.code = code
        self.params = params
        super().__init__(self.render())

    @property
    def template(self) -> str:
        return self.messages[self.code]

    def render(self, translate: Translate = _identity, lang: str = "sv") -> str:
        """The message through ``translate`` (identity: English); texts of the content in ``lang``."""
        return render(self.template, self.params, translate, lang)
