"""Follow-up questions: items nested inside a question item (FHIR's way of asking more about an
answer, e.g. the R4 bluebook's ``hepBgivenDate`` under ``hepBgiven``).

On import the question items nested in a question are read as questions of their own, right
after it in the form, each naming it in ``"parent"`` (a follow-up of a follow-up names its own
parent). The form pages show a follow-up right after its parent, indented under it. On export
each is nested in its parent's item again. A group nested in a question is refused, by name.
``display`` children stay with their question: they are its help, its end labels ... (``items.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def split(item: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Any]]:
    """``(the item without its follow-ups, the follow-up items)``."""
    children = item.get("item")
    if not isinstance(children, list):
        return item, []
    follow = [c for c in children if not (isinstance(c, Mapping) and c.get("type") == "display")]
    if not follow:
        return item, []
    own = [c for c in children if c not in follow]
    rest = {k: v for k, v in item.items() if k != "item"}
    if own:
        rest["item"] = own
    return rest, follow


def attach(
    items: Sequence[dict[str, Any]], questions: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[Mapping[str, Any]]]:
    """The exported items with each follow-up nested in its parent's item: ``(top-level items,
    their questions)``."""
    by_key: dict[str, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    top_questions: list[Mapping[str, Any]] = []
    for item, question in zip(items, questions, strict=True):
        parent = question.get("parent")
        if isinstance(parent, str) and parent in by_key:
            by_key[parent].setdefault("item", []).append(item)
        else:
            top.append(item)
            top_questions.append(question)
        by_key[str(question.get("key"))] = item
    return top, top_questions
