"""The purge pages: the publisher's retention period, the data administrator's due list, dry
run, purge and legal holds (only the active care unit's enrollments; no 500 on bad input)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Enrollment,
    LegalHold,
    Program,
    PurgeNotice,
    PurgeRecord,
)
from sob_core.models._types import utcnow
from sob_core.testing import csrf_from

PUBLISHER = "SE2321000131-P000000000015"  # Sara Ek, designer and publisher at unit 1
DATA_ADMIN = "SE2321000131-P000000000014"  # Erik Holm, data admin at unit 1
OTHER_DATA_ADMIN = "SE2321000016-P000000000022"  # Lena Björk, data admin at unit 2
THERAPIST = "SE2321000131-P000000000011"


def _units() -> list[int]:
    return list(db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)))


@pytest.fixture
def due(demo_data) -> int:
    """The demo's first enrollment, ended 60 days ago, retention 30 days, told 15 days ago (its
    id is 1 only where the ids start afresh: on PostgreSQL an earlier test may have used it)."""
    now = utcnow()
    for other in db.session.scalars(select(Enrollment).where(Enrollment.status == "ended")):
        other.ended_at = now - timedelta(days=1)
    enrollment = db.session.scalars(select(Enrollment).order_by(Enrollment.id)).first()
    enrollment.status, enrollment.ended_at = "ended", now - timedelta(days=60)
    db.session.get(Program, enrollment.program_version.program_id).retention_days = 30
    db.session.add(
        PurgeNotice(
            enrollment_id=enrollment.id,
            due_at=now - timedelta(days=30),
            noticed_at=now - timedelta(days=15),
            purge_after=now - timedelta(days=1),
        )
    )
    db.session.commit()
    return enrollment.id


def test_the_publisher_sets_the_retention_period(client, login, demo_data):
    unit = _units()[0]
    program = db.session.scalars(
        select(Program).where(Program.owner_care_unit_id == unit).order_by(Program.id)
    ).first()
    login("staff", PUBLISHER, unit)
    page = client.get(f"/design/programs/{program.id}/retention")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    for bad in ("0", "abc", "40000"):
        answer = client.post(
            f"/design/programs/{program.id}/retention", data={"csrf_token": token, "days": bad}
        )
        assert answer.status_code == 200 and b"error-summary" in answer.data
    answer = client.post(
        f"/design/programs/{program.id}/retention", data={"csrf_token": token, "days": "365"}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Program, program.id).retention_days == 365
    change = db.session.scalars(
        select(AuditEvent).where(AuditEvent.what == "program.retention")
    ).one()
    assert change.detail["after"] == 365
    client.post(f"/design/programs/{program.id}/retention", data={"csrf_token": token, "days": ""})
    db.session.expire_all()
    assert db.session.get(Program, program.id).retention_days is None


def test_only_data_administrators_reach_the_purge_pages(client, login, due):
    login("staff", THERAPIST, _units()[0])
    assert client.get("/admin/data/purge").status_code == 403
    assert client.get(f"/admin/data/purge/{due}").status_code == 403


def test_another_units_enrollment_answers_404(client, login, due):
    login("staff", OTHER_DATA_ADMIN, _units()[1])
    assert client.get(f"/admin/data/purge/{due}").status_code == 404
    listed = client.get("/admin/data/purge").get_data(as_text=True)
    assert f"/admin/data/purge/{due}" not in listed


def test_the_data_admin_sees_the_due_list_runs_a_dry_run_and_purges(client, login, due):
    login("staff", DATA_ADMIN, _units()[0])
    listed = client.get("/admin/data/purge")
    assert listed.status_code == 200
    assert f"/admin/data/purge/{due}" in listed.get_data(as_text=True)
    page = client.get(f"/admin/data/purge/{due}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<code>form_response</code>" in html
    assert "Purge now" in html or "Gallra nu" in html
    reads = db.session.scalars(select(AuditEvent.what).where(AuditEvent.action == "read")).all()
    assert {"datalife.due_list", "datalife.dry_run"} <= set(reads)
    assert db.session.get(Enrollment, due) is not None  # the dry run deleted nothing

    answer = client.post(f"/admin/data/purge/{due}/purge", data={"csrf_token": csrf_from(html)})
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrollment, due) is None
    record = db.session.scalars(select(PurgeRecord)).one()
    assert record.actor_kind == "staff" and record.rule == "retention:30"
    assert client.get(f"/admin/data/purge/{due}").status_code == 404


def test_a_purge_needs_the_csrf_token(client, login, due):
    login("staff", DATA_ADMIN, _units()[0])
    assert client.post(f"/admin/data/purge/{due}/purge").status_code == 400
    assert db.session.get(Enrollment, due) is not None


def test_a_held_enrollment_stays_and_the_hold_needs_a_reason(client, login, due):
    login("staff", DATA_ADMIN, _units()[0])
    token = csrf_from(client.get(f"/admin/data/purge/{due}").get_data(as_text=True))
    empty = client.post(f"/admin/data/purge/{due}/hold", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 400 and b"error-summary" in empty.data
    held = client.post(
        f"/admin/data/purge/{due}/hold", data={"csrf_token": token, "reason": "IVO 2026/12"}
    )
    assert held.status_code == 302
    page = client.get(f"/admin/data/purge/{due}").get_data(as_text=True)
    assert "Purge now" not in page and "Gallra nu" not in page
    refused = client.post(f"/admin/data/purge/{due}/purge", data={"csrf_token": token})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Enrollment, due) is not None
    lifted = client.post(
        f"/admin/data/purge/{due}/lift", data={"csrf_token": token, "reason": "Avslutat"}
    )
    assert lifted.status_code == 302
    hold = db.session.scalars(select(LegalHold)).one()
    assert hold.lifted_at is not None and hold.lift_reason == "Avslutat"
