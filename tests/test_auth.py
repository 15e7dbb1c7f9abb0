"""Signing in and out, host side: ``complete_login`` turns a verified identity into a session.

The first-party providers have their tests in ``plugins/auth/tests``; here a throwaway provider
calls ``complete_login`` so the host's part is tested without any of them.
"""

from __future__ import annotations

import types

import pytest
from flask import Blueprint, request

from sob_core import LoginProvider, VerifiedIdentity, complete_login, hookimpl, public
from sob_core.models import AuditEvent
from sob_core.testing import csrf_from

THERAPIST = "SE2321000131-P000000000011"
CITIZEN = "198503142393"


def _provider_plugin() -> types.ModuleType:
    bp = Blueprint("trusting_login", __name__)

    @bp.route("/")
    @public
    def start():
        audience = request.args["audience"]
        return complete_login(
            VerifiedIdentity(audience, request.args["who"], "trusting", "loa3", "Testperson")
        )

    module = types.ModuleType("trusting_login")
    module.sob_login_providers = hookimpl(
        lambda: [LoginProvider("trusting", {"sv": "Lita"}, ("staff", "citizen"), bp)]
    )
    return module


@pytest.fixture
def sign_in(client, register_plugin, demo_data):
    register_plugin(_provider_plugin(), "trusting_login")

    def do(audience: str, who: str):
        return client.get(f"/auth/trusting/?audience={audience}&who={who}")

    return do


def test_complete_login_starts_a_session_of_one_audience(client, sign_in):
    assert sign_in("staff", THERAPIST).status_code == 302
    assert "Tommy Skjulsvik" in client.get("/staff/").get_data(as_text=True)
    assert sign_in("citizen", CITIZEN).status_code == 302
    assert client.get("/citizen/").status_code == 200
    # The citizen login replaced the staff session: no staff pages any more.
    assert client.get("/staff/").status_code == 403


def test_login_is_audited(client, sign_in, app):
    sign_in("citizen", CITIZEN)
    from sob_core.extensions import db

    events = db.session.query(AuditEvent).filter_by(action="login").all()
    assert [(e.actor_kind, e.what) for e in events] == [("citizen", "session")]
    assert events[0].detail == {"provider": "trusting"}


def test_next_parameter_only_follows_local_paths(client, sign_in):
    client.get("/auth/login?next=https://evil.example/")
    assert sign_in("citizen", CITIZEN).headers["Location"] == "/citizen/"
    client.get("/auth/login?next=/citizen/messages")
    assert sign_in("citizen", CITIZEN).headers["Location"] == "/citizen/messages"


def test_unknown_staff_gets_no_session(client, sign_in):
    response = sign_in("staff", "SE-NOBODY")
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/staff/").status_code == 302


def test_login_as_signs_in_without_a_provider(client, app, demo_data):
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import Staff
    from sob_core.testing import login_as

    therapist = db.session.scalar(select(Staff).where(Staff.hsa_id == THERAPIST))
    login_as(client, therapist)
    assert "Tommy Skjulsvik" in client.get("/staff/").get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["audience"] == "staff" and session["provider"] == "test"


def test_logout_needs_post_with_csrf(client, login):
    login("citizen", CITIZEN)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    page = client.get("/citizen/").get_data(as_text=True)
    assert client.post("/auth/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get("/citizen/").status_code == 302
