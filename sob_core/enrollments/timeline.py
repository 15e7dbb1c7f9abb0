"""An enrollment's timeline: every event for staff, the citizen's own part for the citizen."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Enrollment, EnrollmentEvent

STAFF_ONLY_EVENTS = frozenset({"module_hidden", "module_shown", "item_hidden", "item_shown"})


def timeline(session: Session, enrollment: Enrollment, citizen_view: bool) -> list[EnrollmentEvent]:
    """The enrollment's events in order; the citizen's view holds only their own part."""
    query = select(EnrollmentEvent).where(EnrollmentEvent.enrollment_id == enrollment.id)
    if citizen_view:
        query = query.where(
            EnrollmentEvent.citizen_visible.is_(True),
            EnrollmentEvent.kind.not_in(STAFF_ONLY_EVENTS),
        )
    return list(session.scalars(query.order_by(EnrollmentEvent.at, EnrollmentEvent.id)))
