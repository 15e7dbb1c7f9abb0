"""The citizen's inbox in the service: the notices of the inbox channel, newest first."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from ..models import Notification

INBOX = "inbox"
#: statuses of inbox rows a citizen sees (a pending one is delivered right after the commit)
VISIBLE = ("pending", "sending", "sent")


def _own(citizen_id: Any):
    return (
        Notification.recipient_kind == "citizen",
        Notification.recipient_id == citizen_id,
        Notification.channel == INBOX,
        Notification.status.in_(VISIBLE),
    )


@functools.cache
def _inbox_statements() -> tuple[Select, Select]:
    """``inbox_for``'s and ``unread_count``'s statements, built once; the citizen (and the
    limit) are bound at execution."""
    own = _own(bindparam("citizen"))
    notices = (
        select(Notification)
        .where(*own)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    unread = (
        select(func.count()).select_from(Notification).where(*own, Notification.read_at.is_(None))
    )
    return notices, unread


def inbox_for(session: Session, citizen_id: int, limit: int = 10) -> list[Notification]:
    statement = _inbox_statements()[0]
    return list(session.scalars(statement, {"citizen": citizen_id, "limit": limit}))


def unread_count(session: Session, citizen_id: int) -> int:
    return int(session.scalar(_inbox_statements()[1], {"citizen": citizen_id}) or 0)


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
