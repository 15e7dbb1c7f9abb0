"""Flags as cases: raised once per condition, cleared, triaged, audit-logged; the listeners on the
internal events (sent here by hand) and the tick for inactivity and unanswered messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flag_helpers import ANNA, JOHAN, TOMMY, enroll, program_version, scored, staff
from sqlalchemy import select

from sob_core import events, flags
from sob_core.extensions import db
from sob_core.flags.queries import unit_open_flags
from sob_core.models import (
    ActivityPlan,
    ActivityRegistration,
    ActivityValue,
    AuditEvent,
    BatteryOccurrence,
    BatterySchedule,
    Conversation,
    Flag,
    Message,
    StaffReminder,
)

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _flags(enrollment) -> list[Flag]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Flag).where(Flag.enrollment_id == enrollment.id).order_by(Flag.id)
        )
    )


def _raise(enrollment, key="k1", kind="threshold", severity=2):
    return flags.raise_flag(
        db.session,
        enrollment=enrollment,
        rule_key="r",
        kind=kind,
        severity=severity,
        reason={"rule": "r", "value": 1},
        active_key=key,
        now=NOW,
    )


# --- raise, clear ---------------------------------------------------------------------------------


def test_a_condition_raises_one_flag_until_it_clears(demo_data):
    enrollment = enroll(program_version(None))
    sent = []

    def seen(sender, **kw):
        sent.append(kw)

    events.flag_raised.connect(seen)
    try:
        first = _raise(enrollment)
        assert first is not None and first.status == "new" and first.active_key == "k1"
        assert _raise(enrollment) is None  # the condition still holds: no second flag
        assert flags.clear(db.session, "k1", NOW) is True
        again = _raise(enrollment)
        assert again is not None and again.id != first.id
    finally:
        events.flag_raised.disconnect(seen)
    db.session.commit()
    assert [kw["flag_id"] for kw in sent] == [first.id, again.id]
    assert sent[0]["care_unit_id"] == enrollment.care_unit_id
    old = db.session.get(Flag, first.id)
    assert old.active_key is None and old.cleared_at is not None and old.status == "new"
    assert flags.clear(db.session, "nothing-holds-this", NOW) is False
    created = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.what == "flag", AuditEvent.action == "create")
    ).all()
    assert sorted(d["flag"] for d in created if d["flag"] in (first.id, again.id)) == [
        first.id,
        again.id,
    ]


# --- triage ---------------------------------------------------------------------------------------


def test_triage_new_acknowledged_resolved_with_audit(demo_data):
    enrollment = enroll(program_version(None))
    flag = _raise(enrollment)
    tommy, anna = staff(TOMMY), staff(ANNA)
    flags.acknowledge(db.session, flag, tommy.id, NOW)
    assert (flag.status, flag.acknowledged_by_id) == ("acknowledged", tommy.id)
    with pytest.raises(flags.TriageError) as error:
        flags.acknowledge(db.session, flag, tommy.id, NOW)
    assert error.value.code == "not_new"
    flags.assign(db.session, flag, anna.id, tommy.id, NOW)
    assert flag.assigned_to_id == anna.id
    with pytest.raises(flags.TriageError) as error:  # another unit's therapist
        flags.assign(db.session, flag, staff(JOHAN).id, tommy.id, NOW)
    assert error.value.code == "not_colleague"
    with pytest.raises(flags.TriageError) as error:
        flags.resolve(db.session, flag, "   ", anna.id, NOW)
    assert error.value.code == "note_required"
    flags.resolve(db.session, flag, "Ringt upp, mår bättre.", anna.id, NOW)
    assert (flag.status, flag.closed_by_id, flag.close_note) == (
        "resolved",
        anna.id,
        "Ringt upp, mår bättre.",
    )
    with pytest.raises(flags.TriageError):
        flags.dismiss(db.session, flag, "again", anna.id, NOW)
    db.session.commit()
    steps = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.what == "flag", AuditEvent.action == "change")
    ).all()
    assert [d["step"] for d in steps] == ["acknowledge", "assign", "resolve"]
    # a resolved flag holds its key: the same condition does not fire again until it clears
    assert _raise(enrollment) is None


def test_dismissing_a_new_flag_counts_as_looking_at_it(demo_data):
    enrollment = enroll(program_version(None))
    flag = _raise(enrollment)
    flags.dismiss(db.session, flag, "Felaktigt ifyllt", staff(TOMMY).id, NOW)
    assert flag.status == "dismissed" and flag.acknowledged_by_id == staff(TOMMY).id


def test_the_units_open_flags_most_serious_and_newest_first(demo_data):
    enrollment = enroll(program_version(None))
    low = _raise(enrollment, "a", severity=1)
    high_old = _raise(enrollment, "b", kind="inactivity", severity=3)
    high_old.raised_at = NOW - timedelta(days=2)
    high_new = _raise(enrollment, "c", severity=3)
    closed = _raise(enrollment, "d", severity=3)
    flags.resolve(db.session, closed, "klart", staff(TOMMY).id, NOW)
    db.session.commit()
    rows = [r.flag.id for r in unit_open_flags(db.session, enrollment.care_unit_id)]
    mine = [r for r in rows if r in {low.id, high_old.id, high_new.id, closed.id}]
    assert mine == [high_new.id, high_old.id, low.id]
    only = unit_open_flags(db.session, enrollment.care_unit_id, kind="inactivity")
    assert [r.flag.id for r in only] == [high_old.id]
    flags.assign(db.session, low, staff(TOMMY).id, staff(TOMMY).id, NOW)
    db.session.commit()
    assigned = unit_open_flags(db.session, enrollment.care_unit_id, assigned_to=staff(TOMMY).id)
    assert [r.flag.id for r in assigned] == [low.id]
    assert unit_open_flags(db.session, enrollment.care_unit_id + 1000) == []


# --- results --------------------------------------------------------------------------------------


RESULT_RULES = [
    {
        "key": "severe",
        "kind": "band",
        "severity": 3,
        "result_key": "phq-9.total",
        "bands": ["severe", "moderately-severe"],
    },
    {"key": "high", "kind": "threshold", "result_key": "phq-9", "above": 20},
    {"key": "worse", "kind": "change", "result_key": "phq-9.total", "amount": 5, "direction": "up"},
]


def test_band_threshold_and_change_rules_raise_and_clear(demo_data):
    enrollment = enroll(program_version(RESULT_RULES))
    start = NOW - timedelta(days=20)
    scored(enrollment, value=8, band="mild", at=start)
    assert _flags(enrollment) == []
    scored(enrollment, value=21, band="severe", at=start + timedelta(days=7))
    raised = {f.rule_key: f for f in _flags(enrollment)}
    assert set(raised) == {"severe", "high", "worse"}
    assert raised["severe"].severity == 3 and raised["high"].severity == 2
    assert raised["severe"].reason["band"] == "severe"
    assert raised["high"].reason["value"] == 21 and raised["high"].reason["above"] == 20
    assert raised["worse"].reason["change"] == 13 and raised["worse"].reason["first_value"] == 8
    assert all(f.response_id and f.result_id for f in raised.values())
    # still severe a week later: no new flags
    scored(enrollment, value=22, band="severe", at=start + timedelta(days=14))
    assert len(_flags(enrollment)) == 3
    # better: every condition clears; the flags stay as cases
    scored(enrollment, value=10, band="moderate", at=start + timedelta(days=21))
    after = _flags(enrollment)
    assert len(after) == 3 and all(f.active_key is None for f in after)
    # and worse again: they fire again
    scored(enrollment, value=23, band="severe", at=start + timedelta(days=28))
    assert len(_flags(enrollment)) == 6


def test_an_older_response_scored_again_does_not_decide(demo_data):
    enrollment = enroll(program_version(RESULT_RULES[:1]))
    scored(enrollment, value=21, band="severe", at=NOW)
    scored(enrollment, value=3, band="none-minimal", at=NOW - timedelta(days=7))  # older
    (flag,) = _flags(enrollment)
    assert flag.active_key is not None


def test_critical_items_by_default_one_flag_per_slug(demo_data):
    enrollment = enroll(program_version(None))  # no rules: the defaults
    scored(enrollment, flags=["item-9-positive"], answers={"9": {"value": "2"}})
    (flag,) = _flags(enrollment)
    assert (flag.kind, flag.severity, flag.rule_key) == ("critical_item", 3, "critical-items")
    assert flag.reason["scale"] == "phq-9" and flag.reason["slug"] == "item-9-positive"
    scored(enrollment, flags=["item-9-positive"])
    assert len(_flags(enrollment)) == 1
    scored(enrollment, flags=[])
    assert _flags(enrollment)[0].active_key is None
    scored(enrollment, flags=["item-9-positive"])
    assert len(_flags(enrollment)) == 2


def test_a_programme_with_rules_but_no_critical_rule_raises_none(demo_data):
    enrollment = enroll(program_version(RESULT_RULES[1:2]))
    scored(enrollment, value=3, band="none-minimal", flags=["item-9-positive"])
    assert _flags(enrollment) == []


def test_an_ended_enrollment_is_not_flagged(demo_data):
    enrollment = enroll(program_version(None))
    enrollment.status = "ended"
    db.session.commit()
    scored(enrollment, flags=["item-9-positive"])
    assert _flags(enrollment) == []


# --- missed forms, activity values, staff reminders ----------------------------------------------


def _occurrence(enrollment, battery_key="weekly") -> BatteryOccurrence:
    schedule = BatterySchedule(
        enrollment_id=enrollment.id,
        battery_key=battery_key,
        name={"sv": "Veckomätning", "en": "Weekly"},
        form_keys=["phq-9"],
        trigger="repeat",
        every_days=7,
    )
    db.session.add(schedule)
    db.session.flush()
    occurrence = BatteryOccurrence(
        schedule_id=schedule.id,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        number=1,
        planned_local="2026-11-20T08:00",
        opens_at=NOW - timedelta(days=12),
        due_at=NOW - timedelta(days=9),
        expires_at=NOW - timedelta(days=5),
        status="missed",
    )
    db.session.add(occurrence)
    db.session.flush()
    return occurrence


def _closed(occurrence, status="missed"):
    events.occurrences_closed.send(
        db.session, occurrence_ids=[occurrence.id], status=status, at=NOW
    )
    db.session.commit()


def test_a_missed_occurrence_raises_a_flag_once(demo_data):
    enrollment = enroll(program_version(None))
    done = _occurrence(enrollment)
    _closed(done, "done")
    assert _flags(enrollment) == []
    _closed(done)
    _closed(done)  # told twice: still one flag
    (flag,) = _flags(enrollment)
    assert (flag.kind, flag.occurrence_id) == ("missed_form", done.id)
    assert flag.reason["battery"]["sv"] == "Veckomätning"
    assert flag.reason["planned_local"] == "2026-11-20T08:00"


def test_missed_form_rules_may_name_their_batteries(demo_data):
    enrollment = enroll(
        program_version([{"key": "m", "kind": "missed_form", "battery_keys": ["start"]}])
    )
    _closed(_occurrence(enrollment, "weekly"))
    assert _flags(enrollment) == []
    _closed(_occurrence(enrollment, "start"))
    assert [f.kind for f in _flags(enrollment)] == ["missed_form"]


def _value(enrollment, registration, value, key):
    row = ActivityValue(
        registration_id=registration.id,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        on_date=date(2026, 12, 1),
        value=value,
        submission_key=key,
    )
    db.session.add(row)
    db.session.flush()
    events.activity_value_recorded.send(
        db.session,
        value_id=row.id,
        registration_id=registration.id,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
    )
    db.session.commit()


def test_an_activity_value_outside_its_target_raises_a_flag(demo_data):
    enrollment = enroll(program_version(None))
    plan = ActivityPlan(enrollment_id=enrollment.id)
    db.session.add(plan)
    db.session.flush()
    walks = ActivityRegistration(
        plan_id=plan.id,
        heading="Promenad",
        unit="km",
        target_min=2,
        target_max=10,
        flag_outside=True,
    )
    quiet = ActivityRegistration(
        plan_id=plan.id, heading="Vikt", unit="kg", target_max=80, flag_outside=False
    )
    db.session.add_all([walks, quiet])
    db.session.flush()
    _value(enrollment, walks, 5, "a1")
    _value(enrollment, quiet, 95, "a2")  # the therapist asked for no flag
    assert _flags(enrollment) == []
    _value(enrollment, walks, 1.5, "a3")
    _value(enrollment, walks, 0.5, "a4")
    (flag,) = _flags(enrollment)
    assert flag.kind == "activity_value" and flag.reason["heading"] == "Promenad"
    assert flag.reason["value"] == 1.5 and flag.reason["target_min"] == 2
    _value(enrollment, walks, 4, "a5")
    assert _flags(enrollment)[0].active_key is None


def test_a_due_staff_reminder_raises_a_flag_assigned_to_its_writer(demo_data):
    enrollment = enroll(program_version([{"key": "x", "kind": "inactivity", "days": 9}]))
    reminder = StaffReminder(
        enrollment_id=enrollment.id,
        created_by_id=staff(ANNA).id,
        on_date=date(2026, 12, 2),
        note="Ring upp efter semestern",
        status="raised",
    )
    db.session.add(reminder)
    db.session.flush()
    for _ in range(2):
        events.staff_reminder_due.send(
            db.session, staff_reminder_id=reminder.id, enrollment_id=enrollment.id, at=NOW
        )
    db.session.commit()
    (flag,) = _flags(enrollment)  # always on, whatever the programme's rules
    assert (flag.kind, flag.staff_reminder_id, flag.assigned_to_id) == (
        "staff_reminder",
        reminder.id,
        staff(ANNA).id,
    )
    assert flag.reason["note"] == "Ring upp efter semestern"


# --- the tick ---------------------------------------------------------------------------------


def test_the_tick_flags_inactivity_and_clears_it_when_the_citizen_is_back(demo_data):
    version = program_version([{"key": "quiet", "kind": "inactivity", "days": 14}])
    enrollment = enroll(version, started=NOW - timedelta(days=30))
    enrollment.last_active_at = NOW - timedelta(days=10)
    db.session.commit()
    assert flags.tick(db.session, NOW, {}) == 0
    later = NOW + timedelta(days=5)
    assert flags.tick(db.session, later, {}) == 1
    assert flags.tick(db.session, later, {}) == 0  # once
    (flag,) = _flags(enrollment)
    assert flag.kind == "inactivity" and flag.reason["days"] == 14
    enrollment = db.session.merge(enrollment)
    enrollment.last_active_at = later + timedelta(hours=1)
    db.session.commit()
    flags.tick(db.session, later + timedelta(hours=2), {})
    assert _flags(enrollment)[0].active_key is None


def _message(conversation, author_kind, at, key):
    db.session.add(
        Message(
            conversation_id=conversation.id,
            author_kind=author_kind,
            author_id=1,
            body="…",
            sent_at=at,
            idempotency_key=key,
        )
    )
    db.session.flush()


def test_the_tick_flags_an_unanswered_message_until_staff_answer(demo_data):
    version = program_version([{"key": "waiting", "kind": "unanswered_message", "days": 3}])
    enrollment = enroll(version, started=NOW - timedelta(days=30))
    conversation = Conversation(
        enrollment_id=enrollment.id, subject="Fråga", created_by_kind="citizen", created_by_id=1
    )
    db.session.add(conversation)
    db.session.flush()
    _message(conversation, "citizen", NOW - timedelta(days=10), "m1")
    _message(conversation, "staff", NOW - timedelta(days=9), "m2")  # answered
    _message(conversation, "citizen", NOW - timedelta(days=2), "m3")
    db.session.commit()
    assert flags.tick(db.session, NOW, {}) == 0  # two days: not yet
    assert flags.tick(db.session, NOW + timedelta(days=2), {}) == 1
    (flag,) = _flags(enrollment)
    first_unanswered = db.session.scalar(select(Message).where(Message.idempotency_key == "m3"))
    assert flag.kind == "unanswered_message" and flag.message_id == first_unanswered.id
    _message(conversation, "staff", NOW + timedelta(days=2, hours=1), "m4")
    db.session.commit()
    assert flags.tick(db.session, NOW + timedelta(days=3), {}) == 0
    assert _flags(enrollment)[0].active_key is None


# --- the content rules ----------------------------------------------------------------------


def test_flag_rules_are_cleaned(app):
    from sob_core.content.checks import ContentError
    from sob_core.content.flag_rules import clean_flag_rules

    registry = app.extensions["sob"].registry
    good = clean_flag_rules(RESULT_RULES, [], None, registry)
    assert [r["key"] for r in good] == ["severe", "high", "worse"]
    assert good[1]["severity"] == 2  # the default
    bad = [
        ([{"key": "A", "kind": "band"}], "flag_rule_key"),
        ([{"key": "a", "kind": "nope"}], "flag_rule_kind"),
        ([{"key": "a", "kind": "threshold", "result_key": "phq-9"}], "flag_rule_threshold"),
        (
            [{"key": "a", "kind": "band", "result_key": "phq-9.total", "bands": ["x"]}],
            "flag_rule_unknown_band",
        ),
        (
            [{"key": "a", "kind": "band", "result_key": "phq-9.nope", "bands": ["mild"]}],
            "flag_rule_result_key",
        ),
        ([{"key": "a", "kind": "inactivity", "days": 0}], "flag_rule_days"),
        ([{"key": "a", "kind": "critical_item", "scale": "nope"}], "flag_rule_scale"),
        ([{"key": "a", "kind": "change", "result_key": "phq-9", "amount": -1}], "flag_rule_number"),
        ([{"key": "a", "kind": "inactivity", "days": 3, "severity": 4}], "flag_rule_severity"),
        ([{"key": "a", "kind": "inactivity", "days": 3}] * 2, "flag_rule_duplicate"),
        ({"key": "a"}, "followup_not_valid"),
    ]
    for rules, code in bad:
        with pytest.raises(ContentError) as error:
            clean_flag_rules(rules, [], None, registry)
        assert error.value.code == code, rules
