"""Purge the results computed from one enrollment's responses. Before ``forms.purging``."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import FormAssignment, FormResponse, Result

PURGED_TABLES: tuple[str, ...] = ("result",)


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the results of the responses given in the enrollment; {table: rows deleted}."""
    responses = select(FormResponse.id).where(
        FormResponse.assignment_id.in_(
            select(FormAssignment.id).where(FormAssignment.enrollment_id == enrollment_id)
        )
    )
    result = session.execute(
        delete(Result)
        .where(Result.response_id.in_(responses))
        .execution_options(synchronize_session=False)
    )
    return {"result": int(getattr(result, "rowcount", 0) or 0)}
