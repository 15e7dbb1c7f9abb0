"""The follow-up tick makes the same number of SQL statements whatever it has to do: opening 5 or
50 due battery occurrences (forms handed out, next occurrences and reminders planned), expiring 5
or 50, and sending their reminders, on SQLite and, with SOB_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from statement_helpers import counting

from sob_core import batteries, reminders
from sob_core.extensions import db
from sob_core.models import (
    BatteryOccurrence,
    BatterySchedule,
    CareUnit,
    Citizen,
    Enrollment,
    Flag,
    FormAssignment,
    Notification,
    Program,
    ProgramVersion,
    Reminder,
)

NOW = datetime(2026, 3, 26, 9, 0, tzinfo=UTC)  # 10:00 in Sweden, three days before DST
CONTENT = {
    "name": {"sv": "Räknad uppföljning"},
    "recommended_days": 7,
    "modules": [
        {
            "key": "m1",
            "title": "Modul 1",
            "recommended_days": 7,
            "unlock": {"rule": "at_start", "days": None},
            "items": [{"key": "m1-text", "kind": "text", "title": "Text", "body": "<p/>"}],
        }
    ],
    "batteries": [
        {
            "key": "weekly",
            "name": {"sv": "Veckomätning"},
            "form_keys": ["phq-9"],
            "trigger": "repeat",
            "every_days": 7,
            "local_time": "08:00",
            "due_days": 3,
            "expire_days": 6,
        }
    ],
    "reminders": {"rules": [{"key": "standard", "offsets_days": [0, 2, 5], "battery_keys": []}]},
}


@pytest.fixture
def version(demo_data) -> ProgramVersion:
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    program = Program(key="counted-followup", kind="treatment", owner_care_unit_id=unit)
    db.session.add(program)
    db.session.flush()
    made = ProgramVersion(
        program_id=program.id, major=1, minor=0, status="published", content=CONTENT
    )
    db.session.add(made)
    db.session.commit()
    return made


def add_enrollments(version: ProgramVersion, first: int, count: int, status: str) -> None:
    """``count`` enrollments, each with a weekly battery whose occurrence 1 is ``planned`` and due
    now (08:00 local today) or ``open`` since six days and a bit (expired)."""
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    db.session.execute(
        insert(Citizen),
        [
            {
                "personnummer": f"1960{n:08d}",
                "name": f"Räknad {n:05d}",
                "birth_date": date(1960, 1, 1),
                "legal_sex": "female",
                "email": f"counted{n}@example.org",
                "created_at": NOW,
            }
            for n in range(first, first + count)
        ],
    )
    citizens = db.session.scalars(
        select(Citizen.id)
        .where(Citizen.personnummer.in_([f"1960{n:08d}" for n in range(first, first + count)]))
        .order_by(Citizen.id)
    ).all()
    next_enrollment = (db.session.scalar(select(func.max(Enrollment.id))) or 0) + 1
    next_schedule = (db.session.scalar(select(func.max(BatterySchedule.id))) or 0) + 1
    day = NOW.date() - timedelta(days=7 if status == "open" else 0)
    opens = datetime.combine(day, datetime.min.time(), UTC).replace(hour=7)  # 08:00 CET
    enrollments, schedules, occurrences = [], [], []
    for index, citizen_id in enumerate(citizens):
        enrollments.append(
            {
                "id": next_enrollment + index,
                "citizen_id": citizen_id,
                "care_unit_id": unit,
                "status": "active",
                "started_at": opens - timedelta(days=1),
                "last_active_at": NOW,
                "program_version_id": version.id,
            }
        )
        schedules.append(
            {
                "id": next_schedule + index,
                "enrollment_id": next_enrollment + index,
                "battery_key": "weekly",
                "name": {"sv": "Veckomätning"},
                "form_keys": ["phq-9"],
                "trigger": "repeat",
                "start_date": day,
                "every_days": 7,
                "local_time": "08:00",
                "time_zone": "Europe/Stockholm",
                "due_days": 3,
                "expire_days": 6,
                "status": "active",
                "created_at": opens,
            }
        )
        occurrences.append(
            {
                "schedule_id": next_schedule + index,
                "enrollment_id": next_enrollment + index,
                "citizen_id": citizen_id,
                "number": 1,
                "planned_local": f"{day.isoformat()}T08:00",
                "time_zone": "Europe/Stockholm",
                "opens_at": opens,
                "due_at": opens + timedelta(days=3),
                "expires_at": opens + timedelta(days=6),
                "status": status,
                "opened_at": opens if status == "open" else None,
            }
        )
    db.session.execute(insert(Enrollment), enrollments)
    db.session.execute(insert(BatterySchedule), schedules)
    db.session.execute(insert(BatteryOccurrence), occurrences)
    db.session.commit()


#: statements made once per flag raised (``flags.raise_flag``: is the key free, a savepoint around
#: the insert, the audit row): a missed form is a flag of its own, by design
PER_FLAG = (
    "SELECT flag.id FROM flag",
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
    "INSERT INTO flag",
    "INSERT INTO audit_event",
)


def statements_of(work, leave_out: tuple[str, ...] = ()) -> tuple[int, int]:
    """(statements, what the call returned) of one call, less those starting with ``leave_out``;
    then the commit (after which the notices are delivered in-process here, without Redis: the
    workers' job, not the tick's)."""
    with counting() as statements:
        done = work()
    db.session.commit()
    kept = [s for s in statements if not " ".join(s.split()).startswith(leave_out)]
    return len(kept), done


def open_due(now: datetime = NOW) -> tuple[int, int]:
    return statements_of(lambda: batteries.tick(db.session, now))


def count(model, *where) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_opening_due_occurrences_takes_the_same_statements_for_5_and_50(version):
    add_enrollments(version, 0, 5, "planned")
    small, opened = open_due()
    assert opened == 5
    add_enrollments(version, 5, 50, "planned")
    large, opened = open_due()
    assert opened == 50
    assert large == small, (small, large)
    # everything was done: each opened occurrence handed out its form, planned its next one
    # (the same 08:00 a week later) and its three reminders
    assert count(BatteryOccurrence, BatteryOccurrence.status == "open") == 55
    assert count(FormAssignment, FormAssignment.occurrence_id.is_not(None)) == 55
    planned = db.session.scalars(
        select(BatteryOccurrence).where(BatteryOccurrence.status == "planned")
    ).all()
    assert len(planned) == 55
    assert {(o.number, o.planned_local) for o in planned} == {(2, "2026-04-02T08:00")}
    # after the spring change 08:00 is 06:00 UTC
    assert {o.opens_at for o in planned} == {datetime(2026, 4, 2, 6, 0, tzinfo=UTC)}
    assert count(Reminder, Reminder.status == "planned") == 55 * 3
    assert open_due()[1] == 0  # nothing left


def test_expiring_occurrences_takes_the_same_statements_for_5_and_50_but_the_flags(version):
    add_enrollments(version, 0, 5, "open")
    small, expired = statements_of(lambda: batteries.tick(db.session, NOW), PER_FLAG)
    assert expired == 5
    add_enrollments(version, 5, 50, "open")
    large, expired = statements_of(lambda: batteries.tick(db.session, NOW), PER_FLAG)
    assert expired == 50
    assert large == small, (small, large)
    assert count(BatteryOccurrence, BatteryOccurrence.status == "missed") == 55
    # a missed-form flag for each (the default rules)
    assert count(Flag, Flag.kind == "missed_form") == 55


def test_sending_due_reminders_takes_the_same_statements_for_5_and_50(app, version):
    host = app.extensions["sob"]
    settings = dict(app.config)
    # SQLite: the ORM writes new rows one INSERT each when it needs their ids back (PostgreSQL:
    # one INSERT for the batch), so there the outbox rows are left out of the count
    sqlite = db.engine.dialect.name == "sqlite"
    leave_out = ("INSERT INTO notification ",) if sqlite else ()

    def send(now: datetime) -> tuple[int, int]:
        return statements_of(
            lambda: reminders.tick(db.session, now, host.registry.channels, settings), leave_out
        )

    add_enrollments(version, 0, 5, "planned")
    open_due()
    small, sent = send(NOW)
    assert sent == 5  # the reminder on opening
    add_enrollments(version, 5, 50, "planned")
    open_due(NOW + timedelta(minutes=1))
    large, sent = send(NOW + timedelta(minutes=1))
    assert sent == 50
    assert large == small, (small, large)
    assert count(Reminder, Reminder.status == "sent") == 55
    assert count(Notification, Notification.channel == "email") == 55
