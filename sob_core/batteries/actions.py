"""What staff do with one patient's batteries: start, stop, reschedule, extra measurement.

The caller (a web view) checks the care unit, audits and commits; these functions only change
rows and send the signals. ``now`` is timezone-aware UTC.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from ..content import content_of
from ..enrollments._rows import changed_rows
from ..models import BatteryOccurrence, BatterySchedule, Enrollment
from . import schedule as sched
from .opening import open_occurrence
from .service import (
    BatteryError,
    cancel_live,
    create,
    first_wall,
    latest_versions,
    plan_from,
    unit_zone,
)


def programme_batteries(enrollment: Enrollment) -> list[Mapping[str, Any]]:
    """The cleaned batteries of the enrollment's programme version (may be empty)."""
    if enrollment.program_version is None:
        return []
    return list(content_of(enrollment.program_version).batteries)


def find_battery(enrollment: Enrollment, key: str) -> Mapping[str, Any] | None:
    return next((b for b in programme_batteries(enrollment) if b.get("key") == key), None)


def _ongoing(enrollment: Enrollment) -> None:
    if enrollment.status == "ended":
        raise BatteryError("ended", "the enrollment has ended and can no longer be changed")


def _forms(session: Session, form_keys: list[str]) -> list[str]:
    if not form_keys:
        raise BatteryError("no_forms", "choose at least one form")
    known = latest_versions(session, form_keys)
    missing = [k for k in form_keys if k not in known]
    if missing:
        raise BatteryError("unknown_form", f"there is no form {', '.join(missing)}")
    return form_keys


def local_today(session: Session, enrollment: Enrollment, now: datetime) -> date:
    return sched.wall_time(now, unit_zone(session, enrollment)).date()


def schedule_battery(
    session: Session,
    enrollment: Enrollment,
    *,
    form_keys: list[str],
    start_date: date,
    local_time: str,
    every_days: int | None,
    count: int | None,
    actor_id: int,
    now: datetime,
    battery_key: str | None = None,
    name: Mapping[str, str] | None = None,
) -> BatterySchedule:
    """Staff schedule a battery (or chosen forms) for one patient ("Schemalägg mätbatteri").

    ``every_days`` None: once, on ``start_date`` at ``local_time``; otherwise every so many days,
    ``count`` times (None: until stopped). The start date may not be before the unit's today.
    """
    _ongoing(enrollment)
    _forms(session, form_keys)
    sched.parse_time(local_time)
    if every_days is not None:
        sched.check_every(every_days)
    if count is not None:
        sched.check_count(count)
    if start_date < local_today(session, enrollment, now):
        raise BatteryError("past", "the start date has passed")
    battery = find_battery(enrollment, battery_key) if battery_key else None
    return create(
        session,
        enrollment,
        trigger="repeat" if every_days else "once",
        form_keys=form_keys,
        now=now,
        battery_key=battery_key,
        name=name or (battery or {}).get("name"),
        start_date=start_date,
        every_days=every_days,
        local_time=local_time,
        count=count,
        due_days=int((battery or {}).get("due_days", 3)),
        expire_days=int((battery or {}).get("expire_days", 7)),
        created_by_id=actor_id,
    )


def extra_measurement(
    session: Session,
    enrollment: Enrollment,
    *,
    form_keys: list[str],
    actor_id: int,
    now: datetime,
    battery_key: str | None = None,
    name: Mapping[str, str] | None = None,
) -> BatterySchedule:
    """ "Starta extramätning nu": the forms are handed out at once, as a one-off occurrence."""
    _ongoing(enrollment)
    _forms(session, form_keys)
    battery = find_battery(enrollment, battery_key) if battery_key else None
    schedule = create(
        session,
        enrollment,
        trigger="extra",
        form_keys=form_keys,
        now=now,
        battery_key=battery_key,
        name=name or (battery or {}).get("name"),
        due_days=int((battery or {}).get("due_days", 3)),
        expire_days=int((battery or {}).get("expire_days", 7)),
        created_by_id=actor_id,
    )
    occurrence_id = session.scalar(
        select(BatteryOccurrence.id).where(BatteryOccurrence.schedule_id == schedule.id)
    )
    if occurrence_id is not None:
        open_occurrence(session, occurrence_id, now)
    return schedule


def stop(session: Session, schedule: BatterySchedule, actor_id: int | None, now: datetime) -> bool:
    """Stop a running schedule: its planned and open occurrences are cancelled. True if it stopped."""
    result = session.execute(
        update(BatterySchedule)
        .where(BatterySchedule.id == schedule.id, BatterySchedule.status == "active")
        .values(status="stopped", stopped_at=now, stopped_by_id=actor_id)
        .execution_options(synchronize_session="fetch")
    )
    if changed_rows(result) != 1:
        return False
    cancel_live(session, now, schedule_id=schedule.id)
    return True


def reschedule(
    session: Session,
    schedule: BatterySchedule,
    *,
    start_date: date,
    local_time: str,
    every_days: int | None,
    actor_id: int,
    now: datetime,
) -> BatteryOccurrence | None:
    """Move a running schedule: its planned occurrence is cancelled and planned anew from
    ``start_date`` at ``local_time`` (open ones stay open). The planned occurrence, if any."""
    if schedule.status != "active":
        raise BatteryError("not_running", "the battery is not running")
    enrollment = session.get(Enrollment, schedule.enrollment_id)
    assert enrollment is not None
    _ongoing(enrollment)
    sched.parse_time(local_time)
    if every_days is not None:
        sched.check_every(every_days)
    if start_date < local_today(session, enrollment, now):
        raise BatteryError("past", "the start date has passed")
    cancel_live(session, now, schedule_id=schedule.id, only_planned=True)
    schedule.start_date = start_date
    schedule.local_time = local_time
    schedule.every_days = every_days
    if schedule.trigger in ("enrollment_start", "module_start", "extra", "once"):
        schedule.trigger = "repeat" if every_days else "once"
    if not every_days:
        schedule.count = None  # once more, at the new date
    session.flush()
    return plan_from(session, schedule, first_wall(schedule), now)


@functools.cache
def _running_statements() -> tuple[Select, Select]:
    """``running``'s two statements, built once; the enrollment and the schedules' ids (an
    expanding IN) are bound at execution."""
    schedules = (
        select(BatterySchedule)
        .where(
            BatterySchedule.enrollment_id == bindparam("enrollment"),
            BatterySchedule.status == "active",
        )
        .order_by(BatterySchedule.id)
    )
    occurrences = (
        select(BatteryOccurrence)
        .where(
            BatteryOccurrence.schedule_id.in_(bindparam("ids", expanding=True)),
            BatteryOccurrence.status.in_(("planned", "open")),
        )
        .order_by(BatteryOccurrence.opens_at)
    )
    return schedules, occurrences


def running(session: Session, enrollment: Enrollment) -> list[tuple[BatterySchedule, list]]:
    """The enrollment's active schedules with their planned and open occurrences, oldest first."""
    schedules_statement, occurrences_statement = _running_statements()
    schedules = session.scalars(schedules_statement, {"enrollment": enrollment.id}).all()
    if not schedules:
        return []
    occurrences: dict[int, list[BatteryOccurrence]] = {s.id: [] for s in schedules}
    for occurrence in session.scalars(occurrences_statement, {"ids": list(occurrences)}):
        occurrences[occurrence.schedule_id].append(occurrence)
    return [(s, occurrences[s.id]) for s in schedules]
