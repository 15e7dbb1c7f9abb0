"""A flag as a case: raised once per condition, cleared when it no longer holds, and handled.

``raise_flag`` writes a flag unless one with the same ``active_key`` exists (the column is
unique: a condition that holds raises one flag, whatever the number of listeners or ticks that
see it). ``clear`` lets go of the key when the condition no longer holds, so the next time it
holds raises a new flag. Staff handle a flag: ``acknowledge`` (new → acknowledged), ``assign``
(to a colleague with a role at the unit), ``resolve`` / ``dismiss`` (with a note); each is
audit-logged in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, events
from ..models import Enrollment, Flag, RoleAssignment, Staff

OPEN = ("new", "acknowledged")
CLOSED = ("resolved", "dismissed")
STATUSES = OPEN + CLOSED
SEVERITIES = (1, 2, 3)
#: the longest note a staff member may write when closing a flag
MAX_NOTE = 2000


class TriageError(ValueError):
    """A triage step that cannot be taken; ``code`` says why (shown translated by the web)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def raise_flag(
    session: Session,
    *,
    enrollment: Enrollment,
    rule_key: str,
    kind: str,
    severity: int,
    reason: dict[str, Any],
    active_key: str,
    now: datetime,
    response_id: int | None = None,
    result_id: int | None = None,
    message_id: int | None = None,
    occurrence_id: int | None = None,
    staff_reminder_id: int | None = None,
    activity_value_id: int | None = None,
) -> Flag | None:
    """A new flag, or None when a flag with ``active_key`` already holds the condition."""
    if session.scalar(select(Flag.id).where(Flag.active_key == active_key)) is not None:
        return None
    flag = Flag(
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        care_unit_id=enrollment.care_unit_id,
        rule_key=rule_key,
        kind=kind,
        severity=severity if severity in SEVERITIES else 2,
        reason=reason,
        active_key=active_key,
        response_id=response_id,
        result_id=result_id,
        message_id=message_id,
        occurrence_id=occurrence_id,
        staff_reminder_id=staff_reminder_id,
        activity_value_id=activity_value_id,
        status="new",
        raised_at=now,
    )
    try:
        with session.begin_nested():  # another transaction raised it first: the key is taken
            session.add(flag)
            session.flush()
    except IntegrityError:
        return None
    audit.record(
        session,
        actor_kind="system",
        actor_id=None,
        action="create",
        what="flag",
        citizen_id=enrollment.citizen_id,
        care_unit_id=enrollment.care_unit_id,
        detail={"flag": flag.id, "kind": kind, "rule": rule_key},
    )
    events.flag_raised.send(
        session, flag_id=flag.id, enrollment_id=enrollment.id, care_unit_id=enrollment.care_unit_id
    )
    return flag


def clear(session: Session, active_key: str, now: datetime) -> bool:
    """The condition behind ``active_key`` no longer holds: free the key (the flag stays)."""
    done = session.execute(
        update(Flag)
        .where(Flag.active_key == active_key)
        .values(active_key=None, cleared_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return bool(getattr(done, "rowcount", 0))


def _audit(session: Session, flag: Flag, staff_id: int, step: str, **detail: Any) -> None:
    audit.record(
        session,
        actor_kind="staff",
        actor_id=staff_id,
        action="change",
        what="flag",
        citizen_id=flag.citizen_id,
        care_unit_id=flag.care_unit_id,
        detail={"flag": flag.id, "step": step, **detail},
    )


def acknowledge(session: Session, flag: Flag, staff_id: int, now: datetime) -> None:
    """new → acknowledged, by ``staff_id``."""
    if flag.status != "new":
        raise TriageError("not_new")
    flag.status = "acknowledged"
    flag.acknowledged_at = now
    flag.acknowledged_by_id = staff_id
    _audit(session, flag, staff_id, "acknowledge")


def unit_colleagues(session: Session, care_unit_id: int) -> list[Staff]:
    """The active staff with a role at the unit, by name (whom a flag may be assigned to)."""
    ids = select(RoleAssignment.staff_id).where(RoleAssignment.care_unit_id == care_unit_id)
    return list(
        session.scalars(
            select(Staff).where(Staff.id.in_(ids), Staff.active.is_(True)).order_by(Staff.name)
        )
    )


def assign(
    session: Session, flag: Flag, assignee_id: int | None, staff_id: int, now: datetime
) -> None:
    """Give an open flag to a colleague at its unit (None: to no one)."""
    if flag.status not in OPEN:
        raise TriageError("closed")
    if assignee_id is not None and assignee_id not in {
        s.id for s in unit_colleagues(session, flag.care_unit_id)
    }:
        raise TriageError("not_colleague")
    flag.assigned_to_id = assignee_id
    _audit(session, flag, staff_id, "assign", assigned_to=assignee_id)


def close(
    session: Session, flag: Flag, status: str, note: str, staff_id: int, now: datetime
) -> None:
    """Resolve or dismiss an open flag; the note is required."""
    if status not in CLOSED:
        raise ValueError(status)
    if flag.status not in OPEN:
        raise TriageError("closed")
    note = (note or "").strip()
    if not note:
        raise TriageError("note_required")
    if len(note) > MAX_NOTE:
        raise TriageError("note_too_long")
    if flag.status == "new":  # closing it is looking at it
        flag.acknowledged_at = now
        flag.acknowledged_by_id = staff_id
    flag.status = status
    flag.closed_at = now
    flag.closed_by_id = staff_id
    flag.close_note = note
    _audit(session, flag, staff_id, {"resolved": "resolve", "dismissed": "dismiss"}[status])


def resolve(session: Session, flag: Flag, note: str, staff_id: int, now: datetime) -> None:
    close(session, flag, "resolved", note, staff_id, now)


def dismiss(session: Session, flag: Flag, note: str, staff_id: int, now: datetime) -> None:
    close(session, flag, "dismissed", note, staff_id, now)
