"""A text for a question the Questionnaire gives none (the R4 Glasgow Coma Scale's items carry
only a linkId, a LOINC code and an answer list).

A clinician expects the item's own name: the ``display`` of its first code that has one, else the
title (or name) of its contained answer list, else its linkId. The question records where its
text came from (``"label_from"``: ``code``, ``value_set`` or ``link``); the import report says so
(``kept.report``) and the export leaves the text out again, as the source had it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def value_set_names(resource: Mapping[str, Any]) -> dict[str, str]:
    """The contained ValueSets' titles (or names), by their reference ``#id``."""
    names: dict[str, str] = {}
    for value_set in resource.get("contained") or []:
        if not isinstance(value_set, Mapping) or value_set.get("resourceType") != "ValueSet":
            continue
        name = value_set.get("title") or value_set.get("name")
        if isinstance(value_set.get("id"), str) and isinstance(name, str) and name.strip():
            names["#" + value_set["id"]] = name.strip()
    return names


def made_up_label(item: Mapping[str, Any], names: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """``(label, where it came from)`` for an item without text."""
    for coding in item.get("code") or []:
        display = coding.get("display") if isinstance(coding, Mapping) else None
        if isinstance(display, str) and display.strip():
            return {"sv": display.strip()}, "code"
    reference = item.get("answerValueSet")
    if isinstance(reference, str) and reference in names:
        return {"sv": names[reference]}, "value_set"
    return {"sv": str(item.get("linkId"))}, "link"
