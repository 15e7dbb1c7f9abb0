"""ValueSets supplied with an import, for ``answerValueSet`` canonicals sob cannot look up.

sob reaches no terminology server, so an item whose answers are a value set by canonical URL
(``http://loinc.org/vs/LL358-3``) is read from a ValueSet given with the import: beside the
Questionnaire in a Bundle, or in files passed to ``sob forms import --value-sets FILE_OR_DIR``
(a ValueSet, or a Bundle of them, per ``.json`` file). A value set is read as a contained one is
(its ``expansion``, else a ``compose`` that only lists concepts), by its ``url`` and by
``url|version``. A canonical no supplied value set resolves is refused by name.

A few value sets of the FHIR R4 specification itself, which Questionnaires name by canonical
(``http://hl7.org/fhir/ValueSet/yesnodontknow``, ``administrative-gender`` ...), ship with sob
(``data/r4_value_sets.json``: the specification's systems, codes and English displays, CC0, with
sob's Swedish texts as ``translation``s); they resolve like supplied ones, and a supplied value set
of the same canonical wins (``spec_value_sets``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ...jsonio import TooDeep, loads_bounded
from .common import TRANSLATION
from .errors import FhirImportError
from .items import _expansion, link_of

#: the most value set files one ``--value-sets`` directory may hold
MAX_FILES = 500


SPEC_VALUE_SETS = Path(__file__).parent / "data" / "r4_value_sets.json"


@cache
def _spec_value_sets() -> dict[str, list[dict[str, Any]]]:
    data = json.loads(SPEC_VALUE_SETS.read_text(encoding="utf-8"))
    found: dict[str, list[dict[str, Any]]] = {}
    for value_set in data["value_sets"]:
        options = []
        for system, code, english, swedish in value_set["concepts"]:
            swedish_text = (
                {"url": "lang", "valueCode": "sv"},
                {"url": "content", "valueString": swedish},
            )
            coding = {
                "system": system,
                "code": code,
                "display": english,
                "_display": {"extension": [{"url": TRANSLATION, "extension": list(swedish_text)}]},
            }
            options.append({"valueCoding": coding})
        found[value_set["url"]] = options
        found[f"{value_set['url']}|{value_set['version']}"] = options
    return found


def spec_value_sets() -> dict[str, list[dict[str, Any]]]:
    """The answer lists of the FHIR R4 value sets sob ships, by ``url`` and ``url|version``
    (a fresh copy: the import may change what it is given)."""
    return json.loads(json.dumps(_spec_value_sets()))


def value_sets_by_canonical(resources: Iterable[Mapping[str, Any]]) -> dict[str, list[dict]]:
    """The ValueSets' answer lists (as ``answerOption`` lists) by ``url`` and ``url|version``;
    a value set sob cannot read as a plain list of codes is refused naming its url."""
    from fhir.resources.R4B.valueset import ValueSet
    from pydantic import ValidationError

    found: dict[str, list[dict[str, Any]]] = {}
    for value_set in resources:
        url = value_set.get("url")
        if not isinstance(url, str) or not url:
            raise FhirImportError("value_set_url")
        try:
            ValueSet.model_validate(dict(value_set))
        except (ValidationError, ValueError, TypeError) as error:
            detail = " ".join(str(error).split())[:300]
            raise FhirImportError("value_set_invalid", url=repr(url), detail=detail) from error
        codings = _expansion(value_set)
        if not codings:
            raise FhirImportError("value_set_unread", url=repr(url))
        options = [{"valueCoding": coding} for coding in codings]
        found[url] = options
        if isinstance(value_set.get("version"), str):
            found[f"{url}|{value_set['version']}"] = options
    return found


def unresolved(item: Mapping[str, Any], value_sets: Mapping[str, Any]) -> FhirImportError | None:
    """The refusal of an item whose ``answerValueSet`` canonical nothing supplied resolves."""
    reference = item.get("answerValueSet")
    if (
        not isinstance(reference, str)
        or reference.startswith("#")
        or reference in value_sets
        or item.get("answerOption")
    ):
        return None
    return FhirImportError("value_set_unknown", link=repr(link_of(item)), url=repr(reference))


def read_value_set_files(path: str) -> list[dict[str, Any]]:
    """The ValueSets of a ``.json`` file, or of every ``.json`` file in a directory (each a
    ValueSet or a Bundle holding only ValueSets); a clear error for anything else."""
    where = Path(path)
    if where.is_dir():
        files = sorted(p for p in where.iterdir() if p.suffix == ".json" and p.is_file())
        if not files:
            raise FhirImportError("value_set_none", path=repr(path))
        if len(files) > MAX_FILES:
            raise FhirImportError("value_set_many", path=repr(path), max=MAX_FILES)
    elif where.is_file():
        files = [where]
    else:
        raise FhirImportError("value_set_missing", path=repr(path))
    found: list[dict[str, Any]] = []
    for file in files:
        try:
            data = loads_bounded(file.read_bytes())
        except (OSError, TooDeep, ValueError, TypeError, RecursionError) as error:
            detail = " ".join(str(error).split())[:200]
            raise FhirImportError("value_set_file", path=repr(str(file)), detail=detail) from error
        resources: list[Any] = [data]
        if isinstance(data, dict) and data.get("resourceType") == "Bundle":
            entries = data.get("entry")
            listed = entries if isinstance(entries, list) else []
            resources = [e.get("resource") for e in listed if isinstance(e, Mapping)]
        for resource in resources:
            if not isinstance(resource, dict) or resource.get("resourceType") != "ValueSet":
                kind = resource.get("resourceType") if isinstance(resource, dict) else None
                raise FhirImportError("value_set_not", path=repr(str(file)), type=repr(kind))
            found.append(resource)
    return found
