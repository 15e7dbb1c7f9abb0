"""Battery schedules of an enrollment and their occurrences: planning, moving, closing.

A schedule keeps only its next occurrence as a ``planned`` row: when one opens, the next one is
written (so the table grows with what happened, never ahead of time). Every move of an
occurrence is one conditional UPDATE (``WHERE status = ...``); only the caller whose UPDATE
changed the row goes on (hands out forms, sends the signal), so two ticks never do it twice.
The tick opens and expires a batch at a time (``opening``).
Time is always a parameter (``now``, timezone-aware UTC).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from .. import events
from ..enrollments._rows import changed_rows
from ..models import (
    BatteryOccurrence,
    BatterySchedule,
    Enrollment,
    Form,
    FormAssignment,
    FormVersion,
)
from ..models.followup import DEFAULT_TIME_ZONE
from . import schedule as sched

log = logging.getLogger(__name__)

#: triggers a schedule can have (``once``: one occurrence at a date staff chose)
TRIGGERS = ("enrollment_start", "module_start", "repeat", "once", "extra")
ONE_OFF = ("enrollment_start", "module_start", "extra")
LIVE = ("planned", "open")


class BatteryError(ValueError):
    """A staff request that cannot be done; ``code`` names why."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def unit_zone(session: Session, enrollment: Enrollment) -> str:
    unit = enrollment.care_unit  # kept on the enrollment: read once a request, not once a call
    return (unit.time_zone if unit is not None else None) or DEFAULT_TIME_ZONE


