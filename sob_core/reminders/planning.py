"""Planning the citizen's reminders of an opened battery occurrence, and cancelling them.

An opened occurrence gets one ``Reminder`` row per (occurrence, rule, number) of the programme's
rules that cover its battery (``content.reminder_rules``), a whole batch of occurrences at once
(``events.occurrences_opened``, ``plan_many``). A reminder is due ``offset`` days after
the opening at the same local wall time in the care unit's zone, so a daylight-saving change in
between never moves it (08:00 stays 08:00). Reminders that would come when the occurrence has
already expired are not planned. A closed occurrence (done, missed, cancelled) or an ended
enrollment cancels the planned ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, scoped_session

from ..content import ProgramContent
from ..content.reminder_rules import rules_of
from ..models import (
    BatteryOccurrence,
    BatterySchedule,
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


def _rules(
    session: Session, program_version_id: int, battery_key: str | None
) -> list[dict[str, Any]]:
    """``rules_for`` of a programme version, parsed once per transaction (a tick opening a
    thousand occurrences of one programme reads its content once)."""
    cache = _cache(session)
    key = ("rules", program_version_id, battery_key)
    if key not in cache:
        version = session.get(ProgramVersion, program_version_id)
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


def plan_many(
    session: Session, occurrence_ids: Sequence[int], opened_at: datetime | None = None
) -> int:
    """Write the planned reminders of a batch of open occurrences (none twice); how many rows.

    A fixed number of statements whatever the batch's size: one query for the occurrences with
    their schedules and enrollments, one for the reminders they already have, one executemany.
    """
    if not occurrence_ids:
        return 0
    found = session.execute(
        select(
            BatteryOccurrence.id,
            BatteryOccurrence.opened_at,
            BatteryOccurrence.expires_at,
            BatteryOccurrence.time_zone,
            BatterySchedule.battery_key,
            Enrollment.program_version_id,
            Enrollment.care_unit_id,
        )
        .join(BatterySchedule, BatterySchedule.id == BatteryOccurrence.schedule_id)
        .join(Enrollment, Enrollment.id == BatteryOccurrence.enrollment_id)
        .where(
            BatteryOccurrence.id.in_(sorted(set(occurrence_ids))),
            BatteryOccurrence.status == "open",
            Enrollment.status != "ended",
            Enrollment.program_version_id.is_not(None),
        )
        .order_by(BatteryOccurrence.id)
    ).all()
    wanted = [
        (row, rules)
        for row in found
        if (rules := _rules(session, row.program_version_id, row.battery_key))
    ]
    if not wanted:
        return 0
    existing = set(
        session.execute(
            select(Reminder.occurrence_id, Reminder.rule_key, Reminder.number).where(
                Reminder.occurrence_id.in_([row.id for row, _rules in wanted])
            )
        ).all()
    )
    made: list[dict[str, Any]] = []
    for row, rules in wanted:
        zone = _zone(session, row.care_unit_id, row.time_zone)
        start = opened_at or row.opened_at or datetime.now(UTC)
        for rule in rules:
            moments = [due_moment(start, days, zone) for days in rule["offsets_days"]]
            moments = [m for m in moments if m < row.expires_at]
            for number, moment in enumerate(moments, start=1):
                if (row.id, rule["key"], number) in existing:
                    continue
                made.append(
                    {
                        "occurrence_id": row.id,
                        "rule_key": rule["key"],
                        "number": number,
                        "last": number == len(moments),
                        "due_at": moment,
                        "status": "planned",
                    }
                )
    if made:
        session.execute(insert(Reminder), made)
    return len(made)


def plan(session: Session, occurrence_id: int, opened_at: datetime | None = None) -> int:
    """Write the planned reminders of an open occurrence (none twice); how many rows."""
    return plan_many(session, [occurrence_id], opened_at)


def cancel_for_occurrence(session: Session, occurrence_id: int, reason: str, now: datetime) -> int:
    """Cancel an occurrence's planned reminders; how many."""
    return cancel_for_occurrences(session, [occurrence_id], reason, now)


def cancel_for_occurrences(
    session: Session, occurrence_ids: Sequence[int], reason: str, now: datetime
) -> int:
    """Cancel the planned reminders of a batch of occurrences with one UPDATE; how many."""
    if not occurrence_ids:
        return 0
    result = session.execute(
        update(Reminder)
        .where(Reminder.occurrence_id.in_(list(occurrence_ids)), Reminder.status == "planned")
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


def on_occurrences_opened(sender: Session, **payload: Any) -> None:
    plan_many(sender, [int(i) for i in payload["occurrence_ids"]], payload.get("at"))


def on_occurrences_closed(sender: Session, **payload: Any) -> None:
    now = payload.get("at") or datetime.now(UTC)
    ids = [int(i) for i in payload["occurrence_ids"]]
    cancel_for_occurrences(sender, ids, str(payload["status"]), now)


def on_enrollment_ended(sender: Session, **payload: Any) -> None:
    cancel_for_enrollment(sender, int(payload["enrollment_id"]), datetime.now(UTC))
