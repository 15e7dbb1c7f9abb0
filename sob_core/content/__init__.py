"""Program content: the one owner of the ``ProgramVersion.content`` document.

``schema`` types it and holds the walkers, ``reading`` parses a version's once, ``kinds`` is
the table of item kinds, ``unlock`` the unlock rules, ``rules`` validates, ``html`` sanitises, ``editing`` changes a draft, ``diff`` lists
what changed. Nothing here knows Flask or the database: errors are coded (``checks.ContentError``)
and the web translates them.
"""

from __future__ import annotations

from .checks import ContentError, FormFacts, Known
from .kinds import ITEM_KINDS, KINDS, ItemKind
from .reading import as_content, content_of
from .schema import Item, KeyCounters, Module, ProgramContent, Unlock, filled
from .unlock import RULES, UNLOCK_RULES, UnlockRule

__all__ = [
    "ITEM_KINDS",
    "KINDS",
    "RULES",
    "UNLOCK_RULES",
    "ContentError",
    "FormFacts",
    "Item",
    "ItemKind",
    "KeyCounters",
    "Known",
    "Module",
    "ProgramContent",
    "Unlock",
    "UnlockRule",
    "as_content",
    "content_of",
    "filled",
]
