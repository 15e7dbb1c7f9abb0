"""The inbox and e-mail channels; e-mail against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sob_notifications import email as email_channel
from sob_notifications import inbox as inbox_channel

from sob_core import Notice

REFUSED_DOMAIN = "refused.invalid"
BASE_URL = "https://sob.example.se"
SUBJECT = {
    "sv": "Nytt meddelande i Stöd och behandling",
    "en": "New message in Support and treatment",
}
BODY = {
    "sv": "Du har fått ett nytt meddelande. Logga in i Stöd och behandling för att läsa det.",
    "en": "You have a new message. Sign in to Support and treatment to read it.",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def text(self) -> str:
        return self.message.get_content().replace("\r\n", "\n")  # SMTP lines end in CRLF


@dataclass
class Collector:
    """An aiosmtpd handler keeping every message; refuses recipients at REFUSED_DOMAIN."""

    messages: list[Received] = field(default_factory=list)
    #: the SMTP sessions (connections) the messages came over
    connections: set[int] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        self.connections.add(id(session))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    handler: Collector

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()


@pytest.fixture
def sob_config(smtp: SmtpServer) -> dict[str, Any]:
    return smtp_config(smtp)


def smtp_config(smtp: SmtpServer, **extra: Any) -> dict[str, Any]:
    config = {
        "SOB_SMTP_HOST": "127.0.0.1",
        "SOB_SMTP_PORT": smtp.port,
        "SOB_MAIL_FROM": "no-reply@sob.example.se",
        "SOB_BASE_URL": BASE_URL,
    }
    config.update(extra)
    return config


def notice(**changes: Any) -> Notice:
    values: dict[str, Any] = {
        "recipient_kind": "citizen",
        "recipient_id": 7,
        "subject": SUBJECT,
        "body": BODY,
        "link": "/messages",
        "address": {"email": "anna@example.se", "phone": "+46701234567"},
    }
    values.update(changes)
    return Notice(**values)


def make_citizen(email_address: str | None):
    from sob_core.extensions import db
    from sob_core.models import Citizen

    citizen = Citizen(
        personnummer="199001012380",
        name="Anna Andersson",
        birth_date=date(1990, 1, 1),
        legal_sex="female",
        email=email_address,
    )
    db.session.add(citizen)
    db.session.commit()
    return citizen


# --- registration --------------------------------------------------------------------------------


def test_channels_are_registered_from_their_entry_points(app) -> None:
    host = app.extensions["sob"]
    channels = host.registry.channels
    assert channels["inbox"] is inbox_channel.CHANNEL
    assert channels["email"] is email_channel.CHANNEL
    assert host.owner("notification channel", "inbox") == "inbox"
    assert host.owner("notification channel", "email") == "email"
    assert host.plugins["email"].distribution == "sob-notifications"
    assert host.plugins["inbox"].hooks == ["sob_notification_channels"]
    for channel in (channels["inbox"], channels["email"]):
        assert channel.carries_health_data is False
        assert channel.label["sv"] and channel.label["en"]
    assert {"SOB_SMTP_HOST", "SOB_SMTP_PORT", "SOB_MAIL_FROM"} <= set(channels["email"].config_keys)


def test_a_disabled_channel_plugin_is_not_loaded(make_app) -> None:
    app = make_app(config={"SOB_DISABLED_PLUGINS": ["email"]})
    channels = app.extensions["sob"].registry.channels
    assert "email" not in channels and "inbox" in channels
    assert "SOB_SMTP_HOST" not in app.config  # its settings went with it


def test_smtp_settings_are_the_channels_own(make_app) -> None:
    app = make_app(config={"SOB_DISABLED_PLUGINS": []})
    assert {s.name for s in email_channel.SETTINGS} == {
        "SOB_SMTP_HOST",
        "SOB_SMTP_PORT",
        "SOB_MAIL_FROM",
    }
    assert app.extensions["sob"].owner("setting", "SOB_SMTP_PORT") == "email"
    assert (app.config["SOB_SMTP_HOST"], app.config["SOB_SMTP_PORT"]) == (None, 25)
    assert app.config["SOB_MAIL_FROM"] == "no-reply@sob.invalid"


# --- inbox ---------------------------------------------------------------------------------------


def test_inbox_send_only_marks_delivered() -> None:
    assert inbox_channel.send(notice(address={}), {}) == "inbox"


def test_inbox_notification_is_delivered_through_the_outbox(app) -> None:
    from sob_core import notifications as notify
    from sob_core.extensions import db

    citizen = make_citizen(None)
    channels = app.extensions["sob"].registry.channels
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="inbox",
        kind="new_message",
        link="/messages",
        channels=channels,
    )
    db.session.commit()
    assert notify.deliver(db.session, row.id, channels, dict(app.config)) == "sent"
    db.session.refresh(row)
    assert (row.status, row.provider_ref, row.attempts) == ("sent", "inbox", 1)


# --- e-mail: composing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "base", "expected"),
    [
        ("/messages/3", BASE_URL, f"{BASE_URL}/messages/3"),
        ("messages", BASE_URL + "/", f"{BASE_URL}/messages"),
        ("https://other.example/x", BASE_URL, "https://other.example/x"),
        ("", BASE_URL, ""),
        ("/messages", None, ""),
        ("javascript:alert(1)", BASE_URL, ""),
    ],
)
def test_absolute_link(link: str, base: str | None, expected: str) -> None:
    assert email_channel.absolute_link(link, base) == expected


def test_message_is_plain_text_in_the_recipients_language_and_the_link() -> None:
    message = email_channel.compose(notice(link="/messages/3"), {"SOB_BASE_URL": BASE_URL})
    assert message.get_content_type() == "text/plain"
    assert message["Subject"] == SUBJECT["sv"]
    assert message["To"] == "anna@example.se"
    assert message["From"] == email_channel.DEFAULT_SENDER
    assert message["Content-Language"] == "sv"
    assert message.get_content() == f"{BODY['sv']}\n\n{BASE_URL}/messages/3\n"

    english = email_channel.compose(notice(language="en"), {"SOB_BASE_URL": BASE_URL})
    assert english["Subject"] == SUBJECT["en"]
    assert english["Content-Language"] == "en"
    assert english.get_content() == f"{BODY['en']}\n\n{BASE_URL}/messages\n"


def test_a_language_without_text_falls_back_to_swedish() -> None:
    message = email_channel.compose(
        notice(subject={"sv": "Ämne"}, body={"sv": "Text"}, link="", language="en"), {}
    )
    assert message["Subject"] == "Ämne"
    assert message.get_content() == "Text\n"


def test_the_message_id_is_the_same_on_every_retry() -> None:
    config = {"SOB_MAIL_FROM": "no-reply@sob.example.se"}
    first = email_channel.compose(notice(reference="sob-notice-9"), config)
    again = email_channel.compose(notice(reference="sob-notice-9"), config)
    assert first["Message-ID"] == again["Message-ID"] == "<sob-notice-9@sob.example.se>"


# --- e-mail: a real SMTP server ------------------------------------------------------------------


def test_email_is_sent_to_the_recipient_with_the_generic_text_and_link(smtp: SmtpServer) -> None:
    ref = email_channel.send(notice(link="/messages/3"), smtp_config(smtp))
    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received.sender == "no-reply@sob.example.se"
    assert received.recipients == ["anna@example.se"]
    message = received.message
    assert message["Message-ID"] == ref and ref.endswith("@sob.example.se>")
    assert message["Subject"] == SUBJECT["sv"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()
    # Only the generic texts and the link: nothing else reaches the mail server.
    assert received.text == f"{BODY['sv']}\n\n{BASE_URL}/messages/3\n"
    assert b"+46701234567" not in received.raw


def test_outbox_sends_email_through_the_plugin_without_health_data(app, smtp: SmtpServer) -> None:
    """From queue_notification to the SMTP server, in-process: only generic text and the link."""
    from sob_core import notifications as notify
    from sob_core.extensions import db
    from sob_core.jobs import enqueue
    from sob_core.jobs.tasks import dispatch_notification
    from sob_core.models import Notification

    citizen = make_citizen("anna@example.se")
    channels = app.extensions["sob"].registry.channels
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="flag_raised",
        link="/staff/flags/12",
        channels=channels,
    )
    enqueue(dispatch_notification, row.id, queue="notifications")
    db.session.commit()  # the in-process job runs after the commit

    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received.recipients == ["anna@example.se"]
    subject, body = notify.TEMPLATES["flag_raised"]
    assert received.message["Subject"] == subject["sv"]
    assert received.text == f"{body['sv']}\n\n{BASE_URL}/staff/flags/12\n"
    for personal in (b"Anna", b"Andersson", b"199001012380", b"19900101-2380"):
        assert personal not in received.raw
    sent = db.session.get(Notification, row.id)
    assert sent.status == "sent"
    assert sent.provider_ref == received.message["Message-ID"]


# --- e-mail: errors ------------------------------------------------------------------------------


def test_no_smtp_host_is_a_clear_error(smtp: SmtpServer) -> None:
    for host in (None, ""):
        with pytest.raises(email_channel.SmtpNotConfigured, match="SOB_SMTP_HOST"):
            email_channel.send(notice(), smtp_config(smtp, SOB_SMTP_HOST=host))
    assert smtp.messages == []


def test_a_bad_port_is_a_clear_error(smtp: SmtpServer) -> None:
    with pytest.raises(email_channel.SmtpNotConfigured, match="SOB_SMTP_PORT"):
        email_channel.send(notice(), smtp_config(smtp, SOB_SMTP_PORT="smtp"))


@pytest.mark.parametrize("address", [{}, {"email": ""}, {"phone": "+46701234567"}])
def test_a_recipient_without_address_is_a_clear_error(smtp: SmtpServer, address) -> None:
    with pytest.raises(email_channel.NoEmailAddress, match="citizen 7 has no e-mail address"):
        email_channel.send(notice(address=address), smtp_config(smtp))
    assert smtp.messages == []


@pytest.mark.parametrize(
    "bad", ["anna", "anna@example.se\r\nBcc: eve@example.se", "anna @example.se"]
)
def test_an_invalid_address_is_refused_before_sending(smtp: SmtpServer, bad: str) -> None:
    with pytest.raises(email_channel.NoEmailAddress, match="invalid e-mail address"):
        email_channel.send(notice(address={"email": bad}), smtp_config(smtp))
    assert smtp.messages == []


def test_a_refused_recipient_is_an_error_without_the_address(smtp: SmtpServer) -> None:
    address = f"nobody@{REFUSED_DOMAIN}"
    with pytest.raises(email_channel.EmailChannelError, match="refused the recipient") as caught:
        email_channel.send(notice(address={"email": address}), smtp_config(smtp))
    assert address not in str(caught.value)
    assert "550" in str(caught.value)
    assert smtp.messages == []


def test_an_unreachable_server_is_an_error() -> None:
    config = {"SOB_SMTP_HOST": "127.0.0.1", "SOB_SMTP_PORT": free_port()}
    with pytest.raises(email_channel.EmailChannelError, match=r"SMTP server 127\.0\.0\.1:"):
        email_channel.send(notice(), config)


def test_outbox_keeps_a_failed_email_pending_with_the_error(app, smtp: SmtpServer) -> None:
    """A recipient without an address: the outbox records the error and retries later."""
    from sob_core import notifications as notify
    from sob_core.extensions import db

    citizen = make_citizen(None)
    channels = app.extensions["sob"].registry.channels
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="form_due",
        channels=channels,
    )
    db.session.commit()
    assert notify.deliver(db.session, row.id, channels, dict(app.config)) == "pending"
    db.session.refresh(row)
    assert row.attempts == 1
    assert row.last_error == f"citizen {citizen.id} has no e-mail address"
    assert smtp.messages == []


def test_outbox_without_smtp_host_keeps_the_email_pending(app, smtp: SmtpServer) -> None:
    from sob_core import notifications as notify
    from sob_core.extensions import db

    citizen = make_citizen("anna@example.se")
    channels = app.extensions["sob"].registry.channels
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="form_due",
        channels=channels,
    )
    db.session.commit()
    config = dict(app.config, SOB_SMTP_HOST=None)
    assert notify.deliver(db.session, row.id, channels, config) == "pending"
    db.session.refresh(row)
    assert "SOB_SMTP_HOST" in row.last_error
    assert smtp.messages == []


# --- e-mail: one connection for a batch ---------------------------------------------------------


def test_a_session_sends_a_batch_over_one_connection(smtp: SmtpServer) -> None:
    with email_channel.SmtpSession(smtp_config(smtp)) as send:
        refs = [
            send(notice(recipient_id=number, address={"email": f"p{number}@example.se"}))
            for number in range(3)
        ]
    assert [m.recipients for m in smtp.messages] == [[f"p{n}@example.se"] for n in range(3)]
    assert len(smtp.handler.connections) == 1
    assert refs == [str(m.message["Message-ID"]) for m in smtp.messages]


def test_a_refused_recipient_fails_only_its_notice_in_a_session(smtp: SmtpServer) -> None:
    session = email_channel.SmtpSession(smtp_config(smtp))
    with session as send:
        send(notice(address={"email": "first@example.se"}))
        with pytest.raises(email_channel.EmailChannelError, match="refused the recipient"):
            send(notice(address={"email": f"nobody@{REFUSED_DOMAIN}"}))
        send(notice(address={"email": "third@example.se"}))
    assert [m.recipients for m in smtp.messages] == [["first@example.se"], ["third@example.se"]]
    assert session.connections == 1
    assert session.smtp is None  # closed with the batch


def test_a_session_whose_connection_was_dropped_connects_again(smtp: SmtpServer) -> None:
    session = email_channel.SmtpSession(smtp_config(smtp))
    with session as send:
        send(notice(address={"email": "first@example.se"}))
        assert session.smtp is not None
        session.smtp.close()  # as when the server hangs up an idle connection
        send(notice(address={"email": "second@example.se"}))
    assert [m.recipients for m in smtp.messages] == [["first@example.se"], ["second@example.se"]]
    assert session.connections == 2


def test_a_session_without_a_server_fails_each_notice_clearly() -> None:
    config = {"SOB_SMTP_HOST": "127.0.0.1", "SOB_SMTP_PORT": free_port()}
    with email_channel.SmtpSession(config) as send:
        for _ in range(2):
            with pytest.raises(email_channel.EmailChannelError, match=r"SMTP server 127\.0\.0\.1:"):
                send(notice())


def test_outbox_sends_a_batch_of_emails_over_one_connection(app, smtp: SmtpServer) -> None:
    from sob_core import notifications as notify
    from sob_core.extensions import db
    from sob_core.models import Citizen

    channels = app.extensions["sob"].registry.channels
    ids = []
    for number in range(3):
        citizen = Citizen(
            personnummer=f"19900101{number:04d}",
            name=f"Person {number}",
            birth_date=date(1990, 1, 1),
            legal_sex="female",
            email=f"p{number}@example.se",
        )
        db.session.add(citizen)
        db.session.flush()
        row = notify.queue_notification(
            db.session,
            recipient_kind="citizen",
            recipient_id=citizen.id,
            channel="email",
            kind="form_due",
            channels=channels,
        )
        ids.append(row.id)
    db.session.commit()
    assert notify.deliver_many(db.session, ids, channels, dict(app.config)) == dict.fromkeys(
        ids, "sent"
    )
    assert len(smtp.messages) == 3
    assert len(smtp.handler.connections) == 1
    for received in smtp.messages:
        assert received.text.startswith("Det finns formulär att fylla i.")
