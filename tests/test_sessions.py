"""Sessions really end: server-side sessions, revoked on logout, deactivation and role removal.

The cookie holds only a random id; the session lives in ``user_session`` (a hash of the id). The
clock is the session interface's ``now``, replaced here, so timeouts are tested without sleeping.
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Blueprint, request
from sqlalchemy import event, func, select, update

from sob_core import LoginProvider, VerifiedIdentity, complete_login, hookimpl, public
from sob_core.extensions import db
from sob_core.identity import sessions
from sob_core.jobs import tasks
from sob_core.models import Citizen, RoleAssignment, Staff, UserSession
from sob_core.testing import csrf_from, login_as

THERAPIST = "SE2321000131-P000000000011"
CITIZEN = "198503142393"
COOKIE = "sob_session"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app) -> Clock:
    ticking = Clock()
    app.session_interface.now = ticking
    return ticking


def _provider_plugin() -> types.ModuleType:
    bp = Blueprint("trusting_login", __name__)

    @bp.route("/")
    @public
    def start():
        return complete_login(
            VerifiedIdentity(
                request.args["audience"], request.args["who"], "trusting", "loa3", "Testperson"
            )
        )

    module = types.ModuleType("trusting_login")
    module.sob_login_providers = hookimpl(  # type: ignore[attr-defined]
        lambda: [LoginProvider("trusting", {"sv": "Lita"}, ("staff", "citizen"), bp)]
    )
    return module


def _staff(hsa_id: str = THERAPIST) -> Staff:
    staff = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))
    assert staff is not None
    return staff


def _citizen() -> Citizen:
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == CITIZEN))
    assert citizen is not None
    return citizen


def _cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def _with_cookie(app, token: str):
    other = app.test_client()
    other.set_cookie(COOKIE, token)
    return other


def _rows(kind: str | None = None, person_id: int | None = None) -> int:
    query = select(func.count(UserSession.id))
    if kind is not None:
        query = query.where(UserSession.person_kind == kind, UserSession.person_id == person_id)
    db.session.expire_all()
    return db.session.scalar(query) or 0


def _signed_in_staff(client, clock) -> Staff:
    staff = _staff()
    login_as(client, staff, unit_id=staff.roles[0].care_unit_id)
    assert client.get("/staff/").status_code == 200
    return staff


def test_a_cookie_copied_before_logout_is_dead_after_logout(app, client, demo_data, clock):
    citizen = _citizen()
    login_as(client, citizen)
    page = client.get("/citizen/").get_data(as_text=True)
    copied = _cookie(client)
    assert _with_cookie(app, copied).get("/citizen/").status_code == 200
    response = client.post("/auth/logout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert _with_cookie(app, copied).get("/citizen/").status_code == 302
    assert client.get("/citizen/").status_code == 302
    assert _rows("citizen", citizen.id) == 0


def test_deactivation_makes_the_open_session_anonymous(app, client, demo_data, clock):
    staff = _signed_in_staff(client, clock)
    sessions.deactivate_staff(db.session, staff)
    db.session.commit()
    assert _rows("staff", staff.id) == 0  # the ORM event ended every session
    assert client.get("/staff/").status_code == 302


def test_an_inactive_person_is_anonymous_even_if_a_session_survived(app, client, demo_data, clock):
    staff = _signed_in_staff(client, clock)
    # A bulk UPDATE bypasses the ORM event; the user loader's is_active check still holds.
    db.session.execute(update(Staff).where(Staff.id == staff.id).values(active=False))
    db.session.commit()
    assert _rows("staff", staff.id) == 1
    assert client.get("/staff/").status_code == 302


def test_setting_active_false_through_the_orm_ends_sessions(app, client, demo_data, clock):
    staff = _signed_in_staff(client, clock)
    other = app.test_client()
    login_as(other, staff, unit_id=staff.roles[0].care_unit_id)
    assert _rows("staff", staff.id) == 2
    staff.active = False
    db.session.commit()
    assert _rows("staff", staff.id) == 0
    assert other.get("/staff/").status_code == 302


def test_role_removal_ends_the_staff_members_sessions(app, client, demo_data, clock):
    staff = _signed_in_staff(client, clock)
    citizen_client = app.test_client()
    login_as(citizen_client, _citizen())
    sessions.remove_role(db.session, staff.roles[0])
    db.session.commit()
    assert _rows("staff", staff.id) == 0
    assert client.get("/staff/").status_code == 302
    assert citizen_client.get("/citizen/").status_code == 200  # nobody else's session ends


def test_removing_a_role_from_the_collection_ends_sessions_too(app, client, demo_data, clock):
    staff = _signed_in_staff(client, clock)
    role = staff.roles[0]
    staff.roles.remove(role)  # delete-orphan: the row is deleted at the flush
    db.session.commit()
    assert db.session.get(RoleAssignment, role.id) is None
    assert client.get("/staff/").status_code == 302


def test_login_rotates_the_session_id(app, client, register_plugin, demo_data, clock):
    register_plugin(_provider_plugin(), "trusting_login")
    client.get("/lang/en")  # stores the language: an anonymous session
    before = _cookie(client)
    assert _rows() == 1
    assert client.get(f"/auth/trusting/?audience=citizen&who={CITIZEN}").status_code == 302
    after = _cookie(client)
    assert after != before
    assert client.get("/citizen/").status_code == 200
    # The old id is gone from the table: the pre-login cookie opens nothing.
    assert _with_cookie(app, before).get("/citizen/").status_code == 302
    hashes = set(db.session.scalars(select(UserSession.token_hash)))
    assert sessions.token_hash(before) not in hashes
    assert sessions.token_hash(after) in hashes


def test_login_as_also_rotates(app, client, demo_data, clock):
    login_as(client, _citizen())
    first = _cookie(client)
    login_as(client, _citizen())
    assert _cookie(client) != first
    assert _with_cookie(app, first).get("/citizen/").status_code == 302
    assert client.get("/citizen/").status_code == 200


def test_citizen_idle_timeout(app, client, demo_data, clock):
    login_as(client, _citizen())
    clock.advance(minutes=29)
    assert client.get("/citizen/").status_code == 200
    clock.advance(minutes=29)  # 58 minutes in, but active 29 minutes ago
    assert client.get("/citizen/").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/citizen/").status_code == 302


def test_staff_idle_timeout_is_its_own_setting(app, client, demo_data, clock):
    _signed_in_staff(client, clock)
    clock.advance(minutes=59)
    assert client.get("/staff/").status_code == 200
    clock.advance(minutes=61)
    assert client.get("/staff/").status_code == 302


@pytest.mark.parametrize("sob_config", [{"SOB_SESSION_IDLE_MINUTES": 5.0}])
def test_idle_timeout_follows_the_setting(app, client, demo_data, clock, sob_config):
    login_as(client, _citizen())
    clock.advance(minutes=6)
    assert client.get("/citizen/").status_code == 302


def test_absolute_lifetime_ends_even_an_active_session(app, client, demo_data, clock):
    login_as(client, _citizen())
    for _ in range(35):  # a request every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert client.get("/citizen/").status_code == 200
    clock.advance(minutes=21)  # 12 h 1 min after sign-in
    assert client.get("/citizen/").status_code == 302


def test_the_cookie_holds_only_the_id(app, client, demo_data, clock):
    citizen = _citizen()
    login_as(client, citizen)
    client.get("/citizen/")
    token = _cookie(client)
    assert "." not in token and len(token) >= 22  # no signed payload; ≥128 bits of randomness
    assert CITIZEN not in token and str(citizen.id) not in token.split("_")
    row = db.session.scalar(select(UserSession).where(UserSession.person_id == citizen.id))
    assert row is not None
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.data and token != row.token_hash  # the id itself is never stored


def _statements(run: Callable[[], object]) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_an_anonymous_page_view_writes_no_session(app, client, demo_data, clock):
    response = client.get("/")
    assert response.status_code == 200
    assert client.get_cookie(COOKIE) is None
    assert _rows() == 0
    statements = _statements(lambda: client.get("/"))
    assert not [s for s in statements if "user_session" in s]


def test_a_signed_in_request_reads_its_session_once_and_writes_rarely(
    app, client, demo_data, clock
):
    login_as(client, _citizen())
    client.get("/citizen/")
    statements = _statements(lambda: client.get("/citizen/"))
    touching = [s for s in statements if "user_session" in s]
    assert len(touching) == 1 and touching[0].lstrip().upper().startswith("SELECT")
    clock.advance(minutes=2)  # the last-seen time is written at most once a minute
    statements = _statements(lambda: client.get("/citizen/"))
    assert len([s for s in statements if "user_session" in s]) == 2


def test_purge_deletes_only_expired_sessions(app, client, demo_data, clock):
    clock.now = datetime.now(UTC)  # the purge runs on the wall clock
    login_as(client, _citizen())
    live = app.test_client()
    login_as(live, _staff())
    db.session.execute(
        update(UserSession)
        .where(UserSession.person_kind == "citizen")
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    db.session.commit()
    assert tasks.purge_sessions() == 1
    assert _rows() == 1 and _rows("citizen", _citizen().id) == 0


def test_an_unknown_or_forged_cookie_is_anonymous(app, client, demo_data, clock):
    client.set_cookie(COOKIE, "forged" * 10)
    assert client.get("/citizen/").status_code == 302
    client.set_cookie(COOKIE, "x" * 500)
    assert client.get("/citizen/").status_code == 302
