"""Measurement batteries (mätbatterier): schedules and occurrences of an enrollment, the tick.

- ``schedule``: pure local-time arithmetic and the preview (DST never moves a local time);
- ``service``: planning, opening, closing occurrences, each move one conditional UPDATE;
- ``actions``: what staff do (schedule, stop, reschedule, extra measurement);
- ``listeners``: enrollment started / module opened start batteries, a submitted form closes
  its occurrence, an ended enrollment cancels what is planned or open.

See docs/batteries.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BatteryOccurrence, Enrollment
from . import exporting as exporting
from . import listeners as _listeners
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from .actions import extra_measurement as extra_measurement
from .actions import programme_batteries as programme_batteries
from .actions import reschedule as reschedule
from .actions import running as running
from .actions import schedule_battery as schedule_battery
from .actions import stop as stop
from .schedule import ScheduleError as ScheduleError
from .schedule import preview as preview
from .service import BatteryError as BatteryError
from .service import expire_occurrence as expire_occurrence
from .service import open_occurrence as open_occurrence

#: how many occurrences one tick opens (and expires) at most; the rest wait for the next tick
BATCH = 1000


def tick(session: Session, now: datetime, batch: int = BATCH) -> int:
    """Open the occurrences whose time has come and mark the expired ones missed.

    Each finds its work by one indexed query on (status, time) and moves each row with a
    conditional UPDATE, so a second tick running at the same time skips what this one took.
    The number of occurrences moved; the caller commits.
    """
    done = 0
    versions: dict[str, int] = {}
    due = session.scalars(
        select(BatteryOccurrence.id)
        .where(BatteryOccurrence.status == "planned", BatteryOccurrence.opens_at <= now)
        .order_by(BatteryOccurrence.opens_at)
        .limit(batch)
    ).all()
    # held until the batch is done: the session keeps only weak references to what it loaded
    loaded = _preload(session, due) if due else []
    for occurrence_id in due:
        done += open_occurrence(session, occurrence_id, now, versions)
    del loaded
    expired = session.scalars(
        select(BatteryOccurrence.id)
        .where(BatteryOccurrence.status == "open", BatteryOccurrence.expires_at <= now)
        .order_by(BatteryOccurrence.expires_at)
        .limit(batch)
    ).all()
    for occurrence_id in expired:
        done += expire_occurrence(session, occurrence_id, now)
    return done


def _preload(session: Session, occurrence_ids: Sequence[int]) -> list[object]:
    """Load the batch's occurrences with their schedules and enrollments in three queries, so
    opening each one finds them in the session instead of asking one by one. The caller holds
    the returned objects while it works."""
    from sqlalchemy.orm import selectinload

    occurrences = session.scalars(
        select(BatteryOccurrence)
        .where(BatteryOccurrence.id.in_(occurrence_ids))
        .options(selectinload(BatteryOccurrence.schedule))
        .execution_options(populate_existing=True)
    ).all()
    enrollment_ids = sorted({occurrence.enrollment_id for occurrence in occurrences})
    enrollments = session.scalars(select(Enrollment).where(Enrollment.id.in_(enrollment_ids))).all()
    return [*occurrences, *enrollments]


_listeners.connect()
