"""Deny by default: every route declares access; each role reaches exactly its areas."""

from __future__ import annotations

import pytest
from flask import Blueprint

from sob_core.web.access import rule_for

STAFF = {
    "therapist": "SE2321000131-P000000000011",
    "permission_admin": "SE2321000131-P000000000014",
    "designer": "SE2321000131-P000000000015",
}
CITIZEN = "198503142393"


def test_every_route_declares_its_access(app):
    undeclared = [
        rule.rule for rule in app.url_map.iter_rules() if rule_for(app, rule.endpoint) is None
    ]
    assert undeclared == [], f"routes without an access declaration: {undeclared}"


def test_a_route_without_declaration_is_denied(app, client):
    bp = Blueprint("forgotten", __name__)
    bp.add_url_rule("/forgotten", "view", lambda: "secret")
    app.register_blueprint(bp)
    assert rule_for(app, "forgotten.view") is None
    response = client.get("/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.data


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        (None, "/staff/", 302),
        (None, "/citizen/", 302),
        (None, "/admin/plugins", 302),
        ("citizen", "/citizen/", 200),
        ("citizen", "/staff/", 403),
        ("citizen", "/admin/", 403),
        ("therapist", "/staff/", 200),
        ("therapist", "/citizen/", 403),
        ("therapist", "/admin/", 403),
        ("therapist", "/admin/plugins", 403),
        ("designer", "/admin/plugins", 403),
        ("permission_admin", "/admin/", 200),
        ("permission_admin", "/admin/plugins", 200),
        ("permission_admin", "/citizen/", 403),
    ],
)
def test_role_matrix(client, login, demo_data, who, path, status):
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import CareUnit

    first = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    if who == "citizen":
        login("citizen", CITIZEN)
    elif who is not None:
        login("staff", STAFF[who], unit_id=first)
    assert client.get(path).status_code == status


def test_role_is_checked_at_the_active_care_unit(client, login, app):
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import CareUnit

    first, second = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()
    # Maria Lind is permission admin at both units; Anna Berg only works at the first.
    login("staff", "SE2321000131-P000000000012", unit_id=second)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/plugins").status_code == 403


def test_unit_choice_is_limited_to_own_units(client, login, app):
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import CareUnit
    from sob_core.testing import csrf_from

    first, second = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()
    login("staff", "SE2321000131-P000000000011")  # Tommy: only the first unit
    page = client.get("/staff/unit").get_data(as_text=True)
    response = client.post("/staff/unit", data={"csrf_token": csrf_from(page), "care_unit": second})
    assert response.status_code in (200, 403)
    with client.session_transaction() as session:
        assert session.get("care_unit_id") != second
