"""Swedish local days: a programme's days are calendar days in Swedish time.

A module that opens "7 days after start" opens at midnight of day 7, and "started 0 days ago"
holds all of day 0. Every function takes a timezone-aware moment, never the wall clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    LOCAL_ZONE: Any = ZoneInfo("Europe/Stockholm")
except ZoneInfoNotFoundError:  # no time zone database (e.g. Windows without tzdata)
    LOCAL_ZONE = UTC


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    return moment


def local_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in Swedish time."""
    return _aware(moment).astimezone(LOCAL_ZONE).date()


def local_midnight(day: date) -> datetime:
    """The first moment of ``day`` in Swedish time, as UTC."""
    return datetime.combine(day, time(), LOCAL_ZONE).astimezone(UTC)


def days_between(start: datetime, now: datetime) -> int:
    return (local_date(now) - local_date(start)).days
