"""Listeners: batteries start with the enrollment or a module, forms submitted close an
occurrence, an ended enrollment cancels what is planned or open.

Connected once (``weak=False``) when ``sob_core.batteries`` is imported. Each gets the session
as the sender and plain ids; it adds its rows to the sender's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import events
from ..content import content_of
from ..models import BatterySchedule, Enrollment, FormAssignment, FormResponse
from . import schedule as sched
from .service import cancel_live, complete_if_done, create, unit_zone

log = logging.getLogger(__name__)


def _start(
    session: Session,
    enrollment: Enrollment,
    battery: Mapping[str, Any],
    trigger: str,
    at: datetime,
    module_key: str | None = None,
) -> None:
    key = str(battery.get("key"))
    exists = session.scalar(
        select(BatterySchedule.id).where(
            BatterySchedule.enrollment_id == enrollment.id,
            BatterySchedule.battery_key == key,
            BatterySchedule.trigger == trigger,
            BatterySchedule.module_key.is_(None)
            if module_key is None
            else BatterySchedule.module_key == module_key,
        )
    )
    if exists is not None:
        return  # already started (a signal sent twice changes nothing)
    common: dict[str, Any] = {
        "battery_key": key,
        "name": battery.get("name") or {},
        "form_keys": list(battery.get("form_keys") or []),
        "local_time": str(battery.get("local_time") or "08:00"),
        "due_days": int(battery.get("due_days", 3)),
        "expire_days": int(battery.get("expire_days", 7)),
        "module_key": module_key,
    }
    if trigger == "repeat":
        zone_name = unit_zone(session, enrollment)
        first = sched.wall_time(at, zone_name).date() + timedelta(
            days=int(battery.get("start_days") or 0)
        )
        create(
            session,
            enrollment,
            trigger="repeat",
            now=at,
            start_date=first,
            every_days=int(battery["every_days"]),
            count=battery.get("count"),
            **common,
        )
    else:
        create(session, enrollment, trigger=trigger, now=at, at=at, **common)


def on_enrollment_started(session: Session, *, enrollment_id: int, **_: Any) -> None:
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.program_version is None:
        return
    for battery in content_of(enrollment.program_version).batteries:
        trigger = battery.get("trigger")
        if trigger == "enrollment_start":
            _start(session, enrollment, battery, "enrollment_start", enrollment.started_at)
        elif trigger == "repeat" and not battery.get("module_key"):
            _start(session, enrollment, battery, "repeat", enrollment.started_at)


def on_module_opened(
    session: Session, *, enrollment_id: int, module_key: str, at: datetime | None = None, **_: Any
) -> None:
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.program_version is None or enrollment.status == "ended":
        return
    at = at or datetime.now(UTC)
    for battery in content_of(enrollment.program_version).batteries:
        if battery.get("module_key") != module_key:
            continue
        trigger = battery.get("trigger")
        if trigger in ("module_start", "repeat"):
            _start(session, enrollment, battery, str(trigger), at, module_key=module_key)


def on_response_submitted(
    session: Session, *, response_id: int, assignment_id: int | None = None, **_: Any
) -> None:
    if assignment_id is None:
        return
    occurrence_id = session.scalar(
        select(FormAssignment.occurrence_id).where(FormAssignment.id == assignment_id)
    )
    if occurrence_id is None:
        return
    submitted = session.scalar(
        select(FormResponse.submitted_at).where(FormResponse.id == response_id)
    )
    complete_if_done(session, occurrence_id, submitted or datetime.now(UTC))


def on_enrollment_ended(session: Session, *, enrollment_id: int, **_: Any) -> None:
    now = datetime.now(UTC)
    ended_at = session.scalar(select(Enrollment.ended_at).where(Enrollment.id == enrollment_id))
    now = ended_at or now
    session.execute(
        update(BatterySchedule)
        .where(BatterySchedule.enrollment_id == enrollment_id, BatterySchedule.status == "active")
        .values(status="stopped", stopped_at=now)
        .execution_options(synchronize_session="fetch")
    )
    cancel_live(session, now, enrollment_id=enrollment_id)


def connect() -> None:
    events.enrollment_started.connect(on_enrollment_started, weak=False)
    events.module_opened.connect(on_module_opened, weak=False)
    events.response_submitted.connect(on_response_submitted, weak=False)
    events.enrollment_ended.connect(on_enrollment_ended, weak=False)
