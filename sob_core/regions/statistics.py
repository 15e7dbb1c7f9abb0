"""Statistics for the regional administrator: enrollments started, ongoing and ended per
programme and care unit, per month, and their CSV export (columns in
docs/regional-administration.md)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enrollments.clock import LOCAL_ZONE, _aware
from ..models import CareUnit, Enrollment, Program, ProgramVersion, Region
from ..types import local

CSV_COLUMNS = (
    "month",
    "region_code",
    "care_unit_hsa_id",
    "care_unit_name",
    "program_key",
    "program_name",
    "started",
    "ongoing",
    "ended",
)

Month = tuple[int, int]


@dataclass(frozen=True)
class MonthRow:
    month: str  # "YYYY-MM", Swedish time
    care_unit_id: int
    care_unit_hsa_id: str
    care_unit_name: str
    program_key: str
    program_name: str
    started: int  # started during the month
    ongoing: int  # started and not ended at the month's end (for this month: now)
    ended: int  # ended during the month


def _month(moment: datetime) -> Month:
    day = _aware(moment).astimezone(LOCAL_ZONE)
    return day.year, day.month


def _months(first: Month, last: Month) -> Iterator[Month]:
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _program_names(session: Session, program_ids: set[int], lang: str) -> dict[int, str]:
    """Each programme's name from its newest numbered version."""
    names: dict[int, str] = {}
    for version in session.scalars(
        select(ProgramVersion)
        .where(ProgramVersion.program_id.in_(program_ids), ProgramVersion.major.is_not(None))
        .order_by(ProgramVersion.program_id, ProgramVersion.major, ProgramVersion.minor)
    ):
        names[version.program_id] = local(version.content.get("name"), lang)
    return names


def monthly(session: Session, region_id: int, now: datetime, *, lang: str = "sv") -> list[MonthRow]:
    """One row per month, unit and programme with anything to count, oldest month first."""
    enrollments = session.execute(
        select(
            Enrollment.care_unit_id,
            ProgramVersion.program_id,
            Enrollment.started_at,
            Enrollment.ended_at,
        )
        .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
        .join(CareUnit, Enrollment.care_unit_id == CareUnit.id)
        .where(CareUnit.region_id == region_id)
    ).all()
    if not enrollments:
        return []
    counts: dict[tuple[int, int], dict[Month, list[int]]] = defaultdict(
        lambda: defaultdict(lambda: [0, 0, 0])
    )
    current = _month(now)
    first = min(_month(row.started_at) for row in enrollments)
    for unit_id, program_id, started_at, ended_at in enrollments:
        started = _month(started_at)
        ended = _month(ended_at) if ended_at is not None else None
        cells = counts[(unit_id, program_id)]
        cells[started][0] += 1
        if ended is not None:
            cells[ended][2] += 1
        for month in _months(started, current):
            if ended is not None and ended <= month:
                break
            cells[month][1] += 1
    units = {
        u.id: u for u in session.scalars(select(CareUnit).where(CareUnit.region_id == region_id))
    }
    keys: dict[int, str] = {
        row.id: row.key for row in session.execute(select(Program.id, Program.key))
    }
    names = _program_names(session, {program_id for _, program_id in counts}, lang)
    rows: list[MonthRow] = []
    for month in _months(first, current):
        label = f"{month[0]:04d}-{month[1]:02d}"
        for (unit_id, program_id), cells in sorted(
            counts.items(), key=lambda item: (units[item[0][0]].name, keys[item[0][1]])
        ):
            n_started, n_ongoing, n_ended = cells.get(month, [0, 0, 0])
            if n_started or n_ongoing or n_ended:
                unit = units[unit_id]
                rows.append(
                    MonthRow(
                        label,
                        unit_id,
                        unit.hsa_id,
                        unit.name,
                        keys[program_id],
                        names.get(program_id, keys[program_id]),
                        n_started,
                        n_ongoing,
                        n_ended,
                    )
                )
    return rows


def csv_bytes(session: Session, region_id: int, rows: list[MonthRow]) -> bytes:
    """The rows as CSV: UTF-8 with a byte order mark, ``;`` between fields, CRLF, a header line."""
    code = session.scalar(select(Region.code).where(Region.id == region_id)) or ""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.month,
                code,
                row.care_unit_hsa_id,
                row.care_unit_name,
                row.program_key,
                row.program_name,
                row.started,
                row.ongoing,
                row.ended,
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
