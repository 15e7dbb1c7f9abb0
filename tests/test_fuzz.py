"""No input ends in a 500: every route's path parameters and every POST's body, fuzzed.

The walk is deterministic: each route is asked as the audience it serves (and anonymously), each
path parameter in turn gets a list of nasty values while the others keep real demo ids, so the
view itself — not only the routing — sees them. The POST bodies come from hypothesis
(``derandomize=True``, a few examples per route): form-encoded garbage over the field names sob
uses, JSON, multipart, raw bytes, empty — with and without a valid CSRF token.

A 500 is an answer with status 500 or an exception escaping the app (tests propagate them).
Everything found is collected, so one run lists every route that fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sob_core.extensions import db
from sob_core.models import (
    ActivityRegistration,
    Banner,
    BatterySchedule,
    CareUnit,
    Citizen,
    Conversation,
    Enrollment,
    ExportJob,
    Flag,
    Form,
    FormAssignment,
    FormDraft,
    FormResponse,
    Guardianship,
    MediaFile,
    Message,
    Notification,
    Program,
    ProgramVersion,
    Region,
    RoleAssignment,
    Staff,
    StaffReminder,
)
from sob_core.testing import CSRF_RE, login_as
from sob_core.web.access import rule_for

NASTY = (
    "0",
    "-1",
    str(2**63),
    str(2**64 + 7),
    "9" * 40,
    "ä€😀",
    "%0a",
    "a%0d%0aSet-Cookie:x=1",
    "%00",
    "..",
    "x" * 3000,
)
#: field names the forms of sob use: garbage under them reaches the validators and coercions
FIELDS = (
    "csrf_token",
    "next",
    "hsa_id",
    "password",
    "code",
    "identifier",
    "audience",
    "personnummer",
    "program_version",
    "therapist",
    "care_units",
    "days",
    "min_age",
    "max_age",
    "old",
    "new",
    "key",
    "name",
    "title",
    "unit",
    "care_unit",
    "visible",
    "bump",
    "form_key",
    "unlock",
    "reason",
    "value",
    "q1",
    "email",
    "mobile",
    "use_email",
    "use_sms",
    "language",
    "mode",
    "body",
    "subject",
    "notify",
    "token",
    "status",
    "id",
)
SKIP = {"static", "plugin_static", "plotly_js"}
CITIZEN = "198503142393"


def _base_values(staff_unit: int) -> dict[str, str]:
    """A real value for every path parameter, so a fuzzed one is the only thing wrong."""

    def first(model: Any, *where: Any) -> str:
        found = db.session.scalar(select(model.id).where(*where).order_by(model.id))
        return str(found or 1)

    return {
        "assignment_id": first(FormAssignment),
        "enrollment_id": first(Enrollment, Enrollment.care_unit_id == staff_unit),
        "response_id": first(FormResponse),
        "program_id": first(Program),
        "version_id": first(ProgramVersion),
        "form_id": first(Form),
        "draft_id": first(FormDraft),
        "media_id": first(MediaFile),
        "key": "phq9",
        "item_key": "intro",
        "module_key": "m1",
        "direction": "up",
        "kind": "text",
        "lang": "sv",
        "plugin": "sob_questions",
        "filename": "x.css",
        "notification_id": first(Notification),
        "conversation_id": first(Conversation),
        "message_id": first(Message),
        "registration_id": first(ActivityRegistration),
        "schedule_id": first(BatterySchedule),
        "reminder_id": first(StaffReminder),
        "rule_key": "r1",
        "flag_id": first(Flag),
        "token": "0" * 40,
        "region_id": first(Region),
        "unit_id": str(staff_unit),
        "banner_id": first(Banner),
        "job_id": first(ExportJob),
        "staff_id": first(Staff),
        "guardianship_id": first(Guardianship),
    }


def _busiest_staff() -> tuple[Staff, int]:
    """The staff member with the most roles at one unit: the one who reaches the most views."""
    staff_id, unit_id = db.session.execute(
        select(RoleAssignment.staff_id, RoleAssignment.care_unit_id)
        .group_by(RoleAssignment.staff_id, RoleAssignment.care_unit_id)
        .order_by(func.count().desc(), RoleAssignment.staff_id)
        .limit(1)
    ).one()
    staff = db.session.get(Staff, staff_id)
    assert staff is not None
    return staff, unit_id


def _a_conversation(staff: Staff, unit: int) -> None:
    """A conversation in an enrollment of the unit with messaging on, so the message views'
    forms are reached with real ids (the first conversation and message are the base values)."""
    from datetime import UTC, datetime

    from sob_core import messaging

    for enrollment in db.session.scalars(
        select(Enrollment).where(Enrollment.care_unit_id == unit).order_by(Enrollment.id)
    ):
        if messaging.writable(enrollment):
            messaging.send(
                db.session,
                enrollment=enrollment,
                author_kind="staff",
                author_id=staff.id,
                token=messaging.send_token(db.session, enrollment.id, None),
                body="Hej",
                subject="Fuzz",
                now=datetime.now(UTC),
            )
            db.session.commit()
            return
    raise AssertionError("no enrollment of the unit has messaging on")


class Walk:
    """The clients of the three audiences and the 500s found so far."""

    def __init__(self, app: Flask, demo_data: None) -> None:
        self.app = app
        staff, unit = _busiest_staff()
        citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == CITIZEN))
        _a_conversation(staff, unit)
        # and regional administrator of the unit's region, so the /region pages are walked too
        from sob_core import regions

        region_id = db.session.get(CareUnit, unit).region_id
        regions.make_region_admin(db.session, staff_id=staff.id, region_id=region_id)
        db.session.commit()
        self.base = _base_values(unit)
        self.clients: dict[str, FlaskClient] = {
            "public": app.test_client(),
            "citizen": app.test_client(),
            "staff": app.test_client(),
        }
        login_as(self.clients["citizen"], citizen)
        login_as(self.clients["staff"], staff, unit)
        self.tokens = {
            audience: self._token(client, start)
            for (audience, client), start in zip(
                self.clients.items(), ("/auth/password/", "/citizen/", "/staff/"), strict=True
            )
        }
        self.failures: list[str] = []

    @staticmethod
    def _token(client: FlaskClient, page: str) -> str:
        match = CSRF_RE.search(client.get(page).get_data(as_text=True))
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def audiences(self, endpoint: str) -> list[str]:
        rule = rule_for(self.app, endpoint)
        audience = rule.audience if rule else "public"
        served = {"public": "public", "citizen": "citizen"}.get(audience, "staff")
        return sorted({"public", served})

    def ask(self, audience: str, method: str, path: str, **kwargs: Any) -> None:
        client = self.clients[audience]
        try:
            status = client.open(path, method=method, **kwargs).status_code
        except Exception as error:  # noqa: BLE001 — an escaping exception is the 500 we hunt
            db.session.rollback()
            self.failures.append(f"{audience} {method} {path[:120]}: {type(error).__name__}")
            return
        if status >= 500:
            self.failures.append(f"{audience} {method} {path[:120]}: {status}")

    def path(self, rule: Any, values: dict[str, str]) -> str:
        """The rule's path with ``values`` put in as they would arrive (already URL-quoted)."""
        path = rule.rule
        for argument in rule.arguments:
            start = path.index("<")
            end = path.index(">", start)
            path = path[:start] + values[argument] + path[end + 1 :]
        return path

    def rules(self, method: str) -> Iterator[Any]:
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            if rule.endpoint not in SKIP and method in rule.methods:
                yield rule


