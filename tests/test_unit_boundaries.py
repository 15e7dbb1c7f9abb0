"""The care-unit boundary: staff read only what a citizen gave within their own unit's enrollments.

The demo citizen John Doe has answered forms in an enrollment at unit A (Göteborg). A therapist at
unit B (Södermalm) who starts an enrollment for him must not reach any of it through B's patient
pages, whatever ids she puts in the URL; A's therapist keeps seeing A's data, also from an ended
enrollment. The walk takes the views from the URL map, so a new view is walked too. Starting an
enrollment tells unit B nothing of John's care elsewhere, and the personnummer lookup is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from sob_core import enrollments, forms, programs
from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    Form,
    FormAssignment,
    FormResponse,
    Program,
    ProgramVersion,
    Result,
    Staff,
)
from sob_core.results import series as results_series
from sob_core.testing import csrf_from

TOMMY = "SE2321000131-P000000000011"  # therapist at unit A
JOHAN = "SE2321000016-P000000000021"  # therapist and citizen administrator at unit B
JOHN = "198503142393"  # enrolled at unit A in the demo data, with answers and results
LINNEA = "200102112687"  # enrolled at unit B in the demo data
NEW_PERSON = "199001010017"  # valid, nobody registered
PHQ9 = {str(n): "1" for n in range(1, 10)}

#: the parameters of a staff view that name citizen data; a view with any of them is walked
DATA_PARAMETERS = {
    "enrollment_id",
    "response_id",
    "key",
    "conversation_id",
    "flag_id",
    "media_id",  # a file given as an answer, reached through its response
}
#: the views the walk must meet (a renamed or dropped one fails here, not silently)
EXPECTED_VIEWS = {
    "staff.patient",
    "staff.patient_results",
    "staff.patient_result",
    "staff.patient_timeline",
    "staff.patient_events",
    "staff.response",
    "staff.answer_file",
    "staff.end_enrollment",
    "staff.maintenance_enrollment",
    "fhir.questionnaire_response",
    "staff.flag",
}


def _units() -> tuple[int, int]:
    first, second = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id))
    return first, second


def _staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def _citizen(number: str) -> Citizen | None:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == number))


@dataclass
class Given:
    """What one care unit holds of a citizen: its responses, result keys and stamps."""

    responses: set[int]
    keys: set[str]
    result_dates: set[str]  # as the series page prints them
    event_stamps: set[str]  # as the timeline prints them (``<time datetime=...>``)


def given_in(enrollment_ids: list[int]) -> Given:
    """Everything given within these enrollments, read straight from the tables."""
    responses = set(
        db.session.scalars(
            select(FormResponse.id)
            .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
            .where(
                FormAssignment.enrollment_id.in_(enrollment_ids),
                FormResponse.status == "submitted",
            )
        )
    )
    results = list(db.session.scalars(select(Result).where(Result.response_id.in_(responses))))
    events = db.session.scalars(
        select(EnrollmentEvent.at).where(EnrollmentEvent.enrollment_id.in_(enrollment_ids))
    )
    return Given(
        responses=responses,
        keys={r.key for r in results},
        result_dates={r.at.date().isoformat() for r in results},
        event_stamps={at.isoformat() for at in events},
    )


def _start_form(client, **fields):
    page = client.get("/staff/enrollments/new")
    assert page.status_code == 200
    return client.post(
        "/staff/enrollments/new",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), **fields},
    )


def _offered(care_unit_id: int, like: Enrollment) -> int:
    """The version of ``like``'s programme that the unit's form offers (its latest)."""
    program_id = db.session.get(ProgramVersion, like.program_version_id).program_id
    [version] = [
        v
        for v in programs.available_versions(db.session, care_unit_id)
        if v.program_id == program_id
    ]
    return version.id


def _answer(app, enrollment: Enrollment, form_key: str, answers: dict, by: Staff) -> FormResponse:
    form = db.session.scalar(select(Form).where(Form.key == form_key))
    assignment = enrollments.send_form(db.session, enrollment, form, by.id)
    db.session.flush()
    response = forms.open_response(db.session, assignment)
    forms.submit(db.session, app.extensions["sob"], response, answers)
    db.session.commit()
    return response


@dataclass
class World:
    a_ended: Enrollment  # John's demo enrollment at A, ended
    a_now: Enrollment  # his later enrollment at A
    b: Enrollment  # the one unit B started
    a: Given  # what A holds (both of A's enrollments)
    b_given: Given  # what B holds


@pytest.fixture
def world(app, client, login) -> World:
    unit_a, unit_b = _units()
    john, tommy, johan = _citizen(JOHN), _staff(TOMMY), _staff(JOHAN)
    [a_ended] = db.session.scalars(select(Enrollment).where(Enrollment.citizen_id == john.id))
    assert a_ended.care_unit_id == unit_a and a_ended.program_version_id is not None
    assert given_in([a_ended.id]).responses, "the demo gives John answers at unit A"
    now = datetime.now(UTC)
    enrollments.end(db.session, a_ended, "staff", tommy.id, now - timedelta(hours=2))
    a_now = enrollments.start(
        db.session,
        citizen_id=john.id,
        program_version_id=a_ended.program_version_id,
        care_unit_id=unit_a,
        therapist_id=tommy.id,
        started_by_id=tommy.id,
        now=now - timedelta(hours=1),
    )
    db.session.commit()
    # Unit B starts an enrollment for John, knowing only his personnummer (the way in).
    login("staff", JOHAN, unit_id=unit_b)
    started = _start_form(
        client,
        personnummer=JOHN,
        name="Någon Annan",
        program_version=_offered(unit_b, a_ended),
        therapist=johan.id,
    )
    assert started.status_code == 302
    b = db.session.scalar(
        select(Enrollment).where(
            Enrollment.citizen_id == john.id, Enrollment.care_unit_id == unit_b
        )
    )
    _answer(app, b, "phq-9", PHQ9, johan)  # B's own data
    a = given_in([a_ended.id, a_now.id])
    b_given = given_in([b.id])
    assert b_given.responses and b_given.keys == {"phq-9.total"}
    assert a.keys - b_given.keys, "unit A has result keys unit B has not"
    assert not a.result_dates & b_given.result_dates
    return World(a_ended=a_ended, a_now=a_now, b=b, a=a, b_given=b_given)


def _data_views(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("staff.", "fhir.")) or "GET" not in rule.methods:
            continue
        if not rule.arguments & DATA_PARAMETERS:
            continue
        unknown = rule.arguments - DATA_PARAMETERS
        assert not unknown, f"{rule.endpoint} takes {unknown}: teach this walk about it"
        rules.append(rule)
    assert {r.endpoint for r in rules} >= EXPECTED_VIEWS
    return rules


def _url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def assert_nothing_of(html: str, other: Given, own_keys: set[str], where: str) -> None:
    """A page shows none of another unit's responses, result keys (but its own) or events."""
    linked = {int(n) for n in re.findall(r"/responses/(\d+)", html)}
    assert not linked & other.responses, where
    for key in other.keys - own_keys:
        assert f"/results/{key}" not in html, (where, key)
    for stamp in other.event_stamps:
        assert stamp not in html, (where, stamp)


