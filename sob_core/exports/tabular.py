"""One CSV per form version, written into a ZIP as rows are read (see docs/exports.md).

Each CSV has the fixed columns ``COLUMNS`` and then one column per question (the question's key;
its texts and coding are in ``columns.csv``). A cell is written from the stored payload: text and
numbers as they are (decimal point; a text starting like a formula gets a leading ``'``),
a multiple choice as its option values joined by ``|`` in
the options' order, and a question with several answers (``repeats``) as its answers joined by
``|`` (as JSON when an answer holds a ``|`` itself), a boolean as ``true``/``false``, anything else as JSON; an unanswered
question is an empty cell, and the keys hidden by skip logic are listed in ``skipped``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..forms import condition_holds, specs
from ..models import FormVersion
from ..plugins import Registry
from ..types import local

COLUMNS = ("person", "enrollment", "response", "submitted", "day", "skipped")
#: FHIR item types of free text, and of files (a photo, a file's name may say who it is): left
#: out of a pseudonymised export
FREE_TEXT = frozenset({"string", "text", "attachment"})
DATES = frozenset({"date"})
#: how a cell a spreadsheet reads as a formula starts
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Row:
    """One response as the writers need it: the person, the enrollment and the answers."""

    person: str
    enrollment: str
    response: str
    submitted: datetime
    day: int | None  # local days since the enrollment started (0 = its first day)
    answers: Mapping[str, Any]
    key: str = ""  # whose dates move together (the personnummer); never written


def fhir_type_of(registry: Registry, type_key: str) -> str | None:
    qtype = registry.question_types.get(type_key)
    return qtype.fhir_type if qtype is not None else None


def is_free_text(registry: Registry, type_key: str) -> bool:
    """A question whose answer is written text or a file (or whose type is no longer
    installed)."""
    kind = fhir_type_of(registry, type_key)
    return kind is None or kind in FREE_TEXT


def file_name(version: FormVersion) -> str:
    return f"{_SAFE.sub('-', version.form.key)}-v{version.version}.csv"


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # A text a spreadsheet would run as a formula (CSV injection) gets a leading apostrophe.
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, int | float):
        return str(value)
    if (
        isinstance(value, list)
        and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value)
        and not any(isinstance(v, str) and "|" in v for v in value)
    ):
        # several answers (a multiple choice's values, a repeating question's texts or numbers);
        # a text holding "|" itself is written as JSON, so the cell splits back as it was
        return cell("|".join(str(v) for v in value)) if value else ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def questions(
    version: FormVersion, registry: Registry, pseudonymised: bool
) -> list[tuple[dict[str, Any], bool]]:
    """The version's questions with whether each is written (free text is left out when
    pseudonymised)."""
    return [
        (q, not (pseudonymised and is_free_text(registry, q["type"])))
        for q in version.definition.get("questions", [])
    ]


def write_form_csv(
    archive: zipfile.ZipFile,
    version: FormVersion,
    rows: Iterable[Row],
    registry: Registry,
    *,
    pseudonymised: bool,
    zone: ZoneInfo,
    shift_date: Callable[[str, Row], str],
) -> int:
    """Write the version's CSV into ``archive`` row by row; how many rows."""
    asked = questions(version, registry, pseudonymised)
    written = [q for q, kept in asked if kept]
    dates = {q["key"] for q in written if fhir_type_of(registry, q["type"]) in DATES}
    count = 0
    with archive.open(file_name(version), "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        out = csv.writer(text, lineterminator="\r\n")
        out.writerow([*COLUMNS, *(q["key"] for q in written)])
        for row in rows:
            values = {
                k: v.get("value") if isinstance(v, Mapping) else v for k, v in row.answers.items()
            }
            skipped = [
                q["key"]
                for q, _kept in asked
                if q["key"] not in values and not condition_holds(q.get("show_if"), values)
            ]
            cells = []
            for question in written:
                value = values.get(question["key"])
                if pseudonymised and question["key"] in dates and isinstance(value, str):
                    value = shift_date(value, row)
                elif pseudonymised and question["key"] in dates and isinstance(value, list):
                    value = [shift_date(v, row) if isinstance(v, str) else v for v in value]
                cells.append(cell(value))
            out.writerow(
                [
                    row.person,
                    row.enrollment,
                    row.response,
                    local_text(row.submitted, zone),
                    "" if row.day is None else row.day,
                    "|".join(skipped),
                    *cells,
                ]
            )
            count += 1
        text.flush()
        text.detach()
    return count


def column_rows(
    version: FormVersion, registry: Registry, pseudonymised: bool
) -> Iterator[list[str]]:
    """The rows ``columns.csv`` has for one version: file, column, texts, type, coding, note."""
    name = file_name(version)
    for q, kept in questions(version, registry, pseudonymised):
        spec = next(s for s in specs(version) if s.key == q["key"])
        options = (q.get("config") or {}).get("options") or []
        coding = "|".join(
            f"{o.get('value')}={_label(o.get('label'))}" for o in options if isinstance(o, Mapping)
        )
        note = "" if kept else "left out: free text in a pseudonymised export"
        yield [
            name,
            q["key"] if kept else "",
            q["key"],
            local(spec.label, "sv"),
            (spec.label or {}).get("en", ""),
            q["type"],
            coding,
            note,
        ]


def _label(label: Any) -> str:
    """An option's Swedish text (a plain string is Swedish)."""
    return label if isinstance(label, str) else local(label or {}, "sv")


COLUMNS_HEADER = ["file", "column", "question", "label_sv", "label_en", "type", "coding", "note"]
