"""A FHIR R4 Questionnaire read into a form: the file, the resource, its groups and results.

The items themselves are read in ``items.py``. All or nothing: anything sob cannot represent is a
``FhirImportError`` before a row is added.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import forms as forms_service
from ...forms import repeating
from ...jsonio import TooDeep, loads_bounded
from ...models import Form, FormVersion
from ...plugins import Registry
from ...types import KEY_RE
from .common import RESULT_EXTENSION, SCALE_SYSTEM, extensions, read_local_parts, read_text
from .errors import FhirImportError
from .expressions import fhirpath_variables, linked_items
from .groups import walk
from .items import contained_value_sets, read_question, refuse_modifiers
from .kept import INITIAL_EXPRESSIONS, REFUSED_EXTENSIONS
from .labels import value_set_names
from .scores import adds_up_scores, merge_totals, read_totals
from .validation import validate
from .value_sets import spec_value_sets, unresolved, value_sets_by_canonical

#: what an imported Questionnaire says of itself that is kept (``definition["origin"]``) and
#: exported again: its canonical ``url`` and ``version`` (which its responses then name),
#: ``status``, ``copyright`` and the ``language`` of its texts
ORIGIN = ("url", "version", "status", "copyright", "language")


def read_questionnaire(
    registry: Registry,
    data: Mapping[str, Any] | str | bytes,
    value_sets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Validate a Questionnaire and map it to ``create_form`` arguments (without ``key``).

    ``value_sets`` are ValueSet resources supplied with it (``value_sets.py``), beside those a
    Bundle holds.

    Returns ``{"origin", "title", "intro", "scale_id", "questions", "groups", "results",
    "suggested_key"}`` (``groups.py`` for the groups).
    """
    resource, bundled, notes = _parse(data)
    refuse_modifiers(resource, "modifier")
    problems: list[FhirImportError] = []
    questions: list[dict[str, Any]] = []
    answer_lists = {
        **spec_value_sets(),  # the FHIR R4 value sets sob ships; supplied ones win
        **value_sets_by_canonical([*bundled, *(value_sets or [])]),
        **contained_value_sets(resource),
    }
    names = value_set_names(resource)
    groups: list[dict[str, Any]] = []
    totals: list[tuple[Any, str | None, str | None]] = []
    links = linked_items(resource, adds_up_scores)  # what expressions may name (expressions.py)
    known = fhirpath_variables(resource, links)
    for item, group, follows in walk(resource.get("item"), problems, groups):
        if adds_up_scores(item):  # a score total becomes a result (scores.py)
            totals.append((item, group, questions[-1]["key"] if questions else None))
            continue
        missing = unresolved(item, answer_lists)
        if missing is not None:
            problems.append(missing)
            continue
        try:
            question = read_question(item, registry, answer_lists, names, known, links)
        except FhirImportError as error:
            problems.append(error)
            continue
        if group is not None:
            question["group"] = group
        if follows is not None:
            question["parent"] = follows
        questions.append(question)
    kept = _kept_extensions(resource, problems)
    results = [_read_result(found) for found in extensions(resource, RESULT_EXTENSION)]
    taken = {str(result.get("key")) for result in results}
    results = merge_totals(results, read_totals(totals, questions, registry, taken, problems))
    problems += _repeating_problems(questions, groups, results)
    if problems:
        raise FhirImportError.combined(problems)
    title = read_text(resource, "title")
    if not title and isinstance(resource.get("name"), str) and resource["name"]:
        title = {"sv": resource["name"]}
    intro = read_text(resource, "description")
    scale_ids = [
        coding.get("code")
        for coding in resource.get("code") or []
        if isinstance(coding, Mapping) and coding.get("system") == SCALE_SYSTEM
    ]
    if len(scale_ids) > 1:
        raise FhirImportError("many_scales")
    origin = {
        name: resource[name]
        for name in ORIGIN
        if isinstance(resource.get(name), str) and resource[name]
    }
    if notes:  # the deviations from R4 accepted (validation.py), kept with the form
        origin["import_note"] = "; ".join(notes)
    return {
        "origin": origin,
        "notes": notes,
        "title": title,
        "intro": intro,
        "scale_id": scale_ids[0] if scale_ids else None,
        "questions": questions,
        "groups": groups,
        "kept": kept,
        "results": results,
        "suggested_key": _suggested_key(resource),
    }


#: what ``forms.repeating.problems`` finds (a nested repeating group is refused by groups.py)
REPEATING_CODES = {
    "condition": "repeated_condition",
    "initial": "repeated_initial",
    "expression": "repeated_expression",
    "result": "repeated_score",
}


