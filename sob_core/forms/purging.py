"""Purge one enrollment's forms: the responses given to its assignments, then the assignments.

A response belongs to an enrollment through its assignment (as everywhere, see the care-unit
boundary); a response outside every enrollment is not touched. After ``results.purging`` and
``flags.purging``, before ``batteries.purging`` (an assignment points at its occurrence).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import FormAssignment, FormResponse

PURGED_TABLES: tuple[str, ...] = ("form_response", "form_assignment")


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the enrollment's responses and form assignments; {table: rows deleted}."""
    assignments = select(FormAssignment.id).where(FormAssignment.enrollment_id == enrollment_id)
    responses = session.execute(
        delete(FormResponse)
        .where(FormResponse.assignment_id.in_(assignments))
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        delete(FormAssignment)
        .where(FormAssignment.enrollment_id == enrollment_id)
        .execution_options(synchronize_session=False)
    )
    return {
        "form_response": int(getattr(responses, "rowcount", 0) or 0),
        "form_assignment": int(getattr(rows, "rowcount", 0) or 0),
    }
