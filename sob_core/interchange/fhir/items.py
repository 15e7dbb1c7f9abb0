"""One Questionnaire item read into a question, and the checks that nothing is dropped on the way.

The question type that claims an item (``fhir_matches``) reads its settings (``from_fhir``); the core
reads the texts, help, media and skip logic, then exports the question again and refuses every key,
extension or nested item the item has and the export would not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...plugins import Registry
from ...types import QuestionSpec, QuestionType
from .common import (
    ITEM_CONTROL,
    MEDIA_EXTENSION,
    SD,
    controls,
    extensions,
    is_hidden,
    read_local_parts,
    read_text,
    without_hidden,
)
from .conditions import read_condition
from .errors import FhirImportError
from .expressions import read_expressions
from .kept import INITIAL_EXPRESSIONS, OPTION_SOURCES, keep
from .labels import made_up_label
from .notes import is_note, keep_notes
from .prefill import read_prefill

#: extensions that only change how an item looks; an import may let them go
PRESENTATIONAL = frozenset(
    {
        ITEM_CONTROL,
        SD + "questionnaire-choiceOrientation",
        SD + "entryFormat",
        SD + "rendering-style",
        SD + "rendering-styleSensitive",
        SD + "questionnaire-displayCategory",
    }
)
#: item keys the core maps itself, or metadata an import may let go
HANDLED_KEYS = frozenset(
    {
        "linkId",
        "_linkId",
        "text",
        "_text",
        "type",
        "_type",
        "required",
        "enableWhen",
        "enableBehavior",
        "item",
        "extension",
        "modifierExtension",
    }
)


def link_of(item: Any) -> str:
    """An item's ``linkId``; every item needs one."""
    link = item.get("linkId") if isinstance(item, Mapping) else None
    if not isinstance(link, str) or not link:
        raise FhirImportError("no_link")
    return link


def refuse_modifiers(element: Mapping[str, Any], code: str, **params: Any) -> None:
    """A modifier extension changes what an element means, so sob refuses any it meets."""
    if element.get("modifierExtension"):
        urls = [e.get("url") for e in element["modifierExtension"] if isinstance(e, Mapping)] or [
            "?"
        ]
        raise FhirImportError(code, **params, url=urls[0])


def contained_value_sets(resource: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The Questionnaire's contained ValueSets, by their reference ``#id`` (and by their canonical
    ``url``, which an item may name instead), as ``answerOption`` lists: from the ``expansion``
    when there is one, else from a ``compose`` that only lists concepts. A value set given any
    other way is not resolved (its item is then refused)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for value_set in resource.get("contained") or []:
        if not isinstance(value_set, Mapping) or value_set.get("resourceType") != "ValueSet":
            continue
        if not isinstance(value_set.get("id"), str):
            continue
        codings = _expansion(value_set)
        if codings:
            options = [{"valueCoding": coding} for coding in codings]
            found["#" + value_set["id"]] = options
            if isinstance(value_set.get("url"), str) and value_set["url"]:
                found[value_set["url"]] = options
    return found


#: what a contained value set's concept may carry to be read as a Coding (its extensions are
#: then judged as an answer option's are: ``ordinalValue`` and the like are refused, not lost)
_CODING_KEYS = frozenset({"system", "version", "code", "display", "_display", "extension"})


