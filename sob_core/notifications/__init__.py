"""Notifications: an outbox row first, delivery by a job second.

The texts here are the only ones a channel ever sends. They say that something waits in the
service, never what: health data does not leave in an e-mail or SMS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Citizen, Notification, Staff
from ..types import Notice, NotificationChannel

MAX_ATTEMPTS = 8
#: how long a queued notification is left to its job before the tick queues it again
LEASE = timedelta(minutes=5)

TEMPLATES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "new_message": (
        {
            "sv": "Nytt meddelande i Stöd och behandling",
            "en": "New message in Support and treatment",
        },
        {
            "sv": "Du har fått ett nytt meddelande. Logga in i Stöd och behandling för att läsa det.",
            "en": "You have a new message. Sign in to Support and treatment to read it.",
        },
    ),
    "form_due": (
        {"sv": "Dags att fylla i formulär", "en": "Time to fill in a form"},
        {
            "sv": "Det finns formulär att fylla i. Logga in i Stöd och behandling.",
            "en": "There are forms to fill in. Sign in to Support and treatment.",
        },
    ),
    "flag_raised": (
        {"sv": "Ny flagga i Stöd och behandling", "en": "New flag in Support and treatment"},
        {
            "sv": "Något behöver din uppmärksamhet. Logga in i Stöd och behandling.",
            "en": "Something needs your attention. Sign in to Support and treatment.",
        },
    ),
}


class UnknownNotification(ValueError):
    pass


def queue_notification(
    session: Session,
    *,
    recipient_kind: str,
    recipient_id: int,
    channel: str,
    kind: str,
    link: str = "",
    channels: dict[str, NotificationChannel],
) -> Notification:
    """Write the outbox row; the caller enqueues ``dispatch_notification`` and commits."""
    if kind not in TEMPLATES:
        raise UnknownNotification(f"unknown notification kind {kind!r}")
    if channel not in channels:
        raise UnknownNotification(f"no notification channel {channel!r} is installed")
    if recipient_kind not in ("staff", "citizen"):
        raise UnknownNotification(f"unknown recipient kind {recipient_kind!r}")
    row = Notification(
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        channel=channel,
        kind=kind,
        link=link,
    )
    session.add(row)
    session.flush()
    return row


def _notice(session: Session, row: Notification) -> Notice:
    subject, body = TEMPLATES[row.kind]
    person: Staff | Citizen | None = (
        session.get(Staff, row.recipient_id)
        if row.recipient_kind == "staff"
        else session.get(Citizen, row.recipient_id)
    )
    address: dict[str, str] = {}
    if person is not None:
        if person.email:
            address["email"] = person.email
        if person.phone:
            address["phone"] = person.phone
    return Notice(
        recipient_kind=row.recipient_kind,
        recipient_id=row.recipient_id,
        subject=subject,
        body=body,
        link=row.link,
        address=address,
    )


def deliver(
    session: Session,
    notification_id: int,
    channels: dict[str, NotificationChannel],
    config: dict[str, Any],
) -> str:
    """Send one pending notification; idempotent (a sent row is never sent again).

    The row is locked for the send so two workers cannot both send it.
    """
    row = session.execute(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.status != "pending":
        # End the transaction so the row lock is released whatever the caller does next.
        status = "missing" if row is None else row.status
        session.commit()
        return status
    channel = channels.get(row.channel)
    now = datetime.now(UTC)
    if channel is None:
        row.status = "failed"
        row.last_error = f"channel {row.channel!r} is not installed"
        status = row.status
        session.commit()
        return status
    row.attempts += 1
    try:
        ref = channel.send(
            _notice(session, row), {key: config.get(key) for key in channel.config_keys}
        )
    except Exception as error:  # retried by the tick with back-off
        row.last_error = str(error)[:500]
        row.due_at = now + timedelta(minutes=2 ** min(row.attempts, 10))
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
        status = row.status
        session.commit()
        return status
    row.status = "sent"
    row.sent_at = now
    row.provider_ref = (ref or "")[:200]
    session.commit()
    return "sent"


def due_ids(session: Session, limit: int = 500) -> list[int]:
    """Pending notifications whose time has come (an indexed query)."""
    now = datetime.now(UTC)
    return list(
        session.scalars(
            select(Notification.id)
            .where(Notification.status == "pending", Notification.due_at <= now)
            .order_by(Notification.due_at)
            .limit(limit)
        )
    )


def lease(session: Session, ids: list[int]) -> None:
    """Push the due time of queued rows forward, so the next tick does not queue them again
    while their job waits; if the job is lost, the row is due again when the lease ends."""
    if ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status == "pending")
            .values(due_at=datetime.now(UTC) + LEASE)
        )
