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
