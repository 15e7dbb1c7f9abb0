"""A guardian acting for her child: she chooses the child, sees the child's pages, is the actor
in the audit log, signs the messages she writes, and loses the access at 13 on the next request."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from guardian_helpers import ELIN, JOHN, child, citizen, enroll, guardianship, years_ago
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import AuditEvent, Guardianship
from sob_core.testing import csrf_from, login_as
from sob_core.web import access


def choose(client, kid) -> str:
    page = client.get("/citizen/guardian")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    response = client.post(
        "/citizen/guardian/act", data={"csrf_token": csrf_from(text), "child": kid.personnummer}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/citizen/"
    return text


def test_the_guardian_lists_her_children_under_13_only(app, client, demo_data):
    young = child("Lisa Doe", years_ago(7))
    old = child("Stor Doe", years_ago(13, days=-1), "246")  # 13 today
    guardianship(JOHN, young)
    guardianship(JOHN, old)
    guardianship(ELIN, child("Elins Barn", years_ago(3), "254"))
    login_as(client, citizen(JOHN))
    text = client.get("/citizen/guardian").get_data(as_text=True)
    assert "Lisa Doe" in text
    assert "Stor Doe" not in text and "Elins Barn" not in text


def test_acting_shows_the_childs_pages_and_records_the_guardian(app, client, demo_data):
    kid = child("Lisa Doe", years_ago(7))
    guardianship(JOHN, kid)
    enroll(kid)
    john = citizen(JOHN)
    login_as(client, john)
    before = client.get("/citizen/").get_data(as_text=True)
    assert "John Doe" in before
    choose(client, kid)
    start = client.get("/citizen/").get_data(as_text=True)
    assert "Lisa Doe" in start and 'class="notice acting"' in start
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.what == "guardian:citizen.start")
    ).all()
    assert len(events) == 1
    event = events[0]
    assert (event.actor_kind, event.actor_id, event.citizen_id, event.action) == (
        "citizen",
        john.id,
        kid.id,
        "read",
    )
    assert event.detail["on_behalf_of"] == kid.id and event.detail["child"] == "Lisa Doe"
    # back to herself: her own pages again, nothing more recorded for the child
    response = client.post("/citizen/guardian/self", data={"csrf_token": csrf_from(start)})
    assert response.status_code == 302
    own = client.get("/citizen/").get_data(as_text=True)
    assert "Välkommen, John Doe" in own or "Welcome, John Doe" in own
    assert 'class="notice acting"' not in own
    assert (
        len(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.what == "guardian:citizen.start")
            ).all()
        )
        == 1
    )


def test_a_child_she_is_not_guardian_of_cannot_be_chosen(app, client, demo_data):
    other = child("Inte Hennes", years_ago(6))
    guardianship(ELIN, other)
    login_as(client, citizen(JOHN))
    text = client.get("/citizen/guardian").get_data(as_text=True)
    response = client.post(
        "/citizen/guardian/act", data={"csrf_token": csrf_from(text), "child": other.personnummer}
    )
    assert response.headers["Location"] == "/citizen/guardian"
    page = client.get("/citizen/").get_data(as_text=True)
    assert "Inte Hennes" not in page and "John Doe" in page


def test_removing_the_guardianship_ends_the_access_on_the_next_request(app, client, demo_data):
    kid = child("Lisa Doe", years_ago(7))
    row = guardianship(JOHN, kid)
    login_as(client, citizen(JOHN))
    choose(client, kid)
    assert "Lisa Doe" in client.get("/citizen/").get_data(as_text=True)
    db.session.delete(db.session.get(Guardianship, row.id))
    db.session.commit()
    response = client.get("/citizen/")
    assert response.status_code == 302 and response.headers["Location"] == "/citizen/guardian"
    page = client.get("/citizen/").get_data(as_text=True)
    assert "Lisa Doe" not in page and "John Doe" in page


def test_at_13_the_access_ends_without_choosing_again(app, client, demo_data, monkeypatch):
    kid = child("Nästan Tretton", years_ago(13, days=1))  # 13 tomorrow
    guardianship(JOHN, kid)
    login_as(client, citizen(JOHN))
    choose(client, kid)
    assert "Nästan Tretton" in client.get("/citizen/").get_data(as_text=True)
    real = datetime.now(UTC)

    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return real + timedelta(days=2)

    monkeypatch.setattr(access, "datetime", Tomorrow)
    response = client.get("/citizen/results")
    assert response.status_code == 302 and response.headers["Location"] == "/citizen/guardian"
    page = client.get("/citizen/").get_data(as_text=True)
    assert "Nästan Tretton" not in page and "John Doe" in page


def test_the_childs_own_login_is_unaffected(app, client, demo_data):
    kid = child("Lisa Doe", years_ago(10))
    guardianship(JOHN, kid)
    login_as(client, kid)
    page = client.get("/citizen/").get_data(as_text=True)
    assert "Lisa Doe" in page and 'class="notice acting"' not in page
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.what.startswith("guardian:"))
    ).all()


def test_a_message_she_writes_for_the_child_says_who_wrote_it(app, client, demo_data):
    from sob_core.models import Message

    kid = child("Lisa Doe", years_ago(7))
    guardianship(JOHN, kid)
    enrollment = enroll(kid)
    login_as(client, citizen(JOHN))
    choose(client, kid)
    page = client.get(f"/citizen/messages/new?enrollment={enrollment.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]*)"', text)
    response = client.post(
        "/citizen/messages/new",
        data={
            "csrf_token": csrf_from(text),
            "enrollment": str(enrollment.id),
            "token": token.group(1) if token else "",
            "subject": "Fråga",
            "body": "Hej!",
            "action": "send",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    message = db.session.scalar(select(Message))
    assert message.author_id == kid.id
    assert message.body.startswith("Hej!") and "John Doe" in message.body


def test_acting_for_one_child_never_shows_another_childs_or_her_own_data(app, client, demo_data):
    mine = child("Lisa Doe", years_ago(7))
    stranger = child("Annans Barn", years_ago(7), "246")
    guardianship(JOHN, mine)
    guardianship(ELIN, stranger)
    own = enroll(mine)
    other = enroll(stranger)
    login_as(client, citizen(JOHN))
    choose(client, mine)
    assert client.get(f"/citizen/programs/{own.id}").status_code == 200
    assert client.get(f"/citizen/programs/{other.id}").status_code == 404
    page = client.get("/citizen/").get_data(as_text=True)
    assert "Annans Barn" not in page
    # a POST she sends is recorded as a change by her on the child's behalf
    response = client.post(
        f"/citizen/programs/{own.id}/progress-meter", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code < 400
    change = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "change", AuditEvent.what.startswith("guardian:")
        )
    )
    assert change is not None
    assert (change.actor_id, change.citizen_id) == (citizen(JOHN).id, mine.id)
