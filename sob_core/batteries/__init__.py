"""Measurement batteries (mätbatterier): schedules and occurrences of an enrollment, the tick.

- ``schedule``: pure local-time arithmetic and the preview (DST never moves a local time);
- ``service``: planning and closing occurrences, each move one conditional UPDATE;
- ``opening``: the tick's opening and expiring, a batch claimed by one UPDATE … RETURNING;
- ``actions``: what staff do (schedule, stop, reschedule, extra measurement);
- ``listeners``: enrollment started / module opened start batteries, a submitted form closes
  its occurrence, an ended enrollment cancels what is planned or open.

See docs/batteries.md.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BatteryOccurrence
from . import exporting as exporting
from . import listeners as _listeners
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from .actions import extra_measurement as extra_measurement
from .actions import programme_batteries as programme_batteries
from .actions import reschedule as reschedule
from .actions import running as running
from .actions import schedule_battery as schedule_battery
from .actions import stop as stop
from .opening import expire_many as expire_many
from .opening import expire_occurrence as expire_occurrence
from .opening import open_many as open_many
from .opening import open_occurrence as open_occurrence
from .schedule import ScheduleError as ScheduleError
from .schedule import preview as preview
from .service import BatteryError as BatteryError

#: how many occurrences one tick opens (and expires) at most; the rest wait for the next tick
BATCH = 1000


def tick(session: Session, now: datetime, batch: int = BATCH) -> int:
    """Open the occurrences whose time has come and mark the expired ones missed.

    Each finds its work by one indexed query on (status, time) and claims the whole batch with
    one conditional UPDATE … RETURNING, so a second tick running at the same time skips what
    this one took; what follows is a fixed number of statements per batch (``opening``).
    The number of occurrences moved; the caller commits.
    """
    due = session.scalars(
        select(BatteryOccurrence.id)
        .where(BatteryOccurrence.status == "planned", BatteryOccurrence.opens_at <= now)
        .order_by(BatteryOccurrence.opens_at, BatteryOccurrence.id)
        .limit(batch)
    ).all()
    done = len(open_many(session, due, now, {})) if due else 0
    expired = session.scalars(
        select(BatteryOccurrence.id)
        .where(BatteryOccurrence.status == "open", BatteryOccurrence.expires_at <= now)
        .order_by(BatteryOccurrence.expires_at, BatteryOccurrence.id)
        .limit(batch)
    ).all()
    done += len(expire_many(session, expired, now)) if expired else 0
    return done


_listeners.connect()
