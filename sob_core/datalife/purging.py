"""Purge the data's-life rows of one enrollment: its legal holds and its purge notice (the
purge record, written afterwards, names no enrollment and stays)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..models import LegalHold, PurgeNotice

PURGED_TABLES: tuple[str, ...] = ("legal_hold", "purge_notice")


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the enrollment's (lifted) holds and its notice; {table: rows deleted}."""
    holds = session.execute(
        delete(LegalHold)
        .where(LegalHold.enrollment_id == enrollment_id)
        .execution_options(synchronize_session=False)
    )
    notices = session.execute(
        delete(PurgeNotice)
        .where(PurgeNotice.enrollment_id == enrollment_id)
        .execution_options(synchronize_session=False)
    )
    return {
        "legal_hold": int(getattr(holds, "rowcount", 0) or 0),
        "purge_notice": int(getattr(notices, "rowcount", 0) or 0),
    }
