"""The notice pages: the citizen's settings and inbox, the staff setting, the delivery log."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from sob_core import notifications as notify
from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Citizen,
    NoticePreference,
    Notification,
    NotificationAttempt,
    Region,
    RoleAssignment,
    Staff,
)
from sob_core.testing import csrf_from, login_as


def make_citizen(number: str = "198505052389", **values) -> Citizen:
    person = Citizen(
        personnummer=number,
        name="Eva Ek",
        birth_date=date(1985, 5, 5),
        legal_sex="female",
        **values,
    )
    db.session.add(person)
    db.session.commit()
    return person


def make_staff(role: str, email: str = "sara.sjo@region.example") -> tuple[Staff, int]:
    region = db.session.scalar(select(Region)) or Region(code="14", name="Västra Götaland")
    unit = db.session.scalar(select(CareUnit)) or CareUnit(
        hsa_id="SE2321000131-E000000000001", name="Enheten", region=region
    )
    staff = Staff(hsa_id=f"SE2321000016-{role}", name=f"Sara {role}", email=email)
    db.session.add_all([region, unit, staff])
    db.session.flush()
    staff.roles.append(RoleAssignment(care_unit_id=unit.id, role=role))
    db.session.commit()
    return staff, unit.id


def preference(kind: str, person_id: int) -> NoticePreference | None:
    db.session.expire_all()
    return db.session.scalar(
        select(NoticePreference).where(
            NoticePreference.person_kind == kind, NoticePreference.person_id == person_id
        )
    )


# --- /citizen/settings --------------------------------------------------------------------------


def test_the_citizen_menu_links_to_the_settings(app, client) -> None:
    login_as(client, make_citizen())
    page = client.get("/citizen/").get_data(as_text=True)
    assert 'href="/citizen/settings"' in page
    settings = client.get("/citizen/settings")
    assert settings.status_code == 200
    html = settings.get_data(as_text=True)
    assert 'name="mobile"' in html and 'name="use_sms"' in html and 'name="use_email"' in html


def test_saving_normalises_the_number_and_stores_the_choice(app, client) -> None:
    citizen = make_citizen()
    login_as(client, citizen)
    token = csrf_from(client.get("/citizen/settings").get_data(as_text=True))
    answer = client.post(
        "/citizen/settings",
        data={
            "csrf_token": token,
            "email": " eva@example.se ",
            "mobile": "070-123 45 67",
            "use_sms": "y",
            "language": "en",
        },
    )
    assert answer.status_code == 302
    db.session.expire_all()
    citizen = db.session.get(Citizen, citizen.id)
    assert (citizen.email, citizen.phone) == ("eva@example.se", "+46701234567")
    pref = preference("citizen", citizen.id)
    assert pref is not None and (pref.channels, pref.language) == (["sms"], "en")
    page = client.get("/citizen/settings").get_data(as_text=True)
    assert 'value="+46701234567"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mobile": "08-123 456 78"}, "Fyll i ett svenskt mobilnummer"),
        ({"use_sms": "y"}, "Fyll i ditt mobilnummer"),
        ({"use_email": "y"}, "Fyll i din e-postadress"),
        ({"email": "eva-at-example"}, "Fyll i en e-postadress som"),
    ],
)
def test_wrong_settings_are_explained_and_not_saved(app, client, data, message) -> None:
    citizen = make_citizen()
    login_as(client, citizen)
    token = csrf_from(client.get("/citizen/settings").get_data(as_text=True))
    answer = client.post("/citizen/settings", data={"csrf_token": token, "language": "sv", **data})
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert preference("citizen", citizen.id) is None
    assert db.session.get(Citizen, citizen.id).phone is None


def test_settings_need_the_csrf_token(app, client) -> None:
    citizen = make_citizen()
    login_as(client, citizen)
    answer = client.post("/citizen/settings", data={"mobile": "0701234567", "language": "sv"})
    assert answer.status_code == 400
    assert preference("citizen", citizen.id) is None


def test_staff_cannot_use_the_citizen_settings(app, client) -> None:
    staff, unit_id = make_staff("therapist")
    login_as(client, staff, unit_id)
    assert client.get("/citizen/settings").status_code == 403


# --- the inbox on the start page ------------------------------------------------------------


def inbox_row(citizen_id: int, status: str = "sent") -> int:
    row = Notification(
        recipient_kind="citizen",
        recipient_id=citizen_id,
        channel="inbox",
        kind="new_message",
        link="/citizen/",
        status=status,
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def test_the_inbox_lists_notices_and_marks_them_read(app, client) -> None:
    citizen = make_citizen()
    other = make_citizen("199001012380")
    mine = inbox_row(citizen.id)
    inbox_row(citizen.id)
    failed = inbox_row(citizen.id, status="failed")
    theirs = inbox_row(other.id)
    login_as(client, citizen)
    page = client.get("/citizen/").get_data(as_text=True)
    assert 'id="inbox-heading"' in page
    assert "(2 olästa aviseringar)" in page  # Swedish first
    assert page.count('class="notice unread"') == 2
    assert f"/citizen/notices/{failed}/read" not in page
    token = csrf_from(page)

    assert (
        client.post(f"/citizen/notices/{mine}/read", data={"csrf_token": token}).status_code == 302
    )
    assert db.session.get(Notification, mine).read_at is not None
    # Someone else's notice answers like a missing one, and is not touched.
    assert (
        client.post(f"/citizen/notices/{theirs}/read", data={"csrf_token": token}).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Notification, theirs).read_at is None
    assert client.post(f"/citizen/notices/{mine}/read").status_code == 400  # no CSRF token

    assert client.post("/citizen/notices/read", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    unread = db.session.scalars(
        select(Notification.id).where(
            Notification.recipient_id == citizen.id, Notification.read_at.is_(None)
        )
    ).all()
    assert unread == [failed]
    assert db.session.get(Notification, theirs).read_at is None
    assert client.get("/citizen/").get_data(as_text=True).count('class="notice unread"') == 0


def test_an_empty_inbox_says_so(app, client) -> None:
    login_as(client, make_citizen())
    page = client.get("/citizen/").get_data(as_text=True)
    assert 'id="inbox-heading"' in page and 'class="notice' not in page


# --- /staff/settings ------------------------------------------------------------------------


def test_a_therapist_chooses_how_to_be_told(app, client) -> None:
    staff, unit_id = make_staff("therapist")
    login_as(client, staff, unit_id)
    page = client.get("/staff/settings")
    assert page.status_code == 200
    assert 'href="/staff/settings"' in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    answer = client.post(
        "/staff/settings",
        data={"csrf_token": token, "email": "sara@region.example", "mode": "digest"},
    )
    assert answer.status_code == 302
    pref = preference("staff", staff.id)
    assert pref is not None and pref.staff_mode == "digest"
    assert db.session.get(Staff, staff.id).email == "sara@region.example"

    refused = client.post(
        "/staff/settings", data={"csrf_token": token, "email": "", "mode": "immediate"}
    )
    assert refused.status_code == 422
    assert preference("staff", staff.id).staff_mode == "digest"


def test_citizens_cannot_use_the_staff_settings(app, client) -> None:
    login_as(client, make_citizen())
    assert client.get("/staff/settings").status_code == 403


# --- the delivery log ---------------------------------------------------------------------------


def logged_notice(citizen: Citizen, care_unit_id: int | None = None) -> int:
    row = Notification(
        care_unit_id=care_unit_id,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="sms",
        kind="new_message",
        status="failed",
        attempts=2,
        last_error="the SMS gateway answered HTTP 403",
    )
    db.session.add(row)
    db.session.flush()
    db.session.add_all(
        [
            NotificationAttempt(
                notification_id=row.id, number=1, outcome="interrupted", detail="stopped"
            ),
            NotificationAttempt(
                notification_id=row.id,
                number=2,
                outcome="error",
                detail="the SMS gateway answered HTTP 403",
                finished_at=datetime.now(UTC),
            ),
        ]
    )
    db.session.commit()
    return row.id


def test_administrators_see_the_delivery_log_without_recipient_details(app, client) -> None:
    citizen = make_citizen(email="eva.ek@example.se", phone="+46701112233")
    admin, unit_id = make_staff("permission_admin", email="admin@region.example")
    therapist, _ = make_staff("therapist", email="thera@region.example")
    row_id = logged_notice(citizen, unit_id)
    staff_notice = notify.queue_notification(
        db.session,
        recipient_kind="staff",
        recipient_id=therapist.id,
        channel="email",
        kind="staff_digest",
        channels=app.extensions["sob"].registry.channels,
    )
    staff_notice.care_unit_id = unit_id
    staff_row = staff_notice.id
    elsewhere = CareUnit(
        hsa_id="SE2321000131-E000000000099",
        name="Annan enhet",
        region_id=db.session.get(CareUnit, unit_id).region_id,
    )
    db.session.add(elsewhere)
    db.session.flush()
    other_row = logged_notice(citizen, elsewhere.id)
    unitless_row = logged_notice(citizen, None)
    db.session.commit()
    login_as(client, admin, unit_id)

    listing = client.get("/admin/notices")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert f"/admin/notices/{row_id}" in html and "HTTP 403" in html
    detail = client.get(f"/admin/notices/{row_id}").get_data(as_text=True)
    assert "stopped" in detail and "HTTP 403" in detail
    staff_detail = client.get(f"/admin/notices/{staff_row}").get_data(as_text=True)
    assert "t•••@•••.example" in staff_detail  # a staff address, masked
    for page in (html, detail, staff_detail):
        for secret in (
            "eva.ek@example.se",
            "+46701112233",
            "0701112233",
            "Eva Ek",
            citizen.personnummer,
            "thera@region.example",
        ):
            assert secret not in page
    assert client.get("/admin/notices?status=failed").status_code == 200
    assert client.get("/admin/notices/999999").status_code == 404
    # another unit's notices, and those caused at no unit, are not this unit's to see
    for hidden in (other_row, unitless_row):
        assert f'/admin/notices/{hidden}"' not in html
        assert client.get(f"/admin/notices/{hidden}").status_code == 404


def test_other_roles_do_not_see_the_delivery_log(app, client) -> None:
    citizen = make_citizen()
    row_id = logged_notice(citizen)
    therapist, unit_id = make_staff("therapist")
    login_as(client, therapist, unit_id)
    assert client.get("/admin/notices").status_code == 403
    assert client.get(f"/admin/notices/{row_id}").status_code == 403
    login_as(client, citizen)
    assert client.get("/admin/notices").status_code == 403


def test_views_tell_a_citizen_with_the_apps_channels_and_settings(app) -> None:
    from sob_core.web import notices

    citizen = make_citizen(email="eva@example.se")
    staff, _ = make_staff("therapist")
    with app.test_request_context():
        rows = notices.notify_citizen(citizen.id, link="/citizen/", coalesce_key="conversation:9")
        assert [r.channel for r in rows] == ["inbox", "email"]
        again = notices.notify_citizen(citizen.id, link="/citizen/", coalesce_key="conversation:9")
        assert again == []  # merged into the first
        assert notices.notify_staff(staff.id, link="/staff/") == []  # staff chose nothing yet
    db.session.rollback()
