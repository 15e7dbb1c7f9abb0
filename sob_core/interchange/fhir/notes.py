"""Notes: the ``display`` items nested in a question that are not its help or its end labels.

Form libraries put short texts beside a question as display children: LHC-Forms a ``prompt``
("Ange vikten") or a ``flyover`` (a tooltip), a ``unit`` text after a number field, ``legal``
small print, or an SDC ``displayCategory`` of ``instructions`` or ``security``. sob shows each of
them with the question, under its help (``forms.definitions.specs``), and keeps the item
as it came (its linkId, extensions and translations), so the export nests it in the question's
item again unchanged.

A nested display item is a note only when it is nothing but a text: one with a condition of its
own, its own children or keys sob would not show is refused by the import, as before.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .common import ITEM_CONTROL, SD, read_text

#: the keys a note may have: it is a text and how it is shown
NOTE_KEYS = frozenset({"linkId", "_linkId", "text", "_text", "type", "_type", "extension"})
#: the extensions a note may carry; they only say how it looks
NOTE_EXTENSIONS = frozenset(
    {
        ITEM_CONTROL,
        SD + "questionnaire-displayCategory",
        SD + "rendering-style",
        SD + "rendering-xhtml",
        SD + "rendering-markdown",
    }
)


def is_note(child: Any) -> bool:
    """Whether a nested item is a plain display text sob can show and keep as it is."""
    if not isinstance(child, Mapping) or child.get("type") != "display":
        return False
    if set(child) - NOTE_KEYS or not read_text(child, "text"):
        return False
    found = child.get("extension") or []
    return isinstance(found, list) and all(
        isinstance(e, Mapping) and e.get("url") in NOTE_EXTENSIONS for e in found
    )


def keep_notes(question: dict[str, Any], notes: Sequence[Mapping[str, Any]]) -> None:
    """Record ``notes`` (nested display items, ``is_note``) on the question: each its texts by
    language (``"text"``, what the form pages show) and the item as it came (``"fhir"``)."""
    if notes:
        question["notes"] = [
            {"text": read_text(note, "text"), "fhir": copy.deepcopy(dict(note))} for note in notes
        ]


def note_items(question: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The question's notes as the items to nest in its exported item again."""
    notes = question.get("notes")
    return [
        copy.deepcopy(dict(note["fhir"]))
        for note in (notes if isinstance(notes, list) else [])
        if isinstance(note, Mapping) and isinstance(note.get("fhir"), Mapping)
    ]