def _repeating_problems(
    questions: list[dict[str, Any]], groups: list[dict[str, Any]], results: list[dict[str, Any]]
) -> list[FhirImportError]:
    """What sob does not do inside a repeating group, by item (``forms.repeating``)."""
    found = []
    linked = {
        str(r.get("key")): (r.get("fhir_item") or {}).get("linkId", r.get("key")) for r in results
    }
    definition = {"questions": questions, "groups": groups, "results": results}
    for code, where in repeating.problems(definition):
        if code in REPEATING_CODES:
            link = linked.get(where, where) if code == "result" else where
            found.append(FhirImportError(REPEATING_CODES[code], link=repr(link)))
    return found


def import_questionnaire(
    session: Session,
    registry: Registry,
    data: Mapping[str, Any] | str | bytes,
    key: str | None = None,
    care_unit_id: int | None = None,
    value_sets: list[dict[str, Any]] | None = None,
    file_name: str | None = None,
) -> FormVersion:
    """Create a form (or a new version of the form ``key``) from a FHIR R4 Questionnaire.

    All or nothing: any item sob cannot represent raises ``FhirImportError`` before anything is
    added to ``session``. The caller commits. A Questionnaire with no url, id, name or title
    (Android FHIR's test forms) takes its key from ``file_name``, the name of its file, if given.
    """
    found = read_questionnaire(registry, data, value_sets)
    if key is None:
        key = found["suggested_key"]
        if key is None and file_name:
            key = _suggested_key({"id": file_name.rsplit(".", 1)[0]})
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise FhirImportError("bad_key", key=repr(key))
    existing = session.scalar(select(Form).where(Form.key == key))
    if existing is not None and existing.care_unit_id != care_unit_id:
        raise FhirImportError("other_unit", key=repr(key))
    title = found["title"] or {"sv": key}
    try:
        return forms_service.create_form(
            session,
            registry,
            key=key,
            title=title,
            intro=found["intro"],
            questions=found["questions"],
            results=found["results"],
            scale_id=found["scale_id"],
            care_unit_id=care_unit_id,
            origin=found["origin"] or None,
            groups=found["groups"] or None,
            kept=found["kept"] or None,
        )
    except forms_service.FormDefinitionError as error:
        raise FhirImportError("form", detail=error) from error


# --- the file ------------------------------------------------------------------------------------