def _expansion(value_set: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    expansion = value_set.get("expansion")
    if isinstance(expansion, Mapping) and isinstance(expansion.get("contains"), list):
        entries = expansion["contains"]
        if all(
            isinstance(entry, Mapping)
            and isinstance(entry.get("code"), str)
            and not set(entry) - _CODING_KEYS
            for entry in entries
        ):
            return [dict(entry) for entry in entries]
        return None  # nested contains, designations ...: not a plain list of codings
    compose = value_set.get("compose")
    includes = compose.get("include") if isinstance(compose, Mapping) else None
    if not isinstance(includes, list) or compose.get("exclude"):  # type: ignore[union-attr]
        return None
    codings = []
    for include in includes:
        if not isinstance(include, Mapping) or set(include) - {"system", "version", "concept"}:
            return None  # a filter or another value set: not a plain list of codes
        for concept in include.get("concept") or []:
            if (
                not isinstance(concept, Mapping)
                or not isinstance(concept.get("code"), str)
                or set(concept) - _CODING_KEYS
            ):
                return None  # designations and the like would be lost
            coding = dict(concept)  # extensions (ordinalValue ...) go along, to be judged
            if isinstance(include.get("system"), str):
                coding = {"system": include["system"], **coding}
            codings.append(coding)
    return codings or None


def read_question(
    item: Mapping[str, Any],
    registry: Registry,
    value_sets: Mapping[str, list[dict[str, Any]]] | None = None,
    value_sets_named: Mapping[str, str] | None = None,
    variables: set[str] | None = None,
    links: set[str] | None = None,
) -> dict:
    """The question of an item, in the form definition's shape; an ``answerValueSet`` naming one
    of ``value_sets`` (``contained_value_sets``) is read as its ``answerOption`` list. An item
    without text is shown with a text made from its code, answer list (``value_sets_named``) or
    linkId (``made_up_label``), which the question records in ``label_from``. The FHIRPath
    expressions sob evaluates (``expressions.py``; ``variables``: the Questionnaire's FHIRPath
    variables they may name, ``links`` the items they may name) are read off the item first."""
    link = link_of(item)
    where = {"link": repr(link)}
    kind = item.get("type")
    refuse_modifiers(item, "item_modifier", **where)
    children = item.get("item") or []
    if not isinstance(children, list):
        raise FhirImportError("nested_list", **where)
    helps = [child for child in children if _is_help(child)]
    if len(helps) > 1:
        raise FhirImportError("many_helps", **where)
    hidden = is_hidden(item)  # ``"hidden"``: never shown, kept as a read-only question is
    own = {k: v for k, v in item.items() if k != "item"}
    core, computed = read_expressions(
        without_hidden(own) if hidden else own, link, variables or set(), links
    )
    reference = core.get("answerValueSet")
    if (
        isinstance(reference, str)
        and reference in (value_sets or {})
        and not core.get("answerOption")
    ):
        del core["answerValueSet"]
        core["answerOption"] = (value_sets or {})[reference]
    others = [child for child in children if not _is_help(child)]
    if others:
        core["item"] = others
    refuse_option_sources(core, link)  # before a type reads it as having no options
    qtype = _claimant(core, registry, link)
    assert qtype.from_fhir is not None
    try:
        config = dict(qtype.from_fhir(core))
    except ValueError as error:
        raise FhirImportError("type", **where, type=repr(kind), detail=error) from error
    label, label_from = read_text(item, "text"), None
    if not label:
        label, label_from = made_up_label(item, value_sets_named or {})
    question: dict[str, Any] = {
        "key": link,
        "type": qtype.key,
        "label": label,
        "config": config,
        "required": item.get("required") is True,
    }
    if label_from:
        question["label_from"] = label_from
    if hidden:
        question["hidden"] = True
    question.update(computed)
    read_prefill(item, question, qtype, link)
    if helps:
        question["help"] = read_text(helps[0], "text")
        if link_of(helps[0]) != f"{link}.help":  # its own linkId, exported again
            question["help_link"] = helps[0]["linkId"]
    media = _read_media(item, link)
    if media:
        question["media"] = media
    condition = read_condition(item, link)
    if condition:
        question["show_if"] = condition
    _check_nothing_dropped(core, question, qtype, link)
    return question


def refuse_option_sources(item: Mapping[str, Any], link: str) -> None:
    """Refuse an item whose answer options come from an extension sob cannot evaluate
    (``kept.OPTION_SOURCES``), naming it and what it says: without it the item would seem to
    have no options, and an open choice would become a free text, a wrong form in silence."""
    for extension in item.get("extension") or []:
        if not isinstance(extension, Mapping) or extension.get("url") not in OPTION_SOURCES:
            continue
        expression = extension.get("valueExpression")
        if isinstance(expression, Mapping):
            shown = f"{expression.get('language')} {expression.get('expression')!r}"
        else:
            given = [v for k, v in extension.items() if k.startswith("value")]
            shown = repr(given[0]) if given else "no value"
        if len(shown) > 160:
            shown = shown[:157] + "..."
        raise FhirImportError(
            "option_source", link=repr(link), url=repr(extension["url"]), value=shown
        )


def _claimant(item: Mapping[str, Any], registry: Registry, link: str) -> QuestionType:
    """The one installed question type that claims the item."""
    matches = [q for q in registry.question_types.values() if _matches(q, item)]
    where = {"link": repr(link), "type": repr(item.get("type"))}
    if not matches:
        raise FhirImportError("no_type", **where)
    if len(matches) > 1:
        raise FhirImportError("many_types", **where, keys=", ".join(sorted(q.key for q in matches)))
    return matches[0]


def _is_help(child: Any) -> bool:
    return (
        isinstance(child, Mapping)
        and child.get("type") == "display"
        and ("help" in controls(child))
    )


def _matches(qtype: QuestionType, item: Mapping[str, Any]) -> bool:
    if qtype.fhir_matches is None or qtype.from_fhir is None:
        return False
    try:
        return bool(qtype.fhir_matches(item))
    except Exception:  # a matcher that cannot read an item does not claim it
        return False


# --- nothing dropped -----------------------------------------------------------------------------


def _check_nothing_dropped(
    item: Mapping[str, Any], question: dict[str, Any], qtype: QuestionType, link: str
) -> None:
    """Refuse what the question would lose and cannot keep (``kept.py``): compare the item with
    the question exported again; what sob does not use but may keep goes to ``"kept"``."""
    where = {"link": repr(link)}
    spec = QuestionSpec(
        key=question["key"],
        type=question["type"],
        label=question["label"],
        config=question["config"],
        required=question["required"],
    )
    try:
        again = {"type": qtype.fhir_type, **qtype.fhir_item(spec, "sv")}
    except ValueError as error:
        raise FhirImportError("item", **where, detail=error) from error
    handled = set(HANDLED_KEYS)
    if "initial" in question:
        handled.add("initial")
    if question.get("read_only"):
        handled.add("readOnly")
    if item.get("readOnly") is True and any(
        isinstance(e, Mapping) and e.get("url") in INITIAL_EXPRESSIONS
        for e in item.get("extension") or []
    ):  # shown and stored from the patient record, which sob has not: it would stay empty
        raise FhirImportError("read_only_prefill", **where)
    kept, refused, urls = keep(item, handled, again, MEDIA_EXTENSION)
    if refused:
        raise FhirImportError("item_key", **where, name=", ".join(refused))
    if again.get("type") != item.get("type"):
        raise FhirImportError(
            "type_changes", **where, type=repr(item.get("type")), again=repr(again.get("type"))
        )
    for url in urls:
        raise FhirImportError("extension", **where, url=url)
    if kept:
        question["kept"] = kept
    kept_option = {
        extension.get("url")
        for option in again.get("answerOption") or []
        if isinstance(option, Mapping)
        for element in (option, *(v for k, v in option.items() if k.startswith("value")))
        if isinstance(element, Mapping)
        for extension in element.get("extension") or []
        if isinstance(extension, Mapping)
    }
    for option in item.get("answerOption") or []:
        _check_option(option, link, kept_option)
    keep_notes(question, _check_children(item, again, link))


def _check_children(
    item: Mapping[str, Any], again: Mapping[str, Any], link: str
) -> list[Mapping[str, Any]]:
    """Each nested item must be one the export makes again (by type and itemControl) or a note
    (``notes.py``), which is kept as it came: the notes."""
    shapes = [(c.get("type"), controls(c)) for c in again.get("item") or []]
    notes = []
    for child in item.get("item") or []:
        shape = (child.get("type"), controls(child)) if isinstance(child, Mapping) else None
        if shape in shapes:
            shapes.remove(shape)
            continue
        if is_note(child):
            notes.append(child)
            continue
        child_link = child.get("linkId") if isinstance(child, Mapping) else None
        raise FhirImportError("nested_item", child=repr(child_link), link=repr(link))
    return notes


def _check_option(option: Any, link: str, kept: set[Any]) -> None:
    """An answer option is its value and texts and what the question type keeps of it (``kept``:
    the extension URLs its export writes, such as the score's ``ordinalValue``): no other
    extras (``initialSelected`` is the question's initial answer, ``prefill.py``)."""
    if not isinstance(option, Mapping):
        return  # the question type has refused it already
    for element in (option, *(v for k, v in option.items() if k.startswith("value"))):
        if not isinstance(element, Mapping):
            continue
        for name in ("extension", "modifierExtension"):
            for extension in element.get(name) or []:
                url = extension.get("url") if isinstance(extension, Mapping) else None
                if url not in PRESENTATIONAL and (name == "modifierExtension" or url not in kept):
                    raise FhirImportError("option_extension", link=repr(link), url=repr(url))


# --- media ---------------------------------------------------------------------------------------


def _read_media(item: Mapping[str, Any], link: str) -> dict[str, Any] | None:
    """The media ``questionnaire._media_extension`` wrote (its addresses are not read: the
    files are named by their ids, which ``create_form`` checks exist and are of their kind)."""
    found = extensions(item, MEDIA_EXTENSION)
    if not found:
        return None
    parts = [p for p in found[0].get("extension") or [] if isinstance(p, Mapping)]
    media: dict[str, Any] = {}
    for part in parts:
        url = part.get("url")
        if url == "kind" and isinstance(part.get("valueString"), str):
            media["kind"] = part["valueString"]
        for name, field in (("mediaId", "media_id"), ("captionsMediaId", "captions_media_id")):
            value = part.get("valueInteger")
            if url == name and isinstance(value, int) and not isinstance(value, bool):
                media[field] = value
    for name in ("alt", "transcript"):
        texts = read_local_parts(parts, name)
        if texts:
            media[name] = texts
    if not media.get("kind") or "media_id" not in media:
        raise FhirImportError("media", link=repr(link))
    return media
