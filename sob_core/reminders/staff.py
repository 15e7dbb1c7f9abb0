"""Staff reminders: a staff member's note on a patient for a day ("ring upp efter semestern").

Set on the patient page for today or a later day of the care unit's calendar. On that day the
tick raises it (``planned`` → ``raised``, one conditional UPDATE) and sends
``events.staff_reminder_due``, which the flags turn into a flag; when the staff member chose the
daily summary, a held content-free notice (kind ``staff_reminder``) waits for their next digest.
The note itself never leaves the service.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import Session

from .. import events
from ..models import CareUnit, Enrollment, Notification, Staff, StaffReminder
from .planning import zone_of

NOTE_MAX = 500
#: how far ahead a staff reminder may be set
MAX_DAYS_AHEAD = 3 * 366
#: raised reminders stay on the patient page this long
RAISED_SHOWN = timedelta(days=30)
#: the notice kind of a staff reminder in the digest (sob_core.notifications.TEMPLATES)
NOTICE_KIND = "staff_reminder"


class StaffReminderError(ValueError):
    """A staff reminder that cannot be set: ``code`` says why, ``field`` which input."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


def local_today(zone_name: str | None, now: datetime) -> date:
    return now.astimezone(zone_of(zone_name)).date()


def unit_today(session: Session, enrollment: Enrollment, now: datetime) -> date:
    """Today in the calendar of the enrollment's care unit."""
    unit = enrollment.care_unit  # kept on the enrollment: read once a request, not once a call
    return local_today(unit.time_zone if unit is not None else None, now)


def add(
    session: Session,
    enrollment: Enrollment,
    *,
    staff_id: int,
    on_date: date | None,
    note: str | None,
    in_digest: bool,
    now: datetime,
) -> StaffReminder:
    """A new planned staff reminder, or ``StaffReminderError``."""
    if enrollment.status == "ended":
        raise StaffReminderError("ended")
    text = (note or "").strip()
    if not text:
        raise StaffReminderError("note_missing", "note")
    if len(text) > NOTE_MAX:
        raise StaffReminderError("note_too_long", "note")
    if on_date is None:
        raise StaffReminderError("date_missing", "on_date")
    today = unit_today(session, enrollment, now)
    if on_date < today:
        raise StaffReminderError("date_past", "on_date")
    if on_date > today + timedelta(days=MAX_DAYS_AHEAD):
        raise StaffReminderError("date_far", "on_date")
    row = StaffReminder(
        enrollment_id=enrollment.id,
        created_by_id=staff_id,
        on_date=on_date,
        note=text,
        in_digest=bool(in_digest),
        status="planned",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def cancel(session: Session, reminder: StaffReminder, now: datetime) -> bool:
    """Cancel a planned staff reminder (one conditional UPDATE); False when it was not planned."""
    result = session.execute(
        update(StaffReminder)
        .where(StaffReminder.id == reminder.id, StaffReminder.status == "planned")
        .values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    changed = int(getattr(result, "rowcount", 0) or 0) == 1
    if changed:
        session.refresh(reminder)
    return changed


@dataclass(frozen=True)
class StaffReminderRow:
    reminder: StaffReminder
    created_by: str


@functools.cache
def _of_enrollment_statements() -> tuple[Select, Select]:
    """``of_enrollment``'s two statements, built once; the enrollment, the earliest raised time
    shown and the creators' ids (an expanding IN) are bound at execution."""
    since = bindparam("since", type_=StaffReminder.raised_at.type)
    reminders = (
        select(StaffReminder)
        .where(
            StaffReminder.enrollment_id == bindparam("enrollment"),
            or_(
                StaffReminder.status == "planned",
                (StaffReminder.status == "raised") & (StaffReminder.raised_at >= since),
            ),
        )
        .order_by(StaffReminder.on_date, StaffReminder.id)
    )
    names = select(Staff.id, Staff.name).where(Staff.id.in_(bindparam("ids", expanding=True)))
    return reminders, names


def of_enrollment(session: Session, enrollment_id: int, now: datetime) -> list[StaffReminderRow]:
    """The enrollment's planned reminders and those raised lately, by day; two queries."""
    reminders_statement, names_statement = _of_enrollment_statements()
    rows = list(
        session.scalars(
            reminders_statement, {"enrollment": enrollment_id, "since": now - RAISED_SHOWN}
        )
    )
    ids = {row.created_by_id for row in rows}
    names: dict[int, str] = {}
    if ids:
        for staff_id, name in session.execute(names_statement, {"ids": sorted(ids)}):
            names[staff_id] = name
    return [StaffReminderRow(row, names.get(row.created_by_id, "")) for row in rows]


def find(session: Session, enrollment_id: int, reminder_id: int) -> StaffReminder | None:
    row = session.get(StaffReminder, reminder_id)
    return row if row is not None and row.enrollment_id == enrollment_id else None


# --- the tick's part --------------------------------------------------------------------------


def _held_notice(
    session: Session,
    reminder: StaffReminder,
    care_unit_id: int,
    channels: Mapping[str, Any],
    now: datetime,
) -> Notification | None:
    """A held, content-free notice for the creator's next digest (whatever their mode)."""
    staff = session.get(Staff, reminder.created_by_id)
    if staff is None or not staff.active or not staff.email or "email" not in channels:
        return None
    row = Notification(
        recipient_kind="staff",
        recipient_id=staff.id,
        channel="email",
        kind=NOTICE_KIND,
        link="/staff/",
        coalesce_key=f"staff_reminder:{reminder.id}",
        care_unit_id=care_unit_id,
        status="held",
        created_at=now,
        due_at=now,
        extra={},
    )
    session.add(row)
    return row


def raise_due(
    session: Session, now: datetime, channels: Mapping[str, Any], limit: int = 500
) -> int:
    """Raise the planned staff reminders whose day has come at their unit; how many.

    One indexed query (status, on_date) up to the latest date anywhere on earth, then each unit's
    own today decides; each raise is one conditional UPDATE, so two ticks never raise one twice.
    A reminder of an ended enrollment is cancelled instead.
    """
    horizon = (now + timedelta(hours=14)).date()
    found = session.execute(
        select(StaffReminder, Enrollment.care_unit_id, Enrollment.status, CareUnit.time_zone)
        .join(Enrollment, Enrollment.id == StaffReminder.enrollment_id)
        .join(CareUnit, CareUnit.id == Enrollment.care_unit_id)
        .where(StaffReminder.status == "planned", StaffReminder.on_date <= horizon)
        .order_by(StaffReminder.on_date, StaffReminder.id)
        .limit(limit)
    ).all()
    raised = 0
    for reminder, unit_id, enrollment_status, zone in found:
        if enrollment_status == "ended":
            cancel(session, reminder, now)
            continue
        if reminder.on_date > local_today(zone, now):
            continue
        result = session.execute(
            update(StaffReminder)
            .where(StaffReminder.id == reminder.id, StaffReminder.status == "planned")
            .values(status="raised", raised_at=now)
            .execution_options(synchronize_session=False)
        )
        if int(getattr(result, "rowcount", 0) or 0) != 1:
            continue  # another tick raised it
        raised += 1
        reminder_id, enrollment_id, in_digest = (
            reminder.id,
            reminder.enrollment_id,
            reminder.in_digest,
        )
        session.expire(reminder)  # the UPDATE went past the identity map
        events.staff_reminder_due.send(
            session, staff_reminder_id=reminder_id, enrollment_id=enrollment_id, at=now
        )
        if in_digest:
            _held_notice(session, reminder, unit_id, channels, now)
    session.flush()
    return raised
