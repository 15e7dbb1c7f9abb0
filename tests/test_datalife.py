"""The data's life: retention, notices, legal holds, dry run and purge of ended enrollments.

Each domain package purges its own tables (``<pkg>/purging.py``); ``datalife.PURGERS`` runs
them in foreign-key order. The scan after a purge looks at every table and every foreign key.
On SQLite the foreign keys are switched on for these tests (PostgreSQL always enforces them).
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
from datetime import UTC, datetime, timedelta

import pytest
from datalife_helpers import (
    EXEMPT,
    NOW,
    citizen_tables,
    end_enrollment,
    fill,
    owned_rows,
    references_to,
)
from sqlalchemy import event, func, select, text

import sob_core
from sob_core import datalife, media
from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    Citizen,
    Enrollment,
    FormAssignment,
    FormResponse,
    MediaFile,
    NoticePreference,
    Notification,
    Program,
    ProgramVersion,
    PurgeNotice,
    PurgeRecord,
    Staff,
)

SECRET = "test-secret-key-not-for-production"
SETTINGS = {"SOB_PURGE_NOTICE_DAYS": 14, "SOB_NOTICE_TIMEZONE": "Europe/Stockholm"}


@pytest.fixture
def fk_app(app):
    """The app with SQLite's foreign keys enforced (as PostgreSQL does)."""
    if db.engine.dialect.name == "sqlite":

        def on(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        db.session.remove()
        db.engine.dispose()
        event.listen(db.engine, "connect", on)
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        yield app
        db.session.remove()
        event.remove(db.engine, "connect", on)
        db.engine.dispose()
    else:
        yield app


def _another(enrollment: Enrollment) -> Enrollment:
    """The demo's next enrollment after ``enrollment`` (by id: ids follow the sequences on
    PostgreSQL, so an earlier test in the process decides where they start)."""
    found = db.session.scalars(
        select(Enrollment).where(Enrollment.id > enrollment.id).order_by(Enrollment.id)
    ).first()
    assert found is not None
    return found


@pytest.fixture
def ended(fk_app, demo_data) -> Enrollment:
    """Demo enrollment 1 (John Doe, with responses and results), ended 60 days ago, every
    enrollment table filled; its programme keeps data 30 days."""
    for other in db.session.scalars(select(Enrollment).where(Enrollment.status == "ended")):
        other.ended_at = NOW - timedelta(days=1)  # the demo's ended ones: not due for a month
    # the demo's first (id 1 only where ids start afresh: on PostgreSQL an earlier test may
    # have used it)
    enrollment = db.session.scalars(select(Enrollment).order_by(Enrollment.id)).first()
    fill(enrollment)
    end_enrollment(enrollment, days_ago=60)
    db.session.commit()
    return enrollment


@pytest.fixture
def full(ended) -> Enrollment:
    """``ended`` with its purge notice too: a row in every purged table but media's."""
    db.session.add(PurgeNotice(enrollment_id=ended.id, due_at=NOW, purge_after=NOW))
    db.session.commit()
    return ended


def _purge(enrollment_id: int) -> datalife.PurgeOutcome:
    return datalife.purge(
        db.session,
        enrollment_id,
        secret=SECRET,
        rule="retention:30",
        actor_kind="system",
        actor_id=None,
        now=NOW,
    )


# --- coverage ------------------------------------------------------------------------------------


def test_every_table_holding_citizen_data_is_purged_by_some_package():
    reached = datalife.purged_tables()
    missing = citizen_tables() - reached - set(EXEMPT)
    assert missing == set(), (
        f"tables with citizen data no package's PURGED_TABLES reaches: {missing}"
    )
    assert set(EXEMPT) <= citizen_tables() | {"purge_record"}  # no stale exemption


def test_every_purging_module_is_run():
    found = {
        f"sob_core.{info.name}.purging"
        for info in pkgutil.iter_modules(sob_core.__path__)
        if info.ispkg and importlib.util.find_spec(f"sob_core.{info.name}.purging") is not None
    }
    assert found == {module.__name__ for module in datalife.PURGERS}


def test_every_purged_table_has_a_row_in_the_test_enrollment(full):
    """The fixture fills every purged table, so the scan below tests every purge."""
    tables = {name for name, _id in owned_rows(full.id)}
    assert (
        datalife.purged_tables() - tables - {"media_file", "notification", "notification_attempt"}
        == set()
    )


# --- the purge -----------------------------------------------------------------------------------


def test_after_a_purge_no_row_anywhere_references_the_enrollment(full):
    other = _another(full)
    other_rows = owned_rows(other.id)
    enrollment_id, citizen_id = full.id, full.citizen_id
    rows = owned_rows(enrollment_id)
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    outcome = _purge(enrollment_id)
    db.session.commit()

    assert references_to(rows) == []
    assert (
        db.session.scalars(
            select(Notification.id).where(
                Notification.link.contains(f"/patients/{enrollment_id}")
                | Notification.coalesce_key.like("conversation:%")
            )
        ).all()
        == []
    )
    assert owned_rows(other.id) == other_rows  # nothing of another enrollment went
    assert db.session.get(Citizen, citizen_id) is not None
    # the audit log is never purged, and the purge itself is in it
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert len(events) == audit_before + 1
    assert (events[-1].action, events[-1].what, events[-1].citizen_id) == (
        "purge",
        "enrollment",
        citizen_id,
    )
    assert events[-1].detail["pseudonym"] == outcome.record.pseudonym
    assert outcome.tables["form_response"] > 0 and outcome.tables["enrollment"] == 1


def test_the_purge_record_holds_counts_a_keyed_pseudonym_and_no_health_data(ended):
    enrollment_id, unit = ended.id, ended.care_unit_id
    citizen = db.session.get(Citizen, ended.citizen_id)
    _purge(enrollment_id)
    db.session.commit()
    record = db.session.scalars(select(PurgeRecord)).one()
    assert record.pseudonym == datalife.pseudonym(SECRET, enrollment_id)
    assert record.pseudonym != datalife.pseudonym("another key", enrollment_id)
    assert re.fullmatch(r"[0-9a-f]{64}", record.pseudonym)
    assert record.care_unit_id == unit and record.rule == "retention:30"
    assert set(record.tables) <= datalife.purged_tables()
    assert all(isinstance(count, int) and count > 0 for count in record.tables.values())
    columns = set(PurgeRecord.__table__.c.keys())
    assert not columns & {"enrollment_id", "citizen_id", "personnummer", "answers", "body"}
    text = repr({c: getattr(record, c) for c in columns})
    assert citizen.personnummer not in text and citizen.name not in text


def test_a_dry_run_lists_what_the_purge_deletes_and_deletes_nothing(full):
    enrollment_id = full.id
    rows = owned_rows(enrollment_id)
    listed = datalife.dry_run(db.session, enrollment_id)
    db.session.commit()
    assert owned_rows(enrollment_id) == rows
    assert listed["enrollment"] == 1 and listed["flag"] >= 1
    outcome = _purge(enrollment_id)
    assert outcome.tables == listed


def test_media_only_the_enrollment_used_are_deleted_and_shared_ones_stay(ended, app):
    storage = media.get_storage(app)
    kinds = media.MEDIA_TYPES
    png = next(t for t in kinds if t.kind == "image")
    own = media.store_media(
        db.session, storage, b"\x89PNG\r\n\x1a\nown", filename="a.png", media_type=png
    )
    shared = media.store_media(
        db.session, storage, b"\x89PNG\r\n\x1a\nshared", filename="b.png", media_type=png
    )
    enrollment_id = ended.id
    response = db.session.scalar(
        select(FormResponse)
        .join(FormAssignment, FormResponse.assignment_id == FormAssignment.id)
        .where(FormAssignment.enrollment_id == enrollment_id)
    )
    response.answers = {
        **response.answers,
        "photo": {"type": "file", "value": {"media_id": own.id}},
        "other": {"type": "file", "value": {"media_id": shared.id}},
    }
    later = _another(ended)
    later.welcome = {"sv": "Hej", "media": [{"media_id": shared.id}]}
    db.session.commit()
    own_id, own_key, shared_id = own.id, own.storage_key, shared.id

    outcome = _purge(enrollment_id)
    db.session.commit()
    assert outcome.media_keys == [own_key]
    assert media.purging.remove_files(storage, outcome.media_keys) == 1
    assert db.session.get(MediaFile, own_id) is None
    with pytest.raises(KeyError):
        storage.open(own_key)
    assert db.session.get(MediaFile, shared_id) is not None
    assert outcome.tables["media_file"] == 1


def test_media_named_by_programme_content_are_never_the_enrollments(ended, app):
    storage = media.get_storage(app)
    png = next(t for t in media.MEDIA_TYPES if t.kind == "image")
    row = media.store_media(
        db.session, storage, b"\x89PNG\r\n\x1a\nprog", filename="p.png", media_type=png
    )
    ended.welcome = {"sv": "Hej", "image": {"media_id": row.id}}
    db.session.commit()
    assert media.purging.only_used_by(db.session, ended.id) == {row.id}
    version = ended.program_version
    draft = ProgramVersion(
        program_id=version.program_id,
        content={"modules": [{"items": [{"kind": "image", "media_id": row.id}]}]},
    )
    db.session.add(draft)
    db.session.commit()
    assert media.purging.only_used_by(db.session, ended.id) == set()


# --- notices, holds and the nightly run ------------------------------------------------------------


def _data_admins_hear(unit_id: int) -> list[int]:
    admins = datalife.nightly.data_admins(db.session, unit_id)
    for staff_id in admins:
        db.session.get(Staff, staff_id).email = f"admin{staff_id}@example.invalid"
        db.session.add(
            NoticePreference(person_kind="staff", person_id=staff_id, staff_mode="immediate")
        )
    db.session.commit()
    return admins


def _run(app, now):
    return datalife.run(
        db.session,
        now=now,
        settings=SETTINGS,
        channels=app.extensions["sob"].registry.channels,
        secret=SECRET,
        storage=media.get_storage(app),
    )


def test_the_nightly_run_tells_first_and_purges_only_after_the_notice_period(ended, app):
    admins = _data_admins_hear(ended.care_unit_id)
    assert admins
    enrollment_id = ended.id
    assert _run(app, NOW) == []  # due 30 days ago, but nobody was told yet
    notice = db.session.scalars(select(PurgeNotice)).one()
    assert notice.purge_after == NOW + timedelta(days=14)
    told = db.session.scalars(select(Notification).where(Notification.kind == "purge_notice")).all()
    assert sorted(n.recipient_id for n in told) == admins
    assert all(n.link == "/admin/data/purge" and n.care_unit_id == ended.care_unit_id for n in told)
    assert _run(app, NOW + timedelta(days=13)) == []
    assert db.session.get(Enrollment, enrollment_id) is not None
    with pytest.raises(datalife.DatalifeError) as error:
        datalife.check_purgeable(db.session, enrollment_id, now=NOW, settings=SETTINGS)
    assert error.value.code == "notice_period"

    purged = _run(app, NOW + timedelta(days=14, hours=1))
    assert purged == [datalife.pseudonym(SECRET, enrollment_id)]
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment_id) is None
    assert db.session.scalars(select(PurgeRecord.rule)).all() == ["retention:30"]
    assert _run(app, NOW + timedelta(days=15)) == []  # nothing twice


