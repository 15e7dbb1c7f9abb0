"""Schedule arithmetic, the preview and `sob schedule preview`: daylight-saving changes never
move a local time (property tests over the changes of 2026-2030 in Europe/Stockholm)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sob_core.batteries import schedule as sched
from sob_core.cli import main

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def dst_changes(first: int = 2026, last: int = 2030) -> list[date]:
    """The local dates on which Stockholm's UTC offset changes (found, not assumed)."""
    changes = []
    day = date(first, 1, 1)
    while day.year <= last:
        before = datetime.combine(day, time(0), STOCKHOLM).utcoffset()
        after = datetime.combine(day + timedelta(days=1), time(0), STOCKHOLM).utcoffset()
        if before != after:
            changes.append(day)
        day += timedelta(days=1)
    return changes


CHANGES = dst_changes()


def test_there_are_two_changes_a_year():
    assert len(CHANGES) == 10
    assert date(2026, 3, 29) in CHANGES and date(2026, 10, 25) in CHANGES


# local times outside the skipped/repeated hour (02:00-02:59) exist exactly once every day
usual_times = st.builds(time, st.sampled_from([h for h in range(24) if h != 2]), st.integers(0, 59))


@settings(max_examples=150, deadline=None)
@given(
    change=st.sampled_from(CHANGES),
    days_before=st.integers(1, 60),
    every=st.integers(1, 30),
    at=usual_times,
)
def test_the_preview_keeps_the_local_time_across_each_change(change, days_before, every, at):
    start = change - timedelta(days=days_before)
    count = days_before // every + 3  # always reaches past the change
    moments = sched.preview(start, every, at.strftime("%H:%M"), min(count, 200))
    assert moments[-1].date() > change
    for index, moment in enumerate(moments):
        assert moment.date() == start + timedelta(days=index * every)
        assert (moment.hour, moment.minute) == (at.hour, at.minute)
        assert moment.utcoffset() == moment.astimezone(STOCKHOLM).utcoffset()
    offsets = {m.utcoffset() for m in moments}
    assert offsets <= {timedelta(hours=1), timedelta(hours=2)}


@settings(max_examples=150, deadline=None)
@given(change=st.sampled_from(CHANGES), at=usual_times, shift=st.integers(-3, 3))
def test_to_utc_and_back_is_the_same_wall_time(change, at, shift):
    wall = datetime.combine(change + timedelta(days=shift), at)
    moment = sched.to_utc(wall, "Europe/Stockholm")
    assert moment.tzinfo is UTC
    assert sched.wall_time(moment, "Europe/Stockholm") == wall


@settings(max_examples=100, deadline=None)
@given(change=st.sampled_from(CHANGES), minute=st.integers(0, 59), due=st.integers(0, 5))
def test_the_hour_of_the_change_still_gives_ordered_moments(change, minute, due):
    wall = datetime.combine(change, time(2, minute))
    got = sched.moments(wall, "Europe/Stockholm", due, due + 1)
    assert got.opens_at <= got.due_at < got.expires_at
    # the skipped or repeated hour maps to a moment within that hour of UTC offsets
    assert abs(got.opens_at - datetime.combine(change, time(1, minute), UTC)) <= timedelta(hours=1)


def test_a_spring_change_in_numbers():
    moments = sched.preview(date(2026, 3, 22), 7, "08:00", 2)
    assert [m.isoformat() for m in moments] == [
        "2026-03-22T08:00:00+01:00",
        "2026-03-29T08:00:00+02:00",
    ]
    assert [m.astimezone(UTC).hour for m in moments] == [7, 6]


def test_another_zone():
    [moment] = sched.preview(date(2026, 7, 1), None, "09:30", 5, "America/New_York")
    assert moment.isoformat() == "2026-07-01T09:30:00-04:00"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: sched.preview(date(2026, 1, 1), 0, "08:00", 3), "every"),
        (lambda: sched.preview(date(2026, 1, 1), 400, "08:00", 3), "every"),
        (lambda: sched.preview(date(2026, 1, 1), 1, "8.00", 3), "time"),
        (lambda: sched.preview(date(2026, 1, 1), 1, "24:00", 3), "time"),
        (lambda: sched.preview(date(2026, 1, 1), 1, "08:00", 0), "count"),
        (lambda: sched.preview(date(2026, 1, 1), 1, "08:00", 201), "count"),
        (lambda: sched.preview(date(2026, 1, 1), 1, "08:00", 3, "Nowhere/City"), "zone"),
        (lambda: sched.parse_date("2026-13-01"), "date"),
        (lambda: sched.parse_date("1/2/2026"), "date"),
    ],
)
def test_bad_input_names_what_is_wrong(call, code):
    with pytest.raises(sched.ScheduleError) as error:
        call()
    assert error.value.code == code and str(error.value)


def cli(*args: str):
    return CliRunner().invoke(main, ["schedule", "preview", *args])


def test_the_command_prints_json_across_a_change():
    result = cli("--start", "2026-10-18", "--every", "7", "--time", "08:00", "--count", "3")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        "2026-10-18T08:00:00+02:00",
        "2026-10-25T08:00:00+01:00",
        "2026-11-01T08:00:00+01:00",
    ]


def test_the_command_takes_a_zone():
    result = cli("--start", "2026-03-01", "--every", "14", "--count", "2", "--tz", "Europe/London")
    assert json.loads(result.output) == ["2026-03-01T08:00:00+00:00", "2026-03-15T08:00:00+00:00"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--start", "2026-02-30", "--every", "7"], "date"),
        (["--start", "tomorrow", "--every", "7"], "date"),
        (["--start", "2026-03-01", "--every", "0"], "interval"),
        (["--start", "2026-03-01", "--every", "-3"], "interval"),
        (["--start", "2026-03-01", "--every", "two"], "interval"),
        (["--start", "2026-03-01", "--every", "7", "--tz", "Mars/Olympus"], "zone"),
        (["--start", "2026-03-01", "--every", "7", "--time", "25:00"], "time"),
        (["--start", "2026-03-01", "--every", "7", "--count", "0"], "count"),
        (["--start", "2026-03-01", "--every", "7", "--count", "x"], "count"),
    ],
)
def test_the_command_exits_2_with_one_line_on_bad_input(args, words):
    result = CliRunner().invoke(main, ["schedule", "preview", *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
