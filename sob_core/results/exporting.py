"""An enrollment's results for an export: the citizen-visible results of its responses.

Results the form keeps for staff only (``citizen_visible`` false) are a clinician's reading and
are not part of what the citizen received, so they stay out, as on her own pages.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import FormAssignment, FormResponse, Result
from ..types import local

EXPORTED_TABLES: tuple[str, ...] = ("result",)


def export_enrollment(session: Session, enrollment_id: int, *, lang: str) -> dict[str, Any]:
    """The results the citizen may see of the enrollment's responses, oldest first."""
    rows = session.scalars(
        select(Result)
        .join(FormResponse, FormResponse.id == Result.response_id)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .where(FormAssignment.enrollment_id == enrollment_id, Result.citizen_visible.is_(True))
        .order_by(Result.at, Result.id)
    )
    return {
        "results": [
            {
                "response": row.response_id,
                "key": row.key,
                "value": row.value,
                "band": local(row.band_label, lang) if row.band_label else row.band,
                "at": row.at.isoformat(),
            }
            for row in rows
        ]
    }
