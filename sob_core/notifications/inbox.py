"""The citizen's inbox in the service: the notices of the inbox channel, newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..models import Notification

INBOX = "inbox"
#: statuses of inbox rows a citizen sees (a pending one is delivered right after the commit)
VISIBLE = ("pending", "sending", "sent")


def _own(citizen_id: int):
    return (
        Notification.recipient_kind == "citizen",
        Notification.recipient_id == citizen_id,
        Notification.channel == INBOX,
        Notification.status.in_(VISIBLE),
    )


def inbox_for(session: Session, citizen_id: int, limit: int = 10) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(*_own(citizen_id))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, citizen_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(*_own(citizen_id), Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, citizen_id: int, notification_id: int | None, now: datetime) -> int:
    """Mark one of the citizen's inbox notices read (or all with ``None``); returns how many.

    Someone else's notice is never touched (0, as for a missing one)."""
    query = update(Notification).where(*_own(citizen_id), Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = session.execute(query.values(read_at=now).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def delivery_log(
    session: Session, *, care_unit_id: int, status: str | None = None, limit: int = 100
) -> list[Notification]:
    """The newest notifications (all channels) caused at ``care_unit_id``, for its
    administrators' delivery log."""
    query = (
        select(Notification)
        .where(Notification.care_unit_id == care_unit_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Notification.status == status)
    return list(session.scalars(query))


def attempts_of(session: Session, notification_id: int) -> list:
    from ..models import NotificationAttempt

    return list(
        session.scalars(
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id == notification_id)
            .order_by(NotificationAttempt.number, NotificationAttempt.id)
        )
    )
