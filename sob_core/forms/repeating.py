"""Repeating groups: a group of questions the citizen answers several times (FHIR's ``repeats``).

A group of ``definition["groups"]`` with ``"repeats": true`` (and optionally ``"min_occurs"`` /
``"max_occurs"``, FHIR's ``questionnaire-minOccurs``/``-maxOccurs``) is answered once per
repetition, e.g. one repetition per medicine with its name and dose.

Storage: every question in such a group (in it or in a group nested in it) stores a **list** of
its type's payloads, one per repetition, aligned by index; ``None`` where the repetition left the
question unanswered. All stored lists of one group have the same length (the repetitions kept: a
repetition left wholly blank is dropped). A question type sees nothing of this: each repetition's
answer is cleaned, displayed and exported by the type's own functions, one payload at a time, as
a question that ``repeats`` itself (``sob_questions._repeats``) stores a list of payloads.

The web form names a repetition's field ``<key>@<number>`` (``field_name``; ``@`` is not in a
question key) and posts how many repetitions it shows as ``repetitions@<group key>``. What sob does
not do inside a repeating group is refused by ``problems`` (on import, and by
``validate_definition``): a repeating group inside another, skip logic naming its questions from
outside it (which repetition would it read?), ``initial``/``read_only`` on them, FHIRPath
expressions on them (calculated, prefilled or conditionally shown), own results
reading them and scale forms with such a group.

Skip logic inside a repeating group holds **per repetition**: a question's ``show_if`` naming a
question of its own group reads that repetition's answer (``for_repetition`` renames it to the
field, so ``forms.js`` evaluates it in the browser as well); one naming a question outside the
group reads it as anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: how many repetitions a group takes at most, whatever its max_occurs says
MAX_REPETITIONS = 50
#: between a question key and a repetition number in a field's name
SEPARATOR = "@"
COUNT_PREFIX = "repetitions@"


def groups_of(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    groups = definition.get("groups") or []
    return {g["key"]: g for g in groups if isinstance(g, Mapping) and isinstance(g.get("key"), str)}


def hidden_questions(definition: Mapping[str, Any]) -> set[str]:
    """The questions never shown to the citizen (FHIR's ``questionnaire-hidden``): those with
    ``"hidden": true`` and those in a group (or a group within one) with ``"hidden": true``. The
    form keeps them like read-only questions: what is stored is the form's own value (its
    initial or calculated one), never anything posted; in a repeating group, where a question
    has neither (``problems``), nothing."""
    groups = groups_of(definition)
    found: set[str] = set()
    for question in definition.get("questions") or []:
        if not isinstance(question, Mapping):
            continue
        key, seen = question.get("group"), set()
        hidden = question.get("hidden") is True
        while not hidden and isinstance(key, str) and key in groups and key not in seen:
            seen.add(key)
            hidden = groups[key].get("hidden") is True
            key = groups[key].get("parent")
        if hidden:
            found.add(str(question.get("key")))
    return found


def repeating(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The repeating groups of a definition by key."""
    return {k: g for k, g in groups_of(definition).items() if g.get("repeats") is True}


def _outermost_repeating(key: Any, groups: Mapping[str, Mapping[str, Any]]) -> str | None:
    found = None
    seen: set[Any] = set()
    while isinstance(key, str) and key in groups and key not in seen:
        seen.add(key)
        if groups[key].get("repeats") is True:
            found = key
        key = groups[key].get("parent")
    return found


def repeated_questions(definition: Mapping[str, Any]) -> dict[str, str]:
    """Question key -> the key of the repeating group it is answered in (questions not in one
    are left out)."""
    groups = groups_of(definition)
    if not any(g.get("repeats") is True for g in groups.values()):
        return {}
    found: dict[str, str] = {}
    for question in definition.get("questions") or []:
        if isinstance(question, Mapping):
            group = _outermost_repeating(question.get("group"), groups)
            if group is not None:
                found[question["key"]] = group
    return found