def test_the_notice_comes_ahead_of_the_end_of_retention(ended, app):
    program = db.session.get(Program, ended.program_version.program_id)
    program.retention_days = 70  # due in 10 days: within the 14 days of notice
    db.session.commit()
    _run(app, NOW)
    notice = db.session.scalars(select(PurgeNotice)).one()
    assert notice.due_at == ended.ended_at + timedelta(days=70)
    assert notice.purge_after == NOW + timedelta(days=14)
    program.retention_days = 200  # not within the notice period: not listed
    db.session.commit()
    assert datalife.due_list(db.session, now=NOW, settings=SETTINGS) == []


def test_a_held_enrollment_is_never_purged_until_the_hold_is_lifted(ended, app):
    unit, staff_id, enrollment_id = ended.care_unit_id, ended.therapist_id, ended.id
    _run(app, NOW)
    datalife.set_hold(
        db.session,
        enrollment_id=enrollment_id,
        care_unit_id=unit,
        reason="Tvist: IVO-ärende 2026/123",
        actor_id=staff_id,
        now=NOW,
    )
    db.session.commit()
    later = NOW + timedelta(days=30)
    assert _run(app, later) == []
    with pytest.raises(datalife.DatalifeError) as error:
        datalife.purge_due(
            db.session,
            enrollment_id,
            now=later,
            settings=SETTINGS,
            secret=SECRET,
            actor_kind="staff",
            actor_id=staff_id,
        )
    assert error.value.code == "held"
    [row] = datalife.due_list(
        db.session, now=later, settings=SETTINGS, care_unit_id=unit, enrollment_id=enrollment_id
    )
    assert row.state(later) == "held"
    with pytest.raises(datalife.DatalifeError) as error:
        datalife.set_hold(
            db.session,
            enrollment_id=enrollment_id,
            care_unit_id=unit,
            reason="again",
            actor_id=staff_id,
            now=later,
        )
    assert error.value.code == "already_held"
    datalife.lift_hold(
        db.session,
        enrollment_id=enrollment_id,
        care_unit_id=unit,
        reason="Ärendet avslutat",
        actor_id=staff_id,
        now=later,
    )
    db.session.commit()
    changes = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.what == "legal_hold")
    ).all()
    assert [c["change"] for c in changes] == ["set", "lift"]
    assert _run(app, later) == [datalife.pseudonym(SECRET, enrollment_id)]


