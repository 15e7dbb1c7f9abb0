"""Information banners: written by a unit's citizen administrator, shown to its citizens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from sob_core import banners
from sob_core.banners import BannerError, BannerInput
from sob_core.extensions import db
from sob_core.models import AuditEvent, Banner, CareUnit, Citizen, Enrollment, Staff
from sob_core.testing import csrf_from, login_as

ANNA = "SE2321000131-P000000000012"  # citizen administrator at unit 1
TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
KARIN = "SE2321000016-P000000000023"  # citizen administrator at unit 2
JOHN = "198503142393"  # enrolled at unit 1
LINNEA = "200102112687"  # enrolled at unit 2
TEXT = "Mottagningen är stängd under julen"


def units() -> tuple[CareUnit, CareUnit]:
    first, second = db.session.scalars(select(CareUnit).order_by(CareUnit.id)).all()
    return first, second


def person(hsa: str) -> Staff:
    found = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa))
    assert found is not None
    return found


def citizen(number: str) -> Citizen:
    found = db.session.scalar(select(Citizen).where(Citizen.personnummer == number))
    assert found is not None
    return found


def add(unit_id: int, starts: date, ends: date, sv: str = TEXT, en: str = "") -> Banner:
    banner = Banner(
        care_unit_id=unit_id,
        text={"sv": sv, **({"en": en} if en else {})},
        starts_on=starts,
        ends_on=ends,
    )
    db.session.add(banner)
    db.session.commit()
    return banner


def today() -> date:
    return banners.unit_today(units()[0], datetime.now(UTC))


# --- the domain ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sv", "en", "start", "end", "code"),
    [
        ("  ", "", 0, 1, "no_text"),
        ("x" * 501, "", 0, 1, "text_too_long"),
        ("ok", "y" * 501, 0, 1, "text_too_long"),
        ("ok", "", None, 1, "no_dates"),
        ("ok", "", 3, 1, "ends_before_start"),
        ("ok", "", -5, -1, "already_over"),
    ],
)
def test_a_banner_is_checked(app, demo_data, sv, en, start, end, code):
    first, _ = units()
    base = date(2026, 12, 2)
    value = BannerInput(
        sv,
        en,
        base + timedelta(days=start) if start is not None else None,
        base + timedelta(days=end),
    )
    with pytest.raises(BannerError) as caught:
        banners.create(
            db.session,
            care_unit_id=first.id,
            value=value,
            actor_id=person(ANNA).id,
            now=datetime(2026, 12, 2, 12, tzinfo=UTC),
        )
    assert caught.value.code == code


def test_a_banner_shows_from_its_first_to_its_last_day_in_the_units_time(app, demo_data):
    first, second = units()
    banner = banners.create(
        db.session,
        care_unit_id=first.id,
        value=BannerInput(
            f"  {TEXT} ", "Closed over Christmas", date(2026, 12, 23), date(2026, 12, 26)
        ),
        actor_id=person(ANNA).id,
        now=datetime(2026, 12, 2, 12, tzinfo=UTC),
    )
    db.session.commit()
    assert banner.text == {"sv": TEXT, "en": "Closed over Christmas"}

    def shown(moment: datetime) -> list[int]:
        return [b.id for b in banners.showing(db.session, [first.id, second.id], moment)]

    # 22 December 23:30 UTC is already the 23rd in Stockholm; 26 December 23:30 UTC the 27th
    assert shown(datetime(2026, 12, 22, 22, 59, tzinfo=UTC)) == []
    assert shown(datetime(2026, 12, 22, 23, 30, tzinfo=UTC)) == [banner.id]
    assert shown(datetime(2026, 12, 26, 22, 59, tzinfo=UTC)) == [banner.id]
    assert shown(datetime(2026, 12, 26, 23, 30, tzinfo=UTC)) == []
    # only the unit's own citizens' pages, and not once hidden
    assert banners.showing(db.session, [second.id], datetime(2026, 12, 24, tzinfo=UTC)) == []
    assert (
        banners.showing(
            db.session, [first.id], datetime(2026, 12, 24, tzinfo=UTC), hidden=[banner.id]
        )
        == []
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.what == "banner"))
    assert event is not None and event.action == "create" and event.care_unit_id == first.id
    assert event.detail == {
        "banner_id": banner.id,
        "starts_on": "2026-12-23",
        "ends_on": "2026-12-26",
    }


# --- the citizen administrator's pages -----------------------------------------------------------


def test_a_citizen_admin_writes_changes_and_removes_a_banner(client, login):
    first, _ = units()
    login("staff", ANNA, unit_id=first.id)
    page = client.get("/admin/banners")
    assert page.status_code == 200
    day = today()
    response = client.post(
        "/admin/banners",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "text_sv": TEXT,
            "text_en": "",
            "starts_on": day.isoformat(),
            "ends_on": (day + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    banner = db.session.scalar(select(Banner))
    assert banner is not None and banner.care_unit_id == first.id and banner.created_by_id
    listing = client.get("/admin/banners").get_data(as_text=True)
    assert TEXT in listing and ("Shown now" in listing or "Visas nu" in listing)
    edit = client.get(f"/admin/banners/{banner.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/banners/{banner.id}",
        data={
            "csrf_token": csrf_from(edit),
            "text_sv": "Ny text",
            "text_en": "New text",
            "starts_on": day.isoformat(),
            "ends_on": day.isoformat(),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Banner, banner.id).text == {"sv": "Ny text", "en": "New text"}
    response = client.post(
        f"/admin/banners/{banner.id}/delete", data={"csrf_token": csrf_from(edit)}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Banner)) is None
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.what == "banner").order_by(AuditEvent.id)
        )
    ]
    assert actions == ["create", "change", "delete"]


def test_bad_banner_input_is_answered_with_messages(client, login):
    first, _ = units()
    login("staff", ANNA, unit_id=first.id)
    page = client.get("/admin/banners").get_data(as_text=True)
    token = csrf_from(page)
    for data, field in [
        ({"text_sv": "", "starts_on": "2030-01-01", "ends_on": "2030-01-02"}, "text_sv"),
        ({"text_sv": "x", "starts_on": "igår", "ends_on": "2030-01-02"}, "starts_on"),
        ({"text_sv": "x", "starts_on": "2030-01-05", "ends_on": "2030-01-02"}, "ends_on"),
        ({"text_sv": "x", "starts_on": "2020-01-01", "ends_on": "2020-01-02"}, "ends_on"),
    ]:
        response = client.post("/admin/banners", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        assert f'id="{field}-error"' in response.get_data(as_text=True), data
    assert db.session.scalar(select(Banner)) is None
    assert client.post("/admin/banners", data={"text_sv": "x"}).status_code == 400


def test_banners_are_the_units_own(client, login):
    first, second = units()
    other = add(second.id, today(), today())
    login("staff", ANNA, unit_id=first.id)
    assert client.get(f"/admin/banners/{other.id}").status_code == 404
    token = csrf_from(client.get("/admin/banners").get_data(as_text=True))
    assert (
        client.post(f"/admin/banners/{other.id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    login("staff", TOMMY, unit_id=first.id)  # a therapist, not a citizen administrator
    assert client.get("/admin/banners").status_code == 403


# --- what the citizen sees -----------------------------------------------------------------------


def test_the_units_citizens_see_the_banner_until_its_last_day(client, login):
    first, second = units()
    day = today()
    shown = add(first.id, day - timedelta(days=1), day, en="Closed over Christmas")
    add(first.id, day - timedelta(days=5), day - timedelta(days=1), sv="Gammal banderoll")
    add(first.id, day + timedelta(days=1), day + timedelta(days=2), sv="Kommande banderoll")
    add(second.id, day, day, sv="Södermalms banderoll")
    login("citizen", JOHN)
    html = client.get("/citizen/").get_data(as_text=True)
    assert TEXT in html and f'id="banner-{shown.id}"' in html
    assert "Gammal banderoll" not in html and "Kommande banderoll" not in html
    assert "Södermalms banderoll" not in html
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.citizen_id == citizen(JOHN).id)
    )
    assert TEXT in client.get(f"/citizen/programs/{enrollment.id}").get_data(as_text=True)
    client.get("/lang/en")
    assert "Closed over Christmas" in client.get("/citizen/").get_data(as_text=True)
    login("citizen", LINNEA)
    html = client.get("/citizen/").get_data(as_text=True)
    assert "Södermalms banderoll" in html and TEXT not in html
    # the last day passed: gone
    shown.ends_on = day - timedelta(days=1)
    db.session.commit()
    login("citizen", JOHN)
    assert TEXT not in client.get("/citizen/").get_data(as_text=True)


def test_a_citizen_hides_a_banner_for_her_visit(client, login):
    first, _ = units()
    banner = add(first.id, today(), today())
    login("citizen", JOHN)
    page = client.get("/citizen/results").get_data(as_text=True)
    assert TEXT in page
    response = client.post(
        f"/citizen/banners/{banner.id}/hide",
        data={"csrf_token": csrf_from(page), "next": "/citizen/results"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/citizen/results")
    assert TEXT not in client.get("/citizen/").get_data(as_text=True)
    assert client.post(f"/citizen/banners/{banner.id}/hide").status_code == 400
    # a new visit (sign-in) shows it again
    login_as(client, citizen(JOHN))
    assert TEXT in client.get("/citizen/").get_data(as_text=True)