def problems(definition: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What sob cannot do with the definition's repeating groups: ``(code, key)`` pairs, the code
    one of ``nested`` (a group key), ``condition``, ``initial``, ``expression`` (question keys), ``result`` (a
    result key), ``scale`` (a group key)."""
    groups = groups_of(definition)
    found: list[tuple[str, str]] = []
    for key, group in groups.items():
        if group.get("repeats") is True and _outermost_repeating(group.get("parent"), groups):
            found.append(("nested", key))
    inside = repeated_questions(definition)
    if not inside:
        return found
    if definition.get("scale_id"):
        found += [("scale", key) for key in dict.fromkeys(inside.values())]
    from .skip_logic import sources

    for question in definition.get("questions") or []:
        if not isinstance(question, Mapping):
            continue
        own = inside.get(question["key"])
        named = sources(question.get("show_if"))
        if any(k in inside and inside[k] != own for k in named):
            found.append(("condition", question["key"]))
        if question["key"] in inside and (
            question.get("initial") is not None or question.get("read_only")
        ):
            found.append(("initial", question["key"]))
        if question["key"] in inside and any(
            question.get(name)
            for name in ("calculated", "initial_expression", "enable_expression", "constraints")
        ):
            found.append(
                ("expression", question["key"])
            )  # evaluated once per form, not per repetition
    for result in definition.get("results") or []:
        if not isinstance(result, Mapping):
            continue
        listed = result.get("questions")
        chosen: list[Any] = listed if isinstance(listed, list) else []
        formula = str(result.get("formula") or "")
        if any(q in inside for q in chosen) or any(
            re.search(r"(?<![\w.-])" + re.escape(q) + r"(?![\w.-])", formula) for q in inside
        ):
            found.append(("result", str(result.get("key"))))
    return found


def field_name(key: str, number: int) -> str:
    return f"{key}{SEPARATOR}{number}"


def for_repetition(condition: Any, keys: Iterable[str], number: int) -> Any:
    """A ``show_if`` with the questions of ``keys`` (its own group's) named by their field in
    repetition ``number``, for the page's skip logic."""
    if not isinstance(condition, Mapping):
        return condition
    own = set(keys)
    renamed: dict[str, Any] = {}
    for name, value in condition.items():
        if name == "question" and value in own:
            renamed[name] = field_name(value, number)
        elif name in ("all", "any") and isinstance(value, list):
            renamed[name] = [for_repetition(c, own, number) for c in value]
        else:
            renamed[name] = value
    return renamed


def most(group: Mapping[str, Any]) -> int:
    """How many repetitions the group takes at most."""
    top = group.get("max_occurs")
    return min(top, MAX_REPETITIONS) if isinstance(top, int) and top > 0 else MAX_REPETITIONS


def least(group: Mapping[str, Any]) -> int:
    """How many repetitions must be answered (``required`` is at least one)."""
    low = group.get("min_occurs")
    low = low if isinstance(low, int) and low > 0 else 0
    return max(low, 1 if group.get("required") else 0)


def stored_counts(definition: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, int]:
    """How many repetitions to show of each repeating group for stored (or prefilled) answers:
    as many as were stored, at least one and ``min_occurs``."""
    inside = repeated_questions(definition)
    groups = repeating(definition)
    counts = {key: max(1, least(group)) for key, group in groups.items()}
    for key, group in inside.items():
        value = values.get(key)
        if isinstance(value, list):
            counts[group] = max(counts[group], len(value))
    return {key: min(count, most(groups[key])) for key, count in counts.items()}


def posted_counts(definition: Mapping[str, Any], formdata: Mapping[str, Any]) -> dict[str, int]:
    """How many repetitions the posted page showed of each repeating group (at least one)."""
    counts = {}
    for key, group in repeating(definition).items():
        raw = str(formdata.get(COUNT_PREFIX + key) or "")
        count = int(raw) if raw.isdigit() and len(raw) < 4 else 1
        counts[key] = min(max(count, 1), most(group))
    return counts


def spread(definition: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers as a form's data: a repeated question's list as one value per field."""
    inside = repeated_questions(definition)
    data: dict[str, Any] = {}
    for key, value in values.items():
        if key not in inside:
            data[key] = value
            continue
        for number, one in enumerate(value if isinstance(value, list) else [], start=1):
            if one is not None:
                data[field_name(key, number)] = one
    return data


def without(
    formdata: Iterable[tuple[str, Any]], definition: Mapping[str, Any], group: str, removed: int
) -> list[tuple[str, Any]]:
    """The posted ``(name, value)`` pairs with repetition ``removed`` of ``group`` taken out and
    the later ones moved down by one, so what was typed in them stays."""
    keys = [k for k, g in repeated_questions(definition).items() if g == group]
    pattern = re.compile(
        "^(" + "|".join(re.escape(k) for k in keys) + ")" + SEPARATOR + r"(\d{1,3})((?::.*)?)$"
    )
    kept: list[tuple[str, Any]] = []
    for name, value in formdata:
        match = pattern.match(name) if keys else None
        if match is None:
            if name == COUNT_PREFIX + group and str(value).isdigit():
                value = str(max(int(value) - 1, 1))
            kept.append((name, value))
            continue
        number = int(match.group(2))
        if number == removed:
            continue
        if number > removed:
            name = f"{match.group(1)}{SEPARATOR}{number - 1}{match.group(3)}"
        kept.append((name, value))
    return kept


def heading(group: Mapping[str, Any], number: int, lang: str) -> str:
    """A repetition's heading: the group's text and its number ("Läkemedel 2"), else the number."""
    from ..types import local

    text = local(group.get("text"), lang) if group.get("text") else ""
    return f"{text} {number}" if text else str(number)
