"""The therapist's views: patient lists, starting an enrollment, the patient page and its actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select

from sob_core import enrollments, events
from sob_core.extensions import db
from sob_core.models import (
    ActivityPlan,
    ActivityRegistration,
    ActivityValue,
    AuditEvent,
    BatteryOccurrence,
    BatterySchedule,
    Bookmark,
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    EnrollmentModule,
    Flag,
    Form,
    FormAssignment,
    FormResponse,
    ItemProgress,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Reminder,
    Result,
    Staff,
    StaffReminder,
)
from sob_core.testing import csrf_from

TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
ANNA = "SE2321000131-P000000000012"  # therapist and citizen administrator at unit 1
MARIA = "SE2321000131-P000000000013"  # citizen administrator at unit 1, not a therapist
JOHAN = "SE2321000016-P000000000021"  # therapist at unit 2
JOHN = "198503142393"
ELIN = "199207012486"
AHMED = "197809232577"
NEW_PERSON = "19900101-0017"  # valid check digit, not in the demo data

CONTENT = {
    "name": {"sv": "Sömnskolan", "en": "Sleep school"},
    "description": {"sv": "Ett program om sömn."},
    "welcome": {"sv": "Välkommen!"},
    "recommended_days": 28,
    "modules": [
        {
            "key": "m1",
            "title": "Välkommen",
            "recommended_days": 7,
            "unlock": {"rule": "at_start", "days": None},
            "items": [
                {"key": "m1-intro", "kind": "text", "title": "Om sömn", "body": "<p>Hej</p>"},
                {"key": "m1-more", "kind": "text", "title": "Mer om sömn", "body": "<p>Ja</p>"},
            ],
        },
        {
            "key": "m2",
            "title": "Sömndagboken",
            "recommended_days": 7,
            "unlock": {"rule": "after_previous", "days": None},
            "items": [{"key": "m2-text", "kind": "text", "title": "Dagboken", "body": "<p>x</p>"}],
        },
        {
            "key": "m3",
            "title": "Sömnrestriktion",
            "recommended_days": 7,
            "unlock": {"rule": "days_after_start", "days": 14},
            "items": [{"key": "m3-text", "kind": "text", "title": "Fönstret", "body": "<p>y</p>"}],
        },
        {
            "key": "m4",
            "title": "Återfallsprevention",
            "recommended_days": 7,
            "unlock": {"rule": "by_therapist", "days": None},
            "items": [{"key": "m4-text", "kind": "text", "title": "Planen", "body": "<p>z</p>"}],
        },
    ],
}


def _units() -> list[int]:
    return list(db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)))


def _staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def _citizen(number: str) -> Citizen | None:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == number))


def make_program(key: str = "somnskolan", units: list[int] | None = None) -> ProgramVersion:
    """A published version 1.0 of a four-module program, in the catalogue of ``units``."""
    first = _units()[0]
    program = Program(key=key, kind="treatment", owner_care_unit_id=first)
    db.session.add(program)
    db.session.flush()
    version = ProgramVersion(
        program_id=program.id,
        major=1,
        minor=0,
        status="published",
        content=CONTENT,
        published_at=datetime.now(UTC),
    )
    db.session.add(version)
    for unit_id in [first] if units is None else units:
        db.session.add(ProgramCatalogue(program_id=program.id, care_unit_id=unit_id))
    db.session.commit()
    return version


def start(
    number: str, therapist: str, version: ProgramVersion, days_ago: int = 0, unit: int = 0
) -> Enrollment:
    now = datetime.now(UTC) - timedelta(days=days_ago)
    enrollment = enrollments.start(
        db.session,
        citizen_id=_citizen(number).id,
        program_version_id=version.id,
        care_unit_id=_units()[unit],
        therapist_id=_staff(therapist).id,
        started_by_id=_staff(therapist).id,
        now=now,
    )
    db.session.commit()
    return enrollment


def forget_demo_enrollments() -> None:
    """The demo data set's enrollments fill the lists; these tests bring their own."""
    for model in (
        Flag,
        Reminder,
        StaffReminder,
        ActivityValue,
        ActivityRegistration,
        ActivityPlan,
        Result,
        FormResponse,
        FormAssignment,
        BatteryOccurrence,
        BatterySchedule,
        Bookmark,
        ItemProgress,
        EnrollmentEvent,
        EnrollmentModule,
        Enrollment,
    ):
        db.session.execute(delete(model))
    db.session.commit()


