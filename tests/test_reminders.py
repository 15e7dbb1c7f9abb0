"""The citizen's reminders: rules in the content, rows planned from ``occurrences_opened``, cancelled
by ``occurrences_closed`` and an ended enrollment, and sent by ``reminders.tick``.

The batteries are another package's: these tests write the occurrence rows themselves and send
the signals as ``sob_core.batteries`` does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import test_enrollments as setup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sob_core import enrollments, events, reminders
from sob_core.content.checks import ContentError
from sob_core.content.reminder_rules import clean_reminder_rules, rules_of
from sob_core.extensions import db
from sob_core.models import (
    BatteryOccurrence,
    BatterySchedule,
    Enrollment,
    Notification,
    Reminder,
)

world = setup.world
STOCKHOLM = ZoneInfo("Europe/Stockholm")
RULES = {
    "rules": [
        {"key": "standard", "offsets_days": [0, 2, 5], "battery_keys": []},
        {"key": "weekly-only", "offsets_days": [1], "battery_keys": ["weekly"]},
    ]
}


def at(text: str) -> datetime:
    """A Stockholm wall time as UTC: ``at("2026-03-27 08:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


def local(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def program(world):
    setup.make_form()
    body = setup.content()
    body["reminders"] = RULES
    return setup.make_program(setup.units()[0], body)


@pytest.fixture
def enrollment(program) -> Enrollment:
    made = setup.start(program, at=at("2026-03-01 09:00"))
    db.session.commit()
    return made


def open_occurrence(
    enrollment: Enrollment,
    opened: datetime,
    *,
    battery_key: str | None = "weekly",
    expire_days: int = 7,
    number: int = 1,
    send: bool = True,
) -> BatteryOccurrence:
    """An open occurrence as the batteries' tick leaves it, and its ``occurrences_opened``."""
    schedule = BatterySchedule(
        enrollment_id=enrollment.id,
        battery_key=battery_key,
        name={"sv": "Veckomätning"},
        form_keys=["diary"],
        trigger="repeat",
        every_days=7,
        local_time=opened.astimezone(STOCKHOLM).strftime("%H:%M"),
        status="active",
    )
    db.session.add(schedule)
    db.session.flush()
    occurrence = BatteryOccurrence(
        schedule_id=schedule.id,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        number=number,
        planned_local=opened.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M"),
        opens_at=opened,
        due_at=opened + timedelta(days=3),
        expires_at=opened + timedelta(days=expire_days),
        status="open",
        opened_at=opened,
    )
    db.session.add(occurrence)
    db.session.flush()
    if send:
        events.occurrences_opened.send(db.session, occurrence_ids=[occurrence.id], at=opened)
    db.session.commit()
    return occurrence


def close(occurrence: BatteryOccurrence, status: str, when: datetime) -> None:
    occurrence.status = status
    occurrence.closed_at = when
    events.occurrences_closed.send(
        db.session, occurrence_ids=[occurrence.id], status=status, at=when
    )
    db.session.commit()


def planned(occurrence: BatteryOccurrence) -> list[Reminder]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.occurrence_id == occurrence.id)
            .order_by(Reminder.rule_key, Reminder.number)
        )
    )


def channels(app):
    return app.extensions["sob"].registry.channels


def tick(app, now: datetime) -> int:
    done = reminders.tick(db.session, now, channels(app), dict(app.config))
    db.session.commit()
    return done


# --- the rules in the content ------------------------------------------------------------------


def test_rules_are_cleaned_and_stored() -> None:
    raw = {"rules": [{"key": "a", "offsets_days": [0, 2, 5], "battery_keys": ["x", "x"]}]}
    assert clean_reminder_rules(raw, [], None, None) == {
        "rules": [{"key": "a", "offsets_days": [0, 2, 5], "battery_keys": ["x"]}]
    }
    assert clean_reminder_rules({"rules": []}, [], None, None) == {}  # no rules: none stored
    assert rules_of({"rules": [{"key": "a", "offsets_days": [1]}]}) == [
        {"key": "a", "offsets_days": [1], "battery_keys": []}
    ]


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({"key": "a", "offsets_days": [0, 1, 2, 3, 4, 5]}, "reminder_too_many"),
        ({"key": "a", "offsets_days": []}, "reminder_no_offsets"),
        ({"key": "a", "offsets_days": [2, 2]}, "reminder_not_ascending"),
        ({"key": "a", "offsets_days": [5, 2]}, "reminder_not_ascending"),
        ({"key": "a", "offsets_days": [-1]}, "reminder_bad_offset"),
        ({"key": "a", "offsets_days": [True]}, "reminder_bad_offset"),
        ({"key": "a", "offsets_days": ["2"]}, "reminder_bad_offset"),
        ({"key": "a", "offsets_days": [366]}, "reminder_bad_offset"),
        ({"key": "A B", "offsets_days": [1]}, "reminder_bad_key"),
        ({"key": "a", "offsets_days": [1], "battery_keys": "weekly"}, "reminder_bad_battery"),
        ("a", "reminder_rule_not_valid"),
    ],
)
def test_a_broken_rule_is_refused_with_its_reason(rule, code) -> None:
    with pytest.raises(ContentError) as raised:
        clean_reminder_rules({"rules": [rule]}, [], None, None)
    assert raised.value.code == code
    assert "Reminder rule 1" in str(raised.value)


