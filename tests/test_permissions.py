"""Permission administration: granting and revoking the six roles, adding staff, the role log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sob_core import permissions
from sob_core.extensions import db
from sob_core.models import AuditEvent, CareUnit, RoleAssignment, Staff
from sob_core.permissions import PermissionsError
from sob_core.testing import csrf_from, login_as

TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
ANNA = "SE2321000131-P000000000012"  # therapist and citizen administrator at unit 1
MARIA = "SE2321000131-P000000000013"  # permission administrator at units 1 and 2
ERIK = "SE2321000131-P000000000014"  # permission administrator at unit 1
JOHAN = "SE2321000016-P000000000021"  # therapist at unit 2
KARIN = "SE2321000016-P000000000023"  # permission administrator at unit 2
NEW_HSA = "SE2321000131-P000000000099"


def staff(hsa_id: str) -> Staff:
    person = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))
    assert person is not None
    return person


def units() -> tuple[int, int]:
    first, second = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()
    return first, second


def roles_of(hsa_id: str, unit_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(RoleAssignment.role).where(
                RoleAssignment.staff_id == staff(hsa_id).id, RoleAssignment.care_unit_id == unit_id
            )
        )
    )


def role_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.what == "role_assignment").order_by(AuditEvent.id)
        )
    )


# --- the domain ----------------------------------------------------------------------------------


def test_a_permission_admin_grants_a_role_and_it_is_audited(app, demo_data):
    first, _ = units()
    erik, tommy = staff(ERIK), staff(TOMMY)
    assert permissions.grant(
        db.session, actor_id=erik.id, staff_id=tommy.id, care_unit_id=first, role="data_admin"
    )
    db.session.commit()
    assert roles_of(TOMMY, first) == {"therapist", "data_admin"}
    [event] = role_events()
    assert (event.actor_kind, event.actor_id, event.action, event.care_unit_id) == (
        "staff",
        erik.id,
        "change",
        first,
    )
    assert event.detail == {
        "staff_id": tommy.id,
        "hsa_id": TOMMY,
        "role": "data_admin",
        "change": "grant",
    }
    granted = db.session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.staff_id == tommy.id, RoleAssignment.role == "data_admin"
        )
    )
    assert granted is not None and granted.granted_by_id == erik.id
    # granting it again changes nothing and writes nothing
    assert not permissions.grant(
        db.session, actor_id=erik.id, staff_id=tommy.id, care_unit_id=first, role="data_admin"
    )
    assert len(role_events()) == 1


@pytest.mark.parametrize("actor", [TOMMY, ANNA, KARIN])
def test_nobody_grants_where_they_are_not_permission_admin(app, demo_data, actor):
    first, _ = units()
    with pytest.raises(PermissionsError) as caught:
        permissions.grant(
            db.session,
            actor_id=staff(actor).id,
            staff_id=staff(TOMMY).id,
            care_unit_id=first,
            role="permission_admin",
        )
    assert caught.value.code == "not_permission_admin"
    with pytest.raises(PermissionsError) as caught:
        permissions.revoke(
            db.session,
            actor_id=staff(actor).id,
            staff_id=staff(ERIK).id,
            care_unit_id=first,
            role="permission_admin",
        )
    assert caught.value.code == "not_permission_admin"
    db.session.rollback()
    assert roles_of(TOMMY, first) == {"therapist"}
    assert role_events() == []


def test_an_unknown_role_is_refused(app, demo_data):
    first, _ = units()
    with pytest.raises(PermissionsError) as caught:
        permissions.grant(
            db.session,
            actor_id=staff(ERIK).id,
            staff_id=staff(TOMMY).id,
            care_unit_id=first,
            role="region_admin",
        )
    assert caught.value.code == "unknown_role"


def test_the_last_permission_admin_cannot_be_removed_not_even_by_herself(app, demo_data):
    first, _ = units()
    maria, erik = staff(MARIA), staff(ERIK)
    assert permissions.revoke(
        db.session, actor_id=maria.id, staff_id=erik.id, care_unit_id=first, role="permission_admin"
    )
    db.session.commit()
    assert [e.detail["change"] for e in role_events()] == ["revoke"]
    with pytest.raises(PermissionsError) as caught:
        permissions.revoke(
            db.session,
            actor_id=maria.id,
            staff_id=maria.id,
            care_unit_id=first,
            role="permission_admin",
        )
    assert caught.value.code == "last_permission_admin"
    db.session.rollback()
    assert "permission_admin" in roles_of(MARIA, first)
    assert len(role_events()) == 1


def test_handing_the_administration_on_and_leaving_it_in_one_step(app, demo_data):
    first, _ = units()
    maria, erik, tommy = staff(MARIA), staff(ERIK), staff(TOMMY)
    permissions.revoke(
        db.session, actor_id=maria.id, staff_id=erik.id, care_unit_id=first, role="permission_admin"
    )
    # Maria, now the only one, gives Tommy the role and gives up her own: grants come first.
    permissions.set_roles(
        db.session,
        actor_id=maria.id,
        staff_id=tommy.id,
        care_unit_id=first,
        roles=["therapist", "permission_admin"],
    )
    granted, revoked = permissions.set_roles(
        db.session,
        actor_id=maria.id,
        staff_id=maria.id,
        care_unit_id=first,
        roles=["citizen_admin", "data_admin"],
    )
    db.session.commit()
    assert (granted, revoked) == ([], ["permission_admin"])
    assert roles_of(TOMMY, first) == {"therapist", "permission_admin"}
    assert roles_of(MARIA, first) == {"citizen_admin", "data_admin"}
    # and Maria may no longer change anything at the unit
    with pytest.raises(PermissionsError):
        permissions.grant(
            db.session, actor_id=maria.id, staff_id=maria.id, care_unit_id=first, role="therapist"
        )


def test_add_staff_checks_the_hsa_id_and_name_and_is_audited(app, demo_data):
    first, _ = units()
    erik = staff(ERIK)
    for hsa, name, code in [
        ("not an id", "Nils", "bad_hsa_id"),
        ("SE23-P1", "Nils", "bad_hsa_id"),
        (NEW_HSA, "   ", "no_name"),
        (NEW_HSA, "N" * 201, "name_too_long"),
        (TOMMY, "Tommy again", "staff_exists"),
    ]:
        with pytest.raises(PermissionsError) as caught:
            permissions.add_staff(
                db.session, hsa_id=hsa, name=name, actor_id=erik.id, care_unit_id=first
            )
        assert caught.value.code == code, (hsa, name)
    with pytest.raises(PermissionsError) as caught:
        permissions.add_staff(
            db.session,
            hsa_id=NEW_HSA,
            name="Nils",
            actor_id=staff(TOMMY).id,
            care_unit_id=first,
        )
    assert caught.value.code == "not_permission_admin"
    new = permissions.add_staff(
        db.session,
        hsa_id=" se2321000131-P000000000099 ",
        name="  Nils   Nyström ",
        actor_id=erik.id,
        care_unit_id=first,
    )
    db.session.commit()
    assert (new.hsa_id, new.name, new.active) == (NEW_HSA, "Nils Nyström", True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.what == "staff"))
    assert event is not None
    assert (event.action, event.actor_id, event.care_unit_id) == ("create", erik.id, first)
    assert event.detail == {"staff_id": new.id, "hsa_id": NEW_HSA}


def test_a_region_admin_appoints_the_first_permission_admin(app, demo_data):
    first, _ = units()
    db.session.execute(
        RoleAssignment.__table__.delete().where(
            RoleAssignment.care_unit_id == first, RoleAssignment.role == "permission_admin"
        )
    )
    tommy = staff(TOMMY)
    with pytest.raises(PermissionsError):
        permissions.grant(
            db.session,
            actor_id=tommy.id,
            staff_id=tommy.id,
            care_unit_id=first,
            role="permission_admin",
        )
    assert permissions.grant(
        db.session,
        actor_id=staff(JOHAN).id,
        staff_id=tommy.id,
        care_unit_id=first,
        role="permission_admin",
        by_region_admin=True,
    )
    db.session.commit()
    [event] = role_events()
    assert event.detail["by"] == "region_admin" and event.detail["change"] == "grant"


def test_thin_roles_leave_out_designer_and_publisher(app, demo_data):
    first, _ = units()
    assert permissions.thin_roles(db.session, first) == {}
    counts = permissions.role_counts(db.session, first)
    assert counts["designer"] == 1 and counts["publisher"] == 1  # Sara alone: no warning
    permissions.revoke(
        db.session,
        actor_id=staff(ERIK).id,
        staff_id=staff(ERIK).id,
        care_unit_id=first,
        role="data_admin",
    )
    assert permissions.thin_roles(db.session, first) == {"data_admin": 1}


def test_search_finds_the_units_staff_and_others_only_by_whole_hsa_id(app, demo_data):
    first, _ = units()
    rows, elsewhere = permissions.find_staff(db.session, first, "berg")
    assert [r.staff.hsa_id for r in rows] == [ANNA] and elsewhere is None
    assert rows[0].roles == ("citizen_admin", "therapist")
    rows, _ = permissions.find_staff(db.session, first, "P00000000001")
    assert {r.staff.hsa_id for r in rows} == {TOMMY, ANNA, MARIA, ERIK, staff(ERIK).hsa_id} | {
        "SE2321000131-P000000000015"
    }
    # Johan works only at the other unit: not by a part of his name, but by his whole HSA-id
    rows, elsewhere = permissions.find_staff(db.session, first, "Johan")
    assert rows == [] and elsewhere is None
    rows, elsewhere = permissions.find_staff(db.session, first, JOHAN.lower())
    assert rows == [] and elsewhere is not None and elsewhere.staff.hsa_id == JOHAN
    # a LIKE wildcard is a character like any other
    rows, _ = permissions.find_staff(db.session, first, "%")
    assert rows == []


# --- the pages -----------------------------------------------------------------------------------


def test_the_staff_page_lists_roles_and_warns_of_thin_roles(client, login):
    first, _ = units()
    permissions.revoke(
        db.session,
        actor_id=staff(ERIK).id,
        staff_id=staff(TOMMY).id,
        care_unit_id=first,
        role="therapist",
    )
    db.session.commit()
    login("staff", ERIK, unit_id=first)
    page = client.get("/admin/staff")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Anna Berg" in html and "Maria Lind" in html and "Johan Sund" not in html
    assert "Roles with fewer than two people" in html or "färre än två" in html
    warning = html.split('id="thin-heading"')[1].split("</div>")[0]
    assert "1 " in warning
    found = client.get("/admin/staff", query_string={"q": "Lind"}).get_data(as_text=True)
    assert "Maria Lind" in found and "Anna Berg" not in found


def test_staff_of_another_unit_are_shown_only_to_one_who_typed_the_whole_hsa_id(client, login):
    first, _ = units()
    login("staff", ERIK, unit_id=first)
    johan = staff(JOHAN)  # works only at the second unit
    assert client.get(f"/admin/staff/{johan.id}").status_code == 404  # ids tried one by one
    found = client.get("/admin/staff", query_string={"q": JOHAN}).get_data(as_text=True)
    link = f"/admin/staff/{johan.id}?hsa={JOHAN}"
    assert link in found
    page = client.get(link)
    assert page.status_code == 200 and "Johan Sund" in page.get_data(as_text=True)
    answer = client.post(
        link, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "roles": ["therapist"]}
    )
    assert answer.status_code == 302
    assert roles_of(JOHAN, first) == {"therapist"}
    # now that he works here too, his page is the unit's to see
    assert client.get(f"/admin/staff/{johan.id}").status_code == 200


@pytest.mark.parametrize(("who", "status"), [(TOMMY, 403), (ANNA, 403), (ERIK, 200), (MARIA, 200)])
def test_only_permission_admins_reach_the_permission_pages(client, login, who, status):
    first, _ = units()
    login("staff", who, unit_id=first)
    for path in (
        "/admin/staff",
        "/admin/staff/new",
        "/admin/roles/log",
        f"/admin/staff/{staff(TOMMY).id}",
    ):
        assert client.get(path).status_code == status, path


def test_a_new_staff_member_is_added_with_a_role_and_can_work(client, login):
    first, _ = units()
    login("staff", ERIK, unit_id=first)
    form = client.get("/admin/staff/new").get_data(as_text=True)
    response = client.post(
        "/admin/staff/new",
        data={
            "csrf_token": csrf_from(form),
            "hsa_id": NEW_HSA,
            "name": "Nils Nyström",
            "roles": ["therapist"],
        },
    )
    assert response.status_code == 302
    new = staff(NEW_HSA)
    assert roles_of(NEW_HSA, first) == {"therapist"}
    whats = [e.what for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "staff" in whats and "role_assignment" in whats
    log = client.get("/admin/roles/log").get_data(as_text=True)
    assert "Nils Nyström" in log and NEW_HSA in log
    login_as(client, new, first)
    assert client.get("/staff/enrollments/new").status_code == 200
    assert client.get("/staff/patients").status_code == 200


def test_a_bad_or_known_hsa_id_is_refused_with_a_message(client, login):
    first, _ = units()
    login("staff", ERIK, unit_id=first)
    form = client.get("/admin/staff/new").get_data(as_text=True)
    for hsa in ("12345", TOMMY):
        response = client.post(
            "/admin/staff/new",
            data={"csrf_token": csrf_from(form), "hsa_id": hsa, "name": "X", "roles": []},
        )
        assert response.status_code == 422
        assert 'id="hsa_id-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Staff).where(Staff.name == "X")) is None
    no_csrf = client.post("/admin/staff/new", data={"hsa_id": NEW_HSA, "name": "Y"})
    assert no_csrf.status_code == 400


def test_the_last_permission_admin_keeps_the_role_on_the_page(client, login):
    first, _ = units()
    maria, erik = staff(MARIA), staff(ERIK)
    permissions.revoke(
        db.session, actor_id=maria.id, staff_id=erik.id, care_unit_id=first, role="permission_admin"
    )
    db.session.commit()
    login("staff", MARIA, unit_id=first)
    page = client.get(f"/admin/staff/{maria.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/staff/{maria.id}",
        data={"csrf_token": csrf_from(page), "roles": ["citizen_admin", "data_admin"]},
    )
    assert response.status_code == 422
    assert "error-summary" in response.get_data(as_text=True)
    assert roles_of(MARIA, first) == {"permission_admin", "citizen_admin", "data_admin"}


def test_roles_are_granted_and_revoked_on_the_page(client, login):
    first, second = units()
    tommy = staff(TOMMY)
    login("staff", ERIK, unit_id=first)
    page = client.get(f"/admin/staff/{tommy.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/staff/{tommy.id}",
        data={"csrf_token": csrf_from(page), "roles": ["citizen_admin", "designer"]},
    )
    assert response.status_code == 302
    assert roles_of(TOMMY, first) == {"citizen_admin", "designer"}
    changes = {(e.detail["role"], e.detail["change"]) for e in role_events()}
    assert changes == {("citizen_admin", "grant"), ("designer", "grant"), ("therapist", "revoke")}
    bad = client.post(
        f"/admin/staff/{tommy.id}", data={"csrf_token": csrf_from(page), "roles": ["king"]}
    )
    assert bad.status_code == 422
    # the log of the other unit shows none of this
    login("staff", KARIN, unit_id=second)
    other = client.get("/admin/roles/log").get_data(as_text=True)
    assert TOMMY not in other


def test_two_revokes_at_once_leave_the_unit_an_admin(app, demo_data):
    """PostgreSQL: the unit's row lock makes the second revoke wait and then see the first."""
    import threading

    from sqlalchemy.orm import Session

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one transaction at a time; the lock matters on PostgreSQL")
    first, _ = units()
    maria, erik = staff(MARIA).id, staff(ERIK).id
    db.session.commit()
    outcome: dict[str, object] = {}
    engine = db.engine  # the thread has no app context
    with Session(engine) as one:
        assert permissions.revoke(
            one, actor_id=maria, staff_id=erik, care_unit_id=first, role="permission_admin"
        )

        def other() -> None:
            with Session(engine) as two:
                try:
                    permissions.revoke(
                        two,
                        actor_id=maria,
                        staff_id=maria,
                        care_unit_id=first,
                        role="permission_admin",
                    )
                    two.commit()
                    outcome["result"] = "revoked"
                except PermissionsError as error:
                    two.rollback()
                    outcome["result"] = error.code

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second revoke did not wait for the first"
        one.commit()
    thread.join(timeout=10)
    # without the lock both would have counted two administrators and the unit kept none
    assert outcome["result"] == "last_permission_admin"
    db.session.expire_all()
    assert roles_of(MARIA, first) >= {"permission_admin"}