@pytest.fixture
def program(demo_data) -> ProgramVersion:
    forget_demo_enrollments()
    return make_program()


def _names_in_table(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<td><a href="/staff/patients/\d+">([^<]+)</a>', body)


# --- the lists -----------------------------------------------------------------------------------


def test_lists_mine_all_and_ended(client, login, program):
    john = start(JOHN, TOMMY, program)
    start(ELIN, ANNA, program)
    ahmed = start(AHMED, TOMMY, program)
    enrollments.end(db.session, ahmed, "staff", _staff(TOMMY).id, datetime.now(UTC))
    db.session.commit()
    login("staff", TOMMY, unit_id=_units()[0])

    mine = client.get("/staff/patients?view=mine").get_data(as_text=True)
    assert _names_in_table(mine) == ["John Doe"]
    assert f'href="/staff/patients/{john.id}"' in mine
    assert "19850314-2393" in mine and "Sömnskolan" in mine and "1.0" in mine
    assert 'aria-current="page">Mina<' in mine

    everyone = client.get("/staff/patients?view=all").get_data(as_text=True)
    assert "John Doe" in everyone and "Elin Svensson" in everyone
    assert "Linnea Johansson" not in everyone  # another unit's patient
    assert f'href="/staff/patients/{ahmed.id}"' not in everyone

    ended = client.get("/staff/patients?view=ended").get_data(as_text=True)
    assert _names_in_table(ended) == ["Ahmed Karimi"]
    assert 'aria-current="page">Avslutade<' in ended


def test_a_therapist_lands_on_mine_a_citizen_admin_on_all(client, login, program):
    login("staff", TOMMY, unit_id=_units()[0])
    assert 'aria-current="page">Mina<' in client.get("/staff/patients").get_data(as_text=True)
    login("staff", MARIA, unit_id=_units()[0])
    assert 'aria-current="page">Alla<' in client.get("/staff/patients").get_data(as_text=True)


def test_sorting_by_name_start_and_last_active(client, login, program):
    john = start(JOHN, TOMMY, program, days_ago=3)
    elin = start(ELIN, TOMMY, program, days_ago=10)
    ahmed = start(AHMED, TOMMY, program, days_ago=1)
    now = datetime.now(UTC)
    john.last_active_at = now - timedelta(days=2)
    elin.last_active_at = now
    ahmed.last_active_at = None
    db.session.commit()
    login("staff", TOMMY, unit_id=_units()[0])

    def order(query: str) -> list[str]:
        html = client.get(f"/staff/patients?view=mine&{query}").get_data(as_text=True)
        return [
            n for n in _names_in_table(html) if n in ("John Doe", "Elin Svensson", "Ahmed Karimi")
        ]

    assert order("sort=name") == ["Ahmed Karimi", "Elin Svensson", "John Doe"]
    assert order("sort=name&dir=desc") == ["John Doe", "Elin Svensson", "Ahmed Karimi"]
    assert order("sort=start") == ["Elin Svensson", "John Doe", "Ahmed Karimi"]
    assert order("sort=start&dir=desc") == ["Ahmed Karimi", "John Doe", "Elin Svensson"]
    assert order("sort=active&dir=desc") == ["Elin Svensson", "John Doe", "Ahmed Karimi"]
    assert order("sort=active") == ["John Doe", "Elin Svensson", "Ahmed Karimi"]  # never last

    html = client.get("/staff/patients?view=mine&sort=start&dir=desc").get_data(as_text=True)
    headers = re.findall(r"<th scope=\"col\"( aria-sort=\"(\w+)\")?>\s*<a href=\"([^\"]+)\">", html)
    sorted_headers = [(sort, href) for _attr, sort, href in headers if sort]
    assert len(sorted_headers) == 1
    assert sorted_headers[0][0] == "descending" and "sort=start" in sorted_headers[0][1]
    assert "dir=asc" in sorted_headers[0][1]  # following the link turns the order around


def test_search_by_name_or_personnummer(client, login, program):
    start(JOHN, TOMMY, program)
    start(ELIN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    page = client.get("/staff/patients").get_data(as_text=True)
    assert re.search(r'<label for="patient-search">[^<]+</label>', page)
    assert _names_in_table(client.get("/staff/patients?q=svens").get_data(as_text=True)) == [
        "Elin Svensson"
    ]
    by_number = client.get("/staff/patients?q=19850314-2393").get_data(as_text=True)
    assert "John Doe" in by_number and "Elin Svensson" not in by_number
    assert "John Doe" in client.get("/staff/patients?q=8503142393").get_data(as_text=True)
    none = client.get("/staff/patients?q=Nobody%25").get_data(as_text=True)
    assert "<tbody>" not in none and "Nobody%" in none


def _bulk_patients(unit_id: int, therapist_id: int, version_id: int, count: int, start_at: int):
    """``count`` citizens with an enrollment each, inserted in bulk (not valid numbers: fine)."""
    now = datetime.now(UTC)
    citizens = [
        {
            "personnummer": f"1950{n:08d}",
            "name": f"Patient {n:04d}",
            "birth_date": datetime(1950, 1, 1).date(),
            "legal_sex": "female",
            "created_at": now,
        }
        for n in range(start_at, start_at + count)
    ]
    db.session.execute(insert(Citizen), citizens)
    ids = db.session.scalars(
        select(Citizen.id).where(Citizen.name.like("Patient %")).order_by(Citizen.id)
    ).all()[-count:]
    db.session.execute(
        insert(Enrollment),
        [
            {
                "citizen_id": citizen_id,
                "care_unit_id": unit_id,
                "therapist_id": therapist_id,
                "status": "active",
                "started_at": now - timedelta(minutes=index),
                "program_version_id": version_id,
            }
            for index, citizen_id in enumerate(ids)
        ],
    )
    db.session.commit()


def test_pagination(client, login, program):
    unit = _units()[0]
    _bulk_patients(unit, _staff(TOMMY).id, program.id, 30, 0)
    login("staff", TOMMY, unit_id=unit)
    first = client.get("/staff/patients?view=mine").get_data(as_text=True)
    assert len(_names_in_table(first)) == 25
    assert "Sida 1 av 2" in first and "Nästa" in first
    assert re.search(r'<a href="[^"]*page=2[^"]*" rel="next">Nästa</a>', first)
    second = client.get("/staff/patients?view=mine&page=2").get_data(as_text=True)
    assert len(_names_in_table(second)) == 5
    assert "Sida 2 av 2" in second and 'rel="prev">Föregående</a>' in second
    beyond = client.get("/staff/patients?view=mine&page=99").get_data(as_text=True)
    assert "Sida 2 av 2" in beyond
    assert "30 patienter" in first


def _flagged_results(enrollment: Enrollment, flags: list[list[str]]) -> None:
    form = db.session.scalar(select(Form).where(Form.key == "phq-9"))
    now = datetime.now(UTC)
    for number, raised in enumerate(flags):
        assignment = FormAssignment(
            citizen_id=enrollment.citizen_id,
            enrollment_id=enrollment.id,
            form_version_id=form.latest.id,
            status="done",
        )
        db.session.add(assignment)
        db.session.flush()
        response = FormResponse(
            form_version_id=form.latest.id,
            citizen_id=enrollment.citizen_id,
            assignment_id=assignment.id,
            status="submitted",
            submission_key=f"flag-{enrollment.id}-{number}",
            submitted_at=now,
        )
        db.session.add(response)
        db.session.flush()
        result = Result(
            response_id=response.id,
            citizen_id=enrollment.citizen_id,
            form_id=form.id,
            key="phq-9.total",
            value=20,
            flags=raised,
            at=now,
        )
        db.session.add(result)
        db.session.flush()
        # as the scoring announces it: the flags package raises its flags (Flag cases)
        events.result_recorded.send(
            db.session,
            response_id=response.id,
            citizen_id=enrollment.citizen_id,
            result_ids=[result.id],
        )
    db.session.commit()


def test_flags_count_per_enrollment(client, login, program):
    john = start(JOHN, TOMMY, program)
    elin = start(ELIN, TOMMY, program)
    _flagged_results(john, [["phq-9.item-9"], [], ["phq-9.item-9", "other"]])
    _flagged_results(elin, [[]])
    login("staff", TOMMY, unit_id=_units()[0])
    html = client.get("/staff/patients?view=mine").get_data(as_text=True)
    rows = dict(
        re.findall(r'<tr>\s*<td><a href="/staff/patients/\d+">([^<]+)</a>(.*?)</tr>', html, re.S)
    )
    # open Flag cases: item 9 raised, cleared by the unflagged response (the case stays open),
    # raised again, and "other"
    assert "3 flaggor" in rows["John Doe"]
    assert "flagg" not in rows["Elin Svensson"] and "Inga" in rows["Elin Svensson"]


def test_listing_is_audited_once_per_citizen_shown(client, login, program):
    start(JOHN, TOMMY, program)
    start(ELIN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    client.get("/staff/patients?view=mine")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.what == "patient_list").order_by(AuditEvent.citizen_id)
    ).all()
    assert sorted(e.citizen_id for e in events) == sorted([_citizen(JOHN).id, _citizen(ELIN).id])
    assert {(e.actor_id, e.care_unit_id, e.action) for e in events} == {
        (_staff(TOMMY).id, _units()[0], "read")
    }


# --- starting an enrollment ----------------------------------------------------------------------


def _start_form(client, **fields):
    page = client.get("/staff/enrollments/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return client.post("/staff/enrollments/new", data={"csrf_token": csrf_from(html), **fields})


def test_start_enrollment_for_a_new_citizen(client, login, program):
    login("staff", TOMMY, unit_id=_units()[0])
    page = client.get("/staff/enrollments/new").get_data(as_text=True)
    # The therapist is preselected as responsible; only the unit's therapists are offered.
    assert re.search(rf'<option selected value="{_staff(TOMMY).id}">', page) or re.search(
        rf'<option value="{_staff(TOMMY).id}" selected', page
    )
    assert "Johan Sund" not in page and "Maria Lind" not in page
    assert "Sömnskolan (version 1.0)" in page
    response = _start_form(
        client,
        personnummer=NEW_PERSON,
        name="Greta Garbo",
        program_version=program.id,
        therapist=_staff(ANNA).id,
    )
    assert response.status_code == 302
    citizen = _citizen("199001010017")
    assert citizen is not None and citizen.name == "Greta Garbo"
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    assert response.headers["Location"].endswith(f"/staff/patients/{enrollment.id}")
    assert enrollment.program_version_id == program.id
    assert enrollment.therapist_id == _staff(ANNA).id
    assert enrollment.started_by_id == _staff(TOMMY).id
    audit = db.session.scalar(
        select(AuditEvent).where(AuditEvent.citizen_id == citizen.id, AuditEvent.action == "create")
    )
    assert audit is not None and audit.detail["enrollment"] == enrollment.id


def test_start_enrollment_for_a_citizen_known_at_the_unit_needs_no_name(client, login, program):
    earlier = start(JOHN, TOMMY, program, days_ago=30)
    enrollments.end(db.session, earlier, "staff", _staff(TOMMY).id, datetime.now(UTC))
    db.session.commit()
    login("staff", MARIA, unit_id=_units()[0])  # a citizen administrator may start too
    response = _start_form(
        client, personnummer="850314-2393", program_version=program.id, therapist=_staff(TOMMY).id
    )
    assert response.status_code == 302
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.program_version_id == program.id, Enrollment.status == "active"
        )
    )
    assert enrollment.citizen_id == _citizen(JOHN).id
    assert enrollment.therapist_id == _staff(TOMMY).id


