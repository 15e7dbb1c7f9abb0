"""Measurement batteries: schedules and occurrences in the database, the tick, the listeners."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import test_enrollments as setup
from sqlalchemy import select
from test_events import caught

from sob_core import batteries, enrollments, events, forms
from sob_core.batteries import BatteryError, opening, service
from sob_core.extensions import db
from sob_core.models import BatteryOccurrence, BatterySchedule, FormAssignment

world = setup.world
JOHN, TOMMY = setup.JOHN, setup.TOMMY
T0 = setup.T0  # 2024-03-04 09:00 UTC, 10:00 in Sweden


def body(*batteries_: dict) -> dict:
    content = setup.content()
    content["batteries"] = list(batteries_)
    return content


WEEKLY = {
    "key": "weekly",
    "name": {"sv": "Veckomätning"},
    "form_keys": ["diary", "mood"],
    "trigger": "repeat",
    "every_days": 7,
    "count": 3,
    "local_time": "08:00",
    "due_days": 3,
    "expire_days": 6,
}
AT_START = {
    "key": "intake",
    "name": {"sv": "Startformulär"},
    "form_keys": ["mood"],
    "trigger": "enrollment_start",
    "due_days": 3,
    "expire_days": 7,
}
AT_MODULE = {
    "key": "m4check",
    "name": {"sv": "Vid modulstart"},
    "form_keys": ["mood"],
    "trigger": "module_start",
    "module_key": "m4",
    "due_days": 3,
    "expire_days": 7,
}


@pytest.fixture
def forms_made(world):
    setup.make_form("diary")
    setup.make_form("mood", versions=3)


def started(*batteries_: dict, at: datetime = T0):
    version = setup.make_program(setup.units()[0], body(*batteries_))
    return setup.start(version, at=at)


def occurrences(enrollment) -> list[BatteryOccurrence]:
    return list(
        db.session.scalars(
            select(BatteryOccurrence)
            .where(BatteryOccurrence.enrollment_id == enrollment.id)
            .order_by(BatteryOccurrence.id)
            .execution_options(populate_existing=True)
        )
    )


def handed_out(occurrence: BatteryOccurrence) -> list[FormAssignment]:
    return list(
        db.session.scalars(
            select(FormAssignment)
            .where(FormAssignment.occurrence_id == occurrence.id)
            .order_by(FormAssignment.id)
            .execution_options(populate_existing=True)
        )
    )


def submit_all(app, occurrence: BatteryOccurrence) -> None:
    host = app.extensions["sob"]
    for assignment in handed_out(occurrence):
        response = forms.open_response(db.session, assignment)
        forms.submit(db.session, host, response, {"hours": 6})


def test_a_battery_at_the_start_opens_at_once_with_the_latest_form_versions(forms_made):
    enrollment = started(AT_START)
    [occurrence] = occurrences(enrollment)
    assert occurrence.status == "planned" and occurrence.opens_at == T0
    assert occurrence.planned_local == "2024-03-04T10:00"
    with caught(events.occurrence_opened) as opened:
        assert batteries.tick(db.session, T0 + timedelta(minutes=1)) == 1
        assert batteries.tick(db.session, T0 + timedelta(minutes=2)) == 0  # once only
    [occurrence] = occurrences(enrollment)
    assert occurrence.status == "open"
    assert occurrence.due_at == T0 + timedelta(days=3)
    assert occurrence.expires_at == T0 + timedelta(days=7)
    [assignment] = handed_out(occurrence)
    assert assignment.form_version.version == 3 and assignment.status == "open"
    assert assignment in enrollments.open_for_citizen(db.session, enrollment.citizen_id)
    assert [payload["occurrence_id"] for _, payload in opened] == [occurrence.id]


def test_a_repeating_battery_keeps_only_its_next_occurrence_planned(forms_made):
    enrollment = started(WEEKLY)
    [first] = occurrences(enrollment)
    # started 10:00 local: today's 08:00 is past but open until it expires, so it opens now
    assert first.planned_local == "2024-03-04T08:00"
    for week in range(5):
        batteries.tick(db.session, T0 + timedelta(days=7 * week, hours=1))
        planned = [o for o in occurrences(enrollment) if o.status == "planned"]
        assert len(planned) <= 1
    rows = occurrences(enrollment)
    assert [o.planned_local for o in rows] == [
        "2024-03-04T08:00",
        "2024-03-11T08:00",
        "2024-03-18T08:00",
    ]  # count 3: no fourth
    # the two before the last expired after 6 days without answers
    assert [o.status for o in rows] == ["missed", "missed", "missed"]
    schedule = db.session.scalars(
        select(BatterySchedule).execution_options(populate_existing=True)
    ).one()
    assert schedule.status == "done"


def test_a_local_time_stays_across_the_daylight_saving_change(forms_made):
    start = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)
    enrollment = started(dict(WEEKLY, count=None), at=start)
    for week in range(3):
        batteries.tick(db.session, start + timedelta(days=7 * week + 1))
    rows = occurrences(enrollment)
    assert [o.planned_local[11:] for o in rows] == ["08:00"] * 4
    # 08:00 CET is 07:00 UTC; after 31 March 08:00 CEST is 06:00 UTC
    assert [o.opens_at.hour for o in rows] == [7, 7, 6, 6]


def test_submitting_every_form_closes_the_occurrence_as_done(app, forms_made):
    enrollment = started(WEEKLY)
    batteries.tick(db.session, T0)
    occurrence = occurrences(enrollment)[0]
    with caught(events.occurrence_closed) as closed:
        first, second = handed_out(occurrence)
        host = app.extensions["sob"]
        forms.submit(db.session, host, forms.open_response(db.session, first), {"hours": 6})
        assert occurrences(enrollment)[0].status == "open"  # one form still to go
        forms.submit(db.session, host, forms.open_response(db.session, second), {"hours": 6})
    assert occurrences(enrollment)[0].status == "done"
    assert [(p["occurrence_id"], p["status"]) for _, p in closed] == [(occurrence.id, "done")]
    # a later tick does not mark it missed
    assert batteries.tick(db.session, T0 + timedelta(days=6, hours=1)) == 0
    assert occurrences(enrollment)[0].status == "done"


def test_an_expired_occurrence_is_missed_and_its_forms_taken_back(forms_made):
    enrollment = started(AT_START)
    batteries.tick(db.session, T0)
    with caught(events.occurrence_closed) as closed:
        assert batteries.tick(db.session, T0 + timedelta(days=7)) == 1
        assert batteries.tick(db.session, T0 + timedelta(days=8)) == 0
    [occurrence] = occurrences(enrollment)
    assert occurrence.status == "missed" and occurrence.closed_at == T0 + timedelta(days=7)
    assert [a.status for a in handed_out(occurrence)] == ["closed"]
    still_open = enrollments.open_for_citizen(db.session, enrollment.citizen_id)
    assert [a for a in still_open if a.occurrence_id] == []  # only the programme's own form
    assert [p["status"] for _, p in closed] == ["missed"]


def test_two_ticks_never_open_an_occurrence_twice(forms_made):
    enrollment = started(AT_START)
    [occurrence] = occurrences(enrollment)
    assert opening.open_occurrence(db.session, occurrence.id, T0)
    assert not opening.open_occurrence(db.session, occurrence.id, T0)
    assert len(handed_out(occurrence)) == 1


def test_a_battery_starts_with_its_module(forms_made):
    enrollment = started(AT_MODULE)
    assert occurrences(enrollment) == []
    tommy = setup.staff(TOMMY).id
    with caught(events.module_opened) as opened:
        enrollments.activate_module(db.session, enrollment, "m4", tommy, T0 + timedelta(days=2))
    assert [p["module_key"] for _, p in opened] == ["m4"]
    [occurrence] = occurrences(enrollment)
    assert occurrence.opens_at == T0 + timedelta(days=2)
    assert occurrence.schedule.module_key == "m4"


def test_refresh_sends_module_opened_per_opened_module(forms_made):
    version = setup.make_program(setup.units()[0], body())
    with caught(events.module_opened) as opened:
        enrollment = setup.start(version)
        enrollments.refresh(db.session, enrollment, T0 + timedelta(days=20))
        enrollments.refresh(db.session, enrollment, T0 + timedelta(days=21))
    assert [p["module_key"] for _, p in opened] == ["m1", "m3"]
    assert all(p["enrollment_id"] == enrollment.id for _, p in opened)


def test_a_repeat_from_a_module_counts_from_its_opening(forms_made):
    battery = dict(WEEKLY, key="after-m3", module_key="m3", start_days=1)
    enrollment = started(battery)
    assert occurrences(enrollment) == []
    enrollments.refresh(db.session, enrollment, T0 + timedelta(days=15))
    [occurrence] = occurrences(enrollment)
    assert occurrence.planned_local == "2024-03-19T08:00"  # m3 opened 18 March, +1 day


def test_an_ended_enrollment_cancels_what_is_planned_or_open(forms_made):
    enrollment = started(AT_START, WEEKLY)
    batteries.tick(db.session, T0)  # both open, the weekly one's next planned
    with caught(events.occurrence_closed) as closed:
        enrollments.end(db.session, enrollment, "staff", setup.staff(TOMMY).id, T0 + timedelta(1))
    assert {o.status for o in occurrences(enrollment)} == {"cancelled"}
    assert sorted(p["status"] for _, p in closed) == ["cancelled"] * 3
    statuses = db.session.scalars(
        select(BatterySchedule.status).execution_options(populate_existing=True)
    ).all()
    assert set(statuses) == {"stopped"}
    assert batteries.tick(db.session, T0 + timedelta(days=30)) == 0


def test_staff_schedule_stop_reschedule_and_extra(forms_made):
    enrollment = started()
    tommy = setup.staff(TOMMY).id
    now = T0
    schedule = batteries.schedule_battery(
        db.session,
        enrollment,
        form_keys=["mood"],
        start_date=date(2024, 3, 6),
        local_time="19:30",
        every_days=14,
        count=None,
        actor_id=tommy,
        now=now,
    )
    [planned] = occurrences(enrollment)
    assert planned.planned_local == "2024-03-06T19:30" and planned.status == "planned"
    batteries.reschedule(
        db.session,
        schedule,
        start_date=date(2024, 3, 8),
        local_time="07:15",
        every_days=10,
        actor_id=tommy,
        now=now,
    )
    rows = occurrences(enrollment)
    assert [(o.planned_local, o.status) for o in rows] == [
        ("2024-03-06T19:30", "cancelled"),
        ("2024-03-08T07:15", "planned"),
    ]
    assert batteries.stop(db.session, schedule, tommy, now)
    assert not batteries.stop(db.session, schedule, tommy, now)
    assert {o.status for o in occurrences(enrollment)} == {"cancelled"}
    with caught(events.occurrence_opened) as opened:
        extra = batteries.extra_measurement(
            db.session, enrollment, form_keys=["diary", "mood"], actor_id=tommy, now=now
        )
    assert len(opened) == 1
    [occurrence] = [o for o in occurrences(enrollment) if o.schedule_id == extra.id]
    assert occurrence.status == "open"
    assert [a.assigned_by_id for a in handed_out(occurrence)] == [tommy, tommy]


def test_staff_input_is_checked(forms_made):
    enrollment = started()
    tommy = setup.staff(TOMMY).id
    kwargs = {"local_time": "08:00", "every_days": 7, "count": None, "actor_id": tommy, "now": T0}
    with pytest.raises(BatteryError) as error:
        batteries.schedule_battery(
            db.session, enrollment, form_keys=["mood"], start_date=date(2024, 3, 3), **kwargs
        )
    assert error.value.code == "past"
    with pytest.raises(BatteryError) as error:
        batteries.schedule_battery(
            db.session, enrollment, form_keys=["nope"], start_date=date(2024, 3, 5), **kwargs
        )
    assert error.value.code == "unknown_form"
    with pytest.raises(BatteryError):
        batteries.extra_measurement(db.session, enrollment, form_keys=[], actor_id=tommy, now=T0)
    enrollments.end(db.session, enrollment, "staff", tommy, T0)
    with pytest.raises(BatteryError) as error:
        batteries.extra_measurement(
            db.session, enrollment, form_keys=["mood"], actor_id=tommy, now=T0
        )
    assert error.value.code == "ended"


def test_a_start_date_long_ago_skips_to_the_first_that_is_not_over(forms_made):
    enrollment = started()
    schedule = service.create(
        db.session,
        enrollment,
        trigger="repeat",
        form_keys=["mood"],
        now=T0,
        start_date=date(2024, 1, 1),
        every_days=7,
        expire_days=3,
    )
    [occurrence] = occurrences(enrollment)
    assert occurrence.schedule_id == schedule.id
    assert occurrence.planned_local == "2024-03-04T08:00"  # 1 Jan + 9 weeks, open until 7 March


def test_a_tick_takes_at_most_a_batch_and_the_next_one_the_rest(forms_made):
    version = setup.make_program(setup.units()[0], body(AT_START))
    first = setup.start(version)
    second = setup.start(version, who=setup.ELIN)
    assert batteries.tick(db.session, T0, batch=1) == 1
    assert batteries.tick(db.session, T0, batch=1) == 1
    assert batteries.tick(db.session, T0, batch=1) == 0
    assert [o.status for o in occurrences(first) + occurrences(second)] == ["open", "open"]


def test_the_ticks_work_grows_with_what_is_due_not_with_what_exists(forms_made):
    from sqlalchemy import event

    version = setup.make_program(setup.units()[0], body())

    def later_schedule(enrollment, days: int) -> None:
        service.create(
            db.session,
            enrollment,
            trigger="repeat",
            form_keys=["mood"],
            now=T0,
            start_date=date(2024, 3, 4) + timedelta(days=days),
            every_days=7,
        )

    def statements_of_a_tick(at: datetime) -> int:
        seen: list[str] = []

        def count(*args, **kwargs) -> None:
            seen.append("x")

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert batteries.tick(db.session, at) == 1
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    john = setup.start(version)
    later_schedule(john, 0)  # due today
    later_schedule(john, 30)  # not due
    few = statements_of_a_tick(T0)
    elin = setup.start(version, who=setup.ELIN)
    for days in range(40, 60):
        later_schedule(elin, days)  # twenty more that are not due
    later_schedule(elin, 1)  # due tomorrow
    many = statements_of_a_tick(T0 + timedelta(days=1))
    assert many == few
