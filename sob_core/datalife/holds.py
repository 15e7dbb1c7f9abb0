"""Legal holds: a data administrator stops the purge of one enrollment, with a reason, and
lifts the hold later (with a reason). Both are audit-logged (``legal_hold``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..models import Enrollment, LegalHold
from .errors import DatalifeError

MAX_REASON = 500


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise DatalifeError("reason", max=MAX_REASON)
    return reason


def _enrollment(session: Session, enrollment_id: int, care_unit_id: int) -> Enrollment:
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.care_unit_id != care_unit_id:
        raise DatalifeError("not_found")
    return enrollment


def active_hold(session: Session, enrollment_id: int) -> LegalHold | None:
    return session.scalar(
        select(LegalHold).where(
            LegalHold.enrollment_id == enrollment_id, LegalHold.lifted_at.is_(None)
        )
    )


def _audit(session: Session, enrollment: Enrollment, actor_id: int, change: str, reason: str):
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="change",
        what="legal_hold",
        citizen_id=enrollment.citizen_id,
        care_unit_id=enrollment.care_unit_id,
        detail={"enrollment_id": enrollment.id, "change": change, "reason": reason},
    )


def set_hold(
    session: Session,
    *,
    enrollment_id: int,
    care_unit_id: int,
    reason: str | None,
    actor_id: int,
    now: datetime,
) -> LegalHold:
    """Set a legal hold on an enrollment of the unit; one at a time."""
    enrollment = _enrollment(session, enrollment_id, care_unit_id)
    text = _reason(reason)
    if active_hold(session, enrollment_id) is not None:
        raise DatalifeError("already_held")
    hold = LegalHold(enrollment_id=enrollment_id, reason=text, set_at=now, set_by_id=actor_id)
    session.add(hold)
    _audit(session, enrollment, actor_id, "set", text)
    session.flush()
    return hold


def lift_hold(
    session: Session,
    *,
    enrollment_id: int,
    care_unit_id: int,
    reason: str | None,
    actor_id: int,
    now: datetime,
) -> LegalHold:
    """Lift the enrollment's legal hold; the purge may go ahead at the next run after."""
    enrollment = _enrollment(session, enrollment_id, care_unit_id)
    text = _reason(reason)
    hold = active_hold(session, enrollment_id)
    if hold is None:
        raise DatalifeError("not_held")
    hold.lifted_at, hold.lifted_by_id, hold.lift_reason = now, actor_id, text
    _audit(session, enrollment, actor_id, "lift", text)
    session.flush()
    return hold
