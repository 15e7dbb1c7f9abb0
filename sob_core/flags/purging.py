"""Purge one enrollment's flags (cases) — first of all, since a flag points at responses,
results, messages, occurrences, staff reminders and activity values of the enrollment."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import Flag

PURGED_TABLES: tuple[str, ...] = ("flag",)


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the enrollment's flags; {table: rows deleted}."""
    result = session.execute(
        delete(Flag)
        .where(Flag.enrollment_id == enrollment_id)
        .execution_options(synchronize_session=False)
    )
    return {"flag": int(getattr(result, "rowcount", 0) or 0)}
