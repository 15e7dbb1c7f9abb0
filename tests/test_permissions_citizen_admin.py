"""Citizen administration: the overview of the unit's enrollments and events, and the new
therapist told when the citizen administrator changes the responsible therapist."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Citizen,
    Enrollment,
    NoticePreference,
    Notification,
    Staff,
)
from sob_core.notifications import TEMPLATES
from sob_core.testing import csrf_from

TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
ANNA = "SE2321000131-P000000000012"  # therapist and citizen administrator at unit 1
MARIA = "SE2321000131-P000000000013"  # citizen administrator at unit 1, not a therapist
ERIK = "SE2321000131-P000000000014"  # permission administrator, no citizen administrator
JOHN = "198503142393"
LINNEA = "200102112687"  # enrolled at unit 2


def first_unit() -> int:
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()


def staff(hsa: str) -> Staff:
    found = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa))
    assert found is not None
    return found


def citizen(number: str) -> Citizen:
    found = db.session.scalar(select(Citizen).where(Citizen.personnummer == number))
    assert found is not None
    return found


def test_the_citizen_admin_sees_all_the_units_enrollments_and_events(client, login):
    unit = first_unit()
    login("staff", MARIA, unit_id=unit)
    page = client.get("/admin/unit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # the unit's patients, whoever their therapist; not the other unit's
    assert "John Doe" in html and "Ahmed Karimi" in html
    assert "Linnea Johansson" not in html
    assert "summary-caption" in html
    # each citizen listed is a read of hers, before the page was drawn
    read = set(
        db.session.scalars(
            select(AuditEvent.citizen_id).where(
                AuditEvent.what == "unit_events", AuditEvent.actor_id == staff(MARIA).id
            )
        )
    )
    assert citizen(JOHN).id in read and citizen(LINNEA).id not in read
    only_started = client.get("/admin/unit", query_string={"kind": "started"}).get_data(
        as_text=True
    )
    assert "The enrollment started" in only_started or "startade" in only_started
    assert "Opened “" not in only_started and "Öppnade" not in only_started
    # an unknown kind or page is no error
    assert client.get("/admin/unit", query_string={"kind": "x", "page": "y"}).status_code == 200


@pytest.mark.parametrize(("who", "status"), [(TOMMY, 403), (ERIK, 403), (ANNA, 200)])
def test_only_citizen_admins_reach_the_overview_and_banners(client, login, who, status):
    login("staff", who, unit_id=first_unit())
    assert client.get("/admin/unit").status_code == status
    assert client.get("/admin/banners").status_code == status


def test_the_administration_start_page_shows_each_role_its_part(client, login):
    unit = first_unit()
    login("staff", ANNA, unit_id=unit)  # citizen administrator only
    html = client.get("/admin/").get_data(as_text=True)
    assert "/admin/banners" in html and "/admin/staff" not in html
    login("staff", ERIK, unit_id=unit)  # permission administrator only
    html = client.get("/admin/").get_data(as_text=True)
    assert "/admin/staff" in html and "/admin/banners" not in html


def _prefers(person: Staff, mode: str) -> None:
    person.email = f"{person.hsa_id.lower()}@region.example"
    db.session.add(NoticePreference(person_kind="staff", person_id=person.id, staff_mode=mode))
    db.session.commit()


def test_the_new_therapist_is_told_without_content(client, login, app):
    if "email" not in app.extensions["sob"].registry.channels:
        pytest.skip("no e-mail channel installed")
    unit = first_unit()
    anna = staff(ANNA)
    _prefers(anna, "immediate")
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.citizen_id == citizen(JOHN).id)
    )
    assert enrollment.therapist_id == staff(TOMMY).id
    login("staff", MARIA, unit_id=unit)
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    response = client.post(
        f"/staff/patients/{enrollment.id}/therapist",
        data={"csrf_token": csrf_from(page), "therapist": anna.id},
    )
    assert response.status_code == 302
    (notice,) = db.session.scalars(
        select(Notification).where(
            Notification.recipient_kind == "staff", Notification.recipient_id == anna.id
        )
    ).all()
    assert notice.kind == "therapist_assigned" and notice.channel == "email"
    assert notice.link == f"/staff/patients/{enrollment.id}" and notice.care_unit_id == unit
    subject, body = TEMPLATES["therapist_assigned"]
    for text in (subject["sv"], body["sv"], subject["en"], body["en"]):
        assert "John" not in text and "Sömn" not in text
    # the previous therapist is told nothing
    assert (
        db.session.scalar(
            select(Notification).where(
                Notification.recipient_kind == "staff",
                Notification.recipient_id == staff(TOMMY).id,
            )
        )
        is None
    )


def test_a_therapist_who_chose_no_notices_gets_none(client, login, app):
    unit = first_unit()
    anna = staff(ANNA)
    _prefers(anna, "off")
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.citizen_id == citizen(JOHN).id)
    )
    login("staff", MARIA, unit_id=unit)
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    client.post(
        f"/staff/patients/{enrollment.id}/therapist",
        data={"csrf_token": csrf_from(page), "therapist": anna.id},
    )
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).therapist_id == anna.id
    assert (
        db.session.scalar(select(Notification).where(Notification.recipient_kind == "staff"))
        is None
    )
