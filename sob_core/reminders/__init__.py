"""Reminders (påminnelser): to the citizen about open forms, and staff reminders on a patient.

The citizen's reminders are planned when battery occurrences open (``occurrences_opened``, a
batch at a time), one row per (occurrence, rule, number), and cancelled when they close (``occurrences_closed``) or the
enrollment ends (``enrollment_ended``); see ``planning``. Staff reminders are in ``staff``.

``tick`` (every minute, from ``jobs.tasks.followup``) sends the reminders that are due: one
indexed query (status, due_at) for a batch, the batch claimed by one conditional
UPDATE … RETURNING (only the rows it changed are sent), the occurrence checked "still open?" at
that moment, the batch's outbox rows written in one flush. A sent reminder is a content-free ``form_due``
notice through ``notifications.policy.notify_citizen`` (the citizen's channels, coalescing,
quiet hours); then the staff reminders whose day has come are raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from .. import events
from ..models import BatteryOccurrence, Enrollment, Notification, Reminder
from . import exporting as exporting
from . import planning, staff
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from .planning import (
    cancel_for_enrollment,
    cancel_for_occurrence,
    due_moment,
    plan,
    plan_many,
    rules_for,
)

#: how many reminders (and staff reminders) one tick handles at most; the rest wait a minute
#: (``SOB_REMINDER_BATCH`` in the settings overrides it)
BATCH = 500
#: where a reminder leads: the citizen's start page, which lists the open forms
CITIZEN_LINK = "/citizen/"
NOTICE_KIND = "form_due"


def coalesce_key(citizen_id: int) -> str:
    """One reminder notice per citizen at a time, whatever number of forms wait."""
    return f"form_due:citizen:{citizen_id}"


def _claim(session: Session, reminder_ids: list[int], **values: Any) -> set[int]:
    """Claim planned reminders with one conditional UPDATE … RETURNING; the ids this call
    changed (another tick's rows are not among them, so no reminder is handled twice)."""
    if not reminder_ids:
        return set()
    return set(
        session.scalars(
            update(Reminder)
            .where(Reminder.id.in_(reminder_ids), Reminder.status == "planned")
            .values(**values)
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        )
    )


def _chosen(rows: list[Notification]) -> Notification | None:
    """The notice to record on the reminder: the first one that leaves the service, else the
    inbox's."""
    outgoing = [row for row in rows if row.channel != "inbox"]
    chosen = outgoing or rows
    return chosen[0] if chosen else None


def _record(session: Session, chosen: dict[int, Notification | None]) -> None:
    """The notice each sent reminder became (``merged``: none of its own), in one UPDATE."""
    notices = {key: row.id for key, row in chosen.items() if row is not None}
    merged = [key for key, row in chosen.items() if row is None]
    values: dict[str, Any] = {}
    if notices:
        values["notification_id"] = case(notices, value=Reminder.id, else_=None)
    if merged:
        values["reason"] = case((Reminder.id.in_(merged), literal("merged")), else_=None)
    else:
        values["reason"] = None
    session.execute(
        update(Reminder)
        .where(Reminder.id.in_(sorted(chosen)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def send_due(
    session: Session,
    now: datetime,
    channels: Mapping[str, Any],
    settings: Mapping[str, Any],
    limit: int = BATCH,
) -> int:
    """Send the citizen reminders that are due and still wanted; how many were handled."""
    from ..notifications import policy

    found = session.execute(
        select(
            Reminder.id,
            BatteryOccurrence.status,
            BatteryOccurrence.citizen_id,
            Enrollment.status,
            Enrollment.care_unit_id,
        )
        .join(BatteryOccurrence, BatteryOccurrence.id == Reminder.occurrence_id)
        .join(Enrollment, Enrollment.id == BatteryOccurrence.enrollment_id)
        .where(Reminder.status == "planned", Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    ).all()
    wanted = [row[2] for row in found if row[1] == "open" and row[3] != "ended"]
    known = policy.prefetch_citizens(
        session, wanted, [coalesce_key(c) for c in wanted], now=now, settings=settings
    )
    # Closed since they were planned (submitted, expired, stopped): nothing to remind of.
    closed = [row[0] for row in found if row[1] != "open" or row[3] == "ended"]
    handled = len(_claim(session, closed, status="cancelled", cancelled_at=now, reason="closed"))
    still_open = [row[0] for row in found if row[1] == "open" and row[3] != "ended"]
    claimed = _claim(session, still_open, status="sent", sent_at=now)
    made: list[Notification] = []
    chosen: dict[int, Notification | None] = {}
    for reminder_id, _status, citizen_id, _enrollment_status, unit_id in found:
        if reminder_id not in claimed:
            continue  # closed, or another tick has it
        rows = policy.notify_citizen(
            session,
            citizen_id,
            NOTICE_KIND,
            link=CITIZEN_LINK,
            coalesce_key=coalesce_key(citizen_id),
            channels=channels,
            now=now,
            settings=settings,
            care_unit_id=unit_id,
            known=known,
            flush=False,
        )
        made.extend(rows)
        chosen[reminder_id] = _chosen(rows)
    policy.dispatch_due(session, made, now, bulk=True)  # the batch's outbox rows: one INSERT
    if chosen:
        _record(session, chosen)
    handled += len(chosen)
    return handled


def tick(
    session: Session, now: datetime, channels: Mapping[str, Any], settings: Mapping[str, Any]
) -> int:
    """Send the reminders that are due and still wanted, and raise the staff reminders whose day
    has come. Returns how many rows were handled; the caller commits."""
    limit = batch_size(settings)
    handled = send_due(session, now, channels, settings, limit)
    handled += staff.raise_due(session, now, channels, limit)
    return handled


def batch_size(settings: Mapping[str, Any]) -> int:
    """``SOB_REMINDER_BATCH`` (a whole number from 1), else ``BATCH``."""
    value = settings.get("SOB_REMINDER_BATCH")
    try:
        number = int(value) if value not in (None, "") else BATCH
    except (TypeError, ValueError):
        return BATCH
    return number if number >= 1 else BATCH


# Core wiring: connected once, when the package is imported, with strong references.
events.occurrences_opened.connect(planning.on_occurrences_opened, weak=False)
events.occurrences_closed.connect(planning.on_occurrences_closed, weak=False)
events.enrollment_ended.connect(planning.on_enrollment_ended, weak=False)

__all__ = [
    "BATCH",
    "batch_size",
    "CITIZEN_LINK",
    "cancel_for_enrollment",
    "cancel_for_occurrence",
    "coalesce_key",
    "due_moment",
    "plan",
    "plan_many",
    "planning",
    "rules_for",
    "send_due",
    "staff",
    "tick",
]
