"""Pure schedule arithmetic: local wall times in a zone, and the UTC moments derived from them.

An occurrence is planned as a local wall time ("2026-03-29T08:00") in a named zone. The next one
is the same wall time ``every_days`` calendar days later, so a daylight-saving change never moves
it: 08:00 stays 08:00 before and after the change. Only the UTC moment moves by the hour.

A wall time that does not exist (the skipped hour of a spring change, 02:00-02:59 in Sweden) is
read with the offset before the change, i.e. it happens at the moment the clocks jump (02:30 is
03:30 summer time); a wall time that happens twice (the repeated hour of an autumn change) is the
first of the two. Both only concern times between 02:00 and 03:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_EVERY_DAYS = 365
MAX_COUNT = 200


class ScheduleError(ValueError):
    """Bad schedule input; ``code`` names what is wrong, ``str()`` is a one-line reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def zone(name: str) -> ZoneInfo:
    """The named IANA zone, or ``ScheduleError('zone')``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ScheduleError("zone", f"unknown time zone: {name!r}") from error


def parse_time(value: str) -> time:
    """ "HH:MM" (24-hour) as a time, or ``ScheduleError('time')``."""
    match = TIME_RE.match(value or "")
    if match is None:
        raise ScheduleError("time", f"the time must be HH:MM (00:00-23:59), not {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_date(value: str) -> date:
    """ "YYYY-MM-DD" as a date, or ``ScheduleError('date')``."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as error:
        raise ScheduleError("date", f"the date must be YYYY-MM-DD, not {value!r}") from error


def to_utc(wall: datetime, zone_name: str) -> datetime:
    """The UTC moment of the naive local wall time ``wall`` in the zone (see the module doc)."""
    # fold=0: in a skipped hour the offset before the change, in a repeated hour the first one
    return wall.replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)


def wall_time(moment: datetime, zone_name: str) -> datetime:
    """The naive local wall time of the aware ``moment`` in the zone, to the minute."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    return moment.astimezone(zone(zone_name)).replace(tzinfo=None, second=0, microsecond=0)


def local_text(wall: datetime) -> str:
    return wall.strftime(LOCAL_FORMAT)


def parse_local(value: str) -> datetime:
    return datetime.strptime(value, LOCAL_FORMAT)


def plus_days(wall: datetime, days: int) -> datetime:
    """The same wall time ``days`` calendar days later (never shifted by a DST change)."""
    return wall + timedelta(days=days)


@dataclass(frozen=True)
class Moments:
    """The UTC moments of one occurrence planned at a local wall time."""

    opens_at: datetime
    due_at: datetime
    expires_at: datetime


def moments(wall: datetime, zone_name: str, due_days: int, expire_days: int) -> Moments:
    """Opening at ``wall``; due and expiry the same wall time so many days later."""
    return Moments(
        opens_at=to_utc(wall, zone_name),
        due_at=to_utc(plus_days(wall, due_days), zone_name),
        expires_at=to_utc(plus_days(wall, expire_days), zone_name),
    )


def check_every(every_days: int) -> int:
    if isinstance(every_days, bool) or not isinstance(every_days, int) or every_days < 1:
        raise ScheduleError(
            "every", f"the interval must be a whole number of days >= 1, not {every_days!r}"
        )
    if every_days > MAX_EVERY_DAYS:
        raise ScheduleError("every", f"the interval must be at most {MAX_EVERY_DAYS} days")
    return every_days


def check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ScheduleError("count", f"the count must be a whole number from 1 to {MAX_COUNT}")
    return count


def preview(
    start: date,
    every_days: int | None,
    local_time: str | time,
    count: int,
    zone_name: str = "Europe/Stockholm",
) -> list[datetime]:
    """The first ``count`` occurrences as aware local datetimes (with their UTC offset).

    ``every_days`` None means one occurrence only. Pure: nothing is stored.
    """
    tz = zone(zone_name)
    at = parse_time(local_time) if isinstance(local_time, str) else local_time
    check_count(count)
    if every_days is None:
        count = 1
    else:
        check_every(every_days)
    first = datetime.combine(start, at)
    out = []
    for index in range(count):
        wall = plus_days(first, index * (every_days or 0))
        out.append(to_utc(wall, zone_name).astimezone(tz))
    return out
