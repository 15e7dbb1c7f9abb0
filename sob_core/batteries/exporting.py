"""An enrollment's measurement batteries for an export: when forms were (to be) sent to her."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BatteryOccurrence, BatterySchedule
from ..types import local

EXPORTED_TABLES: tuple[str, ...] = ("battery_schedule", "battery_occurrence")


def export_enrollment(session: Session, enrollment_id: int, *, lang: str) -> dict[str, Any]:
    """Each battery schedule with its occurrences (local planned time, zone, status)."""
    schedules = list(
        session.scalars(
            select(BatterySchedule)
            .where(BatterySchedule.enrollment_id == enrollment_id)
            .order_by(BatterySchedule.id)
        )
    )
    occurrences: dict[int, list[dict[str, Any]]] = {s.id: [] for s in schedules}
    for row in session.scalars(
        select(BatteryOccurrence)
        .where(BatteryOccurrence.enrollment_id == enrollment_id)
        .order_by(BatteryOccurrence.schedule_id, BatteryOccurrence.number)
    ):
        occurrences.setdefault(row.schedule_id, []).append(
            {
                "number": row.number,
                "planned": row.planned_local,
                "time_zone": row.time_zone,
                "status": row.status,
            }
        )
    return {
        "batteries": [
            {
                "name": local(s.name, lang) if s.name else (s.battery_key or ""),
                "forms": list(s.form_keys or []),
                "status": s.status,
                "occurrences": occurrences.get(s.id, []),
            }
            for s in schedules
        ]
    }