def test_two_rules_with_one_key_and_a_list_instead_of_an_object_are_refused() -> None:
    twice = {"rules": [{"key": "a", "offsets_days": [1]}, {"key": "a", "offsets_days": [2]}]}
    with pytest.raises(ContentError) as raised:
        clean_reminder_rules(twice, [], None, None)
    assert raised.value.code == "reminder_key_twice"
    with pytest.raises(ContentError) as raised:
        clean_reminder_rules([{"key": "a", "offsets_days": [1]}], [], None, None)
    assert raised.value.code == "reminders_not_valid"


def test_a_draft_keeps_its_cleaned_rules_and_refuses_six_reminders(app, world) -> None:
    from sob_core import programs

    setup.make_form()
    body = setup.content()
    body["modules"][1]["items"][1]["title"] = {"sv": "Dagbok"}
    body["reminders"] = {"rules": [{"key": "r", "offsets_days": [0, 3]}]}
    draft = programs.create_program(
        db.session, key="p", kind="treatment", owner_care_unit_id=setup.units()[0], content=body
    )
    db.session.commit()
    assert draft.content["reminders"] == {
        "rules": [{"key": "r", "offsets_days": [0, 3], "battery_keys": []}]
    }
    body["reminders"] = {"rules": [{"key": "r", "offsets_days": [0, 1, 2, 3, 4, 5]}]}
    with pytest.raises(programs.ProgramContentError, match="at most 5"):
        programs.update_draft(db.session, draft, body, registry=app.extensions["sob"].registry)


# --- planning ----------------------------------------------------------------------------------


def test_an_opened_occurrence_gets_one_row_per_rule_and_number(enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"))
    rows = planned(occurrence)
    assert [(r.rule_key, r.number, r.last, local(r.due_at)) for r in rows] == [
        ("standard", 1, False, "2026-05-04 08:00"),
        ("standard", 2, False, "2026-05-06 08:00"),
        ("standard", 3, True, "2026-05-09 08:00"),
        ("weekly-only", 1, True, "2026-05-05 08:00"),
    ]
    assert {r.status for r in rows} == {"planned"}
    # The signal again (a retried tick) plans nothing twice: the row is unique.
    events.occurrences_opened.send(
        db.session, occurrence_ids=[occurrence.id], at=occurrence.opened_at
    )
    db.session.commit()
    assert len(planned(occurrence)) == 4


def test_a_rule_for_other_batteries_and_reminders_after_expiry_are_not_planned(enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key="other")
    assert [(r.rule_key, r.number) for r in planned(occurrence)] == [
        ("standard", 1),
        ("standard", 2),
        ("standard", 3),
    ]
    # Expiring after four days: the reminder of day 5 would come too late; day 2 is the last.
    short = open_occurrence(
        enrollment, at("2026-05-04 08:00"), battery_key=None, expire_days=4, number=2
    )
    rows = planned(short)
    assert [(r.rule_key, r.number, r.last) for r in rows] == [
        ("standard", 1, False),
        ("standard", 2, True),
    ]


def test_a_programme_without_rules_reminds_nobody(world) -> None:
    setup.make_form()
    version = setup.make_program(setup.units()[0], setup.content())
    made = setup.start(version, at=at("2026-03-01 09:00"))
    db.session.commit()
    occurrence = open_occurrence(made, at("2026-05-04 08:00"))
    assert planned(occurrence) == []


@pytest.mark.parametrize(
    ("opened", "expected"),
    [
        # spring: the clocks go forward on 29 March 2026; 08:00 stays 08:00 (06:00 UTC after)
        ("2026-03-27 08:00", ["2026-03-27 08:00", "2026-03-29 08:00", "2026-04-01 08:00"]),
        # autumn: back on 25 October 2026
        ("2026-10-23 08:00", ["2026-10-23 08:00", "2026-10-25 08:00", "2026-10-28 08:00"]),
    ],
)
def test_daylight_saving_never_moves_the_local_time(enrollment, opened, expected) -> None:
    occurrence = open_occurrence(enrollment, at(opened), battery_key=None)
    rows = planned(occurrence)
    assert [local(r.due_at) for r in rows] == expected
    offsets = {r.due_at.astimezone(STOCKHOLM).utcoffset() for r in rows}
    assert len(offsets) == 2  # the change came in between, the wall time did not move


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    opened=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=0, max_value=365),
)
def test_a_due_time_keeps_the_wall_time_across_every_change_2026_2030(opened, days) -> None:
    due = reminders.due_moment(opened, days, STOCKHOLM)
    start, end = opened.astimezone(STOCKHOLM), due.astimezone(STOCKHOLM)
    assert end.date() - start.date() == timedelta(days=days)
    wall = start.replace(tzinfo=None) + timedelta(days=days)
    if datetime(*wall.timetuple()[:6], tzinfo=STOCKHOLM).astimezone(UTC).astimezone(
        STOCKHOLM
    ).replace(tzinfo=None) == wall.replace(microsecond=0):
        # a wall time that exists that day is kept to the minute
        assert (end.hour, end.minute) == (start.hour, start.minute)
    else:  # the spring change's lost hour: just after it
        assert end.hour == 3 and start.hour == 2