def walk(app, client, enrollment: Enrollment, other: Given, own_keys: set[str]) -> set[str]:
    """Every staff view with citizen data, through ``enrollment``, with the ids of ``other``."""
    walked = set()
    for rule in _data_views(app):
        walked.add(rule.endpoint)
        base = {"enrollment_id": enrollment.id}
        if "conversation_id" in rule.arguments:
            from sob_core.models import Conversation

            others = db.session.scalars(
                select(Conversation.id)
                .join(Enrollment, Enrollment.id == Conversation.enrollment_id)
                .where(Enrollment.care_unit_id != enrollment.care_unit_id)
            ).all()
            for conversation_id in others:
                url = _url(app, rule.endpoint, **base, conversation_id=conversation_id)
                assert client.get(url).status_code == 404, url
        elif "flag_id" in rule.arguments:
            from sob_core.models import Flag

            others = db.session.scalars(
                select(Flag.id).where(Flag.care_unit_id != enrollment.care_unit_id)
            ).all()
            assert others, "the other unit has flags to reach for"
            for flag_id in others:
                url = _url(app, rule.endpoint, **base, flag_id=flag_id)
                assert client.get(url).status_code == 404, url
        elif "response_id" in rule.arguments:
            if "media_id" in rule.arguments:
                base["media_id"] = 1  # whatever file: the response is another unit's
            for response_id in other.responses:
                url = _url(app, rule.endpoint, **base, response_id=response_id)
                assert client.get(url).status_code == 404, url
        elif "key" in rule.arguments:
            for key in other.keys - own_keys:
                url = _url(app, rule.endpoint, **base, key=key)
                assert client.get(url).status_code == 404, url
            for key in own_keys:  # a key both have: only this unit's values
                url = _url(app, rule.endpoint, **base, key=key)
                page = client.get(url)
                assert page.status_code == 200, url
                html = page.get_data(as_text=True)
                for day in other.result_dates:
                    assert day not in html, (url, day)
        else:
            url = _url(app, rule.endpoint, **base)
            page = client.get(url)
            assert page.status_code in (200, 302), url
            assert_nothing_of(page.get_data(as_text=True), other, own_keys, url)
    return walked


