"""Groups: their structure, headings and ``required`` kept on import and built again on export.

On import every question item is read in document order with the key (``linkId``) of the group
it is in; each group becomes an entry of ``definition["groups"]``: ``{"key", "parent", "text",
"required"}`` (``parent`` the enclosing group's key or None). A question names its group in
``"group"``. A group's ``enableWhen`` passes to the questions inside it, joined with
``all`` to a question's (or an inner group's) own (``conditions.combine``). A group that
``repeats`` gets ``"repeats": true`` and its ``questionnaire-minOccurs``/``-maxOccurs`` as
``"min_occurs"``/``"max_occurs"`` (``sob_core.forms.repeating``: each question in it stores a list,
one payload per repetition); a repeating group inside a repeating group is refused. What a group
carries that sob cannot keep (``initial``, an extension that is not purely presentational ...) is a
problem naming it; the
population-only extensions (``kept.POPULATION``: ``variable``, ``itemPopulationContext``,
``shortText`` ...) are kept verbatim in the group's ``"kept"`` and exported again.

On export the questions are nested again in their groups, in the same order (a repeating group
with ``repeats: true`` and its min/maxOccurs again). sob's pages do not
show group headings yet and do not enforce a group's ``required``; both are kept and exported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .common import HIDDEN, extensions, group_element, is_hidden, read_text
from .conditions import combine
from .errors import FhirImportError
from .followups import split
from .items import PRESENTATIONAL, link_of
from .kept import INITIAL_EXPRESSIONS, POPULATION

#: the keys of a group item sob reads (or, as metadata, may let go)
GROUP_KEYS = frozenset(
    {
        "linkId",
        "_linkId",
        "text",
        "_text",
        "type",
        "_type",
        "required",
        "item",
        "enableWhen",
        "enableBehavior",
        "extension",
        "id",
        "code",
        "definition",
        "prefix",
        "_prefix",
    }
)
Inherited = tuple[dict[str, Any], str] | None
#: a repeating group's occurrence extensions: ``definition["groups"]`` name -> url
OCCURS = {
    "min_occurs": "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs",
    "max_occurs": "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs",
}


def walk(
    items: Any,
    problems: list[FhirImportError],
    groups: list[dict[str, Any]],
    parent: str | None = None,
    inherited: Inherited = None,
    follows: str | None = None,
    in_question: bool = False,
    repeating: str | None = None,
) -> list[tuple[Mapping[str, Any], str | None, str | None]]:
    """The question items in order, each with its group's key and the key of the question it
    follows up (``followups.py``), or None; the groups go to ``groups`` and what cannot be kept
    to ``problems``. ``in_question``: ``items`` are the children of the question ``follows``, so
    a group among them is a group of follow-ups, which names that question in ``"question"``.
    ``repeating``: the key of the repeating group ``items`` are in, if any."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise FhirImportError("items_list")
    flat: list[tuple[Mapping[str, Any], str | None, str | None]] = []
    for item in items:
        link = link_of(item)
        own = {k: item[k] for k in ("enableWhen", "enableBehavior") if item.get(k)}
        if own.get("enableWhen") and inherited is not None:
            try:
                whens, behaviour = combine(
                    [
                        (inherited[0].get("enableWhen") or [], inherited[0].get("enableBehavior")),
                        (own["enableWhen"], own.get("enableBehavior")),
                    ],
                    link,
                    inherited[1],
                )
            except FhirImportError as error:
                problems.append(error)
                continue
            own = {"enableWhen": whens, **({"enableBehavior": behaviour} if behaviour else {})}
        elif inherited is not None:
            own = inherited[0]
        if item.get("type") != "group":
            asked, follow = split(item)
            flat.append(({**asked, **own} if own else asked, parent, follows))
            flat += walk(
                follow, problems, groups, parent, inherited, link, True, repeating=repeating
            )
            continue
        kept = _check_group(item, link, problems)
        repeats = item.get("repeats") is True
        group: dict[str, Any] = {"key": link, "parent": parent}
        if in_question:
            group["question"] = follows
        text = read_text(item, "text")
        if text:
            group["text"] = text
        if item.get("required") is True:
            group["required"] = True
        if is_hidden(item):  # its questions are never shown (forms.repeating.hidden_questions)
            group["hidden"] = True
        if repeats:
            if repeating is not None:
                problems.append(
                    FhirImportError("group_repeats_nested", link=repr(link), outer=repr(repeating))
                )
            group.update(_occurs(item, link, problems))
        if kept:  # population-only extensions (kept.POPULATION), written back on export
            group["kept"] = {"extension": kept}
        groups.append(group)
        passed = (own, link) if own.get("enableWhen") else inherited
        inner = link if repeats and repeating is None else repeating
        flat += walk(item.get("item"), problems, groups, link, passed, follows, repeating=inner)
    return flat


