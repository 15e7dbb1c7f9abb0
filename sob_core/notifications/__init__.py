"""Notifications: an outbox row first, delivery by a job second.

The texts here are the only ones a channel ever sends. They say that something waits in the
service, never what: health data does not leave in an e-mail or SMS.

Delivery is at-least-once, a batch at a time (``delivery.deliver_many``): the batch's attempt
rows (``sending``) are committed before the channel is called and the outcomes after (at least
every ``delivery.RECORD_SECONDS``); a worker that dies between the two leaves its rows
``sending``, and when their lease has passed the tick marks those attempts ``interrupted`` and
sends again. So no notice is lost, and a notice is sent twice only when the provider accepted it
in the last stretch of sends before a crash (see docs/operating.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Notification, NotificationAttempt
from ..types import NotificationChannel
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)

MAX_ATTEMPTS = 8
#: how long a queued notification is left to its job before the tick queues it again
LEASE = timedelta(minutes=5)
#: how long a send may take before its worker is presumed dead (longer than RQ's job timeout)
SENDING_LEASE = timedelta(minutes=10)
#: how long one batch may take before it stops claiming rows (RQ's job timeout is 5 minutes)
BATCH_SECONDS = 120.0
#: the key of ``Session.info`` where rows to dispatch after the commit are listed (sob_core.jobs)
DISPATCH_KEY = "sob_notice_dispatch"

_SIGN_IN = {
    "sv": " Logga in i Stöd och behandling för att läsa det.",
    "en": " Sign in to Support and treatment to read it.",
}

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
    "staff_new_messages": (
        {
            "sv": "Nya meddelanden i Stöd och behandling",
            "en": "New messages in Support and treatment",
        },
        {
            "sv": "Du har nya meddelanden i e-tjänsterna. Logga in i Stöd och behandling.",
            "en": "You have new messages in the e-services. Sign in to Support and treatment.",
        },
    ),
    "staff_digest": (
        {
            "sv": "Dagens sammanfattning från Stöd och behandling",
            "en": "Today's summary from Support and treatment",
        },
        {
            "sv": "Det finns nytt som väntar på dig i e-tjänsterna, till exempel meddelanden "
            "eller påminnelser. Logga in i Stöd och behandling.",
            "en": "New things wait for you in the e-services, such as messages or reminders. "
            "Sign in to Support and treatment.",
        },
    ),
    "therapist_assigned": (
        {
            "sv": "Ny patient i Stöd och behandling",
            "en": "New patient in Support and treatment",
        },
        {
            "sv": "Du har blivit ansvarig behandlare för en patient. "
            "Logga in i Stöd och behandling.",
            "en": "You have been made the responsible therapist of a patient. "
            "Sign in to Support and treatment.",
        },
    ),
    "purge_notice": (
        {
            "sv": "Gallring planerad i Stöd och behandling",
            "en": "Purge planned in Support and treatment",
        },
        {
            "sv": "Uppgifter om avslutade behandlingar kommer att gallras. "
            "Logga in i Stöd och behandling för att se vilka.",
            "en": "Data of ended enrollments will be purged. "
            "Sign in to Support and treatment to see which.",
        },
    ),
    "staff_reminder": (
        {
            "sv": "Påminnelse från Stöd och behandling",
            "en": "Reminder from Support and treatment",
        },
        {
            "sv": "En påminnelse som du har satt är aktuell i dag. Logga in i Stöd och behandling.",
            "en": "A reminder you set is due today. Sign in to Support and treatment.",
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
    """Write the outbox row; the caller enqueues ``dispatch_notifications`` (or calls ``dispatch_after_commit``) and commits."""
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


def report_token(secret: str, notification_id: int) -> str:
    """The secret part of a notification's delivery-report address."""
    message = f"notice-report:{notification_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def report_url(config: dict[str, Any], notification_id: int) -> str:
    base = (config.get("SOB_BASE_URL") or "").rstrip("/")
    token = report_token(str(config.get("SECRET_KEY") or ""), notification_id)
    return f"{base}/notices/report/{notification_id}/{token}"


def deliver(
    session: Session,
    notification_id: int,
    channels: Mapping[str, NotificationChannel],
    config: dict[str, Any],
) -> str:
    """Send one pending notification (``deliver_many`` of one id); its status afterwards."""
    from .delivery import deliver_many

    return deliver_many(session, [notification_id], channels, config)[notification_id]


def recover_interrupted(session: Session, now: datetime | None = None) -> int:
    """Rows left ``sending`` by a worker that died: their attempt is marked interrupted and the
    row is pending again, to be sent once more (at-least-once). Returns how many."""
    now = now or datetime.now(UTC)
    rows = list(
        session.scalars(
            select(Notification).where(
                Notification.status == "sending", Notification.queued_until <= now
            )
        )
    )
    for row in rows:
        for attempt in session.scalars(
            select(NotificationAttempt).where(
                NotificationAttempt.notification_id == row.id,
                NotificationAttempt.outcome == "sending",
            )
        ):
            attempt.outcome = "interrupted"
            attempt.finished_at = now
            attempt.detail = "the worker stopped during the send; the outcome is unknown"
        row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
        row.queued_until = None
        row.due_at = now
        row.last_error = "interrupted during the send"
    return len(rows)


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
            .execution_options(synchronize_session=False)
        )


def record_report(
    session: Session,
    notification_id: int,
    token: str,
    *,
    secret: str,
    provider_id: str,
    status: str,
    now: datetime | None = None,
) -> bool:
    """Store a provider's delivery report; False (nothing changed) when it does not check out."""
    if not hmac.compare_digest(report_token(secret, notification_id), token):
        return False
    if status not in ("delivered", "failed"):
        return False
    row = session.get(Notification, notification_id)
    if row is None or not row.provider_ref or row.provider_ref != provider_id:
        return False
    row.report_status = status
    row.reported_at = now or datetime.now(UTC)
    if status == "failed":
        row.last_error = "the provider reported that the message was not delivered"
    return True


def dispatch_after_commit(session: Session, rows: list[Notification]) -> None:
    """Have ``sob_core.jobs`` queue a dispatch job for each row once the transaction commits."""
    session.info.setdefault(DISPATCH_KEY, []).extend(row.id for row in rows)


from .delivery import deliver_many  # noqa: E402
from .policy import digest_staff, notify_citizen, notify_staff, preference  # noqa: E402

__all__ = [
    "BATCH_SECONDS",
    "DISPATCH_KEY",
    "LEASE",
    "MAX_ATTEMPTS",
    "SENDING_LEASE",
    "TEMPLATES",
    "UnknownNotification",
    "deliver",
    "deliver_many",
    "digest_staff",
    "dispatch_after_commit",
    "due_ids",
    "lease",
    "notify_citizen",
    "notify_staff",
    "preference",
    "queue_notification",
    "record_report",
    "recover_interrupted",
    "report_token",
    "report_url",
]