def test_unit_b_reaches_nothing_of_unit_a_through_its_own_enrollment(app, client, login, world):
    login("staff", JOHAN, unit_id=_units()[1])
    walked = walk(app, client, world.b, world.a, world.b_given.keys)
    assert walked >= EXPECTED_VIEWS
    # A refused read is no read: the audit log names nothing of A's as read by B.
    reads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == _staff(JOHAN).id)
    ).all()
    assert not {e.detail.get("response") for e in reads} & world.a.responses
    assert not {e.detail.get("key") for e in reads} & (world.a.keys - world.b_given.keys)
    # A's enrollments themselves are another unit's: missing, on every view.
    for enrollment in (world.a_ended, world.a_now):
        for rule in _data_views(app):
            values = {"enrollment_id": enrollment.id}
            if "response_id" in rule.arguments:
                values["response_id"] = min(world.a.responses)
            if "key" in rule.arguments:
                values["key"] = "phq-9.total"
            if "conversation_id" in rule.arguments:
                values["conversation_id"] = 1
            if "flag_id" in rule.arguments:
                values["flag_id"] = 1
            if "media_id" in rule.arguments:
                values["media_id"] = 1
            assert client.get(_url(app, rule.endpoint, **values)).status_code == 404


def test_unit_b_sees_its_own_data(app, client, login, world):
    login("staff", JOHAN, unit_id=_units()[1])
    b = world.b
    [own] = world.b_given.responses
    patient = client.get(f"/staff/patients/{b.id}").get_data(as_text=True)
    assert f"/staff/patients/{b.id}/responses/{own}" in patient
    assert f"/staff/patients/{b.id}/results/phq-9.total" in patient
    assert client.get(f"/staff/patients/{b.id}/responses/{own}").status_code == 200
    fhir = client.get(f"/staff/patients/{b.id}/responses/{own}/fhir")
    assert fhir.status_code == 200 and fhir.json["resourceType"] == "QuestionnaireResponse"
    results = client.get(f"/staff/patients/{b.id}/results").get_data(as_text=True)
    assert f"/staff/patients/{b.id}/results/phq-9.total" in results
    series = client.get(f"/staff/patients/{b.id}/results/phq-9.total").get_data(as_text=True)
    assert datetime.now(UTC).date().isoformat() in series
    timeline = client.get(f"/staff/patients/{b.id}/timeline").get_data(as_text=True)
    assert any(stamp in timeline for stamp in world.b_given.event_stamps)
    # The domain says the same: B's series holds B's one value, whatever A has.
    john = _citizen(JOHN)
    assert results_series.series_keys(db.session, john.id, False, _units()[1]) == [
        ("phq-9.total", 1)
    ]
    with pytest.raises(ValueError):  # a staff read that forgot its unit is refused
        results_series.series_keys(db.session, john.id, False)
    # The citizen's own view is not bounded by units: every visible result of his, A's and B's.
    visible = db.session.scalars(
        select(Result).where(Result.citizen_id == john.id, Result.citizen_visible.is_(True))
    ).all()
    assert {r.response_id for r in visible} & world.a.responses
    assert results_series.series_keys(db.session, john.id, True) == [
        (key, sum(1 for r in visible if r.key == key)) for key in sorted({r.key for r in visible})
    ]


