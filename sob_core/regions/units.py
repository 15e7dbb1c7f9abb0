"""The region's care units: add one, activate and deactivate, and import them from a CSV file.

A deactivated unit keeps its data, but nobody can choose it as their active care unit and it
offers no programme (``programs.available_versions`` returns nothing for it).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Date, Select, and_, bindparam, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import CareUnit, InformationMessage, RegionAdmin
from .admins import clean_hsa_id, clean_name, unit_in_region
from .errors import ImportProblems, RegionError

#: the columns of the care-unit CSV file (docs/regional-administration.md); the first two needed
CSV_COLUMNS = ("hsa_id", "name", "active", "time_zone")
CSV_REQUIRED = ("hsa_id", "name")
CSV_MAX_ROWS = 5000
YES = {"ja", "yes", "1", "true", "j", "y"}
NO = {"nej", "no", "0", "false", "n"}


def units_of(session: Session, region_id: int) -> list[CareUnit]:
    return list(
        session.scalars(
            select(CareUnit).where(CareUnit.region_id == region_id).order_by(CareUnit.name)
        )
    )


def _audit_unit(session: Session, unit: CareUnit, action: str, actor_id: int) -> None:
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action=action,
        what="care_unit",
        care_unit_id=unit.id,
        detail={"hsa_id": unit.hsa_id, "name": unit.name, "active": unit.active},
    )


def add_unit(
    session: Session, *, region_id: int, hsa_id: str, name: str, actor_id: int
) -> CareUnit:
    """Activate a care unit new to the platform in the region (one by one)."""
    hsa_id = clean_hsa_id(hsa_id)
    name = clean_name(name)
    if session.scalar(select(CareUnit.id).where(CareUnit.hsa_id == hsa_id)) is not None:
        raise RegionError("unit_exists", hsa_id=hsa_id)
    unit = CareUnit(region_id=region_id, hsa_id=hsa_id, name=name, active=True)
    session.add(unit)
    session.flush()
    _audit_unit(session, unit, "create", actor_id)
    return unit


def set_active(
    session: Session, *, region_id: int, care_unit_id: int, active: bool, actor_id: int
) -> bool:
    """Activate or deactivate one of the region's units; True when it changed."""
    unit = unit_in_region(session, region_id, care_unit_id)
    if unit.active == active:
        return False
    unit.active = active
    session.flush()
    _audit_unit(session, unit, "change", actor_id)
    return True


@dataclass(frozen=True)
class UnitRow:
    line: int
    hsa_id: str
    name: str
    active: bool
    time_zone: str | None


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegionError("csv_not_utf8") from None


def parse_units_csv(data: bytes) -> list[UnitRow]:
    """The rows of a care-unit CSV file; ``ImportProblems`` naming every bad row at once."""
    text = _decode(data)
    if not text.strip():
        raise RegionError("csv_empty")
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        raise RegionError("csv_header", missing=", ".join(missing))
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise RegionError("csv_unknown_column", columns=", ".join(unknown))
    rows: list[UnitRow] = []
    problems: list[tuple[int, RegionError]] = []
    seen: set[str] = set()
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(problems) >= CSV_MAX_ROWS:
            raise RegionError("csv_too_many", max=CSV_MAX_ROWS)
        values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        try:
            hsa_id = clean_hsa_id(values.get("hsa_id"))
            if hsa_id in seen:
                raise RegionError("csv_twice", hsa_id=hsa_id)
            seen.add(hsa_id)
            name = clean_name(values.get("name"))
            flag = (values.get("active") or "ja").lower()
            if flag not in YES | NO:
                raise RegionError("csv_bad_active", value=values.get("active"))
            zone = values.get("time_zone") or None
            if zone is not None:
                try:
                    ZoneInfo(zone)
                except (ZoneInfoNotFoundError, ValueError):
                    raise RegionError("csv_bad_zone", value=zone) from None
            rows.append(UnitRow(line, hsa_id, name, flag in YES, zone))
        except RegionError as error:
            problems.append((line, error))
    if problems:
        raise ImportProblems(problems)
    if not rows:
        raise RegionError("csv_empty")
    return rows


def import_units(session: Session, *, region_id: int, data: bytes, actor_id: int) -> ImportReport:
    """Create or update the region's units from a CSV file: every row, or (on a problem) none.

    A unit already in the region gets the file's name, active state and time zone; a unit of
    another region is a problem of its row. Nothing is written before every row is checked.
    """
    rows = parse_units_csv(data)
    existing = {
        unit.hsa_id: unit
        for unit in session.scalars(
            select(CareUnit).where(CareUnit.hsa_id.in_([row.hsa_id for row in rows]))
        )
    }
    problems = [
        (row.line, RegionError("unit_elsewhere", hsa_id=row.hsa_id))
        for row in rows
        if row.hsa_id in existing and existing[row.hsa_id].region_id != region_id
    ]
    if problems:
        raise ImportProblems(problems)
    created = updated = unchanged = 0
    for row in rows:
        unit = existing.get(row.hsa_id)
        if unit is None:
            unit = CareUnit(
                region_id=region_id,
                hsa_id=row.hsa_id,
                name=row.name,
                active=row.active,
                time_zone=row.time_zone or "Europe/Stockholm",
            )
            session.add(unit)
            session.flush()
            _audit_unit(session, unit, "create", actor_id)
            created += 1
            continue
        wanted = (row.name, row.active, row.time_zone or unit.time_zone)
        if (unit.name, unit.active, unit.time_zone) == wanted:
            unchanged += 1
            continue
        unit.name, unit.active, unit.time_zone = wanted
        session.flush()
        _audit_unit(session, unit, "change", actor_id)
        updated += 1
    return ImportReport(created, updated, unchanged)


@dataclass(frozen=True)
class UnitState:
    """What a staff page needs of the active care unit: one query (the access guard)."""

    active: bool
    messages: tuple[InformationMessage, ...]
    region_admin: bool  # is the staff member regional administrator of some region


@functools.cache
def _unit_state_statement() -> Select:
    """``unit_state``'s statement, built once (building it cost more than running it); the
    unit, the day and the staff member are bound at execution."""
    admin = select(RegionAdmin.id).where(RegionAdmin.staff_id == bindparam("staff")).exists()
    today = bindparam("today", type_=Date)
    return (
        select(CareUnit.active, admin.label("region_admin"), InformationMessage)
        .select_from(CareUnit)
        .outerjoin(
            InformationMessage,
            and_(
                InformationMessage.region_id == CareUnit.region_id,
                InformationMessage.starts_on <= today,
                InformationMessage.ends_on >= today,
            ),
        )
        .where(CareUnit.id == bindparam("unit"))
        .order_by(InformationMessage.starts_on.desc(), InformationMessage.id.desc())
    )


def unit_state(session: Session, care_unit_id: int, today: date, staff_id: int) -> UnitState | None:
    """Is the unit active, the region's information messages shown today, and is the staff
    member a regional administrator (None: no such unit); one statement."""
    rows = session.execute(
        _unit_state_statement(), {"unit": care_unit_id, "today": today, "staff": staff_id}
    ).all()
    if not rows:
        return None
    return UnitState(
        bool(rows[0][0]), tuple(row[2] for row in rows if row[2] is not None), bool(rows[0][1])
    )
