"""The patient page's (and every request's) statements are built once and reused: the enrollment,
the citizen, the care unit, the ids and the times are bound at execution, so a reused statement
never shows one enrollment's, citizen's or unit's rows for another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from flask import session as flask_session
from sqlalchemy import select
from test_overview import answer, other_enrollment
from test_therapist import (
    ELIN,
    JOHAN,
    JOHN,
    TOMMY,
    _staff,
    _units,
    forget_demo_enrollments,
    make_program,
    start,
)

from sob_core.batteries import actions as battery_actions
from sob_core.enrollments import progress, staff_views
from sob_core.enrollments.clock import local_date
from sob_core.extensions import db
from sob_core.flags import queries as flag_queries
from sob_core.identity import sessions
from sob_core.models import (
    BatteryOccurrence,
    BatterySchedule,
    Citizen,
    Enrollment,
    Flag,
    Form,
    FormVersion,
    ItemProgress,
    Result,
    StaffReminder,
    UserSession,
)
from sob_core.reminders import staff as staff_reminders
from sob_core.results import series
from sob_core.web import staff as staff_web
from sob_core.web.staff import overview


@pytest.fixture
def program(demo_data):
    forget_demo_enrollments()
    return make_program()


def test_overview_statements_serve_each_enrollment_its_own_rows(program):
    john = start(JOHN, TOMMY, program)
    johns = [answer(john, days_ago=2).id, answer(john, days_ago=1).id]
    again = other_enrollment(JOHN, TOMMY, 0, "andra")  # the same citizen and unit
    agains = [answer(again).id]
    elin = start(ELIN, TOMMY, program)
    elins = [answer(elin).id]
    there = other_enrollment(JOHN, JOHAN, 1, "annanstans")  # another unit's
    overview._unread_forms_statement.cache_clear()
    overview._linked_statement.cache_clear()
    unit, other_unit = _units()[:2]
    for enrollment, at, expected in (
        (john, unit, johns[::-1]),
        (elin, unit, elins),
        (again, unit, agains),
        (there, other_unit, []),
    ):
        unread = overview.unread_forms(db.session, enrollment, at)
        assert [row.response_id for row in unread.rows] == expected
        assert unread.count == len(expected)
    assert len(overview.unread_forms(db.session, john, unit, limit=1).rows) == 1
    assert [row.id for row in overview.linked_enrollments(db.session, john, unit)] == [again.id]
    assert [row.id for row in overview.linked_enrollments(db.session, again, unit)] == [john.id]
    assert overview.linked_enrollments(db.session, elin, unit) == []
    assert overview.linked_enrollments(db.session, there, other_unit) == []
    assert overview._unread_forms_statement.cache_info().currsize == 1
    assert overview._linked_statement.cache_info().currsize == 1


def test_assigned_forms_and_load_state_serve_each_enrollment_its_own_rows(program):
    john = start(JOHN, TOMMY, program)
    elin = start(ELIN, TOMMY, program)
    johns = {answer(john).assignment_id, answer(john, status="draft").assignment_id}
    elins = {answer(elin).assignment_id}
    db.session.add_all(
        [
            ItemProgress(enrollment_id=john.id, item_key="j1", first_opened_at=datetime.now(UTC)),
            ItemProgress(enrollment_id=elin.id, item_key="e1", hidden=True),
        ]
    )
    db.session.commit()
    unit = _units()[0]
    for enrollment, assignments in ((john, johns), (elin, elins), (john, johns)):
        found = staff_views.assigned_forms(db.session, enrollment, unit)
        assert {a.id for a in found.assignments} == assignments
        assert set(found.responses) <= assignments and len(found.responses) == 1
    _, johns_progress, johns_hidden, _ = progress.load_state(db.session, john)
    _, elins_progress, elins_hidden, _ = progress.load_state(db.session, elin)
    assert set(johns_progress) == {"j1"} and johns_progress["j1"].opened and not johns_hidden
    assert set(elins_progress) == {"e1"} and elins_hidden == {"e1"}


def _flag(enrollment: Enrollment, status: str, **values) -> int:
    flag = Flag(
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        care_unit_id=enrollment.care_unit_id,
        rule_key="r",
        kind="score",
        status=status,
        closed_at=datetime.now(UTC) if status == "closed" else None,
        **values,
    )
    db.session.add(flag)
    db.session.commit()
    return flag.id


def test_enrollment_flags_serve_each_enrollment_its_own(program):
    john = start(JOHN, TOMMY, program)
    elin = start(ELIN, TOMMY, program)
    johns = [_flag(john, "new", severity=3), _flag(john, "new", severity=1), _flag(john, "closed")]
    elins = [_flag(elin, "closed")]
    flag_queries._enrollment_flags_statements.cache_clear()
    for enrollment, expected in ((john, johns), (elin, elins), (john, johns)):
        assert [f.id for f in flag_queries.enrollment_flags(db.session, enrollment.id)] == expected
    assert flag_queries._enrollment_flags_statements.cache_info().currsize == 1


def test_series_keys_serve_each_reader_its_own(app, demo_data):
    """Every demo citizen, read by herself and by staff of each unit: the keys a plain query
    finds (staff: only results of responses given within her enrollments at that unit)."""
    units = _units()
    series._series_keys_statement.cache_clear()
    seen = set()
    for citizen_id in db.session.scalars(select(Citizen.id).order_by(Citizen.id)):
        own = db.session.scalars(
            select(Result.key).where(Result.citizen_id == citizen_id, Result.citizen_visible)
        ).all()
        assert dict(series.series_keys(db.session, citizen_id, True)) == _counted(own)
        for unit in units:
            given = staff_views.given_at_unit(citizen_id, unit)
            keys = db.session.scalars(
                select(Result.key).where(
                    Result.citizen_id == citizen_id, Result.response_id.in_(given)
                )
            ).all()
            found = dict(series.series_keys(db.session, citizen_id, False, unit))
            assert found == _counted(keys)
            seen.add(tuple(sorted(found.items())))
    assert len(seen) > 2  # the readers' keys differ: a wrong binding would show
    assert series._series_keys_statement.cache_info().currsize == 2
    with pytest.raises(ValueError):
        series.series_keys(db.session, 1, False)
    with pytest.raises(ValueError):
        series.series_keys(db.session, 1, True, units[0])


def _counted(keys: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_assignable_forms_are_the_active_units_own_and_the_shared(app, program):
    shared = set(db.session.scalars(select(Form.id).where(Form.care_unit_id.is_(None))))
    template = db.session.scalar(select(FormVersion).order_by(FormVersion.id))
    own = {}
    for index, unit in enumerate(_units()[:2]):
        form = Form(key=f"own-{index}", care_unit_id=unit)
        db.session.add(form)
        db.session.flush()
        db.session.add(
            FormVersion(
                form_id=form.id,
                version=1,
                title={"sv": f"Egen {index}"},
                definition=template.definition,
                scale_id=template.scale_id,
            )
        )
        own[unit] = form.id
    db.session.commit()
    registry = app.extensions["sob"].registry
    usable = {
        form_id
        for form_id, scale_id in db.session.execute(
            select(FormVersion.form_id, FormVersion.scale_id)
        )
        if not scale_id or scale_id in registry.scales
    }
    for unit, form_id in own.items():
        with app.test_request_context("/staff/"):
            flask_session["care_unit_id"] = unit
            g.pop("sob_assignable_forms", None)
            ids = {row[0] for row in staff_web.assignable_form_rows(registry)}
            assert ids == (shared | {form_id}) & usable and form_id in ids


def test_a_session_token_loads_its_own_row(app):
    now = datetime.now(UTC)
    lifetimes = sessions.Lifetimes(timedelta(hours=1), timedelta(hours=1), timedelta(hours=8))
    first = sessions.create(db.session, "first", None, now, lifetimes)
    second = sessions.create(db.session, "second", None, now, lifetimes)
    db.session.commit()
    sessions._load_statement.cache_clear()
    for token, data in ((first, "first"), (second, "second"), (first, "first")):
        row = sessions.load(db.session, token, now)
        assert isinstance(row, UserSession) and row.data == data
    assert sessions.load(db.session, "unknown", now) is None
    assert sessions.load(db.session, first, now + timedelta(hours=2)) is None
    assert sessions._load_statement.cache_info().currsize == 1


def test_reminders_and_batteries_serve_each_enrollment_its_own(program):
    john = start(JOHN, TOMMY, program)
    elin = start(ELIN, TOMMY, program)
    tommy = _staff(TOMMY)
    now = datetime.now(UTC)
    rows = {}
    for enrollment, raised_days_ago in ((john, 1), (elin, 40)):
        planned = StaffReminder(
            enrollment_id=enrollment.id,
            created_by_id=tommy.id,
            on_date=local_date(datetime.now(UTC)),
            note="p",
        )
        raised = StaffReminder(
            enrollment_id=enrollment.id,
            created_by_id=tommy.id,
            on_date=local_date(datetime.now(UTC)) - timedelta(days=raised_days_ago),
            note="r",
            status="raised",
            raised_at=now - timedelta(days=raised_days_ago),
        )
        db.session.add_all([planned, raised])
        db.session.flush()
        rows[enrollment.id] = [planned.id, raised.id]
    db.session.commit()
    staff_reminders._of_enrollment_statements.cache_clear()
    johns = staff_reminders.of_enrollment(db.session, john.id, now)
    elins = staff_reminders.of_enrollment(db.session, elin.id, now)
    # John's was raised yesterday (shown); Elin's a month ago (no longer shown)
    assert {row.reminder.id for row in johns} == set(rows[john.id])
    assert {row.reminder.id for row in elins} == {rows[elin.id][0]}
    assert {row.created_by for row in johns} == {tommy.name}
    assert staff_reminders._of_enrollment_statements.cache_info().currsize == 1

    schedules = {}
    for enrollment in (john, elin):
        schedule = BatterySchedule(enrollment_id=enrollment.id, trigger="date", form_keys=[])
        db.session.add(schedule)
        db.session.flush()
        db.session.add(
            BatteryOccurrence(
                schedule_id=schedule.id,
                enrollment_id=enrollment.id,
                citizen_id=enrollment.citizen_id,
                number=1,
                planned_local="2030-01-01T08:00",
                opens_at=now,
                due_at=now,
                expires_at=now,
            )
        )
        schedules[enrollment.id] = schedule.id
    db.session.commit()
    battery_actions._running_statements.cache_clear()
    for enrollment in (john, elin, john):
        found = battery_actions.running(db.session, enrollment)
        assert [schedule.id for schedule, _ in found] == [schedules[enrollment.id]]
        assert [o.enrollment_id for o in found[0][1]] == [enrollment.id]
    assert battery_actions._running_statements.cache_info().currsize == 1
