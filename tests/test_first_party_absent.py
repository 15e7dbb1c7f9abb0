"""The core keeps working when any one first-party plugin distribution is not installed.

Each distribution's entry points are left out in turn; the app must still start, ``sob plugins``
must run, and every page reachable without URL parameters must answer without a server error for
an anonymous visitor, a staff member holding every role, and a citizen.
"""

from __future__ import annotations

import datetime
import json
from importlib.metadata import entry_points

import pytest

from sob_core.access_rules import ROLES
from sob_core.testing import login_as

FIRST_PARTY = ("sob-auth", "sob-notifications", "sob-questions", "sob-scales")


def _entry_point_names(distribution: str) -> list[str]:
    return sorted(
        ep.name for ep in entry_points(group="sob") if ep.dist and ep.dist.name == distribution
    )


def _people():
    from sob_core.extensions import db
    from sob_core.models import CareUnit, Citizen, Region, RoleAssignment, Staff

    region = Region(code="99", name="Testregionen")
    unit = CareUnit(region=region, hsa_id="SE-UNIT-1", name="Testmottagningen")
    staff = Staff(hsa_id="SE-STAFF-1", name="Alla Roller")
    citizen = Citizen(
        personnummer="198503142393",
        name="Test Testsson",
        birth_date=datetime.date(1985, 3, 14),
        legal_sex="male",
    )
    db.session.add_all([region, unit, staff, citizen])
    db.session.flush()
    db.session.add_all(
        [RoleAssignment(staff_id=staff.id, care_unit_id=unit.id, role=r) for r in ROLES]
    )
    db.session.commit()
    return staff, citizen, unit.id


def _pages(app) -> list[str]:
    skip = ("static", "plugin_static")
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint not in skip
    )


@pytest.mark.parametrize("distribution", FIRST_PARTY)
def test_core_works_without_a_first_party_distribution(make_app, distribution):
    removed = _entry_point_names(distribution)
    assert removed, f"{distribution} is not installed"
    app = make_app(config={"SOB_DISABLED_PLUGINS": removed})
    host = app.extensions["sob"]
    assert not set(removed) & set(host.plugins)

    result = app.test_cli_runner().invoke(args=["plugins"])
    assert result.exit_code == 0, result.output
    listed = app.test_cli_runner().invoke(args=["plugins", "--json"])
    assert listed.exit_code == 0, listed.output
    assert not {row["name"] for row in json.loads(listed.output)} & set(removed)

    with app.app_context():
        staff, citizen, unit_id = _people()
        visitors = {"anonymous": None, "staff": staff, "citizen": citizen}
        failures = []
        for who, person in visitors.items():
            client = app.test_client()
            if person is not None:
                login_as(client, person, unit_id if who == "staff" else None)
            for page in _pages(app):
                response = client.get(page)
                response.close()  # file responses (scripts) hold their file open until closed
                if response.status_code >= 500:
                    failures.append(f"{who} GET {page}: {response.status_code}")
            if who != "anonymous":
                assert client.get(f"/{who}/").status_code == 200, who
        assert failures == []

        login_page = app.test_client().get("/auth/login").get_data(as_text=True)
        if distribution == "sob-auth":
            assert "Inget inloggningssätt för personal är installerat." in login_page

    # And the login page of a real deployment, without demo mode.
    production = make_app(config={"SOB_DISABLED_PLUGINS": removed, "SOB_DEMO": False})
    assert production.test_client().get("/auth/login").status_code == 200
