"""Planning the citizen's reminders of an opened battery occurrence, and cancelling them.

An opened occurrence gets one ``Reminder`` row per (occurrence, rule, number) of the programme's
rules that cover its battery (``content.reminder_rules``). A reminder is due ``offset`` days after
the opening at the same local wall time in the care unit's zone, so a daylight-saving change in
between never moves it (08:00 stays 08:00). Reminders that would come when the occurrence has
already expired are not planned. A closed occurrence (done, missed, cancelled) or an ended
enrollment cancels the planned ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session, scoped_session

from ..content import ProgramContent
from ..content.reminder_rules import rules_of
from ..models import (
    BatteryOccurrence,
    CareUnit,
    Enrollment,
    ProgramVersion,
    Reminder,
    StaffReminder,
)
from ..models.followup import DEFAULT_TIME_ZONE


def zone_of(name: str | None) -> ZoneInfo:
    """The zone called ``name``; the default zone for an empty or unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def due_moment(opened_at: datetime, offset_days: int, zone: ZoneInfo) -> datetime:
    """``offset_days`` days after ``opened_at`` at the same local wall time in ``zone`` (UTC).

    A wall time that does not exist that day (the spring change's lost hour) is read with the
    offset from before the change, so it lands just after it; an ambiguous one (the autumn hour
    that comes twice) is the first of the two.
    """
    wall = opened_at.astimezone(zone).replace(tzinfo=None) + timedelta(days=offset_days)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def rules_for(content: Mapping[str, Any] | None, battery_key: str | None) -> list[dict[str, Any]]:
    """The programme's reminder rules that cover a battery (an unnamed battery: the rules for
    every battery)."""
    rules = rules_of(ProgramContent.from_json(content).reminders) if content else []
    return [
        rule
        for rule in rules
        if not rule["battery_keys"] or (battery_key and battery_key in rule["battery_keys"])
    ]


#: ``Session.info`` key of what ``plan`` read in the current transaction (rules, zones)
_RULES = "sob_reminder_planning"


def _rules(enrollment: Enrollment, battery_key: str | None) -> list[dict[str, Any]]:
    """``rules_for`` of the enrollment's programme version, parsed once per transaction (a tick
    opening a thousand occurrences of one programme reads its content once)."""
    session = object_session(enrollment)
    assert session is not None
    cache = _cache(session)
    program_version_id = enrollment.program_version_id
    key = ("rules", program_version_id, battery_key)
    if key not in cache:
        version = session.get(ProgramVersion, program_version_id) if program_version_id else None
        cache[key] = rules_for(version.content if version is not None else None, battery_key)
    rules: list[dict[str, Any]] = cache[key]
    return rules


def _cache(session: Session) -> dict[Any, Any]:
    """A dict for what ``plan`` looks up, kept for the current transaction only."""
    real = session() if isinstance(session, scoped_session) else session
    transaction = real.get_transaction()
    cache: tuple[Any, dict[Any, Any]] | None = real.info.get(_RULES)
    if cache is None or cache[0] is not transaction:
        cache = (transaction, {})
        real.info[_RULES] = cache
    return cache[1]


def _zone(session: Session, care_unit_id: int | None, fallback: str | None) -> ZoneInfo:
    """The care unit's zone (read once per transaction), else ``fallback``."""
    cache = _cache(session)
    key = ("zone", care_unit_id)
    if key not in cache:
        unit = session.get(CareUnit, care_unit_id) if care_unit_id is not None else None
        cache[key] = unit.time_zone if unit is not None else None
    name = cache[key]
    return zone_of(name if name is not None else fallback)


def plan(session: Session, occurrence_id: int, opened_at: datetime | None = None) -> list[Reminder]:
    """Write the planned reminders of an open occurrence; the new rows (none twice)."""
    occurrence = session.get(BatteryOccurrence, occurrence_id)
    if occurrence is None or occurrence.status != "open":
        return []
    enrollment = session.get(Enrollment, occurrence.enrollment_id)
    if enrollment is None or enrollment.status == "ended" or enrollment.program_version_id is None:
        return []
    rules = _rules(enrollment, occurrence.schedule.battery_key)
    if not rules:
        return []
    zone = _zone(session, enrollment.care_unit_id, occurrence.time_zone)
    start = opened_at or occurrence.opened_at or datetime.now(UTC)
    existing = set(
        session.execute(
            select(Reminder.rule_key, Reminder.number).where(
                Reminder.occurrence_id == occurrence.id
            )
        ).all()
    )
    made: list[Reminder] = []
    for rule in rules:
        moments = [due_moment(start, days, zone) for days in rule["offsets_days"]]
        moments = [m for m in moments if m < occurrence.expires_at]
        for number, moment in enumerate(moments, start=1):
            if (rule["key"], number) in existing:
                continue
            row = Reminder(
                occurrence_id=occurrence.id,
                rule_key=rule["key"],
                number=number,
                last=number == len(moments),
                due_at=moment,
                status="planned",
            )
            session.add(row)
            made.append(row)
    session.flush()
    return made


def cancel_for_occurrence(session: Session, occurrence_id: int, reason: str, now: datetime) -> int:
    """Cancel an occurrence's planned reminders; how many."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.occurrence_id == occurrence_id, Reminder.status == "planned")
        .values(status="cancelled", cancelled_at=now, reason=reason[:32])
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def cancel_for_enrollment(session: Session, enrollment_id: int, now: datetime) -> int:
    """An ended enrollment: its planned reminders and staff reminders are cancelled."""
    occurrences = select(BatteryOccurrence.id).where(
        BatteryOccurrence.enrollment_id == enrollment_id
    )
    result = session.execute(
        update(Reminder)
        .where(Reminder.occurrence_id.in_(occurrences), Reminder.status == "planned")
        .values(status="cancelled", cancelled_at=now, reason="enrollment_ended")
        .execution_options(synchronize_session=False)
    )
    staff = session.execute(
        update(StaffReminder)
        .where(StaffReminder.enrollment_id == enrollment_id, StaffReminder.status == "planned")
        .values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) + int(getattr(staff, "rowcount", 0) or 0)


# --- listeners (connected in sob_core.reminders) -------------------------------------------------


def on_occurrence_opened(sender: Session, **payload: Any) -> None:
    plan(sender, int(payload["occurrence_id"]), payload.get("at"))


def on_occurrence_closed(sender: Session, **payload: Any) -> None:
    now = payload.get("at") or datetime.now(UTC)
    cancel_for_occurrence(sender, int(payload["occurrence_id"]), str(payload["status"]), now)


def on_enrollment_ended(sender: Session, **payload: Any) -> None:
    cancel_for_enrollment(sender, int(payload["enrollment_id"]), datetime.now(UTC))
