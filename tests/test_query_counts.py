"""The patient list, the flag list (staff start page), the patient page and its messages tab make
the same number of SQL statements at any data size (10 vs 10,000 patients), on SQLite and, with
SOB_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flag_helpers import enroll
from sqlalchemy import func, insert, select
from statement_helpers import counting

from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    Flag,
    Form,
    FormAssignment,
    FormResponse,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Result,
    Staff,
)
from sob_core.testing import csrf_from

TOMMY = "SE2321000131-P000000000011"
JOHN = "198503142393"

CONTENT = {
    "name": {"sv": "Räknat program"},
    "recommended_days": 21,
    "modules": [
        {
            "key": f"m{n}",
            "title": f"Modul {n}",
            "recommended_days": 7,
            "unlock": {"rule": "at_start" if n == 1 else "after_previous", "days": None},
            "items": [{"key": f"m{n}-text", "kind": "text", "title": f"Text {n}", "body": "<p/>"}],
        }
        for n in (1, 2, 3)
    ],
}

LIST_URLS = [
    "/staff/patients",
    "/staff/patients?view=mine",
    "/staff/patients?view=all&sort=start&dir=desc",
    "/staff/patients?view=all&sort=active",
    "/staff/patients?view=ended",
    "/staff/patients?view=all&q=Patient",
    "/staff/patients?view=all&q=1950",
    "/staff/patients?view=mine&sort=name&dir=desc&page=2",
    "/staff/",  # the start page: the unit's open flags and unread messages
]

PATIENT_TABS = ["", "/results", "/timeline", "/events", "/messages"]


def statements_for(client, url: str) -> int:
    assert client.get(url).status_code == 200, url  # warm: the first request may fill caches
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _unit() -> int:
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()


def _tommy() -> int:
    return db.session.scalar(select(Staff.id).where(Staff.hsa_id == TOMMY))


@pytest.fixture
def version(demo_data) -> ProgramVersion:
    program = Program(key="counted", kind="treatment", owner_care_unit_id=_unit())
    db.session.add(program)
    db.session.flush()
    version = ProgramVersion(
        program_id=program.id, major=1, minor=0, status="published", content=CONTENT
    )
    db.session.add(version)
    db.session.add(ProgramCatalogue(program_id=program.id, care_unit_id=_unit()))
    db.session.commit()
    return version


def add_patients(version: ProgramVersion, first: int, count: int) -> None:
    """``count`` citizens, each with an enrollment (some ended) and a result (some flagged)."""
    now = datetime.now(UTC)
    unit, tommy = _unit(), _tommy()
    phq = db.session.scalar(select(Form).where(Form.key == "phq-9")).latest
    db.session.execute(
        insert(Citizen),
        [
            {
                "personnummer": f"1950{n:08d}",
                "name": f"Patient {n:05d}",
                "birth_date": date(1950, 1, 1),
                "legal_sex": "male",
                "created_at": now,
            }
            for n in range(first, first + count)
        ],
    )
    citizens = db.session.scalars(
        select(Citizen.id)
        .where(Citizen.personnummer.in_([f"1950{n:08d}" for n in range(first, first + count)]))
        .order_by(Citizen.id)
    ).all()
    next_enrollment = (db.session.scalar(select(func.max(Enrollment.id))) or 0) + 1
    next_assignment = (db.session.scalar(select(func.max(FormAssignment.id))) or 0) + 1
    next_response = (db.session.scalar(select(func.max(FormResponse.id))) or 0) + 1
    enrollment_rows, assignment_rows, response_rows, result_rows = [], [], [], []
    for index, citizen_id in enumerate(citizens):
        enrollment_id = next_enrollment + index
        enrollment_rows.append(
            {
                "id": enrollment_id,
                "citizen_id": citizen_id,
                "care_unit_id": unit,
                "therapist_id": tommy if index % 2 else None,
                "status": "ended" if index % 5 == 0 else "active",
                "started_at": now - timedelta(hours=index),
                "last_active_at": now - timedelta(minutes=index) if index % 3 else None,
                "program_version_id": version.id,
            }
        )
        assignment_rows.append(
            {
                "id": next_assignment + index,
                "citizen_id": citizen_id,
                "enrollment_id": enrollment_id,
                "form_version_id": phq.id,
                "status": "done",
                "assigned_at": now,
            }
        )
        response_rows.append(
            {
                "id": next_response + index,
                "form_version_id": phq.id,
                "citizen_id": citizen_id,
                "assignment_id": next_assignment + index,
                "status": "submitted",
                "submission_key": f"counted-{first + index}",
                "answers": {},
                "submitted_at": now,
            }
        )
        result_rows.append(
            {
                "response_id": next_response + index,
                "citizen_id": citizen_id,
                "form_id": phq.form_id,
                "key": "phq-9.total",
                "value": 12.0,
                "flags": ["phq-9.item-9"] if index % 4 == 0 else [],
                "citizen_visible": True,
                "at": now,
            }
        )
    db.session.execute(insert(Enrollment), enrollment_rows)
    db.session.execute(insert(FormAssignment), assignment_rows)
    db.session.execute(insert(FormResponse), response_rows)
    db.session.execute(insert(Result), result_rows)
    db.session.execute(
        insert(Flag),
        [
            {
                "enrollment_id": next_enrollment + index,
                "citizen_id": citizen_id,
                "care_unit_id": unit,
                "rule_key": "critical-items",
                "kind": ("critical_item", "inactivity")[index % 8 // 4],
                "severity": 3,
                "reason": {},
                "active_key": f"counted-{first + index}",
                "status": "new",
                "raised_at": now,
            }
            for index, citizen_id in enumerate(citizens)
            if index % 4 == 0
        ],
    )
    db.session.commit()


def test_patient_list_statements_do_not_grow_with_patients(client, login, version):
    login("staff", TOMMY, unit_id=_unit())
    add_patients(version, 0, 10)
    small = {url: statements_for(client, url) for url in LIST_URLS}
    add_patients(version, 10, 9990)
    assert db.session.scalar(select(func.count(Enrollment.id))) >= 10_000
    large = {url: statements_for(client, url) for url in LIST_URLS}
    assert large == small
    # And the number is small: the user, the audit insert, a count and one page query. Since
    # sessions are server-side (issue 8) each request also reads its session row: one indexed
    # SELECT (sob_core.web.auth.store), within the same bound. Since the regional administrator
    # (issue 12) the access guard reads the active unit's state (active? the region's
    # information messages, is the person a regional administrator): one more, one statement.
    assert max(small.values()) <= 9, small


def add_events(enrollment: Enrollment, count: int) -> None:
    """``count`` events of the patient's own, and a submitted form for every tenth."""
    now = datetime.now(UTC)
    phq = db.session.scalar(select(Form).where(Form.key == "phq-9")).latest
    for n in range(0, count, 10):
        assignment = FormAssignment(
            citizen_id=enrollment.citizen_id,
            enrollment_id=enrollment.id,
            form_version_id=phq.id,
            status="done",
            assigned_at=now,
        )
        db.session.add(assignment)
        db.session.flush()
        db.session.add(
            FormResponse(
                form_version_id=phq.id,
                citizen_id=enrollment.citizen_id,
                assignment_id=assignment.id,
                status="submitted",
                submission_key=f"events-{enrollment.id}-{count}-{n}",
                submitted_at=now,
            )
        )
    db.session.execute(
        insert(EnrollmentEvent),
        [
            {
                "enrollment_id": enrollment.id,
                "at": now - timedelta(minutes=n),
                "kind": ("content_opened", "form_submitted", "module_completed")[n % 3],
                "actor_kind": "citizen",
                "actor_id": enrollment.citizen_id,
                "module_key": "m1",
                "item_key": "m1-text",
                "detail": {},
                "citizen_visible": True,
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def test_patient_page_statements_do_not_grow_with_events(client, login, version):
    enrollment = enroll(version, started=datetime.now(UTC) - timedelta(days=3))
    db.session.commit()
    login("staff", TOMMY, unit_id=_unit())
    base = f"/staff/patients/{enrollment.id}"
    add_events(enrollment, 3)
    small = {tab: statements_for(client, base + tab) for tab in PATIENT_TABS}
    add_events(enrollment, 297)
    large = {tab: statements_for(client, base + tab) for tab in PATIENT_TABS}
    assert large == small


def _sent(client, url: str) -> list[tuple[str, str]]:
    """(statement, parameters) of a second GET of ``url`` (the first may fill caches)."""
    assert client.get(url).status_code == 200, url
    with counting(parameters=True) as sent:
        assert client.get(url).status_code == 200, url
    return sent


def _read_twice_by_key(sent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    by_key = (".id = ?", ".id = %(pk_1)s")  # SQLite, PostgreSQL
    by_id = [s for s in sent if s[0].startswith("SELECT") and s[0].endswith(by_key)]
    return sorted(s for s in set(by_id) if by_id.count(s) > 1)


def test_the_patient_page_and_the_citizen_overview_read_no_row_twice_by_its_key(
    client, login, version
):
    """A commit in the middle of a page (the audit event of a staff read, the citizen's last
    activity) keeps what the request loaded, the care unit is read once through the enrollment
    and the form catalogue once: no SELECT of one row by id is sent twice (before, the staff
    member, her roles, the citizen, the enrollment and the unit were each read again)."""
    enrollment = enroll(version, started=datetime.now(UTC) - timedelta(days=3))
    db.session.commit()
    login("staff", TOMMY, unit_id=_unit())
    sent = _sent(client, f"/staff/patients/{enrollment.id}")
    assert _read_twice_by_key(sent) == []
    catalogue = [s for s, _ in sent if " FROM form " in s + " " and "form_version" in s]
    assert len(catalogue) == 1, catalogue
    assert len(sent) <= 23, len(sent)
    login("citizen", JOHN)
    sent = _sent(client, f"/citizen/programs/{enrollment.id}")
    assert _read_twice_by_key(sent) == []
    assert len(sent) <= 13, len(sent)


def test_a_scored_submission_reads_its_draft_once(client, login, version):
    """Submitting a PHQ-9: the new draft's commit keeps what the request loaded, so the response,
    its form version and the citizen are not read again; 20 statements in all (24 before)."""
    enrollment = enroll(version, started=datetime.now(UTC) - timedelta(days=3))
    phq = db.session.scalar(select(Form).where(Form.key == "phq-9"))
    assignment = assignments.send_form(db.session, enrollment, phq, _tommy())
    db.session.commit()
    login("citizen", JOHN)
    url = f"/citizen/forms/{assignment.id}"
    page = client.get(url).get_data(as_text=True)
    answers = dict(re.findall(r'type="radio" id="[^"]*" name="([^"]+)" value="(0)"', page))
    assert len(answers) == 9, answers
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "submission_key": key, "action": "submit", **answers}
    with counting() as statements:
        response = client.post(url, data=data)
    assert response.status_code == 302
    stored = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert stored.status == "submitted"
    assert db.session.scalar(select(Result.value).where(Result.response_id == stored.id)) == 0
    assert len(statements) <= 20, statements
