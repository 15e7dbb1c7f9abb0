"""Purge one enrollment's measurement batteries: occurrences, then schedules. After the
reminder, form and flag purges (they point at occurrences)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import BatteryOccurrence, BatterySchedule

PURGED_TABLES: tuple[str, ...] = ("battery_occurrence", "battery_schedule")


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the enrollment's battery occurrences and schedules; {table: rows deleted}."""
    occurrences = session.execute(
        delete(BatteryOccurrence)
        .where(BatteryOccurrence.enrollment_id == enrollment_id)
        .execution_options(synchronize_session=False)
    )
    schedules = session.execute(
        delete(BatterySchedule)
        .where(BatterySchedule.enrollment_id == enrollment_id)
        .execution_options(synchronize_session=False)
    )
    return {
        "battery_occurrence": int(getattr(occurrences, "rowcount", 0) or 0),
        "battery_schedule": int(getattr(schedules, "rowcount", 0) or 0),
    }
