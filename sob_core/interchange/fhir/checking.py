"""Would these FHIR files import? The real import, rolled back, and its refusals counted by feature.

``check_file`` runs ``import_questionnaire`` on one file inside the caller's session and rolls the
session back whatever happens, so nothing is saved; ``rank`` counts the features that refused the
files (``sob forms check-fhir``, docs/fhir.md). A *feature* is one part of a refusal with the
item it names left out (``error.code`` and the parameters that are not the item's own), so the
same feature on many items of many files counts once per file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ...plugins import Registry
from .errors import FhirImportError
from .importing import import_questionnaire

#: parameters that name the item or the file rather than the feature: left out of a feature
ITEM_PARAMS = frozenset({"link", "child", "key", "count"})
#: ``pydantic`` locations name items by index (``item.3.item.0``): a feature keeps the shape only
_INDEX = re.compile(r"\.\d+(?=\.|:|$)")
#: placeholder for a parameter left out of a feature
ANY = "…"


@dataclass
class Outcome:
    """What importing one file would do: a form (its key and question count) or a refusal."""

    path: Path
    key: str | None = None
    questions: int = 0
    error: FhirImportError | None = None
    #: an exception other than a refusal: a bug in sob, reported as such
    crash: str | None = None
    features: list[FhirImportError] = field(default_factory=list)

    @property
    def imported(self) -> bool:
        return self.error is None and self.crash is None


def json_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Each file named, and each ``*.json`` under each directory named (recursively), sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def check_file(session: Session, registry: Registry, path: Path) -> Outcome:
    """Import ``path`` as ``sob forms import`` would, then roll back: nothing is saved.

    A file that cannot be read is refused like one that is not JSON (``FhirImportError``
    ``unreadable``)."""
    outcome = Outcome(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        outcome.error = FhirImportError("unreadable", reason=error.strerror or str(error))
        outcome.features = [outcome.error]
        return outcome
    try:
        version = import_questionnaire(session, registry, data, file_name=path.name)
        outcome.key = version.form.key
        outcome.questions = len(version.definition["questions"])
    except FhirImportError as error:
        outcome.error = error
        outcome.features = [one for part in error.errors or (error,) for one in _each_name(part)]
    except Exception as error:  # noqa: BLE001 - a crash is what this check exists to report
        outcome.crash = f"{type(error).__name__}: {error}"
    finally:
        session.rollback()
    return outcome


def _each_name(error: FhirImportError) -> list[FhirImportError]:
    """A part naming several keys (``'repeats', 'initial'``) as one part per key: one feature each."""
    field = "names" if "names" in error.params else "name"
    names = error.params.get(field, "")
    if ", " not in names:
        return [error]
    params = {name: value for name, value in error.params.items() if name != field}
    return [FhirImportError(error.code, **params, **{field: one}) for one in names.split(", ")]


def feature_params(error: FhirImportError) -> dict[str, str]:
    """``error.params`` with the item's own names replaced by ``ANY``: the feature it names."""
    return {
        name: ANY if name in ITEM_PARAMS else _INDEX.sub(".*", value)
        for name, value in error.params.items()
    }


@dataclass
class Ranked:
    """A feature and the files it refuses: all of them, and those it alone refuses."""

    error: FhirImportError
    files: int = 0
    alone: int = 0


def rank(outcomes: Sequence[Outcome], label: Any = None) -> list[tuple[str, Ranked]]:
    """The refusing features, most files first: ``(label, Ranked)``.

    ``label(error, params)`` names a feature (by default the English message with
    ``feature_params``); ``alone`` counts the files that would import were only that feature
    lifted (it is their only one).
    """
    label = label or (lambda error, params: error.template % params if params else error.template)
    found: dict[str, Ranked] = {}
    for outcome in outcomes:
        names = {label(part, feature_params(part)): part for part in outcome.features}
        for name, part in names.items():
            entry = found.setdefault(name, Ranked(part))
            entry.files += 1
            entry.alone += len(names) == 1
    return sorted(found.items(), key=lambda pair: (-pair[1].files, -pair[1].alone, pair[0]))