def latest_versions(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """form key -> id of its latest version (the forms that exist)."""
    wanted = sorted(set(keys))
    out: dict[str, tuple[int, int]] = {}
    if not wanted:
        return {}
    for key, version_id, number in session.execute(
        select(Form.key, FormVersion.id, FormVersion.version)
        .join(FormVersion, FormVersion.form_id == Form.id)
        .where(Form.key.in_(wanted))
    ):
        if key not in out or out[key][1] < number:
            out[key] = (version_id, number)
    return {key: pair[0] for key, pair in out.items()}


# --- planning ------------------------------------------------------------------------------------


def _written(session: Session, schedule: BatterySchedule) -> tuple[int, int]:
    """(highest number used, how many occurrences were not cancelled)."""
    top, kept = session.execute(
        select(
            func.coalesce(func.max(BatteryOccurrence.number), 0),
            func.count(BatteryOccurrence.id).filter(BatteryOccurrence.status != "cancelled"),
        ).where(BatteryOccurrence.schedule_id == schedule.id)
    ).one()
    return int(top), int(kept)


def next_wall(schedule: Any, wall: datetime, now: datetime) -> datetime:
    """``wall``, or the first later occurrence of the schedule that has not yet expired (a start
    date long ago skips what would already be over)."""
    every = schedule.every_days
    if every:
        for _ in range(10000):
            expires = sched.to_utc(sched.plus_days(wall, schedule.expire_days), schedule.time_zone)
            if expires > now:
                break
            wall = sched.plus_days(wall, every)
    return wall


def occurrence_values(
    schedule: Any, enrollment_id: int, citizen_id: int, wall: datetime, number: int
) -> dict[str, Any]:
    """The columns of a planned occurrence of ``schedule`` at the local wall time ``wall``."""
    at = sched.moments(wall, schedule.time_zone, schedule.due_days, schedule.expire_days)
    return {
        "schedule_id": schedule.id,
        "enrollment_id": enrollment_id,
        "citizen_id": citizen_id,
        "number": number,
        "planned_local": sched.local_text(wall),
        "time_zone": schedule.time_zone,
        "opens_at": at.opens_at,
        "due_at": at.due_at,
        "expires_at": at.expires_at,
        "status": "planned",
    }


def _write(
    session: Session,
    schedule: BatterySchedule,
    wall: datetime,
    number: int,
    opens_at: datetime | None = None,
) -> BatteryOccurrence:
    enrollment = session.get(Enrollment, schedule.enrollment_id)
    assert enrollment is not None  # a schedule's enrollment exists (foreign key)
    values = occurrence_values(
        schedule, schedule.enrollment_id, enrollment.citizen_id, wall, number
    )
    if opens_at is not None:
        values["opens_at"] = opens_at
    occurrence = BatteryOccurrence(**values)
    session.add(occurrence)
    session.flush()
    return occurrence


def plan_from(
    session: Session, schedule: BatterySchedule, wall: datetime, now: datetime
) -> BatteryOccurrence | None:
    """Write the schedule's occurrence at ``wall`` (or the first later one not yet expired)."""
    if schedule.status != "active":
        return None
    top, kept = _written(session, schedule)
    if schedule.count is not None and kept >= schedule.count:
        return None
    wall = next_wall(schedule, wall, now)
    return _write(session, schedule, wall, top + 1)


def first_wall(schedule: BatterySchedule) -> datetime:
    start = schedule.start_date or date.today()
    return datetime.combine(start, sched.parse_time(schedule.local_time))


def create(
    session: Session,
    enrollment: Enrollment,
    *,
    trigger: str,
    form_keys: list[str],
    now: datetime,
    battery_key: str | None = None,
    name: Mapping[str, str] | None = None,
    module_key: str | None = None,
    start_date: date | None = None,
    every_days: int | None = None,
    local_time: str = "08:00",
    count: int | None = None,
    due_days: int = 3,
    expire_days: int = 7,
    created_by_id: int | None = None,
    at: datetime | None = None,
) -> BatterySchedule:
    """A schedule for the enrollment and its first planned occurrence.

    One-off triggers (enrollment start, module start, extra) open at ``at`` (default ``now``);
    ``once`` and ``repeat`` at ``local_time`` on ``start_date`` (then every ``every_days``).
    """
    if trigger not in TRIGGERS:
        raise BatteryError("trigger", f"unknown trigger {trigger!r}")
    if not form_keys:
        raise BatteryError("no_forms", "a battery needs at least one form")
    sched.parse_time(local_time)
    zone_name = unit_zone(session, enrollment)
    moment = at or now
    if trigger in ONE_OFF:
        start_date = sched.wall_time(moment, zone_name).date()
        every_days, count = None, 1
    elif trigger == "once":
        every_days, count = None, 1
    if start_date is None:
        raise BatteryError("no_start", "the schedule needs a start date")
    schedule = BatterySchedule(
        enrollment_id=enrollment.id,
        battery_key=battery_key,
        name=dict(name or {}),
        form_keys=list(form_keys),
        trigger=trigger,
        module_key=module_key,
        start_date=start_date,
        every_days=every_days,
        local_time=local_time,
        time_zone=zone_name,
        count=count,
        due_days=due_days,
        expire_days=expire_days,
        status="active",
        created_at=now,
        created_by_id=created_by_id,
    )
    session.add(schedule)
    session.flush()
    if trigger in ONE_OFF:
        _write(session, schedule, sched.wall_time(moment, zone_name), 1, opens_at=moment)
    else:
        plan_from(session, schedule, first_wall(schedule), now)
    return schedule


# --- moving occurrences on -------------------------------------------------------------------------


def _move(session: Session, occurrence_id: int, old: str, **values: Any) -> bool:
    result = session.execute(
        update(BatteryOccurrence)
        .where(BatteryOccurrence.id == occurrence_id, BatteryOccurrence.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(result) == 1


def _fresh(session: Session, occurrence_id: int) -> BatteryOccurrence:
    return session.scalars(
        select(BatteryOccurrence)
        .where(BatteryOccurrence.id == occurrence_id)
        .execution_options(populate_existing=True)
    ).one()


def close_assignments(session: Session, occurrence_ids: Sequence[int]) -> None:
    """The occurrences' open forms are taken back (one UPDATE for all of them)."""
    session.execute(
        update(FormAssignment)
        .where(FormAssignment.occurrence_id.in_(occurrence_ids), FormAssignment.status == "open")
        .values(status="closed")
        .execution_options(synchronize_session="fetch")
    )


def finish_schedules(session: Session, schedule_ids: Iterable[int]) -> None:
    """The schedules with nothing planned or open left, and nothing more to plan, are done
    (one conditional UPDATE for all of them)."""
    ids = sorted(set(schedule_ids))
    if not ids:
        return
    live = exists().where(
        BatteryOccurrence.schedule_id == BatterySchedule.id, BatteryOccurrence.status.in_(LIVE)
    )
    session.execute(
        update(BatterySchedule)
        .where(BatterySchedule.id.in_(ids), BatterySchedule.status == "active", ~live)
        .values(status="done")
        .execution_options(synchronize_session="fetch")
    )


def _closed(session: Session, occurrence: BatteryOccurrence, status: str, now: datetime) -> None:
    events.occurrence_closed.send(
        session,
        occurrence_id=occurrence.id,
        enrollment_id=occurrence.enrollment_id,
        citizen_id=occurrence.citizen_id,
        status=status,
        at=now,
    )


def complete_if_done(session: Session, occurrence_id: int, now: datetime) -> bool:
    """open → done when every form of the occurrence is submitted."""
    left = session.scalar(
        select(func.count(FormAssignment.id)).where(
            FormAssignment.occurrence_id == occurrence_id, FormAssignment.status == "open"
        )
    )
    if left or not _move(session, occurrence_id, "open", status="done", closed_at=now):
        return False
    occurrence = _fresh(session, occurrence_id)
    finish_schedules(session, [occurrence.schedule_id])
    _closed(session, occurrence, "done", now)
    events.occurrences_closed.send(session, occurrence_ids=[occurrence.id], status="done", at=now)
    return True


def cancel_live(
    session: Session,
    now: datetime,
    *,
    schedule_id: int | None = None,
    enrollment_id: int | None = None,
    only_planned: bool = False,
) -> int:
    """Cancel a schedule's (or an enrollment's) planned and open occurrences; how many."""
    query = select(BatteryOccurrence.id, BatteryOccurrence.status).where(
        BatteryOccurrence.status.in_(("planned",) if only_planned else LIVE)
    )
    if schedule_id is not None:
        query = query.where(BatteryOccurrence.schedule_id == schedule_id)
    if enrollment_id is not None:
        query = query.where(BatteryOccurrence.enrollment_id == enrollment_id)
    done: list[int] = []
    for occurrence_id, status in session.execute(query.order_by(BatteryOccurrence.id)).all():
        if not _move(session, occurrence_id, status, status="cancelled", closed_at=now):
            continue
        if status == "open":
            close_assignments(session, [occurrence_id])
        _closed(session, _fresh(session, occurrence_id), "cancelled", now)
        done.append(occurrence_id)
    if done:
        events.occurrences_closed.send(session, occurrence_ids=done, status="cancelled", at=now)
    return len(done)
