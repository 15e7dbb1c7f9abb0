"""Purge the enrollment itself: bookmarks, item progress, module states, events, then the
enrollment row. Last of all the purges (every other table points at the enrollment)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import Bookmark, Enrollment, EnrollmentEvent, EnrollmentModule, ItemProgress

PURGED_TABLES: tuple[str, ...] = (
    "bookmark",
    "item_progress",
    "enrollment_module",
    "enrollment_event",
    "enrollment",
)


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the enrollment's own rows and the enrollment; {table: rows deleted}."""
    counts = {}
    for table, statement in (
        ("bookmark", delete(Bookmark).where(Bookmark.enrollment_id == enrollment_id)),
        ("item_progress", delete(ItemProgress).where(ItemProgress.enrollment_id == enrollment_id)),
        (
            "enrollment_module",
            delete(EnrollmentModule).where(EnrollmentModule.enrollment_id == enrollment_id),
        ),
        (
            "enrollment_event",
            delete(EnrollmentEvent).where(EnrollmentEvent.enrollment_id == enrollment_id),
        ),
        ("enrollment", delete(Enrollment).where(Enrollment.id == enrollment_id)),
    ):
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[table] = int(getattr(result, "rowcount", 0) or 0)
    return counts