def _nothing_started(version: ProgramVersion) -> bool:
    return (
        db.session.scalar(
            select(func.count(Enrollment.id)).where(Enrollment.program_version_id == version.id)
        )
        == 0
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"personnummer": "19900101-0018", "name": "X"}, "kontrollsiffra"),
        ({"personnummer": "hej", "name": "X"}, "ÅÅÅÅMMDD-NNNN"),
        ({"personnummer": NEW_PERSON, "name": ""}, "Ange namnet"),
    ],
)
def test_start_enrollment_refuses_bad_citizen_input(client, login, program, fields, message):
    login("staff", TOMMY, unit_id=_units()[0])
    response = _start_form(client, program_version=program.id, therapist=_staff(TOMMY).id, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert _nothing_started(program)
    assert _citizen("199001010017") is None


def test_start_enrollment_refuses_a_program_outside_the_catalogue(client, login, program):
    other = make_program("elsewhere", units=[_units()[1]])
    login("staff", TOMMY, unit_id=_units()[0])
    page = client.get("/staff/enrollments/new").get_data(as_text=True)
    assert f'value="{other.id}"' not in page
    response = _start_form(
        client,
        personnummer=NEW_PERSON,
        name="Greta Garbo",
        program_version=other.id,
        therapist=_staff(TOMMY).id,
    )
    assert response.status_code == 400
    assert "Välj ett program som din vårdenhet får använda." in response.get_data(as_text=True)
    assert _nothing_started(other) and _citizen("199001010017") is None


def test_start_enrollment_refuses_a_non_therapist_as_responsible(client, login, program):
    login("staff", ANNA, unit_id=_units()[0])
    for who in (MARIA, JOHAN):  # citizen administrator only; therapist at another unit
        response = _start_form(
            client, personnummer=JOHN, program_version=program.id, therapist=_staff(who).id
        )
        assert response.status_code == 400
        assert "behandlarrollen" in response.get_data(as_text=True)
    assert _nothing_started(program)


def test_start_enrollment_refuses_a_second_ongoing_enrollment(client, login, program):
    start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    response = _start_form(
        client, personnummer=JOHN, program_version=program.id, therapist=_staff(TOMMY).id
    )
    assert response.status_code == 400
    assert "redan" in response.get_data(as_text=True)
    count = db.session.scalar(
        select(func.count(Enrollment.id)).where(Enrollment.program_version_id == program.id)
    )
    assert count == 1


def test_only_therapists_and_citizen_admins_start_enrollments(client, login, program):
    login("staff", "SE2321000131-P000000000015", unit_id=_units()[0])  # designer and publisher
    assert client.get("/staff/enrollments/new").status_code == 403
    assert client.get("/staff/patients").status_code == 403


# --- the patient page ----------------------------------------------------------------------------


def _module(enrollment: Enrollment, key: str) -> EnrollmentModule:
    db.session.expire_all()
    return db.session.scalar(
        select(EnrollmentModule).where(
            EnrollmentModule.enrollment_id == enrollment.id, EnrollmentModule.module_key == key
        )
    )


def _post(client, enrollment: Enrollment, path: str, **data):
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    return client.post(
        f"/staff/patients/{enrollment.id}{path}", data={"csrf_token": csrf_from(page), **data}
    )


def test_manage_tab_shows_progress_and_modules(client, login, program):
    enrollment = start(JOHN, TOMMY, program, days_ago=3)
    enrollment.last_active_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    login("staff", TOMMY, unit_id=_units()[0])
    html = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    assert "Dagar i momentet: 3 (rek. 28 dagar)" in html
    assert "Moduler avklarade: 0 av 4" in html
    assert "(1 dag sen)" in html and "Senast aktiv:" in html
    assert "Ansvarig behandlare: Tommy Skjulsvik" in html
    assert "Dagar kvar: 4" in html and "Sätt till avklarad" in html
    assert "Kommande moduler" in html and "Aktivera" in html
    assert "Modul 4. Återfallsprevention" in html
    assert re.search(r'<a href="/staff/patients/\d+" aria-current="page">Hantera</a>', html)
    for tab in ("results", "timeline", "events"):
        assert f'href="/staff/patients/{enrollment.id}/{tab}"' in html
    assert html.count("<h1>") == 1
    assert "Byt behandlare" not in html  # Tommy is no citizen administrator


def test_complete_and_activate_modules(client, login, program):
    enrollment = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    response = _post(client, enrollment, "/modules/m1/complete")
    assert response.status_code == 302
    assert _module(enrollment, "m1").state == "done"
    assert _module(enrollment, "m2").state == "open"  # after_previous opens at once
    response = _post(client, enrollment, "/modules/m4/activate")
    assert response.status_code == 302
    m4 = _module(enrollment, "m4")
    assert m4.state == "open" and m4.activated_by_id == _staff(TOMMY).id
    kinds = db.session.scalars(
        select(EnrollmentEvent.kind)
        .where(EnrollmentEvent.enrollment_id == enrollment.id)
        .order_by(EnrollmentEvent.id)
    ).all()
    assert "module_completed" in kinds and "module_activated" in kinds
    changes = db.session.scalars(
        select(AuditEvent.what).where(
            AuditEvent.citizen_id == enrollment.citizen_id, AuditEvent.action == "change"
        )
    ).all()
    assert set(changes) >= {"enrollment.module_completed", "enrollment.module_activated"}
    html = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    assert "Moduler avklarade: 1 av 4" in html


def test_hide_and_show_a_module_and_an_item(client, login, program):
    enrollment = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    assert _post(client, enrollment, "/modules/m2/visibility", hidden="1").status_code == 302
    assert _module(enrollment, "m2").hidden is True
    html = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    assert "Dold för invånaren" in html or "Dold för patienten" in html
    assert _post(client, enrollment, "/modules/m2/visibility", hidden="0").status_code == 302
    assert _module(enrollment, "m2").hidden is False
    assert _post(client, enrollment, "/items/m1-more/visibility", hidden="1").status_code == 302
    row = db.session.scalar(
        select(ItemProgress).where(
            ItemProgress.enrollment_id == enrollment.id, ItemProgress.item_key == "m1-more"
        )
    )
    assert row.hidden is True
    assert _post(client, enrollment, "/modules/m2/visibility", hidden="maybe").status_code == 400
    assert _post(client, enrollment, "/items/nope/visibility", hidden="1").status_code == 302


def test_only_a_citizen_admin_changes_therapist(client, login, program):
    enrollment = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    response = _post(client, enrollment, "/therapist", therapist=_staff(ANNA).id)
    assert response.status_code == 403
    login("staff", ANNA, unit_id=_units()[0])
    html = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    assert "Byt behandlare" in html
    response = _post(client, enrollment, "/therapist", therapist=_staff(MARIA).id)
    assert response.status_code == 302  # refused with a message: Maria is no therapist
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).therapist_id == _staff(TOMMY).id
    response = _post(client, enrollment, "/therapist", therapist=_staff(ANNA).id)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).therapist_id == _staff(ANNA).id
    timeline = client.get(f"/staff/patients/{enrollment.id}/timeline").get_data(as_text=True)
    assert "Tommy Skjulsvik" in timeline and "Anna Berg" in timeline


