"""Purge the notices that name one enrollment (in their link or coalescing key).

Notices are content-free, but their link (``/staff/patients/<id>...``) and coalescing key
(``flags:<id>``, ``conversation:<id>``, ``staff_reminder:<id>``) name the enrollment or its
conversations and staff reminders: they go with it, attempts first. Run this before the
messaging and reminder purges (it reads their ids). The notices of the enrollment's citizen
reminders are deleted by ``reminders.purging`` (a reminder points at its notice).
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from ..models import Conversation, Notification, NotificationAttempt, StaffReminder

PURGED_TABLES: tuple[str, ...] = ("notification_attempt", "notification")


def delete_notifications(session: Session, ids: list[int]) -> dict[str, int]:
    """Delete these notices and their attempts; {table: rows deleted}."""
    if not ids:
        return {"notification_attempt": 0, "notification": 0}
    attempts = session.execute(
        delete(NotificationAttempt)
        .where(NotificationAttempt.notification_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        delete(Notification)
        .where(Notification.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return {
        "notification_attempt": int(getattr(attempts, "rowcount", 0) or 0),
        "notification": int(getattr(rows, "rowcount", 0) or 0),
    }


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the notices whose link or coalescing key names the enrollment's data."""
    keys = [f"flags:{enrollment_id}"]
    keys += [
        f"conversation:{cid}"
        for cid in session.scalars(
            select(Conversation.id).where(Conversation.enrollment_id == enrollment_id)
        )
    ]
    keys += [
        f"staff_reminder:{rid}"
        for rid in session.scalars(
            select(StaffReminder.id).where(StaffReminder.enrollment_id == enrollment_id)
        )
    ]
    link = f"/staff/patients/{enrollment_id}"
    ids = list(
        session.scalars(
            select(Notification.id).where(
                or_(
                    Notification.coalesce_key.in_(keys),
                    Notification.link == link,
                    Notification.link.startswith(f"{link}/", autoescape=True),
                )
            )
        )
    )
    return delete_notifications(session, ids)
