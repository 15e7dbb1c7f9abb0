"""`sob schedule preview`: the local times a battery schedule would have, as JSON.

Needs no database: the same pure function the design tool and the patient page use.
"""

from __future__ import annotations

import json
import sys

import click

schedule_group = click.Group("schedule", help="Measurement battery schedules.")


@schedule_group.command("preview")
@click.option("--start", "start", required=True, help="First date, YYYY-MM-DD.")
@click.option("--every", "every", required=True, help="Days between occurrences (>= 1).")
@click.option("--time", "at", default="08:00", show_default=True, help="Local time, HH:MM.")
@click.option("--count", "count", default="10", show_default=True, help="How many (1-200).")
@click.option("--tz", "zone", default="Europe/Stockholm", show_default=True, help="IANA zone.")
def preview_command(start: str, every: str, at: str, count: str, zone: str) -> None:
    """Print the occurrences' local times as ISO 8601 with their UTC offset (a JSON list).

    Exits 2 with a one-line reason on bad input (date, interval, time, count or zone).
    """
    from ..batteries.schedule import ScheduleError, parse_date, preview

    try:
        first = parse_date(start)
        days = _whole(every, "every", "the interval (--every) must be a whole number of days >= 1")
        times = _whole(count, "count", "the count (--count) must be a whole number from 1 to 200")
        moments = preview(first, days, at, times, zone)
    except ScheduleError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(json.dumps([moment.isoformat() for moment in moments]))


def _whole(value: str, code: str, reason: str) -> int:
    from ..batteries.schedule import ScheduleError

    try:
        return int(value.strip())
    except (ValueError, AttributeError) as error:
        raise ScheduleError(code, reason) from error
