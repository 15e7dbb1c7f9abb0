"""The citizen administrator's overview of a care unit: all its enrollments and their events.

The role table gives the citizen administrator "oversee all the unit's events". These reads are
bounded (a count per status and programme in one grouped statement; one page of events in one
statement, with the names it needs in two more) and never leave the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from ..models import Citizen, Enrollment, EnrollmentEvent, ProgramVersion


@dataclass(frozen=True)
class UnitCount:
    """How many of the unit's enrollments of one programme version are in each state."""

    program_version_id: int | None
    status: str
    count: int


def unit_counts(session: Session, care_unit_id: int) -> list[UnitCount]:
    """Enrollments at the unit by programme version and status, one statement."""
    rows = session.execute(
        select(Enrollment.program_version_id, Enrollment.status, func.count(Enrollment.id))
        .where(Enrollment.care_unit_id == care_unit_id)
        .group_by(Enrollment.program_version_id, Enrollment.status)
        .order_by(Enrollment.program_version_id, Enrollment.status)
    )
    return [UnitCount(version_id, status, int(n)) for version_id, status, n in rows]


def unit_events(
    session: Session,
    care_unit_id: int,
    *,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[EnrollmentEvent]:
    """One page of the events of all the unit's enrollments, newest first; each event's
    enrollment, citizen and programme version are loaded with it (one statement)."""
    statement = (
        select(EnrollmentEvent)
        .join(Enrollment, EnrollmentEvent.enrollment_id == Enrollment.id)
        .where(Enrollment.care_unit_id == care_unit_id)
    )
    if kind:
        statement = statement.where(EnrollmentEvent.kind == kind)
    if since is not None:
        statement = statement.where(EnrollmentEvent.at >= since)
    return list(
        session.scalars(
            statement.order_by(EnrollmentEvent.at.desc(), EnrollmentEvent.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def enrollments_of(session: Session, ids: set[int]) -> dict[int, Enrollment]:
    """The enrollments (with citizen and programme version) of these ids, one statement."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Enrollment)
        .join(Citizen, Enrollment.citizen_id == Citizen.id)
        .outerjoin(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
        .options(contains_eager(Enrollment.citizen), contains_eager(Enrollment.program_version))
        .where(Enrollment.id.in_(ids))
    )
    return {e.id: e for e in rows}


def versions_of(session: Session, ids: set[int]) -> dict[int, ProgramVersion]:
    if not ids:
        return {}
    return {
        v.id: v for v in session.scalars(select(ProgramVersion).where(ProgramVersion.id.in_(ids)))
    }