def test_holds_need_a_reason_and_the_units_enrollment(ended):
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(datalife.DatalifeError) as error:
            datalife.set_hold(
                db.session,
                enrollment_id=ended.id,
                care_unit_id=ended.care_unit_id,
                reason=reason,
                actor_id=ended.therapist_id,
                now=NOW,
            )
        assert error.value.code == "reason"
    with pytest.raises(datalife.DatalifeError) as error:
        datalife.set_hold(
            db.session,
            enrollment_id=ended.id,
            care_unit_id=ended.care_unit_id + 1,
            reason="x",
            actor_id=ended.therapist_id,
            now=NOW,
        )
    assert error.value.code == "not_found"
    with pytest.raises(datalife.DatalifeError) as error:
        datalife.lift_hold(
            db.session,
            enrollment_id=ended.id,
            care_unit_id=ended.care_unit_id,
            reason="x",
            actor_id=ended.therapist_id,
            now=NOW,
        )
    assert error.value.code == "not_held"


def test_ongoing_enrollments_and_programmes_without_a_rule_are_never_due(fk_app, demo_data):
    ongoing = db.session.scalars(
        select(Enrollment).where(Enrollment.status == "active").order_by(Enrollment.id)
    ).first()
    program = db.session.get(Program, ongoing.program_version.program_id)
    program.retention_days = 1
    db.session.commit()
    listed = {
        row.enrollment_id
        for row in datalife.due_list(db.session, now=NOW + timedelta(days=900), settings=SETTINGS)
    }
    assert ongoing.id not in listed
    assert listed <= {
        e.id for e in db.session.scalars(select(Enrollment).where(Enrollment.status == "ended"))
    }
    with pytest.raises(datalife.DatalifeError) as error:
        datalife.check_purgeable(db.session, ongoing.id, now=NOW, settings=SETTINGS)
    assert error.value.code == "not_ended"
    program.retention_days = None
    db.session.commit()
    assert datalife.due_list(db.session, now=NOW + timedelta(days=900), settings=SETTINGS) == []


