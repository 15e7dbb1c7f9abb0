"""Data sets for the follow-up benchmarks: enrollments with a running weekly battery, written fast.

Like ``dataset.py`` everything goes in through SQLAlchemy core ``insert()`` with executemany
batches and explicit primary keys, on a database that already holds the demo data set (for its
forms: the battery hands out the PHQ-9). Only what the follow-up tick reads is written: care
units, a therapist per unit, citizens with an e-mail address, enrollments in one programme whose
content has a weekly battery and reminder rules, each enrollment's battery schedule and its
occurrences.

Two layouts:

- ``tick``: every enrollment has had occurrence 1 a week ago (done, or still open) and has
  occurrence 2 planned within the coming week; exactly ``due`` of those are planned in the last
  hour (the tick opens them) and exactly ``expired`` enrollments have occurrence 1 open past its
  expiry (the tick marks them missed). The same ``due`` and ``expired`` at any size, so the
  tick's cost at 600 and at 60,000 enrollments can be compared.
- ``week``: every enrollment's first occurrence is planned within the week from ``now``, spread
  over the days and over local times from 08:00 to 19:45, so a simulated week opens each of them
  once and sends its reminders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dataset import (
    FIRST_NAMES,
    LAST_NAMES,
    REGIONS,
    UNIT_KINDS,
    _advance_sequences,
    _batched,
    _insert,
    _next_id,
    personnummers,
)
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

#: bump when the shape of the data set changes
FOLLOWUP_VERSION = 1
ZONE = "Europe/Stockholm"
BATTERY_KEY = "weekly"
RULE_KEY = "standard"
#: the reminder offsets (days after the opening) of the benchmark programme's rule
OFFSETS = (0, 2, 5)
EVERY_DAYS = 7
DUE_DAYS = 3
EXPIRE_DAYS = 6  # expires before the next opening, so an expired one is never also due
ENROLLMENTS_PER_UNIT = 200


@dataclass
class FollowupPlan:
    enrollments: int = 60_000
    layout: str = "tick"  # "tick" or "week"
    due: int = 300
    expired: int = 100
    seed: int = 2026

    @property
    def units(self) -> int:
        return max(2, self.enrollments // ENROLLMENTS_PER_UNIT)


@dataclass
class FollowupBuilt:
    counts: dict[str, int] = field(default_factory=dict)
    due_ids: list[int] = field(default_factory=list)  # planned occurrences due now
    expired_ids: list[int] = field(default_factory=list)  # open occurrences past their expiry
    program_version_id: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # building, by phase


def program_content() -> dict[str, Any]:
    """One module with a text; a weekly PHQ-9 battery; reminders on opening, after 2 and 5 days."""
    return {
        "name": {"sv": "Uppföljning (mätdata)", "en": "Follow-up (benchmark data)"},
        "description": {"sv": "Ett program för mätningar av uppföljningens prestanda."},
        "welcome": {"sv": "Välkommen!"},
        "recommended_days": 56,
        "modules": [
            {
                "key": "m1",
                "title": "Vecka 1",
                "recommended_days": 7,
                "unlock": {"rule": "at_start", "days": None},
                "items": [{"key": "m1-text", "kind": "text", "title": "Om behandlingen"}],
            }
        ],
        "batteries": [
            {
                "key": BATTERY_KEY,
                "name": {"sv": "Veckomätning", "en": "Weekly measurement"},
                "form_keys": ["phq-9"],
                "trigger": "repeat",
                "every_days": EVERY_DAYS,
                "start_days": 0,
                "local_time": "08:00",
                "due_days": DUE_DAYS,
                "expire_days": EXPIRE_DAYS,
            }
        ],
        "reminders": {
            "rules": [{"key": RULE_KEY, "offsets_days": list(OFFSETS), "battery_keys": []}]
        },
    }


def local_moment(day: date, clock: time, zone: ZoneInfo) -> tuple[str, datetime]:
    """The local wall time as stored ("2026-12-02T08:00") and the UTC moment it is."""
    local = datetime.combine(day, clock, zone)
    return local.strftime("%Y-%m-%dT%H:%M"), local.astimezone(UTC)


def _occurrence(
    occurrence_id: int,
    schedule_id: int,
    enrollment_id: int,
    citizen_id: int,
    number: int,
    day: date,
    clock: time,
    zone: ZoneInfo,
    status: str,
) -> dict[str, Any]:
    planned, opens = local_moment(day, clock, zone)
    return {
        "id": occurrence_id,
        "schedule_id": schedule_id,
        "enrollment_id": enrollment_id,
        "citizen_id": citizen_id,
        "number": number,
        "planned_local": planned,
        "time_zone": ZONE,
        "opens_at": opens,
        "due_at": local_moment(day + timedelta(days=DUE_DAYS), clock, zone)[1],
        "expires_at": local_moment(day + timedelta(days=EXPIRE_DAYS), clock, zone)[1],
        "status": status,
        "opened_at": opens if status != "planned" else None,
        "closed_at": local_moment(day + timedelta(days=1), clock, zone)[1]
        if status == "done"
        else None,
    }


def _clock(moment: datetime) -> time:
    return time(moment.hour, moment.minute)


def _slots(plan: FollowupPlan, now: datetime, rng: random.Random) -> Iterator[tuple[str, datetime]]:
    """Per enrollment, in order: its kind ("due", "expired", "future") and the local moment of
    its next planned occurrence (for "expired": of the open one)."""
    zone = ZoneInfo(ZONE)
    local_now = now.astimezone(zone)
    kinds = ["due"] * plan.due + ["expired"] * plan.expired
    kinds += ["future"] * (plan.enrollments - len(kinds))
    # spread the due and expired ones over the units: every 20th enrollment first
    order = sorted(range(plan.enrollments), key=lambda i: (i % 20 != 0, i))
    placed: dict[int, str] = dict(zip(order, kinds, strict=True))
    for index in range(plan.enrollments):
        kind = placed[index]
        if plan.layout == "week":
            day = local_now.date() + timedelta(days=1 + index % 7)
            slot = (index // 7) % 48  # 08:00 .. 19:45 every quarter of an hour
            local = datetime.combine(day, time(8 + slot // 4, 15 * (slot % 4)), zone)
            if local.astimezone(UTC) >= now + timedelta(days=7):
                local -= timedelta(days=7)
            yield "future", local
        elif kind == "due":
            yield (
                kind,
                (local_now - timedelta(minutes=rng.randint(1, 59))).replace(
                    second=0, microsecond=0
                ),
            )
        elif kind == "expired":
            yield (
                kind,
                (local_now - timedelta(days=EXPIRE_DAYS, minutes=rng.randint(1, 59))).replace(
                    second=0, microsecond=0
                ),
            )
        else:
            ahead = timedelta(minutes=rng.randint(61, 7 * 24 * 60 - 1))
            yield kind, (local_now + ahead).replace(second=0, microsecond=0)


def build(conn: Connection, plan: FollowupPlan, now: datetime | None = None) -> FollowupBuilt:
    """Write the follow-up data set on a database that holds the demo data set."""
    from sob_core.extensions import db

    t = db.metadata.tables
    rng = random.Random(plan.seed)
    now = now or datetime.now(UTC)
    zone = ZoneInfo(ZONE)
    built = FollowupBuilt()
    counts = built.counts

    region_id = conn.scalar(select(t["region"].c.id).order_by(t["region"].c.id))
    if region_id is None:
        region_id = _next_id(conn, t["region"])
        conn.execute(insert(t["region"]), [{"id": region_id, "code": "01", "name": REGIONS[0][1]}])
    unit_id = _next_id(conn, t["care_unit"])
    units = [
        {
            "id": unit_id + n,
            "region_id": region_id,
            "hsa_id": f"SE2321000000-FU{n:010d}",
            "name": f"{UNIT_KINDS[n % len(UNIT_KINDS)]} uppföljning {n + 1}",
            "time_zone": ZONE,
        }
        for n in range(plan.units)
    ]
    counts["care units"] = _insert(conn, t["care_unit"], units)
    staff_id = _next_id(conn, t["staff"])
    therapists = {u["id"]: staff_id + n for n, u in enumerate(units)}
    counts["staff"] = _insert(
        conn,
        t["staff"],
        (
            {
                "id": sid,
                "hsa_id": f"SE2321000000-FS{sid:010d}",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "email": None,
                "phone": None,
                "active": True,
                "created_at": now,
            }
            for sid in therapists.values()
        ),
    )
    _insert(
        conn,
        t["role_assignment"],
        (
            {
                "staff_id": sid,
                "care_unit_id": uid,
                "role": "therapist",
                "granted_by_id": None,
                "granted_at": now,
            }
            for uid, sid in therapists.items()
        ),
    )

    program_id = _next_id(conn, t["program"])
    version_id = _next_id(conn, t["program_version"])
    conn.execute(
        insert(t["program"]),
        [
            {
                "id": program_id,
                "key": f"bench-followup-{program_id}",
                "kind": "treatment",
                "owner_care_unit_id": units[0]["id"],
                "publisher_id": None,
                "created_at": now,
            }
        ],
    )
    conn.execute(
        insert(t["program_version"]),
        [
            {
                "id": version_id,
                "program_id": program_id,
                "major": 1,
                "minor": 0,
                "status": "published",
                "content": program_content(),
                "is_open": False,
                "eligibility": {},
                "based_on_id": None,
                "created_at": now,
                "created_by_id": None,
                "updated_at": now,
                "published_at": now,
                "published_by_id": None,
            }
        ],
    )
    _insert(
        conn,
        t["program_catalogue"],
        ({"program_id": program_id, "care_unit_id": u["id"]} for u in units),
    )
    built.program_version_id = version_id
    phq_version = conn.scalar(
        select(t["form_version"].c.id)
        .join(t["form"], t["form"].c.id == t["form_version"].c.form_id)
        .where(t["form"].c.key == "phq-9")
        .order_by(t["form_version"].c.version.desc())
    )
    if phq_version is None:
        raise RuntimeError("the demo data set has no PHQ-9 form (load the demo first)")

    taken = set(conn.scalars(select(t["citizen"].c.personnummer)))
    numbers = personnummers(plan.enrollments, taken)
    citizen_id = _next_id(conn, t["citizen"])
    enrollment_id = _next_id(conn, t["enrollment"])
    schedule_id = _next_id(conn, t["battery_schedule"])
    occurrence_id = _next_id(conn, t["battery_occurrence"])
    assignment_id = _next_id(conn, t["form_assignment"])
    rows: dict[str, list[dict[str, Any]]] = {
        name: []
        for name in (
            "citizen",
            "enrollment",
            "battery_schedule",
            "battery_occurrence",
            "form_assignment",
        )
    }

    def flush() -> None:
        for name, batch in rows.items():
            counts[name] = counts.get(name, 0) + bulk_insert(conn, t[name], batch)
            batch.clear()

    for index, (kind, local) in enumerate(_slots(plan, now, rng)):
        unit = units[index % len(units)]["id"]
        pnr = next(numbers)
        rows["citizen"].append(
            {
                "id": citizen_id,
                "personnummer": pnr,
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "birth_date": date(int(pnr[:4]), int(pnr[4:6]), int(pnr[6:8])),
                "legal_sex": "male" if int(pnr[10]) % 2 else "female",
                "coordination_number": False,
                "email": f"invanare{citizen_id}@example.se",
                "phone": None,
                "created_at": now,
                "last_active_at": None,
            }
        )
        clock = _clock(local)
        # the local day of occurrence 1: a week before the planned one (the tick layout), or
        # the open one itself (expired), or the week's one (the week layout)
        first_day = local.date()
        if plan.layout == "tick" and kind != "expired":
            first_day -= timedelta(days=EVERY_DAYS)
        started = min(now, local_moment(first_day, clock, zone)[1]) - timedelta(hours=1)
        rows["enrollment"].append(
            {
                "id": enrollment_id,
                "citizen_id": citizen_id,
                "care_unit_id": unit,
                "therapist_id": therapists[unit],
                "status": "active",
                "started_at": started,
                "ended_at": None,
                "program_version_id": version_id,
                "started_by_id": therapists[unit],
                "last_active_at": now - timedelta(hours=rng.randint(1, 72)),
                "maintenance_at": None,
                "hide_progress": False,
                "welcome": {},
            }
        )
        rows["battery_schedule"].append(
            {
                "id": schedule_id,
                "enrollment_id": enrollment_id,
                "battery_key": BATTERY_KEY,
                "name": {"sv": "Veckomätning", "en": "Weekly measurement"},
                "form_keys": ["phq-9"],
                "trigger": "repeat",
                "module_key": None,
                "start_date": first_day,
                "every_days": EVERY_DAYS,
                "local_time": clock.strftime("%H:%M"),
                "time_zone": ZONE,
                "count": None,
                "due_days": DUE_DAYS,
                "expire_days": EXPIRE_DAYS,
                "status": "active",
                "created_at": started,
                "created_by_id": therapists[unit],
                "stopped_at": None,
                "stopped_by_id": None,
            }
        )
        occurrences = rows["battery_occurrence"]
        if plan.layout == "week":
            occurrences.append(
                _occurrence(
                    occurrence_id,
                    schedule_id,
                    enrollment_id,
                    citizen_id,
                    1,
                    first_day,
                    clock,
                    zone,
                    "planned",
                )
            )
            occurrence_id += 1
        else:
            # occurrence 1 a week before (done, or open past its expiry) and the next planned
            first_status = "open" if kind == "expired" else "done"
            occurrences.append(
                _occurrence(
                    occurrence_id,
                    schedule_id,
                    enrollment_id,
                    citizen_id,
                    1,
                    first_day,
                    clock,
                    zone,
                    first_status,
                )
            )
            rows["form_assignment"].append(
                {
                    "id": assignment_id,
                    "citizen_id": citizen_id,
                    "enrollment_id": enrollment_id,
                    "form_version_id": phq_version,
                    "assigned_by_id": None,
                    "status": "done" if first_status == "done" else "open",
                    "item_key": None,
                    "assigned_at": local_moment(first_day, clock, zone)[1],
                    "occurrence_id": occurrence_id,
                }
            )
            assignment_id += 1
            if kind == "expired":
                built.expired_ids.append(occurrence_id)
            occurrence_id += 1
            second_day = first_day + timedelta(days=EVERY_DAYS)
            occurrences.append(
                _occurrence(
                    occurrence_id,
                    schedule_id,
                    enrollment_id,
                    citizen_id,
                    2,
                    second_day,
                    clock,
                    zone,
                    "planned",
                )
            )
            if kind == "due":
                built.due_ids.append(occurrence_id)
            occurrence_id += 1
        citizen_id += 1
        enrollment_id += 1
        schedule_id += 1
        if len(rows["enrollment"]) >= 5000:
            flush()
    flush()
    if conn.dialect.name == "postgresql":
        _advance_sequences(conn, t.values())
    return built


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> int:
    """Write ``rows`` (each with the same keys): COPY on PostgreSQL (one statement, no per-row
    round trip), else executemany inserts. A table with defaults the rows leave out takes the
    inserts, which apply them."""
    if not rows:
        return 0
    columns = list(rows[0])
    defaulted = [c for c in table.c if c.name not in columns and c.default is not None]
    if conn.dialect.name != "postgresql" or defaulted:
        return _insert(conn, table, rows)
    from psycopg.types.json import Json
    from sqlalchemy import JSON

    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    names = ", ".join(f'"{name}"' for name in columns)
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    Json(row[name]) if name in as_json and row[name] is not None else row[name]
                    for name in columns
                ]
            )
    return len(rows)


def table_ids(conn: Connection) -> dict[str, int]:
    """The highest id of every table with an integer ``id`` (to remove what a run added)."""
    from sob_core.extensions import db

    out = {}
    for table in db.metadata.sorted_tables:
        if "id" in table.c:
            out[table.name] = _next_id(conn, table) - 1
    return out


def restore(conn: Connection, before: dict[str, int], built: FollowupBuilt) -> None:
    """Undo a timed tick: delete the rows it added, put its occurrences back as they were."""
    from sqlalchemy import delete, update

    from sob_core.extensions import db

    t = db.metadata.tables
    for table in reversed(db.metadata.sorted_tables):
        if table.name in before:
            conn.execute(delete(table).where(table.c.id > before[table.name]))
    occurrence, assignment = t["battery_occurrence"], t["form_assignment"]
    for batch in _batched([{"i": i} for i in built.due_ids]):
        ids = [row["i"] for row in batch]
        conn.execute(
            update(occurrence)
            .where(occurrence.c.id.in_(ids))
            .values(status="planned", opened_at=None, closed_at=None)
        )
    if built.expired_ids:
        conn.execute(
            update(occurrence)
            .where(occurrence.c.id.in_(built.expired_ids))
            .values(status="open", closed_at=None)
        )
        conn.execute(
            update(assignment)
            .where(assignment.c.occurrence_id.in_(built.expired_ids))
            .values(status="open")
        )
    schedule = t["battery_schedule"]
    conn.execute(
        update(schedule)
        .where(schedule.c.status != "active")
        .values(status="active", stopped_at=None, stopped_by_id=None)
    )


def due_now(conn: Connection, now: datetime) -> tuple[int, int]:
    """(planned occurrences with opens_at <= now, open ones with expires_at <= now)."""
    from sqlalchemy import func

    from sob_core.extensions import db

    occurrence = db.metadata.tables["battery_occurrence"]
    planned = conn.scalar(
        select(func.count()).where(occurrence.c.status == "planned", occurrence.c.opens_at <= now)
    )
    expired = conn.scalar(
        select(func.count()).where(occurrence.c.status == "open", occurrence.c.expires_at <= now)
    )
    return int(planned or 0), int(expired or 0)
