"""Activity plans: the domain (numbers, registrations, idempotent values, the signal), the staff's
tab (built, changed, audited, refused with messages by the fields), the citizen's registration,
the content kind that leads there, and the FHIR Goal/Observation export."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sob_core import activity, events
from sob_core.activity import ActivityError, RegistrationSpec
from sob_core.content.kinds import KINDS
from sob_core.enrollments.clock import local_date
from sob_core.extensions import db
from sob_core.models import (
    ActivityRegistration,
    ActivityValue,
    AuditEvent,
    CareUnit,
    Citizen,
    Enrollment,
    Staff,
)
from sob_core.testing import csrf_from

TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1; Per Andersson's therapist
JOHAN = "SE2321000016-P000000000021"  # therapist at unit 2
PER = "195508232153"


def _unit() -> int:
    return db.session.scalar(select(CareUnit.id).order_by(CareUnit.id))


def _per() -> Enrollment:
    enrollment = db.session.scalar(
        select(Enrollment)
        .join(Citizen)
        .where(Citizen.personnummer == PER, Enrollment.status.in_(("active", "maintenance")))
    )
    assert enrollment is not None
    return enrollment


def _tommy() -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))


def _now() -> datetime:
    return datetime.now(UTC)


def _plan_with(enrollment: Enrollment, *specs: RegistrationSpec) -> list[ActivityRegistration]:
    plan = activity.ensure_plan(db.session, enrollment, None, _now())
    made = [activity.add_registration(db.session, plan, s, None, _now()) for s in specs]
    db.session.commit()
    return made


WALK = RegistrationSpec("Promenad", "km", target_min=2.0, target_max=5.0, flag_outside=True)
WEIGHT = RegistrationSpec("Vikt", "kg", target_max=80.0, required=True)


# --- domain --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [("72,5", 72.5), (" 1 000,25 ", 1000.25), ("-3", -3.0), ("4.", 4.0), (",5", 0.5), ("", None)],
)
def test_numbers_are_read_with_a_decimal_comma_or_point(text, number):
    assert activity.parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", "not_a_number"),
        ("1,234", "too_many_decimals"),
        ("2000000", "out_of_range"),
        ("1e5", "not_a_number"),
        ("nan", "not_a_number"),
        ("1,2,3", "not_a_number"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(text, code):
    with pytest.raises(ActivityError) as caught:
        activity.parse_number(text, "value_1")
    assert caught.value.code == code and caught.value.field == "value_1"


@pytest.mark.parametrize(
    ("spec", "code", "field"),
    [
        (RegistrationSpec(" ", "km"), "heading_missing", "heading"),
        (RegistrationSpec("x" * 201, "km"), "too_long", "heading"),
        (RegistrationSpec("Steg", "steg"), "unknown_unit", "unit"),
        (RegistrationSpec("Vikt", "kg", 90, 80), "min_above_max", "target_max"),
        (RegistrationSpec("Vikt", "kg", flag_outside=True), "flag_needs_target", "flag_outside"),
        (
            RegistrationSpec("Vikt", "kg", show_staff=False, show_citizen=False),
            "shown_to_nobody",
            "show_staff",
        ),
    ],
)
def test_a_registration_is_checked(spec, code, field):
    with pytest.raises(ActivityError) as caught:
        spec.check()
    assert (caught.value.code, caught.value.field) == (code, field)


def test_the_units_are_the_fixed_list():
    assert activity.UNITS == (
        "cm",
        "km",
        "meter",
        "m",
        "kg",
        "mmHg",
        "mmol/l",
        "timmar",
        "minuter",
        "st",
        "ggr",
    )


def test_values_are_saved_once_per_submission_and_signalled(app, demo_data):
    enrollment = _per()
    walk, weight = _plan_with(enrollment, WALK, WEIGHT)
    sent = []

    def listener(sender, **kwargs):
        sent.append(kwargs)

    events.activity_value_recorded.connect(listener, weak=False)
    try:
        today = activity.local_today(db.session, enrollment, _now())
        first = activity.record(
            db.session,
            enrollment=enrollment,
            on_date=today,
            values={walk.id: 6.5, weight.id: 79.0},
            submission_key="a" * 32,
            now=_now(),
        )
        db.session.commit()
        again = activity.record(
            db.session,
            enrollment=enrollment,
            on_date=today,
            values={walk.id: 6.5, weight.id: 79.0},
            submission_key="a" * 32,
            now=_now(),
        )
        db.session.commit()
    finally:
        events.activity_value_recorded.disconnect(listener)
    assert not first.repeated and again.repeated
    assert {v.id for v in again.values} == {v.id for v in first.values}
    stored = db.session.scalars(select(ActivityValue)).all()
    assert sorted((v.registration_id, v.value) for v in stored) == [
        (walk.id, 6.5),
        (weight.id, 79.0),
    ]
    assert sorted(s["registration_id"] for s in sent) == [walk.id, weight.id]  # once each
    assert {s["enrollment_id"] for s in sent} == {enrollment.id}
    assert {s["citizen_id"] for s in sent} == {enrollment.citizen_id}
    assert {s["value_id"] for s in sent} == {v.id for v in stored}
    assert activity.outside(walk, 6.5) and not activity.outside(weight, 79.0)


@pytest.mark.parametrize(
    ("day", "values", "code"),
    [
        (lambda today, start: today + timedelta(days=1), "both", "date_in_future"),
        (lambda today, start: start - timedelta(days=1), "both", "date_before_start"),
        (lambda today, start: None, "both", "date_missing"),
        (lambda today, start: today, "walk", "value_required"),
        (lambda today, start: today, "none", "nothing_given"),
        (lambda today, start: today, "alien", "no_such_registration"),
    ],
)
def test_a_bad_registration_is_refused_and_stores_nothing(app, demo_data, day, values, code):
    enrollment = _per()
    walk, weight = _plan_with(enrollment, WALK, RegistrationSpec("Vikt", "kg"))
    weight.required = code == "value_required"
    db.session.commit()
    chosen = {
        "both": {walk.id: 3.0, weight.id: 70.0},
        "walk": {walk.id: 3.0},
        "none": {walk.id: None, weight.id: None},
        "alien": {walk.id + 1000: 3.0},
    }[values]
    today = activity.local_today(db.session, enrollment, _now())
    with pytest.raises(ActivityError) as caught:
        activity.record(
            db.session,
            enrollment=enrollment,
            on_date=day(today, activity.first_day(db.session, enrollment)),
            values=chosen,
            submission_key="b" * 32,
            now=_now(),
        )
    assert caught.value.code == code
    assert db.session.scalar(select(func.count()).select_from(ActivityValue)) == 0


def test_a_bad_submission_key_is_refused(app, demo_data):
    enrollment = _per()
    [walk] = _plan_with(enrollment, WALK)
    for key in ("", "short", "%" * 32, "a_" * 16):
        with pytest.raises(ActivityError) as caught:
            activity.record(
                db.session,
                enrollment=enrollment,
                on_date=local_date(datetime.now(UTC)),
                values={walk.id: 1.0},
                submission_key=key,
                now=_now(),
            )
        assert caught.value.code == "bad_submission"


# --- the staff's tab -----------------------------------------------------------------------------


def _tab(client, enrollment) -> str:
    page = client.get(f"/staff/patients/{enrollment.id}/activity-plan")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _new(csrf: str, **fields) -> dict:
    data = {
        "csrf_token": csrf,
        "new-heading": "Promenad",
        "new-unit": "km",
        "new-target_min": "2",
        "new-target_max": "5,5",
        "new-flag_outside": "y",
        "new-show_staff": "y",
        "new-show_citizen": "y",
    }
    data.update({f"new-{k}": v for k, v in fields.items()})
    return {k: v for k, v in data.items() if v is not None}


def test_the_therapist_builds_the_plan_and_every_step_is_audited(client, login):
    login("staff", TOMMY, unit_id=_unit())
    enrollment = _per()
    html = _tab(client, enrollment)
    assert 'aria-current="page">Aktivitetsplan<' in html
    assert "Instruktioner för aktivitetsplan" in html
    for unit in activity.UNITS:
        assert f'<option value="{unit}">{unit}</option>' in html
    csrf = csrf_from(html)
    saved = client.post(
        f"/staff/patients/{enrollment.id}/activity-plan/instructions",
        data={"csrf_token": csrf, "instructions": "Gå en promenad varje dag."},
    )
    assert saved.status_code == 302
    added = client.post(
        f"/staff/patients/{enrollment.id}/activity-plan/registrations", data=_new(csrf)
    )
    assert added.status_code == 302
    [registration] = db.session.scalars(select(ActivityRegistration)).all()
    assert (registration.heading, registration.unit) == ("Promenad", "km")
    assert (registration.target_min, registration.target_max) == (2.0, 5.5)
    assert registration.flag_outside and registration.show_staff and registration.show_citizen
    assert not registration.required
    html = _tab(client, enrollment)
    assert "Gå en promenad varje dag." in html
    assert "2–5,5 km" in html
    changed = client.post(
        f"/staff/patients/{enrollment.id}/activity-plan/registrations/{registration.id}",
        data={
            "csrf_token": csrf,
            f"r{registration.id}-heading": "Promenad ute",
            f"r{registration.id}-unit": "minuter",
            f"r{registration.id}-target_min": "30",
            f"r{registration.id}-show_citizen": "y",
            f"r{registration.id}-required": "y",
        },
    )
    assert changed.status_code == 302
    db.session.refresh(registration)
    assert (registration.heading, registration.unit, registration.target_min) == (
        "Promenad ute",
        "minuter",
        30.0,
    )
    assert registration.target_max is None and registration.required
    assert not registration.show_staff and not registration.flag_outside
    removed = client.post(
        f"/staff/patients/{enrollment.id}/activity-plan/registrations/{registration.id}/remove",
        data={"csrf_token": csrf},
    )
    assert removed.status_code == 302
    db.session.refresh(registration)
    assert registration.removed_at is not None
    assert "Promenad ute" not in _tab(client, enrollment)
    audit = db.session.execute(
        select(AuditEvent.action, AuditEvent.what).where(
            AuditEvent.citizen_id == enrollment.citizen_id,
            AuditEvent.what.like("activity%"),
            AuditEvent.actor_id == _tommy().id,
        )
    ).all()
    assert {tuple(a) for a in audit} == {
        ("read", "activity_plan"),
        ("change", "activity_plan"),
        ("create", "activity_registration"),
        ("change", "activity_registration"),
        ("delete", "activity_registration"),
    }


@pytest.mark.parametrize(
    ("fields", "message", "field_id"),
    [
        ({"heading": ""}, "Ge registreringen en rubrik.", "new-heading"),
        ({"unit": "steg"}, "Not a valid choice", "new-unit"),
        (
            {"target_min": "9", "target_max": "3"},
            "Det högsta målvärdet kan inte vara under",
            "new-target_max",
        ),
        ({"target_min": "tio"}, "Skriv ett tal", "new-target_min"),
        (
            {"target_min": "", "target_max": ""},
            "behöver ett lägsta eller högsta målvärde",
            "new-flag_outside",
        ),
        (
            {"show_staff": None, "show_citizen": None},
            "Visa resultaten för behandlaren",
            "new-show_staff",
        ),
    ],
)
def test_bad_registrations_are_refused_by_the_field(client, login, fields, message, field_id):
    login("staff", TOMMY, unit_id=_unit())
    enrollment = _per()
    csrf = csrf_from(_tab(client, enrollment))
    answer = client.post(
        f"/staff/patients/{enrollment.id}/activity-plan/registrations", data=_new(csrf, **fields)
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    if message != "Not a valid choice":
        error = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html)
        assert error and message in error.group(1), html[:0]
    else:
        assert f'id="{field_id}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(ActivityRegistration)) == 0


def test_another_units_staff_cannot_reach_the_plan(client, login):
    enrollment = _per()
    _plan_with(enrollment, WALK)
    login(
        "staff",
        JOHAN,
        unit_id=db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()[1],
    )
    assert client.get(f"/staff/patients/{enrollment.id}/activity-plan").status_code == 404
    assert client.get(f"/staff/patients/{enrollment.id}/activity-plan/fhir").status_code == 404


def test_an_ended_enrollment_is_read_only(client, login):
    enrollment = _per()
    [walk] = _plan_with(enrollment, WALK)
    login("staff", TOMMY, unit_id=_unit())
    csrf = csrf_from(_tab(client, enrollment))
    enrollment.status = "ended"
    enrollment.ended_at = _now()
    db.session.commit()
    html = _tab(client, enrollment)
    assert "Lägg till registreringen" not in html and "Promenad" in html
    answer = client.post(
        f"/staff/patients/{enrollment.id}/activity-plan/registrations",
        data=_new(csrf, heading="Ny"),
    )
    assert answer.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ActivityRegistration)) == 1


# --- the citizen ---------------------------------------------------------------------------------


def _citizen_page(client, enrollment) -> str:
    page = client.get(f"/citizen/programs/{enrollment.id}/activity-plan")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_citizen_registers_values_once_and_sees_them_against_the_target(client, login):
    enrollment = _per()
    walk, weight = _plan_with(
        enrollment, WALK, RegistrationSpec("Vikt", "kg", target_max=80, show_citizen=False)
    )
    login("citizen", PER)
    html = _citizen_page(client, enrollment)
    assert f'for="value_{walk.id}">Promenad (km)' in html
    key = re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', html).group(1)
    today = activity.local_today(db.session, enrollment, _now()).isoformat()
    data = {
        "csrf_token": csrf_from(html),
        "submission_key": key,
        "on_date": today,
        f"value_{walk.id}": "6,5",
        f"value_{weight.id}": "",
    }
    first = client.post(f"/citizen/programs/{enrollment.id}/activity-plan", data=data)
    second = client.post(f"/citizen/programs/{enrollment.id}/activity-plan", data=data)
    assert first.status_code == second.status_code == 302
    [value] = db.session.scalars(select(ActivityValue)).all()
    assert (value.registration_id, value.value, value.on_date.isoformat()) == (walk.id, 6.5, today)
    html = _citizen_page(client, enrollment)
    assert "Värdena var redan sparade." in html
    assert f'id="activity-chart-{walk.id}"' in html
    assert f'id="activity-chart-{weight.id}"' not in html  # not shown to the citizen
    row = re.search(
        rf"<th scope=\"row\">{today}</th><td class=\"value\">6,5</td><td>(.*?)</td>", html
    )
    assert row and "Över målet" in row.group(1)
    figure = re.search(r'data-figure="([^"]+)"', html).group(1)
    assert "&#34;type&#34;: &#34;rect&#34;" in figure and "&#34;y0&#34;: 2.0" in figure
    assert "&#34;y1&#34;: 5.0" in figure


def test_a_citizens_bad_values_come_back_with_messages_by_the_fields(client, login):
    enrollment = _per()
    walk, weight = _plan_with(enrollment, WALK, WEIGHT)
    login("citizen", PER)
    html = _citizen_page(client, enrollment)
    key = re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', html).group(1)
    tomorrow = activity.local_today(db.session, enrollment, _now()) + timedelta(days=1)
    answer = client.post(
        f"/citizen/programs/{enrollment.id}/activity-plan",
        data={
            "csrf_token": csrf_from(html),
            "submission_key": key,
            "on_date": tomorrow.isoformat(),
            f"value_{walk.id}": "sex",
            f"value_{weight.id}": "",
        },
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert re.search(rf'id="value_{walk.id}-error">Skriv ett tal', html)
    assert 'value="sex"' in html  # what she wrote comes back
    answer = client.post(
        f"/citizen/programs/{enrollment.id}/activity-plan",
        data={
            "csrf_token": csrf_from(html),
            "submission_key": key,
            "on_date": tomorrow.isoformat(),
            f"value_{walk.id}": "3",
            f"value_{weight.id}": "70",
        },
    )
    assert answer.status_code == 422
    assert 'id="on_date-error">Datumet kan inte vara i framtiden.' in answer.get_data(as_text=True)
    answer = client.post(
        f"/citizen/programs/{enrollment.id}/activity-plan",
        data={
            "csrf_token": csrf_from(html),
            "submission_key": key,
            "on_date": "",
            f"value_{walk.id}": "3",
            f"value_{weight.id}": "",
        },
    )
    assert answer.status_code == 422
    assert f'id="value_{weight.id}-error"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ActivityValue)) == 0


def test_a_citizen_reaches_only_her_own_plan(client, login):
    enrollment = _per()
    _plan_with(enrollment, WALK)
    login("citizen", "198503142393")
    assert client.get(f"/citizen/programs/{enrollment.id}/activity-plan").status_code == 404


def test_the_activity_plan_item_leads_the_citizen_to_her_plan(app):
    from flask import render_template_string

    from sob_core.web.citizen.programs import Links, content_page

    item = {
        "key": "m1-plan",
        "kind": "activity_plan",
        "title": {"sv": "Din aktivitetsplan"},
        "body": {"sv": "<p>Registrera dina promenader.</p>"},
    }
    source = "{% from page.template import show with context %}{{ show(page, None, links) }}"
    with app.test_request_context():
        page = content_page(item)
        html = render_template_string(source, page=page, links=Links(enrollment_id=7))
        preview = render_template_string(source, page=page, links=Links(version_id=3))
    assert page["template"] == "sob_core/content/items/activity_plan.html"
    assert "Registrera dina promenader." in html
    assert 'href="/citizen/programs/7/activity-plan"' in html
    assert "activity-plan" not in preview and "förhandsvisning" in preview


def test_the_content_kind_is_cleaned_through_the_table():
    kind = KINDS["activity_plan"]
    item: dict = {}
    kind.clean({"body": {"sv": "<p>Hej</p><script>x</script>"}}, item, "", None, None)
    assert item == {"body": {"sv": "<p>Hej</p>"}}
    empty: dict = {}
    kind.clean({}, empty, "", None, None)
    assert empty == {}


# --- FHIR ----------------------------------------------------------------------------------------


def test_the_plan_exports_as_fhir_goals_and_observations(client, login):
    enrollment = _per()
    walk, weight = _plan_with(enrollment, WALK, WEIGHT)
    today = activity.local_today(db.session, enrollment, _now())
    activity.record(
        db.session,
        enrollment=enrollment,
        on_date=today,
        values={walk.id: 1.5, weight.id: 79.25},
        submission_key="c" * 32,
        now=_now(),
    )
    db.session.commit()
    login("staff", TOMMY, unit_id=_unit())
    answer = client.get(f"/staff/patients/{enrollment.id}/activity-plan/fhir")
    assert answer.status_code == 200 and answer.mimetype == "application/fhir+json"
    bundle = answer.json
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    goals = {r["description"]["text"]: r for r in resources if r["resourceType"] == "Goal"}
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    assert set(goals) == {"Promenad", "Vikt"}
    walk_goal = goals["Promenad"]
    assert walk_goal["target"][0]["detailRange"] == {
        "low": {"value": 2, "unit": "km", "system": "http://unitsofmeasure.org", "code": "km"},
        "high": {"value": 5, "unit": "km", "system": "http://unitsofmeasure.org", "code": "km"},
    }
    assert "low" not in goals["Vikt"]["target"][0]["detailRange"]
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations}
    walk_obs = by_code[str(walk.id)]
    assert walk_obs["valueQuantity"]["value"] == 1.5
    assert walk_obs["effectiveDateTime"] == today.isoformat()
    assert walk_obs["interpretation"][0]["coding"][0]["code"] == "L"
    assert by_code[str(weight.id)]["interpretation"][0]["coding"][0]["code"] == "N"
    assert walk_goal["outcomeReference"] == [{"reference": f"Observation/{walk_obs['id']}"}]
    assert walk_obs["subject"]["identifier"]["value"] == PER
    exported = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "export",
            AuditEvent.what == "activity_plan",
            AuditEvent.citizen_id == enrollment.citizen_id,
        )
    )
    assert exported == 1
    r4b = pytest.importorskip("fhir.resources.R4B.bundle")
    r4b.Bundle.model_validate(bundle)  # a valid R4 Bundle of valid Goals and Observations


def test_a_post_without_its_csrf_token_is_a_bad_request(client, login):
    login("staff", TOMMY, unit_id=_unit())
    enrollment = _per()
    answer = client.post(
        f"/staff/patients/{enrollment.id}/activity-plan/registrations",
        data={k: v for k, v in _new("").items() if k != "csrf_token"},
    )
    assert answer.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ActivityRegistration)) == 0


def test_the_therapist_sees_the_values_of_the_registrations_shown_to_her(client, login):
    enrollment = _per()
    walk, hidden = _plan_with(
        enrollment, WALK, RegistrationSpec("Sömn", "timmar", show_staff=False)
    )
    today = activity.local_today(db.session, enrollment, _now())
    activity.record(
        db.session,
        enrollment=enrollment,
        on_date=today,
        values={walk.id: 1.25, hidden.id: 7.0},
        submission_key="d" * 32,
        now=_now(),
    )
    db.session.commit()
    login("staff", TOMMY, unit_id=_unit())
    html = _tab(client, enrollment)
    assert f'id="activity-chart-{walk.id}"' in html
    assert f'id="activity-chart-{hidden.id}"' not in html
    assert f'<th scope="row">{today.isoformat()}</th><td class="value">1,25</td>' in html
    assert "Under målet" in html


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"new-heading": "x" * 5000, "new-unit": "km", "new-target_min": "1" * 400},
        {"new-heading": "ä€😀", "new-unit": ["km", "kg"], "new-target_max": "\x00"},
        {"instructions": "x" * 20000, "on_date": "2026-02-30", "value_1": "1e999"},
        {"submission_key": "%" * 40, "on_date": "9999-99-99", "value_1": "∞"},
    ],
)
def test_no_post_body_gives_a_500(client, login, body):
    enrollment = _per()
    [walk] = _plan_with(enrollment, WALK)
    login("staff", TOMMY, unit_id=_unit())
    csrf = csrf_from(_tab(client, enrollment))
    base = f"/staff/patients/{enrollment.id}/activity-plan"
    for path in (
        f"{base}/instructions",
        f"{base}/registrations",
        f"{base}/registrations/{walk.id}",
        f"{base}/registrations/{walk.id}/remove",
        f"{base}/registrations/{walk.id + 99}",
    ):
        answer = client.post(path, data={"csrf_token": csrf, **body})
        assert answer.status_code in (302, 400, 404, 422), (path, answer.status_code)
    login("citizen", PER)
    html = _citizen_page(client, enrollment)
    answer = client.post(
        f"/citizen/programs/{enrollment.id}/activity-plan",
        data={
            "csrf_token": csrf_from(html),
            **{k.replace("1", str(walk.id)): v for k, v in body.items()},
        },
    )
    assert answer.status_code in (302, 400, 422), answer.status_code


SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1


def test_the_design_tool_adds_an_activity_plan_item(client, login):
    from sob_core.models import Program, ProgramVersion

    login("staff", SARA, unit_id=_unit())

    def post(url: str, data: dict):
        page = client.get(url)
        assert page.status_code == 200, url
        return client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data})

    created = post(
        "/design/programs/new",
        {"key": "rorelse", "kind": "support", "name": "Rörelse", "recommended_days": "28"},
    )
    assert created.status_code == 302
    draft = db.session.scalar(select(ProgramVersion).join(Program).where(Program.key == "rorelse"))
    base = f"/design/versions/{draft.id}"
    module = post(
        f"{base}/modules/new", {"title": "Kom igång", "recommended_days": "7", "unlock": "at_start"}
    )
    assert module.status_code == 302
    page = client.get(f"{base}/modules/m1/items/new/activity_plan").get_data(as_text=True)
    assert "Inledning (valfri)" in page
    added = post(
        f"{base}/modules/m1/items/new/activity_plan",
        {"title": "Din aktivitetsplan", "body": "Registrera dina promenader.<script>x</script>"},
    )
    assert added.status_code == 302, added.get_data(as_text=True)[:2000]
    db.session.expire_all()
    [item] = db.session.get(ProgramVersion, draft.id).content["modules"][0]["items"]
    assert item["kind"] == "activity_plan" and item["title"] == {"sv": "Din aktivitetsplan"}
    assert (
        "script" not in item["body"]["sv"] and "Registrera dina promenader." in item["body"]["sv"]
    )


def test_the_pages_speak_english_too(client, login):
    enrollment = _per()
    _plan_with(enrollment, WALK)
    login("staff", TOMMY, unit_id=_unit())
    with client.session_transaction() as browser:
        browser["lang"] = "en"
    html = _tab(client, enrollment)
    assert "Instructions for the activity plan" in html and "2–5 km" in html
    login("citizen", PER)
    with client.session_transaction() as browser:
        browser["lang"] = "en"
    html = _citizen_page(client, enrollment)
    assert "My activity plan" in html and "Target: 2–5 km" in html


def test_the_domain_package_does_not_import_flask():
    import ast
    from pathlib import Path

    import sob_core.activity

    tree = ast.parse(Path(sob_core.activity.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in ("flask", "flask_wtf")}
    assert "..web" not in imported and not any("web" in name for name in imported)
