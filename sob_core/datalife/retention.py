"""Retention: how long an ended enrollment's working data is kept, and what is due for purge.

A programme's ``retention_days`` (set by its publisher) counts days after the enrollment's end;
None keeps the data until a period is set. An ended enrollment is *due* at ``ended_at +
retention_days``. The unit's data administrators are told ``notice_days`` before (the setting
``SOB_PURGE_NOTICE_DAYS``, default 14), and nothing is purged before ``notice_days`` after that
notice, nor while a legal hold is set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Enrollment, LegalHold, Program, ProgramVersion, PurgeNotice
from .errors import DatalifeError

DEFAULT_NOTICE_DAYS = 14
#: the longest retention period a publisher may set (100 years)
MAX_RETENTION_DAYS = 36_500


def notice_days(settings: Mapping[str, Any]) -> int:
    """How many days ahead the data administrators are told (``SOB_PURGE_NOTICE_DAYS``)."""
    value = settings.get("SOB_PURGE_NOTICE_DAYS", DEFAULT_NOTICE_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_NOTICE_DAYS
    return max(days, 0)


def set_retention(session: Session, program: Program, days: int | None) -> None:
    """Set (or clear, with None) a programme's retention period in days after the end."""
    if days is not None and not (1 <= days <= MAX_RETENTION_DAYS):
        raise DatalifeError("days", min=1, max=MAX_RETENTION_DAYS)
    program.retention_days = days


def due_at(ended_at: datetime, retention_days: int) -> datetime:
    return ended_at + timedelta(days=retention_days)


@dataclass(frozen=True)
class DueEnrollment:
    """An ended enrollment whose purge is near, noticed, due or held (no citizen data)."""

    enrollment_id: int
    citizen_id: int
    care_unit_id: int
    program_id: int
    program_name: dict
    ended_at: datetime
    retention_days: int
    due_at: datetime
    noticed_at: datetime | None
    purge_after: datetime | None
    hold_reason: str | None
    #: the due moment the notice told of; another one (the enrollment ended again, or the
    #: retention period changed) makes the notice stale: a new one is given first
    noticed_due_at: datetime | None = None

    @property
    def noticed(self) -> bool:
        return self.purge_after is not None and self.noticed_due_at == self.due_at

    @property
    def held(self) -> bool:
        return self.hold_reason is not None

    def state(self, now: datetime) -> str:
        """held, upcoming (not told yet), noticed (told; waiting) or due (may be purged)."""
        if self.held:
            return "held"
        if not self.noticed or self.purge_after is None:
            return "upcoming"
        if self.purge_after > now or self.due_at > now:
            return "noticed"
        return "due"


def _rows(
    session: Session, *, care_unit_id: int | None, enrollment_id: int | None = None
) -> Iterator[Any]:
    statement = (
        select(
            Enrollment.id,
            Enrollment.citizen_id,
            Enrollment.care_unit_id,
            Enrollment.ended_at,
            Program.id,
            Program.retention_days,
            ProgramVersion.content,
        )
        .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
        .join(Program, ProgramVersion.program_id == Program.id)
        .where(
            Enrollment.status == "ended",
            Enrollment.ended_at.is_not(None),
            Program.retention_days.is_not(None),
        )
        .order_by(Enrollment.ended_at, Enrollment.id)
    )
    if care_unit_id is not None:
        statement = statement.where(Enrollment.care_unit_id == care_unit_id)
    if enrollment_id is not None:
        statement = statement.where(Enrollment.id == enrollment_id)
    yield from session.execute(statement.execution_options(yield_per=500))


def _holds(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(LegalHold.enrollment_id, LegalHold.reason).where(
                LegalHold.enrollment_id.in_(ids), LegalHold.lifted_at.is_(None)
            )
        ).all()
    )


def _notices(session: Session, ids: list[int]) -> dict[int, PurgeNotice]:
    if not ids:
        return {}
    return {
        notice.enrollment_id: notice
        for notice in session.scalars(select(PurgeNotice).where(PurgeNotice.enrollment_id.in_(ids)))
    }


def due_list(
    session: Session,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    care_unit_id: int | None = None,
    enrollment_id: int | None = None,
) -> list[DueEnrollment]:
    """The ended enrollments whose retention ends within the notice period (or has ended),
    with their notice and hold, oldest due first. ``care_unit_id`` None: every unit."""
    ahead = timedelta(days=notice_days(settings))
    found = []
    for eid, citizen_id, unit_id, ended_at, program_id, days, content in _rows(
        session, care_unit_id=care_unit_id, enrollment_id=enrollment_id
    ):
        moment = due_at(ended_at, days)
        if moment - ahead <= now:
            found.append((eid, citizen_id, unit_id, ended_at, program_id, days, content, moment))
    ids = [row[0] for row in found]
    holds, notices = _holds(session, ids), _notices(session, ids)
    out = []
    for eid, citizen_id, unit_id, ended_at, program_id, days, content, moment in found:
        notice = notices.get(eid)
        out.append(
            DueEnrollment(
                enrollment_id=eid,
                citizen_id=citizen_id,
                care_unit_id=unit_id,
                program_id=program_id,
                program_name=dict((content or {}).get("name") or {}),
                ended_at=ended_at,
                retention_days=days,
                due_at=moment,
                noticed_at=notice.noticed_at if notice else None,
                purge_after=notice.purge_after if notice else None,
                hold_reason=holds.get(eid),
                noticed_due_at=notice.due_at if notice else None,
            )
        )
    out.sort(key=lambda row: (row.due_at, row.enrollment_id))
    return out


def check_purgeable(
    session: Session,
    enrollment_id: int,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    care_unit_id: int | None = None,
) -> DueEnrollment:
    """The enrollment's due row when it may be purged now; else a coded ``DatalifeError``."""
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or (care_unit_id is not None and enrollment.care_unit_id != care_unit_id):
        raise DatalifeError("not_found")
    if enrollment.status != "ended" or enrollment.ended_at is None:
        raise DatalifeError("not_ended")
    rows = due_list(session, now=now, settings=settings, enrollment_id=enrollment_id)
    if not rows:
        program = enrollment.program_version.program if enrollment.program_version else None
        if program is None or program.retention_days is None:
            raise DatalifeError("no_rule")
        raise DatalifeError("not_due", due_at=due_at(enrollment.ended_at, program.retention_days))
    row = rows[0]
    if row.held:
        raise DatalifeError("held")
    if row.due_at > now:
        raise DatalifeError("not_due", due_at=row.due_at)
    if not row.noticed or row.purge_after is None:
        raise DatalifeError("no_notice")
    if row.purge_after > now:
        raise DatalifeError("notice_period", purge_after=row.purge_after)
    return row
