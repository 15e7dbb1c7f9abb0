"""Follow-up questions: items nested inside a question item (FHIR's way of asking more about an
answer, e.g. the R4 bluebook's ``hepBgivenDate`` under ``hepBgiven``).

On import the question items nested in a question are read as questions of their own, right
after it in the form, each naming it in ``"parent"`` (a follow-up of a follow-up names its own
parent). The form pages show a follow-up right after its parent, indented under it. On export
each is nested in its parent's item again.

A **group** nested in a question (the R4 bluebook's ``vitaminKgivenDoses`` under
``vitaminKgiven``) is a group of follow-ups: an entry of ``definition["groups"]`` like any
(``groups.py``) that names the question in ``"question"`` (its ``"parent"`` is the group the
question is in); the questions in it are follow-ups of the question (``"parent"``) in that
group (``"group"``). On export the group item is built again inside the question's item.
``display`` children stay with their question: they are its help, its end labels ... (``items.py``),
except one with a condition of its own (``enableWhen``, or SDC's ``enableWhenExpression``: Android
FHIR's "Text when yes is selected"): it is a follow-up like a question, a text (the
``information`` type) shown right after its question when its condition holds, nested in the
question's item again on export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .common import extensions, group_element
from .expressions import ENABLE_WHEN


def split(item: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Any]]:
    """``(the item without its follow-ups, the follow-up items)``."""
    children = item.get("item")
    if not isinstance(children, list):
        return item, []
    follow = [
        c
        for c in children
        if not (isinstance(c, Mapping) and c.get("type") == "display") or _conditional(c)
    ]
    if not follow:
        return item, []
    own = [c for c in children if c not in follow]
    rest = {k: v for k, v in item.items() if k != "item"}
    if own:
        rest["item"] = own
    return rest, follow


def _conditional(child: Mapping[str, Any]) -> bool:
    """Whether a display child is shown on a condition of its own (a follow-up, not a note)."""
    return bool(child.get("enableWhen") or extensions(child, ENABLE_WHEN))


def attach(
    items: Sequence[dict[str, Any]],
    questions: Sequence[Mapping[str, Any]],
    groups: Any = None,
    lang: str = "sv",
) -> tuple[list[dict[str, Any]], list[Mapping[str, Any]]]:
    """The exported items with each follow-up nested in its parent's item (inside the groups of
    follow-ups it is in, ``groups`` being ``definition["groups"]``): ``(top-level items, their
    questions)``."""
    known = {g["key"]: g for g in groups or [] if isinstance(g, Mapping) and g.get("key")}
    by_key: dict[str, dict[str, Any]] = {}
    top: list[dict[str, Any]] = []
    top_questions: list[Mapping[str, Any]] = []
    for item, question in zip(items, questions, strict=True):
        parent = question.get("parent")
        if isinstance(parent, str) and parent in by_key:
            container = by_key[parent].setdefault("item", [])
            for key in _path_in(question.get("group"), parent, known):
                last = container[-1] if container else None
                if not (
                    isinstance(last, dict)
                    and last.get("type") == "group"
                    and last.get("linkId") == key
                ):
                    last = group_element(known[key], lang)
                    container.append(last)
                container = last["item"]
            container.append(item)
        else:
            top.append(item)
            top_questions.append(question)
        by_key[str(question.get("key"))] = item
    return top, top_questions


def _path_in(key: Any, question: str, known: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The keys of the groups inside the item of ``question`` that hold the group ``key``,
    outermost first; empty when ``key`` is not inside it (the follow-up is then nested in the
    question's item directly)."""
    path: list[str] = []
    while isinstance(key, str) and key in known and key not in path:
        path.insert(0, key)
        if known[key].get("question") == question:
            return path
        key = known[key].get("parent")
    return []
