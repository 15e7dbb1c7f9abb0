"""Guardians: the rules (under 13 from the personnummer, any source), the core's table source,
the hook, and the citizen administrator's pages."""

from __future__ import annotations

import types
from datetime import UTC, date, datetime

import pytest
from guardian_helpers import (
    ANNA,
    ELIN,
    JOHN,
    KARIN,
    child,
    citizen,
    guardianship,
    number_born,
    staff,
    units,
    years_ago,
)
from sqlalchemy import select

from sob_core import GuardianshipSource, PluginContractError, Ward, guardians, hookimpl
from sob_core.enrollments.clock import local_date
from sob_core.extensions import db
from sob_core.models import AuditEvent, Guardianship
from sob_core.plugins import PluginLoadError, current_host
from sob_core.testing import csrf_from, login_as


def sources():
    return list(current_host().registry.guardianship_sources.values())


def fixed(*wards: Ward, key: str = "register") -> GuardianshipSource:
    return GuardianshipSource(key, {"sv": "Folkbokföringen"}, lambda s, g, c: list(wards))


# --- the rules -----------------------------------------------------------------------------------


def test_a_child_counts_until_the_day_before_her_13th_birthday():
    born = date(2014, 3, 15)
    number = number_born(born)
    assert guardians.young_enough(number, date(2027, 3, 14)) is not None
    assert guardians.young_enough(number, date(2027, 3, 15)) is None
    assert guardians.young_enough("not a number", date(2027, 3, 14)) is None


def test_children_of_keeps_wards_under_13_once_each_from_every_source(app):
    young, old = number_born(date(2018, 1, 2)), number_born(date(2010, 1, 2))
    wards = guardians.children_of(
        db.session,
        [
            fixed(Ward(young, "Lilla"), Ward(old, "Stora"), Ward("junk")),
            fixed(Ward(young[2:], ""), key="other"),  # the same child, 10 digits
        ],
        JOHN,
        date(2026, 12, 2),
        {},
    )
    assert [(c.personnummer, c.name, c.age, c.sources) for c in wards.children] == [
        (young, "Lilla", 8, ("register", "other"))
    ]
    assert wards.failed == ()


def test_a_source_that_fails_names_nobody_and_is_reported(app):
    def down(session, guardian, config):
        raise ConnectionError("register down")

    young = number_born(date(2018, 1, 2))
    broken = GuardianshipSource("down", {"sv": "Nere"}, down)
    wards = guardians.children_of(
        db.session, [broken, fixed(Ward(young))], JOHN, date(2026, 12, 2), {}
    )
    assert [c.personnummer for c in wards.children] == [young] and wards.failed == ("down",)
    assert not guardians.may_act_for(db.session, [broken], JOHN, young, date(2026, 12, 2), {})


def test_may_act_for_needs_a_source_naming_the_child_and_the_age(app):
    young = number_born(date(2018, 1, 2))
    other = number_born(date(2018, 1, 2), "246")
    named = [fixed(Ward(young))]
    assert guardians.may_act_for(db.session, named, JOHN, young, date(2026, 12, 2), {})
    assert not guardians.may_act_for(db.session, named, JOHN, other, date(2026, 12, 2), {})
    assert not guardians.may_act_for(db.session, named, JOHN, young, date(2031, 1, 2), {})


def test_the_table_source_reads_the_guardianships(app, demo_data):
    kid = child("Lisa Doe", years_ago(7))
    guardianship(JOHN, kid)
    wards = guardians.children_of(db.session, sources(), JOHN, local_date(datetime.now(UTC)), {})
    assert [(c.personnummer, c.name, c.sources) for c in wards.children] == [
        (kid.personnummer, "Lisa Doe", ("table",))
    ]
    assert (
        guardians.children_of(
            db.session, sources(), ELIN, local_date(datetime.now(UTC)), {}
        ).children
        == ()
    )


@pytest.mark.parametrize(
    ("guardian", "kid", "name", "code"),
    [
        ("12345", None, "", "bad_guardian"),
        (JOHN, "19850314-2394", "", "bad_child"),
        (JOHN, JOHN, "", "same_person"),
        (JOHN, "old", "Stor", "too_old"),
        (JOHN, "new", "", "no_name"),
        (JOHN, "new", "x" * 201, "name_too_long"),
    ],
)
def test_adding_a_guardianship_is_checked(app, demo_data, guardian, kid, name, code):
    numbers = {
        None: number_born(years_ago(5)),
        "old": number_born(years_ago(13)),
        "new": number_born(years_ago(5)),
    }
    with pytest.raises(guardians.GuardianError) as caught:
        guardians.add(
            db.session,
            guardian=guardian,
            child=numbers.get(kid, kid),
            child_name=name,
            care_unit_id=units()[0].id,
            actor_id=staff(ANNA).id,
            today=local_date(datetime.now(UTC)),
        )
    assert caught.value.code == code


