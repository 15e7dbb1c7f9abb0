"""A reply with "Direkt" reaches the citizen by inbox, e-mail and SMS, with no health data
(issue 9, in a real browser).

The citizen chooses e-mail and SMS on her settings page and writes to her therapist; the
therapist replies with "Direkt"; the notices are delivered by the app's own job path to a real
local SMTP server (aiosmtpd) and to a local HTTP server that speaks 46elks' ``POST /a1/sms``.
That server stands in for the SMS gateway, which cannot be reached from here. The e-mail and the
SMS say only that something waits, never the subject, the text, the programme or the unit; the
citizen's inbox on the start page shows the notice and the message count is right at every step.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from aiosmtpd.controller import Controller
from browser_helpers import CITIZEN, FIRST_UNIT, THERAPIST, checked, click, sign_in, sign_out
from sob_notifications.fakes import PASSWORD, USERNAME, FakeElks

pytestmark = pytest.mark.browser

ADDRESS = "john.doe@example.se"
MOBILE = "070-765 43 21"
WAIT_SECONDS = 15


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        self.arrived.set()
        return "250 OK"


def signed_out_everywhere(app, personnummer: str) -> None:
    """End every session the citizen still has (an earlier test on this server may have left her
    signed in): while she is active somewhere, notices rightly stay in the service."""
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.identity.sessions import revoke_person
    from sob_core.models import Citizen

    with app.app_context():
        citizen_id = db.session.scalar(
            select(Citizen.id).where(Citizen.personnummer == personnummer)
        )
        revoke_person(db.session, "citizen", citizen_id)
        db.session.commit()


@pytest.fixture
def providers(live_server) -> Iterator[tuple[Mailbox, FakeElks]]:
    """A local SMTP server and the 46elks stand-in, wired into the running app for one test."""
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    elks = FakeElks().start()
    config = live_server.app.config
    wanted = {
        "SOB_SMTP_HOST": "127.0.0.1",
        "SOB_SMTP_PORT": port,
        "SOB_46ELKS_API_URL": elks.url,
        "SOB_46ELKS_USERNAME": USERNAME,
        "SOB_46ELKS_PASSWORD": PASSWORD,
        "SOB_SMS_QUIET_HOURS": "off",  # the test must not depend on the hour it runs at
    }
    before = {key: config.get(key) for key in wanted}
    config.update(wanted)
    signed_out_everywhere(live_server.app, CITIZEN[0])
    try:
        yield mailbox, elks
    finally:
        config.update(before)
        elks.stop()
        smtp.stop()


def test_a_direct_reply_reaches_the_citizen_by_inbox_email_and_sms(page, providers):
    mailbox, elks = providers
    subject = f"Sömnfrågor {secrets.token_hex(3)}"
    question = "Jag vaknar klockan fyra varje natt och kan inte somna om."
    reply = f"Tack, vi tittar på sömnschemat tillsammans {secrets.token_hex(3)}."
    main = page.locator("main")

    # The citizen asks to be told by e-mail and SMS, and writes to her therapist.
    sign_in(page, "citizen", CITIZEN)
    page.goto("/citizen/settings")
    checked(page)
    page.locator("input[name=email]").fill(ADDRESS)
    page.locator("input[name=mobile]").fill(MOBILE)
    page.locator("input[name=use_email]").check()
    page.locator("input[name=use_sms]").check()
    page.locator("input[name=language][value=sv]").check()
    click(page, page.locator("main form button[type=submit]"))
    expect(page.locator("input[name=mobile]")).to_have_value("+46707654321")
    click(page, page.locator("header nav a", has_text="Meddelande"))
    click(page, main.get_by_role("link", name="NY KONVERSATION"))
    page.get_by_label("Ämne").fill(subject)
    page.get_by_label("Skriv meddelande").fill(question)
    click(page, main.get_by_role("button", name="Skicka"))
    expect(main).to_contain_text("Konversationen innehåller 1 meddelande.")
    sign_out(page)  # she has left the service: notices may now leave it too

    # The therapist reads and replies with "Direkt".
    sign_in(page, "staff", THERAPIST)
    page.goto("/staff/patients?view=all")
    checked(page)
    click(page, main.locator("tr", has_text=CITIZEN[1]).locator("a.envelope"))
    click(page, main.get_by_role("link", name=subject))
    expect(main).to_contain_text(question)
    expect(page.get_by_label("Direkt")).to_be_checked()
    page.get_by_label("Skriv meddelande").fill(reply)
    click(page, main.get_by_role("button", name="Skicka"))
    expect(main).to_contain_text("Konversationen innehåller 2 meddelanden.")
    sign_out(page)

    # One e-mail and one SMS arrived, each saying only that something waits.
    assert mailbox.arrived.wait(WAIT_SECONDS), "no e-mail reached the local SMTP server"
    assert elks.arrived.wait(WAIT_SECONDS), "no SMS reached the 46elks stand-in"
    assert len(mailbox.messages) == 1
    assert len(elks.accepted) == 1
    mail = message_from_bytes(mailbox.messages[0], policy=policy.default)
    assert mail["To"] == ADDRESS
    mail_text = mail["Subject"] + mail.get_body(preferencelist=("plain",)).get_content()
    sms = elks.accepted[0].fields
    assert sms["to"] == "+46707654321"
    for notice in (mail_text, sms["message"]):
        assert "meddelande" in notice.lower()
        for secret in (subject, question, reply, FIRST_UNIT, "Sömnbehandling", CITIZEN[1]):
            assert secret not in notice, f"{secret!r} left the service in a notice"

    # The citizen finds the notice in her inbox and the unread reply; reading clears the count.
    sign_in(page, "citizen", CITIZEN)
    expect(page.locator("main section#inbox li.notice.unread").first).to_be_visible()
    menu = page.locator("header nav a", has_text="Meddelande")
    expect(menu).to_contain_text("1 oläst")
    click(page, menu)
    click(page, main.get_by_role("link", name=subject))
    expect(main).to_contain_text(reply)
    expect(page.locator("header nav a", has_text="Meddelande")).not_to_contain_text("oläst")
    assert re.search(r"Konversationen innehåller 2 meddelanden", main.inner_text())
    sign_out(page)
