"""The audit log: one service call records who did what to whose data; it is append-only."""

from __future__ import annotations

import pytest

from sob_core import audit
from sob_core.extensions import db
from sob_core.models import AuditEvent, Citizen
from sob_core.models.audit import AuditLogIsAppendOnly


def test_record_writes_who_what_whose_when(app, demo_data):
    citizen = db.session.query(Citizen).first()
    event = audit.record(
        db.session,
        actor_kind="staff",
        actor_id=7,
        action="read",
        what="results",
        citizen_id=citizen.id,
        detail={"form": "phq-9"},
    )
    db.session.commit()
    stored = db.session.get(AuditEvent, event.id)
    assert (stored.actor_kind, stored.actor_id, stored.action, stored.what) == (
        "staff",
        7,
        "read",
        "results",
    )
    assert stored.citizen_id == citizen.id and stored.at is not None
    assert stored.detail == {"form": "phq-9"}


def test_unknown_action_is_refused(app):
    with pytest.raises(ValueError):
        audit.record(db.session, actor_kind="staff", actor_id=1, action="peek", what="x")


def test_events_cannot_be_changed_or_deleted(app):
    event = audit.record(db.session, actor_kind="system", actor_id=None, action="read", what="x")
    db.session.commit()
    event.what = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_record_many_writes_one_event_per_citizen_in_one_statement(app, demo_data):
    from sqlalchemy import event, select

    ids = list(db.session.scalars(select(Citizen.id).order_by(Citizen.id)))[:3]
    before = db.session.query(AuditEvent).count()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        written = audit.record_many(
            db.session, ids, actor_kind="staff", actor_id=7, action="read", what="patient_list"
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    db.session.commit()
    assert written == len(ids)
    assert len([s for s in statements if s.lstrip().upper().startswith("INSERT")]) == 1
    rows = db.session.query(AuditEvent).order_by(AuditEvent.id).all()[before:]
    assert [r.citizen_id for r in rows] == ids
    assert {(r.actor_id, r.action, r.what) for r in rows} == {(7, "read", "patient_list")}
    assert len({r.at for r in rows}) == 1


def test_record_many_refuses_an_unknown_action_and_writes_nothing_for_no_one(app):
    with pytest.raises(ValueError):
        audit.record_many(db.session, [1], actor_kind="staff", actor_id=1, action="peek", what="x")
    assert (
        audit.record_many(db.session, [], actor_kind="staff", actor_id=1, action="read", what="x")
        == 0
    )