@pytest.fixture
def walk(app: Flask, demo_data: None) -> Walk:
    return Walk(app, demo_data)


def _quoted(value: str) -> str:
    return value if "%" in value else quote(value, safe="")


def test_no_path_parameter_gives_a_500(walk):
    for rule in walk.rules("GET"):
        for audience in walk.audiences(rule.endpoint):
            real = {name: walk.base[name] for name in rule.arguments}
            walk.ask(audience, "GET", walk.path(rule, real))
            for name in sorted(rule.arguments):
                for value in NASTY:
                    walk.ask(audience, "GET", walk.path(rule, {**real, name: _quoted(value)}))
    assert walk.failures == []


def test_no_query_string_gives_a_500(walk):
    for rule in walk.rules("GET"):
        audience = walk.audiences(rule.endpoint)[-1]
        path = walk.path(rule, {name: walk.base[name] for name in rule.arguments})
        for value in ("%0a", str(2**64), "//evil.example", "ä" * 500):
            walk.ask(audience, "GET", f"{path}?next={value}&day={value}&page={value}")
    assert walk.failures == []


_text = st.text(max_size=40)
_nasty = st.sampled_from(NASTY)
_form = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), _text), st.one_of(_nasty, _text), max_size=6
)
_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), _text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)
BODIES = st.one_of(
    st.tuples(st.just("form"), _form, st.booleans()),
    st.tuples(st.just("json"), _json, st.booleans()),
    st.tuples(st.just("multipart"), _form, st.booleans()),
    st.tuples(st.just("raw"), st.binary(max_size=200), st.sampled_from(("", "text/xml"))),
    st.just(("empty", None, False)),
)


def _request(kind: str, payload: Any, extra: Any, token: str) -> dict[str, Any]:
    if kind == "form" or kind == "multipart":
        data = {**payload, **({"csrf_token": token} if extra else {})}
        if kind == "multipart":
            import io

            data["file"] = (io.BytesIO(b'{"format": 1}'), "x.json")
            return {"data": data, "content_type": "multipart/form-data"}
        return {"data": data}
    if kind == "json":
        return {
            "data": json.dumps(payload),
            "content_type": "application/json",
            "headers": {"X-CSRFToken": token} if extra else {},
        }
    if kind == "raw":
        return {"data": payload, **({"content_type": extra} if extra else {})}
    return {}


def _poster(walk: Walk, audience: str, path: str) -> Any:
    token = walk.tokens[audience]

    @settings(
        max_examples=6,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(BODIES)
    def post(body: tuple[str, Any, Any]) -> None:
        walk.ask(audience, "POST", path, **_request(*body, token=token))

    return post


def test_no_post_body_gives_a_500(walk):
    for rule in walk.rules("POST"):
        path = walk.path(rule, {name: walk.base[name] for name in rule.arguments})
        for audience in walk.audiences(rule.endpoint):
            _poster(walk, audience, path)()
    assert walk.failures == []


def test_a_json_body_where_a_form_is_expected_is_refused_in_the_users_language(walk):
    client = walk.clients["staff"]
    response = client.post(
        "/staff/enrollments/new",
        data=json.dumps(["not", "a", "form"]),
        content_type="application/json",
        headers={"X-CSRFToken": walk.tokens["staff"]},
    )
    assert response.status_code == 415
    assert "Den här sortens förfrågan tas inte emot här" in response.get_data(as_text=True)
    anonymous = walk.clients["public"].post("/auth/password/", json={"x": 1})
    assert anonymous.status_code == 415


def test_an_id_above_the_database_range_is_404(walk):
    for value in (str(2**63), "9" * 30, "0", "007"):
        response = walk.clients["staff"].get(f"/staff/patients/{value}")
        assert response.status_code == 404
    too_big = walk.clients["citizen"].get(f"/citizen/forms/{2**63}")
    assert too_big.status_code == 404
