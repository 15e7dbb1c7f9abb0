"""Purge one enrollment's reminders: the citizen's reminders of its battery occurrences (with
the notices they wrote) and the staff's reminders on the patient. After ``flags.purging`` (a
flag points at a staff reminder), before ``batteries.purging`` (a reminder points at its
occurrence)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import BatteryOccurrence, Notification, NotificationAttempt, Reminder, StaffReminder

PURGED_TABLES: tuple[str, ...] = ("reminder", "staff_reminder")


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the reminders, then the notices only they pointed at; {table: rows deleted}."""
    occurrences = select(BatteryOccurrence.id).where(
        BatteryOccurrence.enrollment_id == enrollment_id
    )
    notices = [
        nid
        for nid in session.scalars(
            select(Reminder.notification_id).where(
                Reminder.occurrence_id.in_(occurrences), Reminder.notification_id.is_not(None)
            )
        )
        if nid is not None
    ]
    reminders = session.execute(
        delete(Reminder)
        .where(Reminder.occurrence_id.in_(occurrences))
        .execution_options(synchronize_session=False)
    )
    counts = {"reminder": int(getattr(reminders, "rowcount", 0) or 0)}
    if notices:
        # a notice another (kept) reminder points at stays
        still = set(
            session.scalars(
                select(Reminder.notification_id).where(Reminder.notification_id.in_(notices))
            )
        )
        gone = [nid for nid in notices if nid not in still]
        attempts = session.execute(
            delete(NotificationAttempt)
            .where(NotificationAttempt.notification_id.in_(gone))
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(
            delete(Notification)
            .where(Notification.id.in_(gone))
            .execution_options(synchronize_session=False)
        )
        counts["notification_attempt"] = int(getattr(attempts, "rowcount", 0) or 0)
        counts["notification"] = int(getattr(rows, "rowcount", 0) or 0)
    staff = session.execute(
        delete(StaffReminder)
        .where(StaffReminder.enrollment_id == enrollment_id)
        .execution_options(synchronize_session=False)
    )
    counts["staff_reminder"] = int(getattr(staff, "rowcount", 0) or 0)
    return counts