def test_adding_registers_a_new_child_refuses_a_double_and_is_audited(app, demo_data):
    number = number_born(years_ago(4))
    anna, unit = staff(ANNA), units()[0]
    row = guardians.add(
        db.session,
        guardian="19850314-2393",
        child=number,
        child_name="  Mini   Doe ",
        care_unit_id=unit.id,
        actor_id=anna.id,
        today=local_date(datetime.now(UTC)),
    )
    db.session.commit()
    assert row.guardian_personnummer == JOHN and citizen(number).name == "Mini Doe"
    with pytest.raises(guardians.GuardianError) as caught:
        guardians.add(
            db.session,
            guardian=JOHN,
            child=number,
            child_name="",
            care_unit_id=unit.id,
            actor_id=anna.id,
            today=local_date(datetime.now(UTC)),
        )
    assert caught.value.code == "already"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.what == "guardianship"))
    assert (event.actor_kind, event.actor_id, event.action, event.citizen_id) == (
        "staff",
        anna.id,
        "create",
        citizen(number).id,
    )


# --- the hook ------------------------------------------------------------------------------------


def test_hook_sob_guardianship_sources(app, demo_data, register_plugin):
    kid = child("Region Barn", years_ago(9))
    source = fixed(Ward(kid.personnummer, "Region Barn"))
    plugin = types.ModuleType("register_plugin")
    plugin.sob_guardianship_sources = hookimpl(lambda: [source])  # type: ignore[attr-defined]
    register_plugin(plugin, "population_register")
    assert set(current_host().registry.guardianship_sources) == {"table", "register"}
    assert current_host().owner("guardianship source", "table") == "sob_core"
    wards = guardians.children_of(db.session, sources(), ELIN, local_date(datetime.now(UTC)), {})
    assert [c.sources for c in wards.children] == [("register",)]


def test_a_plugin_cannot_claim_the_core_table_source(app, register_plugin):
    plugin = types.ModuleType("thief")
    plugin.sob_guardianship_sources = hookimpl(  # type: ignore[attr-defined]
        lambda: [fixed(key="table")]
    )
    with pytest.raises(PluginLoadError, match="'sob_core' and 'thief'"):
        register_plugin(plugin, "thief")


def test_a_source_is_checked_when_it_loads():
    with pytest.raises(PluginContractError):
        GuardianshipSource("Bad Key", {"sv": "x"}, lambda s, g, c: []).validate()
    with pytest.raises(PluginContractError):
        GuardianshipSource("ok", {"en": "no swedish"}, lambda s, g, c: []).validate()
    with pytest.raises(PluginContractError):
        GuardianshipSource("ok", {"sv": "x"}, "not callable").validate()  # type: ignore[arg-type]


# --- the citizen administrator's pages -----------------------------------------------------------


def test_the_citizen_administrator_records_and_removes_a_guardianship(app, client, demo_data):
    unit = units()[0]
    login_as(client, staff(ANNA), unit.id)
    page = client.get("/admin/guardians")
    assert page.status_code == 200
    number = number_born(years_ago(6))
    response = client.post(
        "/admin/guardians",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "guardian": "19850314-2393",
            "child": f"{number[:8]}-{number[8:]}",
            "child_name": "Ny Doe",
        },
    )
    assert response.status_code == 302
    listing = client.get("/admin/guardians").get_data(as_text=True)
    assert "Ny Doe" in listing and "19850314-2393" in listing
    row = db.session.scalar(select(Guardianship))
    read = db.session.scalar(
        select(AuditEvent).where(AuditEvent.what == "guardianships", AuditEvent.action == "read")
    )
    assert read is not None and read.citizen_id == row.child_id
    response = client.post(
        f"/admin/guardians/{row.id}/delete", data={"csrf_token": csrf_from(listing)}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Guardianship)) is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.what == "guardianship")
    ).all()
    assert sorted(actions) == ["create", "delete"]


def test_a_bad_number_is_a_form_error_not_a_500(app, client, demo_data):
    login_as(client, staff(ANNA), units()[0].id)
    page = client.get("/admin/guardians").get_data(as_text=True)
    response = client.post(
        "/admin/guardians",
        data={"csrf_token": csrf_from(page), "guardian": "1985", "child": "x", "child_name": ""},
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "error-summary" in text and "inte giltigt" in text


def test_another_units_guardianships_are_neither_shown_nor_removable(app, client, demo_data):
    first, second = units()
    kid = child("Annan Enhet", years_ago(8))
    row = guardianship(JOHN, kid, second.id)
    login_as(client, staff(ANNA), first.id)
    page = client.get("/admin/guardians").get_data(as_text=True)
    assert "Annan Enhet" not in page
    response = client.post(
        f"/admin/guardians/{row.id}/delete", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 404
    login_as(client, staff(KARIN), second.id)
    assert "Annan Enhet" in client.get("/admin/guardians").get_data(as_text=True)


def test_only_citizen_administrators_reach_the_page(app, client, demo_data):
    login_as(client, staff("SE2321000131-P000000000011"), units()[0].id)  # a therapist only
    assert client.get("/admin/guardians").status_code == 403
