"""Reading a version's content: parse the stored document once per loaded version.

One page walks the same version's content many times (refresh, the overview, titles, bookmarks);
``content_of`` parses it on first use and keeps the typed document on the instance for as long as
the instance holds the same stored JSON, so a changed draft (a new JSON value) is parsed again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .schema import ProgramContent

_PARSED = "_sob_parsed_content"


class HasContent(Protocol):
    """Anything holding a stored content document, such as a ``ProgramVersion``."""

    @property
    def content(self) -> Any: ...


def content_of(version: HasContent) -> ProgramContent:
    """The typed content of ``version``, parsed once per stored document."""
    raw = version.content
    cached = getattr(version, _PARSED, None)
    if cached is not None and cached[0] is raw:
        parsed: ProgramContent = cached[1]
        return parsed
    parsed = ProgramContent.from_json(raw)
    setattr(version, _PARSED, (raw, parsed))
    return parsed


def as_content(content: ProgramContent | Mapping[str, Any] | None) -> ProgramContent:
    """A typed document from either a typed one or its stored JSON (tests, the preview)."""
    if isinstance(content, ProgramContent):
        return content
    return ProgramContent.from_json(content)
