"""The nightly run: tell the data administrators what comes, then purge what is due.

``send_notices`` writes a ``PurgeNotice`` for each ended enrollment whose retention ends within
the notice period and tells each data administrator of its care unit once per run (one
content-free ``purge_notice`` e-mail, as they chose in their settings). ``purge_due`` lists the
enrollments that may be purged now (told, the notice period passed, due, not held).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import notifications
from ..models import PurgeNotice, RoleAssignment, Staff
from .retention import due_list, notice_days

NOTICE_KIND = "purge_notice"
NOTICE_LINK = "/admin/data/purge"


def data_admins(session: Session, care_unit_id: int) -> list[int]:
    return list(
        session.scalars(
            select(RoleAssignment.staff_id)
            .join(Staff, Staff.id == RoleAssignment.staff_id)
            .where(
                RoleAssignment.care_unit_id == care_unit_id,
                RoleAssignment.role == "data_admin",
                Staff.active.is_(True),
            )
            .order_by(RoleAssignment.staff_id)
        )
    )


def send_notices(
    session: Session,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    channels: Mapping[str, Any],
) -> list[PurgeNotice]:
    """Write the notices that are due and tell the units' data administrators; the new rows."""
    ahead = timedelta(days=notice_days(settings))
    written: list[PurgeNotice] = []
    units: set[int] = set()
    for row in due_list(session, now=now, settings=settings):
        if row.noticed:
            continue
        notice = session.scalar(
            select(PurgeNotice).where(PurgeNotice.enrollment_id == row.enrollment_id)
        ) or PurgeNotice(enrollment_id=row.enrollment_id)
        # a stale notice (another due moment) is given again, with a full notice period
        notice.due_at, notice.noticed_at = row.due_at, now
        notice.purge_after = max(row.due_at, now + ahead)
        session.add(notice)
        written.append(notice)
        units.add(row.care_unit_id)
    session.flush()
    for unit_id in sorted(units):
        for staff_id in data_admins(session, unit_id):
            notifications.notify_staff(
                session,
                staff_id,
                NOTICE_KIND,
                link=NOTICE_LINK,
                coalesce_key=f"purge_notice:{unit_id}",
                channels=channels,
                now=now,
                settings=settings,
                care_unit_id=unit_id,
            )
    return written


def purgeable_ids(session: Session, *, now: datetime, settings: Mapping[str, Any]) -> list[int]:
    """The enrollments that may be purged now, oldest due first."""
    return [
        row.enrollment_id
        for row in due_list(session, now=now, settings=settings)
        if row.state(now) == "due"
    ]


def is_purge_hour(now: datetime, settings: Mapping[str, Any]) -> bool:
    """Whether the hourly job acts now: in the local hour ``SOB_PURGE_HOUR`` (default 2, in
    ``SOB_NOTICE_TIMEZONE``); ``SOB_PURGE_HOUR=-1`` acts at every run (tests, catching up)."""
    from zoneinfo import ZoneInfo

    try:
        hour = int(settings.get("SOB_PURGE_HOUR", DEFAULT_PURGE_HOUR))
    except (TypeError, ValueError):
        hour = DEFAULT_PURGE_HOUR
    if hour < 0:
        return True
    zone = ZoneInfo(str(settings.get("SOB_NOTICE_TIMEZONE") or "Europe/Stockholm"))
    return now.astimezone(zone).hour == hour


DEFAULT_PURGE_HOUR = 2


def run(
    session: Session,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    channels: Mapping[str, Any],
    secret: str,
    storage: Any,
) -> list[str]:
    """The nightly job's work: notices, then each due purge in a transaction of its own
    (committed here, then its media files removed); the pseudonyms of the purged."""
    from .. import media
    from .purge import purge_due

    send_notices(session, now=now, settings=settings, channels=channels)
    session.commit()
    done = []
    for enrollment_id in purgeable_ids(session, now=now, settings=settings):
        outcome = purge_due(
            session,
            enrollment_id,
            now=now,
            settings=settings,
            secret=secret,
            actor_kind="system",
            actor_id=None,
        )
        session.commit()
        media.purging.remove_files(storage, outcome.media_keys)
        done.append(outcome.record.pseudonym)
    return done