def _parse(
    data: Mapping[str, Any] | str | bytes,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """The Questionnaire, validated, the ValueSets a Bundle holds beside it and the notes of the
    deviations from R4 accepted (``validation.py``)."""
    from pydantic import ValidationError

    try:
        # a plain JSON copy: nothing below can change the caller's data
        data = loads_bounded(data if isinstance(data, bytes | str) else json.dumps(data))
    except TooDeep as error:
        raise FhirImportError("too_deep", depth=error.max_depth) from error
    except (ValueError, TypeError, RecursionError) as error:
        raise FhirImportError("not_json", detail=error) from error
    if not isinstance(data, dict):
        raise FhirImportError("not_object")
    resource: dict[str, Any] = data
    bundled: list[dict[str, Any]] = []
    if resource.get("resourceType") == "Bundle":
        resource, bundled = _only_questionnaire(resource)
    if resource.get("resourceType") != "Questionnaire":
        raise FhirImportError("not_questionnaire", type=repr(data.get("resourceType")))
    try:
        notes = validate(resource)
    except (ValidationError, ValueError, TypeError) as error:
        raise FhirImportError("invalid", detail=_summary(error)) from error
    _check_primitives(resource, "Questionnaire")
    return resource, bundled, notes


def _only_questionnaire(
    bundle: Mapping[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The one Questionnaire of a Bundle (a transaction, as Medplum ships its forms) and the
    ValueSets beside it; any other resource is refused, naming its type."""
    entries = bundle.get("entry")
    resources: list[Mapping[str, Any]] = [
        entry["resource"]
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, Mapping) and isinstance(entry.get("resource"), Mapping)
    ]
    found = [r for r in resources if r.get("resourceType") == "Questionnaire"]
    if len(found) != 1:
        raise FhirImportError("bundle_count", count=len(found))
    others = {
        str(r.get("resourceType"))
        for r in resources
        if r.get("resourceType") not in ("Questionnaire", "ValueSet")
    }
    if others:
        raise FhirImportError("bundle_other", types=", ".join(sorted(others)))
    return dict(found[0]), [dict(r) for r in resources if r.get("resourceType") == "ValueSet"]


_BOOLEANS = frozenset({"required", "repeats", "readOnly", "experimental", "initialSelected"})
_INTEGERS = frozenset({"maxLength"})


def _check_primitives(node: Any, path: str) -> None:
    """The JSON types the validation lets slip (it reads ``"yes"`` as true and ``"5"`` as 5)."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            _check_primitives(value, f"{path}[{index}]")
        return
    if not isinstance(node, Mapping):
        return
    for name, value in node.items():
        where = f"{path}.{name}"
        boolean = name in _BOOLEANS or name.endswith("Boolean")
        whole = name in _INTEGERS or name.endswith(("Integer", "PositiveInt", "UnsignedInt"))
        if boolean and not isinstance(value, bool):
            raise FhirImportError("not_boolean", where=where)
        if whole and (isinstance(value, bool) or not isinstance(value, int)):
            raise FhirImportError("not_integer", where=where)
        if name.endswith("Decimal") and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise FhirImportError("not_number", where=where)
        _check_primitives(value, where)


def _summary(error: Exception) -> str:
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return " ".join(str(error).split())
    found = errors()
    parts = []
    for entry in found[:3]:
        where = ".".join(str(part) for part in entry.get("loc", ())) or "resource"
        parts.append(f"{where}: {' '.join(str(entry.get('msg', '')).split())}")
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return "; ".join(parts) + more


# --- the resource --------------------------------------------------------------------------------


def _suggested_key(resource: Mapping[str, Any]) -> str | None:
    candidates = []
    url = resource.get("url")
    if isinstance(url, str) and "/Questionnaire/" in url:
        candidates.append(unquote(url.rsplit("/Questionnaire/", 1)[1].split("|")[0]))
    for name in ("id", "name", "title"):  # a title is the last resort (LHC-Forms has no other)
        if isinstance(resource.get(name), str):
            candidates.append(resource[name])
    for candidate in candidates:
        cleaned = re.sub(r"[^a-z0-9_.-]+", "-", candidate.lower()).strip("-_.")[:64]
        if KEY_RE.match(cleaned):
            return cleaned
    return None


def _read_result(extension: Mapping[str, Any]) -> dict[str, Any]:
    parts = [p for p in extension.get("extension") or [] if isinstance(p, Mapping)]
    result: dict[str, Any] = {}
    for part in parts:
        url = part.get("url")
        if url == "key" and isinstance(part.get("valueString"), str):
            result["key"] = part["valueString"]
        if url == "citizenVisible" and isinstance(part.get("valueBoolean"), bool):
            result["citizen_visible"] = part["valueBoolean"]
        if url == "method" and isinstance(part.get("valueCode"), str):
            result["method"] = part["valueCode"]
        if url == "question" and isinstance(part.get("valueString"), str):
            result.setdefault("questions", []).append(part["valueString"])
        if url == "formula" and isinstance(part.get("valueString"), str):
            result["formula"] = part["valueString"]
        if url == "item" and isinstance(part.get("valueString"), str):
            result["item"] = part["valueString"]  # the total item it is (scores.merge_totals)
        if url == "decimals" and isinstance(part.get("valueInteger"), int):
            result["decimals"] = part["valueInteger"]
    if not result.get("key"):
        raise FhirImportError("result_key")
    for name in ("label", "explanation"):
        texts = read_local_parts(parts, name)
        if texts:
            result[name] = texts
    bands = [_read_band(result["key"], p) for p in parts if p.get("url") == "band"]
    if bands:
        result["bands"] = bands
    elif "method" in result:
        result["bands"] = []
    return result


def _read_band(key: str, extension: Mapping[str, Any]) -> dict[str, Any]:
    """A band ``questionnaire._band_extension`` wrote; ``create_form`` checks it fully."""
    parts = [p for p in extension.get("extension") or [] if isinstance(p, Mapping)]
    band: dict[str, Any] = {"lower": None, "upper": None}
    for part in parts:
        url = part.get("url")
        if url == "slug" and isinstance(part.get("valueCode"), str):
            band["slug"] = part["valueCode"]
        if url == "colour" and isinstance(part.get("valueString"), str):
            band["colour"] = part["valueString"]
        if url in ("lower", "upper"):
            for name in ("valueInteger", "valueDecimal"):
                value = part.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    band[str(url)] = value
    if "slug" not in band or "colour" not in band:
        raise FhirImportError("result_band", key=repr(key))
    for name, field in (
        ("label", "label"),
        ("citizenText", "citizen_text"),
        ("staffText", "staff_text"),
    ):
        texts = read_local_parts(parts, name)
        if texts:
            band[field] = texts
    return band


def _kept_extensions(
    resource: Mapping[str, Any], problems: list[FhirImportError]
) -> dict[str, Any]:
    """The Questionnaire's own extensions sob does not use, kept verbatim (``{"extension":
    [...]}``) and exported again; those that decide what is asked or computed
    (``kept.REFUSED_EXTENSIONS``, and a prefill, which belongs on an item) are problems naming
    them. sob's own result extensions are read as results."""
    found = []
    for extension in resource.get("extension") or []:
        url = extension.get("url") if isinstance(extension, Mapping) else None
        if url == RESULT_EXTENSION:
            continue
        if not isinstance(url, str) or url in REFUSED_EXTENSIONS or url in INITIAL_EXPRESSIONS:
            problems.append(FhirImportError("form_extension", url=repr(url)))
        else:
            found.append(dict(extension))
    return {"extension": found} if found else {}