def test_unit_a_keeps_seeing_its_data_also_from_an_ended_enrollment(app, client, login, world):
    login("staff", TOMMY, unit_id=_units()[0])
    a_now = world.a_now
    old = given_in([world.a_ended.id])
    for response_id in old.responses:  # given in the ended enrollment, read through the new one
        assert client.get(f"/staff/patients/{a_now.id}/responses/{response_id}").status_code == 200
        fhir = client.get(f"/staff/patients/{a_now.id}/responses/{response_id}/fhir")
        assert fhir.status_code == 200
    results = client.get(f"/staff/patients/{a_now.id}/results").get_data(as_text=True)
    for key in old.keys:
        assert f"/staff/patients/{a_now.id}/results/{key}" in results
        series = client.get(f"/staff/patients/{a_now.id}/results/{key}")
        assert series.status_code == 200
    series = client.get(f"/staff/patients/{a_now.id}/results/phq-9.total").get_data(as_text=True)
    assert any(day in series for day in old.result_dates)
    timeline = client.get(f"/staff/patients/{world.a_ended.id}/timeline").get_data(as_text=True)
    assert old.event_stamps and all(stamp in timeline for stamp in old.event_stamps)
    # ... and nothing of unit B's, through either of A's enrollments.
    for enrollment in (a_now, world.a_ended):
        walk(app, client, enrollment, world.b_given, world.a.keys)


def test_the_patient_list_and_search_do_not_reveal_another_units_enrollment(client, login, world):
    unit_a, unit_b = _units()
    at_a = set(db.session.scalars(select(Enrollment.id).where(Enrollment.care_unit_id == unit_a)))
    assert {world.a_ended.id, world.a_now.id} <= at_a
    login("staff", JOHAN, unit_id=unit_b)
    for view in ("all", "mine", "ended"):
        for q in ("", JOHN, "198503142393", "John"):
            html = client.get("/staff/patients", query_string={"view": view, "q": q})
            linked = {int(n) for n in re.findall(r'href="/staff/patients/(\d+)"', html.text)}
            assert not linked & at_a, (view, q)
            if q and view != "ended":
                assert linked == {world.b.id}, (view, q)
            elif q:
                assert not linked, (view, q)  # A's ended enrollment is A's, not B's
    login("staff", TOMMY, unit_id=unit_a)
    ended = client.get("/staff/patients", query_string={"view": "ended", "q": "John"}).text
    assert f'href="/staff/patients/{world.a_ended.id}"' in ended
    assert f'href="/staff/patients/{world.b.id}"' not in ended


def test_a_self_started_open_programme_shows_its_unit_nothing_of_her_first_unit(app, client, login):
    """Linnea is a patient at unit B; she starts unit A's open programme herself."""
    unit_a, unit_b = _units()
    linnea, johan = _citizen(LINNEA), _staff(JOHAN)
    [at_b] = db.session.scalars(select(Enrollment).where(Enrollment.citizen_id == linnea.id))
    assert at_b.care_unit_id == unit_b
    _answer(app, at_b, "phq-9", PHQ9, johan)
    first = given_in([at_b.id])
    assert first.responses and first.keys
    open_version = db.session.scalar(
        select(ProgramVersion)
        .join(Program, Program.id == ProgramVersion.program_id)
        .where(
            ProgramVersion.is_open.is_(True),
            ProgramVersion.status == "published",
            Program.owner_care_unit_id == unit_a,
        )
    )
    assert open_version is not None, "the demo has an open programme of unit A"
    login("citizen", LINNEA)
    home = client.get("/citizen/").get_data(as_text=True)
    assert f'action="/citizen/open/{open_version.id}"' in home
    opened = client.post(f"/citizen/open/{open_version.id}", data={"csrf_token": csrf_from(home)})
    assert opened.status_code == 302
    at_a = db.session.scalar(
        select(Enrollment).where(
            Enrollment.citizen_id == linnea.id, Enrollment.care_unit_id == unit_a
        )
    )
    assert at_a is not None
    # She still sees all of hers.
    mine = client.get("/citizen/results").get_data(as_text=True)
    assert any(f"/citizen/results/{key}" in mine for key in first.keys)

    login("staff", TOMMY, unit_id=unit_a)
    walk(app, client, at_a, first, set())
    results = client.get(f"/staff/patients/{at_a.id}/results").get_data(as_text=True)
    assert not any(f"/results/{key}" in results for key in first.keys)


