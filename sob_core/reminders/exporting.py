"""An enrollment's reminders for an export: the reminders about its forms sent to the citizen.

Staff reminders (a staff member's note to self on the patient) are the team's working notes,
not something she gave or received, and are not part of this export.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BatteryOccurrence, Reminder

EXPORTED_TABLES: tuple[str, ...] = ("reminder",)


def export_enrollment(session: Session, enrollment_id: int, *, lang: str) -> dict[str, Any]:
    """The sent reminders of the enrollment's battery occurrences, oldest first."""
    rows = session.scalars(
        select(Reminder)
        .join(BatteryOccurrence, BatteryOccurrence.id == Reminder.occurrence_id)
        .where(BatteryOccurrence.enrollment_id == enrollment_id, Reminder.status == "sent")
        .order_by(Reminder.sent_at, Reminder.id)
    )
    return {
        "reminders": [{"sent_at": row.sent_at.isoformat() if row.sent_at else None} for row in rows]
    }
