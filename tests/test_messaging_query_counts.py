"""Unread message counts on the patient list, the staff start page and the messages tab cost
the same number of SQL statements whatever the number of patients and messages (issue 9)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from statement_helpers import counting

from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Citizen,
    Conversation,
    Enrollment,
    Message,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Staff,
)

TOMMY = "SE2321000131-P000000000011"

CONTENT = {
    "name": {"sv": "Räknade meddelanden"},
    "recommended_days": 7,
    "messaging": True,
    "modules": [
        {
            "key": "m1",
            "title": "Modul 1",
            "recommended_days": 7,
            "unlock": {"rule": "at_start"},
            "items": [{"key": "m1-t", "kind": "text", "title": "Text", "body": "<p/>"}],
        }
    ],
}


def statements_for(client, url: str) -> int:
    assert client.get(url).status_code == 200, url
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _unit() -> int:
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()


@pytest.fixture
def version(demo_data) -> ProgramVersion:
    program = Program(key="raknade-meddelanden", kind="treatment", owner_care_unit_id=_unit())
    db.session.add(program)
    db.session.flush()
    version = ProgramVersion(
        program_id=program.id, major=1, minor=0, status="published", content=CONTENT
    )
    db.session.add(version)
    db.session.add(ProgramCatalogue(program_id=program.id, care_unit_id=_unit()))
    db.session.commit()
    return version


def add_patients(version: ProgramVersion, first: int, count: int, per_patient: int) -> list[int]:
    """``count`` patients, each with a conversation of ``per_patient`` unread messages."""
    now = datetime.now(UTC)
    tommy = db.session.scalar(select(Staff.id).where(Staff.hsa_id == TOMMY))
    numbers = [f"1960{n:08d}" for n in range(first, first + count)]
    db.session.execute(
        insert(Citizen),
        [
            {
                "personnummer": number,
                "name": f"Skribent {n:05d}",
                "birth_date": date(1960, 1, 1),
                "legal_sex": "female",
                "created_at": now,
            }
            for n, number in zip(range(first, first + count), numbers, strict=True)
        ],
    )
    citizens = db.session.scalars(
        select(Citizen.id).where(Citizen.personnummer.in_(numbers)).order_by(Citizen.id)
    ).all()
    next_enrollment = (db.session.scalar(select(func.max(Enrollment.id))) or 0) + 1
    next_conversation = (db.session.scalar(select(func.max(Conversation.id))) or 0) + 1
    enrollments, conversations, messages = [], [], []
    for index, citizen_id in enumerate(citizens):
        enrollments.append(
            {
                "id": next_enrollment + index,
                "citizen_id": citizen_id,
                "care_unit_id": _unit(),
                "therapist_id": tommy,
                "status": "active",
                "started_at": now - timedelta(days=1),
                "program_version_id": version.id,
            }
        )
        conversations.append(
            {
                "id": next_conversation + index,
                "enrollment_id": next_enrollment + index,
                "subject": "Fråga",
                "created_by_kind": "citizen",
                "created_by_id": citizen_id,
                "created_at": now,
                "last_message_at": now,
            }
        )
        for n in range(per_patient):
            messages.append(
                {
                    "conversation_id": next_conversation + index,
                    "author_kind": "citizen",
                    "author_id": citizen_id,
                    "body": f"Meddelande {n}",
                    "sent_at": now - timedelta(minutes=n),
                    "idempotency_key": f"count-{first + index}-{n}",
                }
            )
    db.session.execute(insert(Enrollment), enrollments)
    db.session.execute(insert(Conversation), conversations)
    db.session.execute(insert(Message), messages)
    db.session.commit()
    return [row["id"] for row in enrollments]


def test_unread_counts_cost_the_same_for_few_and_many(client, login, version):
    login("staff", TOMMY, unit_id=_unit())
    ids = add_patients(version, 0, 5, per_patient=1)
    urls = [
        "/staff/",
        "/staff/patients?view=all",
        "/staff/patients?view=mine",
        f"/staff/patients/{ids[0]}/messages",
    ]
    small = {url: statements_for(client, url) for url in urls}
    page = client.get("/staff/patients?view=all").get_data(as_text=True)
    assert "1 oläst meddelande" in page
    many = add_patients(version, 5, 400, per_patient=6)
    assert db.session.scalar(select(func.count(Message.id))) >= 2400
    urls[3] = f"/staff/patients/{many[0]}/messages"
    large = {url: statements_for(client, url) for url in urls}
    assert list(large.values()) == list(small.values())
    page = client.get("/staff/patients?view=all").get_data(as_text=True)
    assert "6 olästa meddelanden" in page
    # the patient list keeps its bound: the unread counts are a subquery of the page query (9:
    # the access guard's one statement for the unit's state and the region's information messages)
    assert small["/staff/patients?view=all"] <= 9, small