def test_retention_days_are_checked(fk_app, demo_data):
    program = db.session.scalars(select(Program)).first()
    for days in (0, -3, 36_501):
        with pytest.raises(datalife.DatalifeError) as error:
            datalife.set_retention(db.session, program, days)
        assert error.value.code == "days"
    datalife.set_retention(db.session, program, 365)
    assert program.retention_days == 365
    datalife.set_retention(db.session, program, None)
    assert program.retention_days is None


def test_purging_every_ended_demo_enrollment_leaves_no_row_of_them(fk_app, demo_data):
    for enrollment in db.session.scalars(select(Enrollment).order_by(Enrollment.id)).all():
        if enrollment.status != "ended":
            end_enrollment(enrollment, days_ago=60)
    db.session.commit()
    ids = list(db.session.scalars(select(Enrollment.id)))
    rows = set().union(*(owned_rows(i) for i in ids))
    for enrollment_id in ids:
        _purge(enrollment_id)
        db.session.commit()
    assert references_to(rows) == []
    assert db.session.scalar(select(func.count()).select_from(PurgeRecord)) == len(ids)


def test_the_hourly_job_acts_in_the_purge_hour_and_purges_what_is_due(ended, app):
    from sob_core.jobs import tasks

    assert (tasks.purge_data, "default", 3600) in tasks.PERIODIC
    enrollment_id = ended.id
    db.session.add(
        PurgeNotice(
            enrollment_id=enrollment_id,
            due_at=ended.ended_at + timedelta(days=30),
            purge_after=NOW - timedelta(days=1),
        )
    )
    db.session.commit()
    app.config["SOB_PURGE_HOUR"] = (datetime.now(UTC).hour + 12) % 24  # not the hour now
    assert tasks.purge_data() == 0
    assert db.session.get(Enrollment, enrollment_id) is not None
    app.config["SOB_PURGE_HOUR"] = -1
    assert tasks.purge_data() == 1
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment_id) is None
    record = db.session.scalars(select(PurgeRecord)).one()
    assert record.actor_kind == "system" and record.actor_id is None


