"""The citizen's own data: a printable page and a JSON file of everything she gave and received,
from her settings page, audit-logged, and nobody else's."""

from __future__ import annotations

import json

from export_helpers import (
    AHMED,
    JOHN,
    NOTE,
    THERAPIST,
    add_rich_response,
    ended_enrollment,
    person,
    staff,
    unit,
)
from sqlalchemy import select

from sob_core import exports
from sob_core.extensions import db
from sob_core.models import AuditEvent, Citizen, Conversation, Message
from sob_core.models._types import utcnow
from sob_core.testing import login_as

SECRET_WORDS = "Mitt hemliga meddelande till teamet"
RETRACTED = "Det här tog jag tillbaka"


def add_messages(enrollment):
    conversation = Conversation(
        enrollment_id=enrollment.id,
        subject="Sömnen",
        created_by_kind="citizen",
        created_by_id=enrollment.citizen_id,
    )
    db.session.add(conversation)
    db.session.flush()
    for body, retracted, key in ((SECRET_WORDS, None, "a"), (RETRACTED, utcnow(), "b")):
        db.session.add(
            Message(
                conversation_id=conversation.id,
                author_kind="citizen",
                author_id=enrollment.citizen_id,
                body=body,
                retracted_at=retracted,
                idempotency_key=f"own-data-{enrollment.id}-{key}",
            )
        )
    db.session.commit()


def test_the_settings_page_links_to_her_data(client, demo_data):
    ahmed = person(Citizen, personnummer=AHMED)
    login_as(client, ahmed)
    page = client.get("/citizen/settings")
    assert "/citizen/settings/my-data" in page.text
    assert "/citizen/settings/my-data.json" in page.text


def test_she_reads_her_answers_results_and_messages_on_a_page(client, demo_data):
    enrollment = ended_enrollment()
    add_rich_response(enrollment)
    add_messages(enrollment)
    login_as(client, person(Citizen, personnummer=AHMED))
    page = client.get("/citizen/settings/my-data")
    assert page.status_code == 200
    assert "Ahmed Karimi" in page.text and "19780923-2577" in page.text
    assert "Hur mår du?" in page.text and "Bra" in page.text  # the answer as the type shows it
    assert NOTE in page.text
    assert SECRET_WORDS in page.text
    assert RETRACTED not in page.text  # a retracted message is never shown again
    assert "Meddelandet har tagits tillbaka." in page.text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.what == "own_data")).all()
    assert [(e.action, e.citizen_id, e.actor_kind) for e in events] == [
        ("export", enrollment.citizen_id, "citizen")
    ]


def test_she_downloads_the_same_as_json(client, demo_data):
    enrollment = ended_enrollment()
    add_rich_response(enrollment)
    add_messages(enrollment)
    login_as(client, person(Citizen, personnummer=AHMED))
    answer = client.get("/citizen/settings/my-data.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert "attachment" in answer.headers["Content-Disposition"]
    document = json.loads(answer.data)
    assert document["format"] == "sob-own-data/1"
    assert document["citizen"]["personnummer"] == "19780923-2577"
    (mine,) = [e for e in document["enrollments"] if e["enrollment"]["id"] == enrollment.id]
    rich = next(r for r in mine["responses"] if r["form"] == "export-test")
    topics = next(a for a in rich["answers"] if a["question"] == "topics")
    assert topics["value"] == ["sleep", "worry"]
    (conversation,) = mine["conversations"]
    assert [m["text"] for m in conversation["messages"]] == [SECRET_WORDS, None]
    assert conversation["messages"][1]["retracted"] is True
    assert any(r["form"] == "sleep-diary" for r in mine["responses"])
    assert set(mine) >= {"modules", "events", "results", "batteries", "reminders", "activity_plan"}
    assert JOHN not in answer.text and "19850314-2393" not in answer.text
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.what == "own_data.json")).all()


def test_every_enrollment_is_in_the_document_and_nobody_elses(app, demo_data):
    john = person(Citizen, personnummer=JOHN)
    document = exports.citizen_document(db.session, john.id, lang="sv")
    assert document["enrollments"]
    ids = {part["enrollment"]["id"] for part in document["enrollments"]}
    from sob_core.models import Enrollment

    assert ids == set(
        db.session.scalars(select(Enrollment.id).where(Enrollment.citizen_id == john.id))
    )
    text = json.dumps(document, ensure_ascii=False)
    assert AHMED not in text and "Ahmed" not in text


def test_only_results_she_may_see_are_in_it(app, demo_data):
    from sob_core.models import FormAssignment, FormResponse, Result

    enrollment = ended_enrollment()
    hidden = db.session.scalars(
        select(Result)
        .join(FormResponse, FormResponse.id == Result.response_id)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .where(FormAssignment.enrollment_id == enrollment.id)
    ).all()
    document = exports.citizen_document(db.session, enrollment.citizen_id, lang="sv")
    (mine,) = [e for e in document["enrollments"] if e["enrollment"]["id"] == enrollment.id]
    visible = sorted(r.key for r in hidden if r.citizen_visible)
    assert sorted(r["key"] for r in mine["results"]) == visible


def test_staff_cannot_fetch_a_citizens_own_data_page(client, demo_data):
    login_as(client, staff(THERAPIST), unit().id)
    assert client.get("/citizen/settings/my-data").status_code == 403
    assert client.get("/citizen/settings/my-data.json").status_code == 403
