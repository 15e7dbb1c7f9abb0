"""Messaging: conversations between a citizen and the care team (issue 9, items 1-4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sob_core import enrollments, messaging
from sob_core.extensions import db
from sob_core.messaging import MessagingError, drafts
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Citizen,
    Conversation,
    Message,
    MessageDraft,
    MessageRead,
    Notification,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Staff,
)
from sob_core.testing import csrf_from

TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
ANNA = "SE2321000131-P000000000012"  # therapist and citizen administrator at unit 1
MARIA = "SE2321000131-P000000000013"  # citizen administrator at unit 1, not a therapist
JOHAN = "SE2321000016-P000000000021"  # therapist at unit 2
JOHN = "198503142393"
ELIN = "199207012486"

SECRET = "Jag sover bara tre timmar per natt"


def content(messaging_on: bool = True) -> dict:
    document = {
        "name": {"sv": "Meddelandeprogrammet"},
        "recommended_days": 14,
        "modules": [
            {
                "key": "m1",
                "title": "Modul 1",
                "recommended_days": 7,
                "unlock": {"rule": "at_start"},
                "items": [{"key": "m1-t", "kind": "text", "title": "Text", "body": "<p>x</p>"}],
            }
        ],
    }
    if messaging_on:
        document["messaging"] = True
    return document


def _units() -> list[int]:
    return list(db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)))


def _staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def _citizen(number: str) -> Citizen:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == number))


def make_version(key: str, messaging_on: bool = True, unit: int | None = None) -> ProgramVersion:
    unit = unit or _units()[0]
    program = Program(key=key, kind="treatment", owner_care_unit_id=unit)
    db.session.add(program)
    db.session.flush()
    version = ProgramVersion(
        program_id=program.id, major=1, minor=0, status="published", content=content(messaging_on)
    )
    db.session.add(version)
    for unit_id in _units():
        db.session.add(ProgramCatalogue(program_id=program.id, care_unit_id=unit_id))
    db.session.commit()
    return version


def start(citizen: str, version: ProgramVersion, unit: int | None = None, therapist=TOMMY):
    unit = unit or _units()[0]
    enrollment = enrollments.start(
        db.session,
        citizen_id=_citizen(citizen).id,
        program_version_id=version.id,
        care_unit_id=unit,
        therapist_id=_staff(therapist).id,
        started_by_id=_staff(therapist).id,
        now=datetime.now(UTC) - timedelta(days=1),
    )
    db.session.commit()
    return enrollment


@pytest.fixture
def enrollment(demo_data):
    return start(JOHN, make_version("meddelanden"))


def fresh(message_id: int) -> Message:
    db.session.expire_all()
    return db.session.get(Message, message_id)


def now() -> datetime:
    return datetime.now(UTC)


def send(enrollment, author_kind, author_id, body, token=None, conversation=None, subject="Hej"):
    token = token or messaging.send_token(
        db.session, enrollment.id, conversation.id if conversation else None
    )
    sent = messaging.send(
        db.session,
        enrollment=enrollment,
        author_kind=author_kind,
        author_id=author_id,
        token=token,
        body=body,
        subject=subject if conversation is None else None,
        conversation=conversation,
        now=now(),
    )
    db.session.commit()
    return sent


# --- domain -------------------------------------------------------------------------------------


def test_send_is_idempotent_for_one_send_key(enrollment):
    john = enrollment.citizen_id
    token = messaging.send_token(db.session, enrollment.id, None)
    first = send(enrollment, "citizen", john, "Hej!", token=token)
    again = send(enrollment, "citizen", john, "Hej!", token=token)  # double click / retry
    assert first.created and not again.created
    assert again.message.id == first.message.id
    assert db.session.scalar(select(func.count(Message.id))) == 1
    assert db.session.scalar(select(func.count(Conversation.id))) == 1
    # a second tab drawn from the same state, with another text: refused, not a second message
    with pytest.raises(MessagingError) as refused:
        send(enrollment, "citizen", john, "Något annat", token=token)
    assert refused.value.code == "sent_elsewhere"
    # a fresh page has a fresh key
    reply = send(enrollment, "citizen", john, "En till", conversation=first.conversation)
    assert reply.created and db.session.scalar(select(func.count(Message.id))) == 2


def test_the_same_key_of_another_author_is_another_message(enrollment):
    token = messaging.send_token(db.session, enrollment.id, None)
    send(enrollment, "citizen", enrollment.citizen_id, "Hej!", token=token)
    send(enrollment, "staff", _staff(TOMMY).id, "Hej!", token=token)
    assert db.session.scalar(select(func.count(Message.id))) == 2


def test_unread_counts_and_read_state(enrollment):
    john, tommy = enrollment.citizen_id, _staff(TOMMY).id
    first = send(enrollment, "citizen", john, "Ett")
    send(enrollment, "citizen", john, "Två", conversation=first.conversation)
    assert messaging.unread_counts(db.session, "staff", tommy, [enrollment.id]) == {
        enrollment.id: 2
    }
    assert messaging.citizen_unread_total(db.session, john) == 0  # one's own are never unread
    items = messaging.thread(db.session, first.conversation, "staff", tommy)
    assert [m.unread for m in items] == [True, True]
    assert messaging.mark_read(db.session, "staff", tommy, [m.id for m in items], now()) == 2
    assert messaging.mark_read(db.session, "staff", tommy, [m.id for m in items], now()) == 0
    db.session.commit()
    # read by one of the care team: read for the team
    anna = _staff(ANNA).id
    assert messaging.unread_counts(db.session, "staff", anna, [enrollment.id]) == {}
    reply = send(enrollment, "staff", tommy, "Svar", conversation=first.conversation)
    assert messaging.citizen_unread_total(db.session, john) == 1
    receipt = messaging.thread(db.session, first.conversation, "staff", tommy)[-1]
    assert receipt.citizen_read_at is None
    messaging.mark_read(db.session, "citizen", john, [reply.message.id], now())
    db.session.commit()
    assert messaging.citizen_unread_total(db.session, john) == 0
    receipt = messaging.thread(db.session, first.conversation, "staff", tommy)[-1]
    assert receipt.citizen_read_at is not None
    reads = db.session.scalars(select(MessageRead.reader_kind)).all()
    assert sorted(reads) == ["citizen", "staff", "staff"]


def test_retract_by_the_author_only_keeps_the_text_in_the_record(enrollment):
    john, tommy = enrollment.citizen_id, _staff(TOMMY).id
    sent = send(enrollment, "citizen", john, SECRET)
    with pytest.raises(MessagingError) as refused:
        messaging.retract(
            db.session,
            message=sent.message,
            enrollment=enrollment,
            author_kind="staff",
            author_id=tommy,
            now=now(),
        )
    assert refused.value.code == "not_author"
    messaging.retract(
        db.session,
        message=sent.message,
        enrollment=enrollment,
        author_kind="citizen",
        author_id=john,
        now=now(),
    )
    db.session.commit()
    stored = db.session.get(Message, sent.message.id)
    assert stored.retracted_at is not None and stored.body == SECRET
    view = messaging.thread(db.session, sent.conversation, "staff", tommy)[0]
    assert view.body is None and view.retracted_at is not None and not view.unread
    assert messaging.unread_counts(db.session, "staff", tommy, [enrollment.id]) == {}


def test_ended_enrollment_and_switched_off_programme_are_read_only(enrollment, demo_data):
    sent = send(enrollment, "citizen", enrollment.citizen_id, "Hej")
    enrollment.status = "ended"
    enrollment.ended_at = now()
    db.session.commit()
    for attempt in (
        lambda: send(
            enrollment, "citizen", enrollment.citizen_id, "Igen", conversation=sent.conversation
        ),
        lambda: messaging.retract(
            db.session,
            message=sent.message,
            enrollment=enrollment,
            author_kind="citizen",
            author_id=enrollment.citizen_id,
            now=now(),
        ),
    ):
        with pytest.raises(MessagingError) as refused:
            attempt()
        assert refused.value.code == "ended"
    off = start(ELIN, make_version("utan-meddelanden", messaging_on=False))
    assert not messaging.enabled(off)
    with pytest.raises(MessagingError) as refused:
        send(off, "citizen", off.citizen_id, "Hej")
    assert refused.value.code == "disabled"


def test_drafts_are_one_per_author_and_conversation(enrollment):
    john = enrollment.citizen_id
    for text in ("Första", "Andra"):
        drafts.save(
            db.session,
            enrollment_id=enrollment.id,
            author_kind="citizen",
            author_id=john,
            conversation_id=None,
            body=text,
            subject="Ämne",
            now=now(),
        )
    db.session.commit()
    assert db.session.scalar(select(func.count(MessageDraft.id))) == 1
    assert drafts.load(db.session, enrollment.id, "citizen", john, "new").body == "Andra"
    send(enrollment, "citizen", john, "Andra", subject="Ämne")  # sending uses the draft up
    assert drafts.load(db.session, enrollment.id, "citizen", john, "new") is None


def test_paragraphs_keep_text_plain():
    assert messaging.paragraphs("Hej\nrad två\n\n<b>Stycke</b>") == [
        ["Hej", "rad två"],
        ["<b>Stycke</b>"],
    ]


def test_message_sent_notifies_as_each_recipient_chose_without_content(enrollment, app):
    from sob_core.notifications.policy import preference, save_preference

    registry = app.extensions["sob"].registry
    settings = app.config
    tommy_row = _staff(TOMMY)
    tommy = tommy_row.id
    tommy_row.email = tommy_row.email or "tommy@example.se"
    first = send(enrollment, "citizen", enrollment.citizen_id, SECRET, subject="Sömnen")
    # a therapist's default is not to be told by e-mail
    assert messaging.message_sent(db.session, first.message, True, registry, settings) == []
    pref = preference(db.session, "staff", tommy)
    pref.staff_mode = "immediate"
    save_preference(db.session, pref, datetime.now(UTC))
    second = send(
        enrollment, "citizen", enrollment.citizen_id, "Och mer", conversation=first.conversation
    )
    ids = messaging.message_sent(db.session, second.message, True, registry, settings)
    reply = send(enrollment, "staff", tommy, SECRET, conversation=first.conversation)
    assert messaging.message_sent(db.session, reply.message, False, registry, settings) == []
    ids += messaging.message_sent(db.session, reply.message, True, registry, settings)
    db.session.commit()
    rows = db.session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
    assert {(r.recipient_kind, r.recipient_id, r.channel) for r in rows} >= {
        ("staff", tommy, "email"),
        ("citizen", enrollment.citizen_id, "inbox"),
    }
    for row in rows:
        assert row.kind in ("new_message", "staff_new_messages")
        assert row.coalesce_key == f"conversation:{first.conversation.id}"
        assert row.care_unit_id == enrollment.care_unit_id  # in that unit's delivery log
        stored = repr((row.link, row.extra))
        for secret in (SECRET, "Sömnen", "Meddelandeprogrammet"):
            assert secret not in stored


# --- the citizen's pages ------------------------------------------------------------------------


def post_form(client, page_url: str, post_url: str | None = None, **data):
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]*)"', html)
    values = {"csrf_token": csrf_from(html)}
    if token:
        values["token"] = token.group(1)
    values.update(data)
    return client.post(post_url or page_url, data=values), values


def test_citizen_writes_keeps_a_draft_and_sends_once(client, login, enrollment):
    login("citizen", JOHN)
    page = client.get("/citizen/messages").get_data(as_text=True)
    for words in ("OLÄST (0)", "UTKAST (0)", "NY KONVERSATION", "Öppna alla konversationer"):
        assert words in page
    assert ">Meddelande" in page  # the citizen menu
    response, _values = post_form(
        client,
        "/citizen/messages/new",
        subject="Min konversation",
        body="Ett utkast",
        action="draft",
    )
    assert response.status_code == 302
    page = client.get("/citizen/messages").get_data(as_text=True)
    assert "UTKAST (1)" in page
    form = client.get("/citizen/messages/new").get_data(as_text=True)
    assert "Ett utkast" in form and "Min konversation" in form
    response, values = post_form(
        client,
        "/citizen/messages/new",
        subject="Min konversation",
        body="Hej! Jag skulle behöva lite hjälp.",
        action="send",
    )
    assert response.status_code == 302
    again = client.post("/citizen/messages/new", data=values)  # a double click
    assert again.status_code == 302 and again.location == response.location
    assert db.session.scalar(select(func.count(Message.id))) == 1
    page = client.get(response.location).get_data(as_text=True)
    assert "Konversationen innehåller 1 meddelande." in page
    assert "Hej! Jag skulle behöva lite hjälp." in page
    assert "UTKAST (0)" in client.get("/citizen/messages").get_data(as_text=True)


def test_citizen_counts_are_right_in_the_request_that_reads(client, login, enrollment):
    first = send(enrollment, "staff", _staff(TOMMY).id, "Välkommen!", subject="Hälsning")
    login("citizen", JOHN)
    listing = client.get("/citizen/messages").get_data(as_text=True)
    assert "OLÄST (1)" in listing and "1 oläst" in listing
    page = client.get(f"/citizen/messages/{first.conversation.id}").get_data(as_text=True)
    assert "Välkommen!" in page
    assert "oläst" not in page  # the menu's count already knows the message was read
    assert "OLÄST (0)" in client.get("/citizen/messages").get_data(as_text=True)


def test_citizen_reply_draft_and_a_stale_tab(client, login, enrollment):
    first = send(enrollment, "staff", _staff(TOMMY).id, "Hur går det?", subject="Fråga")
    login("citizen", JOHN)
    url = f"/citizen/messages/{first.conversation.id}"
    response, values = post_form(client, url, body="Halvfärdigt svar", action="draft")
    assert response.status_code == 302
    assert "Halvfärdigt svar" in client.get(url).get_data(as_text=True)
    response, values = post_form(client, url, body="Bra, tack.", action="send")
    assert response.status_code == 302
    stale = client.post(url, data=dict(values, body="Ett annat svar"))  # the other tab
    assert stale.status_code == 422
    assert "i ett annat fönster" in stale.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Message.id))) == 2
    kept = drafts.load(
        db.session, enrollment.id, "citizen", enrollment.citizen_id, str(first.conversation.id)
    )
    assert kept is not None and kept.body == "Ett annat svar"


def test_citizen_retracts_own_message(client, login, enrollment):
    sent = send(enrollment, "citizen", enrollment.citizen_id, SECRET)
    login("citizen", JOHN)
    url = f"/citizen/messages/{sent.conversation.id}"
    response, _ = post_form(client, url, f"{url}/messages/{sent.message.id}/retract")
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert SECRET not in page and "togs tillbaka" in page
    stored = fresh(sent.message.id)
    assert stored.body == SECRET and stored.retracted_at is not None


def test_citizen_sees_no_one_elses_conversation(client, login, enrollment):
    sent = send(enrollment, "citizen", enrollment.citizen_id, SECRET)
    login("citizen", ELIN)
    url = f"/citizen/messages/{sent.conversation.id}"
    assert client.get(url).status_code == 404
    page = client.get("/citizen/messages")
    assert SECRET not in page.get_data(as_text=True)
    csrf = csrf_from(client.get("/citizen/").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": csrf, "body": "x", "token": "t"}).status_code == 404
    assert (
        client.post(
            f"{url}/messages/{sent.message.id}/retract", data={"csrf_token": csrf}
        ).status_code
        == 404
    )


def test_ended_enrollment_is_read_only_for_the_citizen(client, login, enrollment):
    sent = send(enrollment, "citizen", enrollment.citizen_id, "Hej")
    enrollment.status = "ended"
    enrollment.ended_at = now()
    db.session.commit()
    login("citizen", JOHN)
    url = f"/citizen/messages/{sent.conversation.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Hej" in page and "Skicka" not in page
    csrf = csrf_from(page)
    response = client.post(url, data={"csrf_token": csrf, "body": "Igen", "token": "x"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Message.id))) == 1
    assert client.get(f"/citizen/messages/new?enrollment={enrollment.id}").status_code == 404


def test_posts_need_the_csrf_token(client, login, enrollment):
    sent = send(enrollment, "staff", _staff(TOMMY).id, "Hej", subject="Ämne")
    login("citizen", JOHN)
    url = f"/citizen/messages/{sent.conversation.id}"
    for post_url in (url, f"{url}/draft", f"{url}/draft/discard", "/citizen/messages/new"):
        assert client.post(post_url, data={"body": "x", "subject": "y"}).status_code == 400
    login("staff", TOMMY, unit_id=_units()[0])
    base = f"/staff/patients/{enrollment.id}/messages"
    for post_url in (f"{base}/new", f"{base}/{sent.conversation.id}"):
        assert client.post(post_url, data={"body": "x", "subject": "y"}).status_code == 400
    assert db.session.scalar(select(func.count(Message.id))) == 1
    assert db.session.scalar(select(func.count(MessageDraft.id))) == 0


# --- the staff's pages --------------------------------------------------------------------------


def test_therapist_sees_envelope_reads_and_replies_directly(client, login, enrollment, app):
    first = send(enrollment, "citizen", enrollment.citizen_id, SECRET, subject="Min konversation")
    login("staff", TOMMY, unit_id=_units()[0])
    listing = client.get("/staff/patients").get_data(as_text=True)
    assert "1 oläst meddelande" in listing and "✉" in listing
    start_page = client.get("/staff/").get_data(as_text=True)
    assert "Patienter med olästa meddelanden" in start_page and "John Doe" in start_page
    title = re.search(r"<title>(.*?)</title>", start_page, re.S).group(1)
    assert title == "Start – Stöd och behandling"  # the list is in the page, not in its title
    tab = client.get(f"/staff/patients/{enrollment.id}/messages").get_data(as_text=True)
    assert "1 oläst meddelande." in tab and "Min konversation" in tab
    url = f"/staff/patients/{enrollment.id}/messages/{first.conversation.id}"
    page = client.get(url).get_data(as_text=True)
    assert SECRET in page and "Avisera till inkorgen i e-tjänsterna" in page and "Direkt" in page
    assert "0 olästa" in client.get(f"/staff/patients/{enrollment.id}/messages").get_data(
        as_text=True
    )
    assert "oläst meddelande" not in client.get("/staff/patients").get_data(as_text=True)
    before = db.session.scalar(select(func.count(Notification.id)))
    response, _ = post_form(
        client, url, body="Hej, vilken del fastnade du på?", notify="direct", action="send"
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Notification.id))) == before + 1
    page = client.get(url).get_data(as_text=True)
    assert "Inte läst av patienten ännu." in page
    response, _ = post_form(client, url, body="Utan avisering", notify="none", action="send")
    assert db.session.scalar(select(func.count(Notification.id))) == before + 1
    events = db.session.scalars(
        select(AuditEvent.what).where(
            AuditEvent.citizen_id == enrollment.citizen_id, AuditEvent.actor_kind == "staff"
        )
    ).all()
    assert "conversation" in events and "conversations" in events and "message" in events


def test_citizen_admin_sees_who_and_when_but_not_what(client, login, enrollment):
    first = send(enrollment, "citizen", enrollment.citizen_id, SECRET, subject="Hemligt ämne")
    login("staff", MARIA, unit_id=_units()[0])
    tab = client.get(f"/staff/patients/{enrollment.id}/messages").get_data(as_text=True)
    assert "Hemligt ämne" not in tab and SECRET not in tab
    page = client.get(f"/staff/patients/{enrollment.id}/messages/{first.conversation.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "John Doe" in html
    assert SECRET not in html and "Hemligt ämne" not in html
    assert messaging.unread_counts(db.session, "staff", 0, [enrollment.id]) == {enrollment.id: 1}
    csrf = csrf_from(html)
    refused = client.post(
        f"/staff/patients/{enrollment.id}/messages/{first.conversation.id}",
        data={"csrf_token": csrf, "body": "x", "token": "y", "action": "send"},
    )
    assert refused.status_code == 403
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.what == "conversation_metadata")
        )
        == 2
    )


def test_another_units_conversation_is_not_found(client, login, enrollment):
    first = send(enrollment, "citizen", enrollment.citizen_id, SECRET)
    login("staff", JOHAN, unit_id=_units()[1])
    for url in (
        f"/staff/patients/{enrollment.id}/messages",
        f"/staff/patients/{enrollment.id}/messages/{first.conversation.id}",
    ):
        assert client.get(url).status_code == 404, url
    assert SECRET not in client.get("/staff/").get_data(as_text=True)
    # a conversation of another enrollment under this unit's enrollment id: not found either
    other = start(
        ELIN, make_version("enhet-2", unit=_units()[1]), unit=_units()[1], therapist=JOHAN
    )
    assert (
        client.get(f"/staff/patients/{other.id}/messages/{first.conversation.id}").status_code
        == 404
    )


def test_staff_retracts_own_message_only(client, login, enrollment):
    first = send(enrollment, "staff", _staff(ANNA).id, SECRET, subject="Ämne")
    login("staff", TOMMY, unit_id=_units()[0])
    url = f"/staff/patients/{enrollment.id}/messages/{first.conversation.id}"
    response, _ = post_form(client, url, f"{url}/messages/{first.message.id}/retract")
    assert response.status_code == 302
    assert fresh(first.message.id).retracted_at is None
    login("staff", ANNA, unit_id=_units()[0])
    response, _ = post_form(client, url, f"{url}/messages/{first.message.id}/retract")
    assert response.status_code == 302
    assert fresh(first.message.id).retracted_at is not None
    assert SECRET not in client.get(url).get_data(as_text=True)


def test_messaging_switched_off_shows_no_writing(client, login, demo_data):
    off = start(ELIN, make_version("av", messaging_on=False))
    login("staff", TOMMY, unit_id=_units()[0])
    page = client.get(f"/staff/patients/{off.id}/messages").get_data(as_text=True)
    assert "Meddelanden är inte aktiverade" in page and "Skicka" not in page
    login("citizen", ELIN)
    assert client.get(f"/citizen/messages/new?enrollment={off.id}").status_code == 404


def test_designer_switches_messaging_on(client, login, demo_data):
    from sob_core.content import ProgramContent

    assert ProgramContent.from_json({"name": {"sv": "x"}}).messaging is False
    assert ProgramContent.from_json({"name": {"sv": "x"}, "messaging": True}).to_json()["messaging"]


def test_designer_saves_the_setting_in_the_draft(client, login, demo_data):
    from sob_core import programs

    sara = "SE2321000131-P000000000015"  # designer and publisher at unit 1
    draft = programs.create_program(
        db.session,
        key="med-meddelanden",
        kind="treatment",
        owner_care_unit_id=_units()[0],
        content={"name": "Med meddelanden", "recommended_days": 7, "modules": []},
    )
    db.session.commit()
    assert "messaging" not in draft.content
    login("staff", sara, unit_id=_units()[0])
    base = f"/design/versions/{draft.id}"
    page = client.get(f"{base}/edit").get_data(as_text=True)
    assert "Meddelanden: invånaren och vårdteamet kan skriva till varandra" in page
    values = {
        "csrf_token": csrf_from(page),
        "name": "Med meddelanden",
        "recommended_days": "7",
        "messaging": "y",
    }
    assert client.post(f"{base}/settings", data=values).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgramVersion, draft.id).content["messaging"] is True
    del values["messaging"]  # an unticked box is not sent
    assert client.post(f"{base}/settings", data=values).status_code == 302
    db.session.expire_all()
    assert "messaging" not in db.session.get(ProgramVersion, draft.id).content


def test_the_setting_travels_in_the_export_and_old_exports_import_off(app, demo_data):
    import json

    from sob_core import programs

    registry = app.extensions["sob"].registry
    version = make_version("exporteras")
    exported = json.loads(programs.export_bytes(db.session, version))
    assert exported["version"]["content"]["messaging"] is True
    again = programs.import_program(
        db.session, registry, exported, care_unit_id=_units()[1], key="importerad"
    )
    assert again.content["messaging"] is True
    del exported["version"]["content"]["messaging"]  # an export made before the setting
    old = programs.import_program(
        db.session, registry, exported, care_unit_id=_units()[1], key="gammal"
    )
    db.session.commit()
    assert "messaging" not in old.content
    assert not messaging.enabled(start(ELIN, old, unit=_units()[1], therapist=JOHAN))


def test_a_concurrent_send_of_the_same_key_is_one_message(enrollment, monkeypatch):
    from sob_core.messaging import sending

    token = messaging.send_token(db.session, enrollment.id, None)
    first = send(enrollment, "citizen", enrollment.citizen_id, "Hej!", token=token)
    real = sending._existing
    calls = []

    def not_yet(session, key):  # the other request committed after our look-up
        calls.append(key)
        return None if len(calls) == 1 else real(session, key)

    monkeypatch.setattr(sending, "_existing", not_yet)
    again = send(enrollment, "citizen", enrollment.citizen_id, "Hej!", token=token)
    assert len(calls) == 2 and not again.created and again.message.id == first.message.id
    assert db.session.scalar(select(func.count(Message.id))) == 1
    assert db.session.scalar(select(func.count(Conversation.id))) == 1


def test_open_all_conversations_and_autosave(client, login, enrollment):
    tommy = _staff(TOMMY).id
    one = send(enrollment, "staff", tommy, "Första frågan", subject="Ett")
    send(enrollment, "staff", tommy, "Andra frågan", subject="Två")
    login("citizen", JOHN)
    assert "OLÄST (2)" in client.get("/citizen/messages").get_data(as_text=True)
    page = client.get("/citizen/messages/all").get_data(as_text=True)
    assert "Första frågan" in page and "Andra frågan" in page
    assert "OLÄST (0)" in client.get("/citizen/messages").get_data(as_text=True)
    url = f"/citizen/messages/{one.conversation.id}"
    csrf = csrf_from(client.get(url).get_data(as_text=True))
    saved = client.post(
        f"{url}/draft", data={"csrf_token": csrf, "body": "Skrivet av skriptet", "autosave": "1"}
    )
    assert saved.status_code == 204
    assert "Skrivet av skriptet" in client.get(url).get_data(as_text=True)