def test_the_purge_hour_is_local_time():
    winter = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 02:30 in Stockholm
    assert datalife.is_purge_hour(winter, {"SOB_NOTICE_TIMEZONE": "Europe/Stockholm"})
    assert not datalife.is_purge_hour(winter, {"SOB_NOTICE_TIMEZONE": "UTC"})
    assert datalife.is_purge_hour(winter, {"SOB_PURGE_HOUR": "1", "SOB_NOTICE_TIMEZONE": "UTC"})


def test_a_notice_of_another_due_moment_is_given_again(ended, app):
    """Ended again or the period changed: the old notice does not count, a new one comes first."""
    _data_admins_hear(ended.care_unit_id)
    enrollment_id = ended.id
    program = db.session.get(Program, ended.program_version.program_id)
    _run(app, NOW)
    program.retention_days = 20  # due ten days earlier than the notice said
    db.session.commit()
    later = NOW + timedelta(days=15)
    with pytest.raises(datalife.DatalifeError) as error:
        datalife.check_purgeable(db.session, enrollment_id, now=later, settings=SETTINGS)
    assert error.value.code == "no_notice"
    assert _run(app, later) == []  # told again now; purged a notice period later
    notice = db.session.scalars(
        select(PurgeNotice).where(PurgeNotice.enrollment_id == enrollment_id)
    ).one()
    assert (notice.noticed_at, notice.purge_after) == (later, later + timedelta(days=14))
    told = db.session.scalars(select(Notification).where(Notification.kind == "purge_notice"))
    assert len(told.all()) >= 2
    assert datalife.pseudonym(SECRET, enrollment_id) in _run(app, later + timedelta(days=14))