# --- cancelling ------------------------------------------------------------------------------


def test_a_closed_occurrence_cancels_its_planned_reminders(enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    close(occurrence, "done", at("2026-05-05 12:00"))
    rows = planned(occurrence)
    assert {(r.status, r.reason) for r in rows} == {("cancelled", "done")}
    assert all(r.cancelled_at == at("2026-05-05 12:00") for r in rows)


def test_an_ended_enrollment_cancels_its_reminders(app, enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    enrollments.end(db.session, enrollment, "staff", None, at("2026-05-05 12:00"))
    db.session.commit()
    rows = planned(occurrence)
    # the batteries cancel the occurrence first ("cancelled"); the reminders' own listener
    # covers an occurrence nobody cancelled ("enrollment_ended")
    assert rows and all(r.status == "cancelled" for r in rows)
    assert {r.reason for r in rows} <= {"cancelled", "enrollment_ended"}
    assert tick(app, at("2026-06-01 08:00")) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0


# --- the tick ---------------------------------------------------------------------------------


def test_the_tick_sends_what_is_due_once_and_content_free(app, enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"))
    assert tick(app, at("2026-05-04 07:59")) == 0
    assert tick(app, at("2026-05-04 08:00")) == 1
    rows = planned(occurrence)
    first = rows[0]
    assert (first.status, first.sent_at) == ("sent", at("2026-05-04 08:00"))
    assert [r.status for r in rows[1:]] == ["planned", "planned", "planned"]
    notice = db.session.get(Notification, first.notification_id)
    assert (notice.recipient_kind, notice.recipient_id, notice.kind) == (
        "citizen",
        enrollment.citizen_id,
        "form_due",
    )
    assert notice.link == reminders.CITIZEN_LINK == "/citizen/"
    assert notice.coalesce_key == reminders.coalesce_key(enrollment.citizen_id)
    assert notice.care_unit_id == enrollment.care_unit_id
    # Again the same minute: nothing more; the next ones on their days.
    assert tick(app, at("2026-05-04 08:00")) == 0
    assert tick(app, at("2026-05-06 08:30")) == 2  # day 1 of the weekly rule, day 2 of standard
    assert [r.status for r in planned(occurrence)] == ["sent", "sent", "planned", "sent"]


def test_a_reminder_is_checked_still_open_at_send_time(app, enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    tick(app, at("2026-05-04 08:00"))
    # Submitted without the signal reaching the reminders (another process, say).
    occurrence.status = "done"
    db.session.commit()
    before = db.session.scalar(select(func.count(Notification.id)))
    assert tick(app, at("2026-05-10 08:00")) == 2
    rows = planned(occurrence)
    assert [(r.status, r.reason) for r in rows] == [
        ("sent", None),
        ("cancelled", "closed"),
        ("cancelled", "closed"),
    ]
    assert rows[1].sent_at is None and rows[1].notification_id is None
    assert db.session.scalar(select(func.count(Notification.id))) == before


def test_a_reminder_claimed_by_another_tick_is_not_sent_again(app, enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    first = planned(occurrence)[0]
    # The other tick's conditional UPDATE won; this tick's batch still listed the row.
    moment = at("2026-05-04 08:00")
    assert reminders._claim(db.session, [first.id], status="sent", sent_at=moment) == {first.id}
    assert reminders._claim(db.session, [first.id], status="sent", sent_at=moment) == set()
    db.session.commit()
    assert tick(app, at("2026-05-04 08:01")) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_a_batch_claims_only_what_no_other_tick_took(app, enrollment) -> None:
    """The batch is claimed by one UPDATE … RETURNING: of two due reminders, the one another
    tick claimed in between is left alone, the other is sent, each exactly once."""
    one = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    two = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None, number=2)
    taken, free = planned(one)[0], planned(two)[0]
    moment = at("2026-05-04 08:00")
    both = [taken.id, free.id]
    assert reminders._claim(db.session, [taken.id], status="sent", sent_at=moment) == {taken.id}
    assert reminders._claim(db.session, both, status="sent", sent_at=moment) == {free.id}
    db.session.rollback()
    assert reminders._claim(db.session, [taken.id], status="sent", sent_at=moment) == {taken.id}
    db.session.commit()  # the other tick's claim (it sends its own notice)
    assert tick(app, at("2026-05-04 08:01")) == 1
    db.session.expire_all()
    assert free.status == "sent" and free.notification_id is not None
    assert taken.notification_id is None  # this tick did not send it
    assert tick(app, at("2026-05-04 08:02")) == 0
    inbox = db.session.scalars(select(Notification)).all()
    assert [(n.channel, n.status) for n in inbox] == [("inbox", "sent")]


def test_reminders_of_one_citizen_at_once_are_one_notice(app, enrollment) -> None:
    one = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    two = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None, number=2)
    assert tick(app, at("2026-05-04 08:00")) == 2
    sent = [planned(one)[0], planned(two)[0]]
    assert [r.status for r in sent] == ["sent", "sent"]
    assert db.session.scalar(select(func.count(Notification.id))) == 1  # the inbox, merged
    assert sorted(str(r.reason) for r in sent) == ["None", "merged"]


def test_the_followup_job_runs_the_reminders_tick(app, enrollment, monkeypatch) -> None:
    from sob_core.jobs import tasks

    open_occurrence(enrollment, datetime.now(UTC) - timedelta(minutes=1), battery_key=None)
    assert tasks.followup() >= 1
    assert db.session.scalar(select(func.count(Notification.id))) == 1


def test_a_tick_takes_at_most_a_batch_oldest_first(app, enrollment) -> None:
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    now = at("2026-05-20 08:00")
    assert reminders.send_due(db.session, now, channels(app), {}, limit=2) == 2
    db.session.commit()
    assert [r.status for r in planned(occurrence)] == ["sent", "sent", "planned"]
    assert reminders.send_due(db.session, now, channels(app), {}, limit=2) == 1
    db.session.commit()
    assert [r.status for r in planned(occurrence)] == ["sent", "sent", "sent"]


def test_the_batch_size_comes_from_the_settings(app, enrollment) -> None:
    assert reminders.batch_size({}) == reminders.BATCH == 500
    assert reminders.batch_size({"SOB_REMINDER_BATCH": "2"}) == 2
    assert reminders.batch_size({"SOB_REMINDER_BATCH": "many"}) == 500
    assert reminders.batch_size({"SOB_REMINDER_BATCH": 0}) == 500
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    done = reminders.tick(
        db.session, at("2026-05-20 08:00"), channels(app), {"SOB_REMINDER_BATCH": 1}
    )
    db.session.commit()
    assert done == 1
    assert [r.status for r in planned(occurrence)] == ["sent", "planned", "planned"]


def test_a_reminder_minutes_after_another_merges_into_its_notice(app, enrollment) -> None:
    """The batch's lookups (``policy.prefetch_citizens``) find the notice an earlier tick wrote."""
    one = open_occurrence(enrollment, at("2026-05-04 08:00"), battery_key=None)
    assert tick(app, at("2026-05-04 08:00")) == 1
    two = open_occurrence(enrollment, at("2026-05-04 08:05"), battery_key=None, number=2)
    assert tick(app, at("2026-05-04 08:05")) == 1
    sent = [planned(one)[0], planned(two)[0]]
    assert [(r.status, r.reason) for r in sent] == [("sent", None), ("sent", "merged")]
    [notice] = db.session.scalars(select(Notification)).all()
    assert notice.extra == {"merged": 1}
    # Past the coalescing window the next reminder is a notice of its own again.
    three = open_occurrence(enrollment, at("2026-05-04 09:00"), battery_key=None, number=3)
    assert tick(app, at("2026-05-04 09:00")) == 1
    assert planned(three)[0].reason is None
    assert db.session.scalar(select(func.count(Notification.id))) == 2