def test_end_needs_confirmation_and_then_the_enrollment_is_read_only(client, login, program):
    enrollment = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    confirm = client.get(f"/staff/patients/{enrollment.id}/end")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "John Doe" in html and "<form" in html
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "active"  # a GET changes nothing
    response = client.post(
        f"/staff/patients/{enrollment.id}/end", data={"csrf_token": csrf_from(html)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "ended"

    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    assert "Sätt till avklarad" not in page and "Aktivera" not in page
    refused = client.post(
        f"/staff/patients/{enrollment.id}/modules/m1/complete",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "avslutat" in refused.get_data(as_text=True)
    assert _module(enrollment, "m1").state == "open"
    for path, data in (
        ("/modules/m4/activate", {}),
        ("/modules/m2/visibility", {"hidden": "1"}),
        ("/maintenance", {}),
        ("/end", {}),
    ):
        client.post(
            f"/staff/patients/{enrollment.id}{path}", data={"csrf_token": csrf_from(page), **data}
        )
    assert _module(enrollment, "m4").state == "locked"
    assert _module(enrollment, "m2").hidden is False
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "ended"
    ended = db.session.scalars(
        select(EnrollmentEvent).where(
            EnrollmentEvent.enrollment_id == enrollment.id, EnrollmentEvent.kind == "ended"
        )
    ).all()
    assert len(ended) == 1


def test_maintenance_with_confirmation(client, login, program):
    enrollment = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    html = client.get(f"/staff/patients/{enrollment.id}/maintenance").get_data(as_text=True)
    assert "vidmakthåll" in html.lower()
    client.post(
        f"/staff/patients/{enrollment.id}/maintenance", data={"csrf_token": csrf_from(html)}
    )
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "maintenance"
    everyone = client.get("/staff/patients?view=all").get_data(as_text=True)
    assert "John Doe" in everyone  # maintenance is still ongoing


def test_timeline_and_events_tabs(client, login, program):
    enrollment = start(JOHN, TOMMY, program, days_ago=2)
    now = datetime.now(UTC)
    enrollments.open_item(db.session, enrollment, "m1-intro", now - timedelta(hours=2))
    enrollments.open_item(db.session, enrollment, "m1-more", now - timedelta(hours=1))
    db.session.commit()
    login("staff", TOMMY, unit_id=_units()[0])

    timeline = client.get(f"/staff/patients/{enrollment.id}/timeline").get_data(as_text=True)
    assert re.search(r'aria-current="page">Tidslinje<', timeline)
    started = timeline.index("Momentet startade")
    opened = timeline.index("Öppnade ”Om sömn”")
    completed = timeline.index("Modul 1. Välkommen blev avklarad")
    assert started < opened < completed
    assert "Tommy Skjulsvik" in timeline and "John Doe (patienten)" in timeline

    events = client.get(f"/staff/patients/{enrollment.id}/events").get_data(as_text=True)
    assert re.search(r'aria-current="page">Händelser<', events)
    assert events.index("Öppnade ”Mer om sömn”") < events.index("Öppnade ”Om sömn”")
    assert "Modul 2" not in events  # opened by the system: not the patient's own doing
    # A second visit marks what happened since the first one.
    enrollments.open_item(
        db.session, enrollment, "m2-text", datetime.now(UTC) + timedelta(seconds=1)
    )
    db.session.commit()
    again = client.get(f"/staff/patients/{enrollment.id}/events").get_data(as_text=True)
    new_row = re.search(r"Öppnade ”Dagboken”.*?</tr>", again, re.S).group(0)
    assert ">Ny<" in new_row
    old_row = re.search(r"Öppnade ”Om sömn”.*?</tr>", again, re.S).group(0)
    assert ">Ny<" not in old_row


def test_every_tab_writes_an_audit_event(client, login, program):
    enrollment = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    for tab, what in (
        ("", "patient"),
        ("/results", "results"),
        ("/timeline", "timeline"),
        ("/events", "events"),
    ):
        before = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.citizen_id == enrollment.citizen_id, AuditEvent.what == what
            )
        )
        assert client.get(f"/staff/patients/{enrollment.id}{tab}").status_code == 200
        after = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.citizen_id == enrollment.citizen_id,
                AuditEvent.what == what,
                AuditEvent.actor_id == _staff(TOMMY).id,
            )
        )
        assert after == before + 1, tab