def _occurs(item: Mapping[str, Any], link: str, problems: list[FhirImportError]) -> dict[str, Any]:
    """A repeating group's settings: ``repeats`` and its min/maxOccurs, when given."""
    found: dict[str, Any] = {"repeats": True}
    for name, url in OCCURS.items():
        for extension in extensions(item, url):
            value = extension.get("valueInteger")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(FhirImportError("group_occurs", link=repr(link), url=repr(url)))
            else:
                found[name] = value
    if found.get("max_occurs") == 0 or found.get("min_occurs", 0) > found.get("max_occurs", 99):
        problems.append(
            FhirImportError("group_occurs", link=repr(link), url=repr(OCCURS["max_occurs"]))
        )
    return found


def _check_group(
    item: Mapping[str, Any], link: str, problems: list[FhirImportError]
) -> list[dict[str, Any]]:
    """What of the group sob cannot keep goes to ``problems``; the population-only extensions
    it keeps verbatim are returned."""
    kept: list[dict[str, Any]] = []
    where = {"link": repr(link)}
    for extension in item.get("modifierExtension") or []:
        url = extension.get("url") if isinstance(extension, Mapping) else None
        problems.append(FhirImportError("group_modifier", **where, url=repr(url)))
    dropped = [
        repr(name)
        for name, value in item.items()
        if name not in GROUP_KEYS
        and name not in ("modifierExtension", "repeats")
        and value not in (False, None, [], {}, "")
    ]
    if dropped:
        problems.append(FhirImportError("group_key", **where, names=", ".join(dropped)))
    for extension in item.get("extension") or []:
        url = extension.get("url") if isinstance(extension, Mapping) else None
        if url in OCCURS.values() and item.get("repeats") is True:
            continue  # read by _occurs
        if url == HIDDEN and is_hidden(item):
            continue  # read by walk: ``"hidden": true``
        if url in POPULATION and url not in INITIAL_EXPRESSIONS:
            kept.append(dict(extension))
        elif url not in PRESENTATIONAL:
            problems.append(FhirImportError("group_extension", **where, url=repr(url)))
    return kept


def nest(
    items: Sequence[dict[str, Any]],
    questions: Sequence[Mapping[str, Any]],
    groups: Any,
    lang: str,
) -> list[dict[str, Any]]:
    """The exported question ``items`` nested again in the groups their questions name."""
    known = {g["key"]: g for g in groups or [] if isinstance(g, Mapping) and g.get("key")}
    if not known:
        return list(items)
    top: list[dict[str, Any]] = []
    open_groups: list[
        tuple[str, list[dict[str, Any]]]
    ] = []  # (key, its item list), outermost first
    for item, question in zip(items, questions, strict=True):
        path = _path(question.get("group"), known)
        depth = 0
        while (
            depth < len(open_groups) and depth < len(path) and open_groups[depth][0] == path[depth]
        ):
            depth += 1
        del open_groups[depth:]
        for key in path[depth:]:
            element = group_element(known[key], lang)
            (open_groups[-1][1] if open_groups else top).append(element)
            open_groups.append((key, element["item"]))
        (open_groups[-1][1] if open_groups else top).append(item)
    return top


def _path(key: Any, known: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The keys of the groups from the outermost to ``key`` (empty when it names none)."""
    path: list[str] = []
    while isinstance(key, str) and key in known and key not in path:
        path.insert(0, key)
        key = known[key].get("parent")
    return path