# --- starting an enrollment reveals nothing of other units ---------------------------------------


def _normalised(html: str, number: str) -> str:
    """The page without what legitimately differs: the CSRF token and the number typed."""
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", html)
    return html.replace(number, "NUMBER")


def _program_at_both(unit_b: int) -> int:
    john = _citizen(JOHN)
    return _offered(
        unit_b, db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == john.id))
    )


def test_unknown_and_known_elsewhere_answer_alike_and_the_lookup_is_audited(client, login):
    unit_a, unit_b = _units()
    johan = _staff(JOHAN)
    version_id = _program_at_both(unit_b)
    john = _citizen(JOHN)
    assert db.session.scalar(
        select(func.count(Enrollment.id)).where(
            Enrollment.citizen_id == john.id, Enrollment.care_unit_id == unit_a
        )
    )
    login("staff", JOHAN, unit_id=unit_b)
    pages = {}
    for number in (JOHN, NEW_PERSON):
        answer = _start_form(
            client, personnummer=number, name="", program_version=version_id, therapist=johan.id
        )
        assert answer.status_code == 400
        pages[number] = answer.get_data(as_text=True)
        assert "Ange namnet" in pages[number]
        assert "John Doe" not in pages[number]
    assert _normalised(pages[JOHN], JOHN) == _normalised(pages[NEW_PERSON], NEW_PERSON)
    lookups = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.what == "citizen_lookup").order_by(AuditEvent.id)
        )
    )
    assert [(e.actor_kind, e.actor_id, e.care_unit_id, e.action) for e in lookups] == [
        ("staff", johan.id, unit_b, "read")
    ] * 2
    assert [e.citizen_id for e in lookups] == [john.id, None]


def test_unit_b_starts_an_enrollment_though_unit_a_has_one_of_the_same_programme(client, login):
    unit_a, unit_b = _units()
    johan, john = _staff(JOHAN), _citizen(JOHN)
    [at_a] = db.session.scalars(select(Enrollment).where(Enrollment.citizen_id == john.id))
    assert at_a.care_unit_id == unit_a and at_a.status != "ended"
    login("staff", JOHAN, unit_id=unit_b)
    fields = {
        "personnummer": JOHN,
        "name": "Johnny Annat",
        "program_version": _offered(unit_b, at_a),
        "therapist": johan.id,
    }
    started = _start_form(client, **fields)
    assert started.status_code == 302  # neither refused nor told of unit A's enrollment
    db.session.expire_all()
    assert _citizen(JOHN).name == "John Doe"  # unit B's entry renames nobody
    at_b = db.session.scalar(
        select(Enrollment).where(
            Enrollment.citizen_id == john.id, Enrollment.care_unit_id == unit_b
        )
    )
    assert at_b is not None and at_b.program_version_id == _offered(unit_b, at_a)
    # A second one at unit B is refused, saying so about this unit only; no name needed now.
    again = _start_form(client, **{**fields, "name": ""})
    assert again.status_code == 400
    assert "på den här vårdenheten" in again.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count(Enrollment.id)).where(
                Enrollment.citizen_id == john.id, Enrollment.care_unit_id == unit_b
            )
        )
        == 1
    )


def test_an_unknown_personnummer_with_a_name_registers_the_citizen(client, login):
    _, unit_b = _units()
    johan = _staff(JOHAN)
    login("staff", JOHAN, unit_id=unit_b)
    started = _start_form(
        client,
        personnummer=NEW_PERSON,
        name="Greta Garbo",
        program_version=_program_at_both(unit_b),
        therapist=johan.id,
    )
    assert started.status_code == 302
    greta = _citizen(NEW_PERSON)
    assert greta is not None and greta.name == "Greta Garbo"
    [lookup] = db.session.scalars(select(AuditEvent).where(AuditEvent.what == "citizen_lookup"))
    assert lookup.citizen_id is None and lookup.detail == {"known_here": False}
