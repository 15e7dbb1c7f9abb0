"""No health data leaves the service (issue 9, item 7).

Every notice kind is sent on every channel: e-mail to a real local SMTP server (aiosmtpd), SMS
to a local stand-in for 46elks' API (``sob_notifications.fakes.FakeElks``; the gateway cannot
be reached from here), and the inbox as the citizen's start page shows it. The demo data gives
care units, programmes and forms; message subjects and texts get distinctive strings. The test
fails if any of them, or the citizen's name or personnummer, is in anything that was sent.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sob_notifications.fakes import PASSWORD, USERNAME, FakeElks
from sqlalchemy import select

from sob_core import notifications as notify
from sob_core.content import content_of
from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Citizen,
    FormVersion,
    NoticePreference,
    Notification,
    ProgramVersion,
    Staff,
)
from sob_core.testing import login_as

#: what messaging would hold: a conversation's subject and a message's text
MESSAGE_SUBJECT = "Sömnlöshet och mardrömmar Zq7"
MESSAGE_TEXT = "Jag har tagit 40 mg av medicinen Xylofenix varje kväll"


@dataclass
class Collector:
    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Collector]]:
    handler = Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


@pytest.fixture
def elks() -> Iterator[FakeElks]:
    fake = FakeElks().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def sob_config(smtp, elks) -> dict[str, Any]:
    return {
        "SOB_SMTP_HOST": "127.0.0.1",
        "SOB_SMTP_PORT": smtp[0],
        "SOB_46ELKS_API_URL": elks.url,
        "SOB_46ELKS_USERNAME": USERNAME,
        "SOB_46ELKS_PASSWORD": PASSWORD,
        "SOB_BASE_URL": "https://sob.example.se",
    }


def forbidden(session) -> list[str]:
    """Every name that would tell what the notice is about, and whom."""
    words = [MESSAGE_SUBJECT, MESSAGE_TEXT, "Xylofenix"]
    words += list(session.scalars(select(CareUnit.name)))
    for version in session.scalars(select(FormVersion)):
        words += [t for t in (version.title or {}).values() if t]
    for version in session.scalars(select(ProgramVersion)):
        words += [t for t in (content_of(version).name or {}).values() if t]
    for citizen in session.scalars(select(Citizen)):
        words += [citizen.name, citizen.personnummer, citizen.formatted_personnummer]
    return sorted({w for w in words if len(w) >= 4})


def inbox_section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="inbox-heading".*?</section>', html, re.S)
    assert match, "no inbox on the start page"
    return match.group(0)


def test_no_notice_of_any_channel_carries_health_data(app, client, demo_data, smtp, elks) -> None:
    port, mail = smtp
    channels = app.extensions["sob"].registry.channels
    assert {"inbox", "email", "sms"} <= set(channels)
    words = forbidden(db.session)
    assert len(words) > 10 and MESSAGE_SUBJECT in words  # the demo gave units, forms, programmes

    swedish, english = db.session.scalars(select(Citizen).order_by(Citizen.id).limit(2)).all()
    staff = db.session.scalars(select(Staff).order_by(Staff.id)).first()
    for number, (citizen, lang) in enumerate(((swedish, "sv"), (english, "en"))):
        citizen.email = f"citizen{number}@example.se"
        citizen.phone = f"+4670123456{number}"
        db.session.add(
            NoticePreference(
                person_kind="citizen",
                person_id=citizen.id,
                channels=["email", "sms"],
                language=lang,
            )
        )
    db.session.commit()

    ids: list[int] = []
    for kind in notify.TEMPLATES:
        for citizen in (swedish, english):
            for channel in ("inbox", "email", "sms"):
                ids.append(
                    notify.queue_notification(
                        db.session,
                        recipient_kind="citizen",
                        recipient_id=citizen.id,
                        channel=channel,
                        kind=kind,
                        link="/citizen/",
                        channels=channels,
                    ).id
                )
        ids.append(
            notify.queue_notification(
                db.session,
                recipient_kind="staff",
                recipient_id=staff.id,
                channel="email",
                kind=kind,
                link="/staff/",
                channels=channels,
            ).id
        )
    db.session.commit()
    for row_id in ids:
        assert notify.deliver(db.session, row_id, channels, dict(app.config)) == "sent"

    kinds = len(notify.TEMPLATES)
    assert len(mail.raw) == 3 * kinds and len(elks.accepted) == 2 * kinds
    sent: list[tuple[str, str]] = []  # (language, what left the service)
    for raw in mail.raw:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = f"{message['Subject']}\n{message.get_content()}"
        lang = "en" if message["To"] == "citizen1@example.se" else "sv"
        sent.append((lang, text))
    for sms in elks.accepted:
        sent.append(("en" if sms.fields["to"].endswith("1") else "sv", sms.fields["message"]))

    for lang, text in sent:
        lowered = text.lower()
        leaked = [word for word in words if word.lower() in lowered]
        assert leaked == [], f"a notice carries {leaked}: {text!r}"
        # What it does say: something waits, in the recipient's language, and where to log in.
        assert "https://sob.example.se/" in text
        assert any(body[lang] in text for _, body in notify.TEMPLATES.values()), text
        other = "sv" if lang == "en" else "en"
        assert not any(body[other] in text for _, body in notify.TEMPLATES.values())

    for citizen in (swedish, english):
        login_as(client, citizen)
        page = client.get("/citizen/")
        assert page.status_code == 200
        section = inbox_section(page.get_data(as_text=True))
        leaked = [word for word in words if word.lower() in section.lower()]
        assert leaked == [], f"the inbox shows {leaked}"
        assert section.count('class="notice unread"') == min(kinds, 10)

    db.session.expire_all()
    assert {row.status for row in db.session.scalars(select(Notification))} == {"sent"}
