"""FHIR R4 validation of an imported Questionnaire, and the short list of deviations sob accepts.

Published Questionnaires from the big form libraries break R4 in two known, harmless ways, and
a region would rather import them than be told to edit a library's file by hand:

- **a missing ``status``** (Android FHIR's examples): R4 requires one; sob reads it as ``draft``
  (the honest reading of a form nobody marked active) and says so;
- **SDC expression names with ``_``** (LHC-Forms' ``q1_value``): R4 types ``Expression.name``
  as an ``id`` (letters, digits, ``-`` and ``.``); the name only labels a variable inside the
  form, so it is kept verbatim and the deviation is said;
- **a contained ValueSet's ``expansion`` without ``timestamp``** (LHC-Forms' test forms): R4
  requires the time the expansion was made, which says nothing about its codes; sob reads the
  codes listed (``expansion.contains``) as it would with a timestamp, and says so; the same
  files' contained ValueSets also lack the required ``status``, which (like a Questionnaire's)
  says nothing about the codes: accepted with a note too.

A string where R4 wants a decimal in a contained resource (Smart Forms' extraction templates
``"value": "%patient-height.value"`` in a contained Observation's ``valueQuantity``) is a type
error, not a benign deviation: refused like any other.

Anything else FHIR R4 validation refuses is refused as before (LHC-Forms' PHQ-9 also gives an
``optionPrefix`` as a number where R4 wants a string: a type error, so it is refused, naming only
that). The deviations accepted are checked by validating a copy with them corrected: the file
passes only when nothing else is wrong, and a refusal names only what is left. What was accepted is returned as notes, which the import keeps with the form
(``definition["origin"]["import_note"]``) and the CLI prints.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

NOTE_STATUS = "the Questionnaire has no status (FHIR R4 requires one): read as 'draft'"
NOTE_TIMESTAMP = (
    "contained ValueSets whose expansion has no timestamp (FHIR R4 requires one: {ids}) are read "
    "by the codes they list"
)
NOTE_VALUE_SET_STATUS = (
    "contained ValueSets without a status (FHIR R4 requires one: {ids}) are read by the codes "
    "they list"
)
NOTE_NAMES = "expression names that are not FHIR ids ({names}) are accepted and kept as they are"


def _expression_names(node: Any, found: list[str], fix: bool) -> None:
    if isinstance(node, list):
        for value in node:
            _expression_names(value, found, fix)
        return
    if not isinstance(node, dict):
        return
    expression = node.get("valueExpression")
    if isinstance(expression, dict):
        name = expression.get("name")
        if isinstance(name, str) and name and not _ID.match(name):
            found.append(name)
            if fix:
                expression["name"] = re.sub(r"[^A-Za-z0-9\-.]", "-", name)[:64]
    for value in node.values():
        _expression_names(value, found, fix)


def validate(resource: dict[str, Any]) -> list[str]:
    """Validate ``resource`` (a Questionnaire) as FHIR R4; the notes of the deviations accepted.
    Sets a missing ``status`` to ``draft``. Raises the validation error for anything else."""
    from fhir.resources.R4B.questionnaire import Questionnaire

    try:
        Questionnaire.model_validate(resource)
        return []
    except (ValueError, TypeError) as error:
        first = error
    corrected = copy.deepcopy(resource)
    notes = []
    if "status" not in corrected:
        corrected["status"] = "draft"
        notes.append(NOTE_STATUS)
    undated, unmarked = [], []
    for index, contained in enumerate(corrected.get("contained") or []):
        expansion = contained.get("expansion") if isinstance(contained, dict) else None
        if (
            isinstance(expansion, dict)
            and contained.get("resourceType") == "ValueSet"
            and "timestamp" not in expansion
            and "_timestamp" not in expansion
        ):
            expansion["timestamp"] = "1970-01-01T00:00:00Z"  # only in the copy validated
            undated.append(repr(contained.get("id") or f"#{index}"))
        if (
            isinstance(contained, dict)
            and contained.get("resourceType") == "ValueSet"
            and "status" not in contained
        ):
            contained["status"] = "draft"  # only in the copy validated
            unmarked.append(repr(contained.get("id") or f"#{index}"))
    if unmarked:
        notes.append(NOTE_VALUE_SET_STATUS.format(ids=", ".join(unmarked)))
    if undated:
        notes.append(NOTE_TIMESTAMP.format(ids=", ".join(undated)))
    names: list[str] = []
    _expression_names(corrected, names, fix=True)
    if names:
        shown = ", ".join(repr(n) for n in dict.fromkeys(names))
        notes.append(NOTE_NAMES.format(names=shown))
    if not notes:
        raise first
    # what is left once the accepted deviations are corrected is what the refusal names
    Questionnaire.model_validate(corrected)
    if "status" not in resource:
        resource["status"] = "draft"
    return notes