def test_a_patient_without_program_still_has_a_page(client, login, program):
    enrollment = Enrollment(
        citizen_id=_citizen(JOHN).id, care_unit_id=_units()[0], therapist_id=_staff(TOMMY).id
    )
    db.session.add(enrollment)
    db.session.commit()
    login("staff", TOMMY, unit_id=_units()[0])
    for tab in ("", "/results", "/timeline", "/events"):
        assert client.get(f"/staff/patients/{enrollment.id}{tab}").status_code == 200


PATIENT_URLS = [
    ("GET", ""),
    ("GET", "/results"),
    ("GET", "/results/phq-9.total"),
    ("GET", "/timeline"),
    ("GET", "/events"),
    ("GET", "/end"),
    ("GET", "/maintenance"),
    ("POST", "/end"),
    ("POST", "/maintenance"),
    ("POST", "/assign"),
    ("POST", "/modules/m1/complete"),
    ("POST", "/modules/m4/activate"),
    ("POST", "/modules/m1/visibility"),
    ("POST", "/items/m1-intro/visibility"),
    ("POST", "/therapist"),
]


@pytest.mark.parametrize(("method", "path"), PATIENT_URLS)
def test_another_units_patient_answers_404(client, login, program, method, path):
    enrollment = start(JOHN, TOMMY, program)
    login("staff", JOHAN, unit_id=_units()[1])  # therapist and citizen administrator at unit 2
    page = client.get("/staff/patients").get_data(as_text=True)
    url = f"/staff/patients/{enrollment.id}{path}"
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(
            url, data={"csrf_token": csrf_from(page), "hidden": "1", "therapist": 1, "form_id": 1}
        )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "active"
    assert _module(enrollment, "m1").state == "open" and _module(enrollment, "m1").hidden is False
