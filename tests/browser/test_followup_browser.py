"""A weekly battery in a real browser: it opens, reminds the citizen without saying what the form
is, is submitted, and its reminders stop (issue 10).

The therapist schedules the PHQ-9 every 7 days on the patient page (with the planned times shown
before saving); the programme's reminder rule is "on opening, after 2 and after 5 days". The
periodic tick is driven with a ``now`` of its own: at the opening the form is handed out and the
first reminder goes to the citizen's inbox and, by the app's own job path, to a real local SMTP
server (aiosmtpd); neither says which form, nor anything about scores. The citizen fills in the
form from her start page; after that the ticks at day 2 and day 5 send nothing.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from aiosmtpd.controller import Controller
from browser_helpers import FIRST_UNIT, THERAPIST
from test_messages_browser import checked, click, sign_in, sign_out

pytestmark = pytest.mark.browser

PATIENT = ("197809232577", "Ahmed Karimi")
ADDRESS = "ahmed.karimi.followup@example.se"
WAIT_SECONDS = 15
ZONE = ZoneInfo("Europe/Stockholm")
RULES = {"rules": [{"key": "standard", "offsets_days": [0, 2, 5], "battery_keys": []}]}
#: what a notice must never tell: the form, its questions, scores, the programme, the unit
SECRETS = (
    "Veckouppföljning",
    "PHQ",
    "nedstämd",
    "Nedstämdhet",
    "depression",
    "poäng",
    "Sömn",
    FIRST_UNIT,
    PATIENT[1],
)


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        if ADDRESS in envelope.rcpt_tos:  # the citizen of this test (others may be told too)
            self.messages.append(envelope.content)
            self.arrived.set()
        return "250 OK"


@pytest.fixture
def mailbox(live_server) -> Iterator[Mailbox]:
    """A local SMTP server wired into the running app for one test."""
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(box, hostname="127.0.0.1", port=port)
    smtp.start()
    config = live_server.app.config
    wanted = {"SOB_SMTP_HOST": "127.0.0.1", "SOB_SMTP_PORT": port}
    before = {key: config.get(key) for key in wanted}
    config.update(wanted)
    try:
        yield box
    finally:
        config.update(before)
        smtp.stop()


def programme(key: str) -> dict:
    """A programme of one module whose reminder rule is: on opening, after 2 and after 5 days."""
    return {
        "name": {"sv": "Veckouppföljning", "en": "Weekly follow-up"},
        "description": {"sv": "Uppföljning varje vecka."},
        "welcome": {"sv": "Välkommen!"},
        "recommended_days": 28,
        "modules": [
            {
                "key": "start",
                "title": "Om uppföljningen",
                "recommended_days": 7,
                "unlock": {"rule": "at_start", "days": None},
                "items": [
                    {
                        "key": "start-text",
                        "kind": "text",
                        "title": "Så går det till",
                        "body": "<p>Varje vecka får du ett formulär att fylla i.</p>",
                    }
                ],
            }
        ],
        "reminders": RULES,
    }


@pytest.fixture
def patient(live_server) -> Iterator[int]:
    """Ahmed Karimi follows a programme with the reminder rule at the therapist's unit (a new
    programme, published, so no other test's data changes); the enrollment ends after the test."""
    from sqlalchemy import select

    from sob_core.enrollments import lifecycle
    from sob_core.extensions import db
    from sob_core.models import CareUnit, Citizen, Enrollment, Staff
    from sob_core.programs import drafts, publishing

    app = live_server.app
    registry = app.extensions["sob"].registry
    now = datetime.now(UTC)
    with app.app_context():
        unit = db.session.scalars(select(CareUnit).where(CareUnit.name == FIRST_UNIT)).one()
        therapist = db.session.scalars(select(Staff).where(Staff.hsa_id == THERAPIST[0])).one()
        citizen = db.session.scalars(
            select(Citizen).where(Citizen.personnummer == PATIENT[0])
        ).one()
        key = f"veckouppfoljning-{secrets.token_hex(3)}"
        draft = drafts.create_program(
            db.session,
            registry=registry,
            key=key,
            kind="treatment",
            owner_care_unit_id=unit.id,
            content=programme(key),
            created_by_id=therapist.id,
        )
        version = publishing.publish(
            db.session, draft, publisher_id=therapist.id, registry=registry, now=now
        )
        enrollment = lifecycle.start(
            db.session,
            citizen_id=citizen.id,
            program_version_id=version.id,
            care_unit_id=unit.id,
            therapist_id=therapist.id,
            started_by_id=therapist.id,
            now=now,
        )
        db.session.commit()
        enrollment_id, therapist_id = enrollment.id, therapist.id
        db.session.remove()
    try:
        yield enrollment_id
    finally:
        with app.app_context():
            ending = db.session.get(Enrollment, enrollment_id)
            if ending is not None:
                lifecycle.end(db.session, ending, "staff", therapist_id, datetime.now(UTC))
            db.session.commit()
            db.session.remove()


def tick(app, now: datetime) -> tuple[int, int]:
    """The periodic job's battery and reminder steps at ``now``; (occurrences, reminders)."""
    from sob_core import batteries, reminders
    from sob_core.extensions import db

    with app.app_context():
        opened = batteries.tick(db.session, now)
        db.session.commit()
        channels = app.extensions["sob"].registry.channels
        sent = reminders.tick(db.session, now, channels, dict(app.config))
        db.session.commit()  # the notices due now are delivered after this commit
        db.session.remove()
    return opened, sent


def status_of(app, occurrence_id: int) -> str:
    from sob_core.extensions import db
    from sob_core.models import BatteryOccurrence

    with app.app_context():
        occurrence = db.session.get(BatteryOccurrence, occurrence_id)
        assert occurrence is not None
        status = occurrence.status
        db.session.remove()
    return status


def notice_text(raw: bytes) -> str:
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["To"] == ADDRESS
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(mail["Subject"]) + "\n" + body.get_content()


def test_a_weekly_battery_opens_reminds_is_submitted_and_its_reminders_stop(
    page, live_server, mailbox, patient
):
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import BatteryOccurrence, BatterySchedule, FormAssignment, Reminder

    app = live_server.app
    main = page.locator("main")

    # The citizen wants her notices by e-mail, then leaves the service.
    sign_in(page, "citizen", PATIENT)
    page.goto("/citizen/settings")
    checked(page)
    page.locator("input[name=email]").fill(ADDRESS)
    page.locator("input[name=use_email]").check()
    page.locator("input[name=language][value=sv]").check()
    click(page, page.locator("main form button[type=submit]"))
    expect(page.locator("input[name=email]")).to_have_value(ADDRESS)
    sign_out(page)

    # The therapist schedules the PHQ-9 every 7 days from tomorrow at 08:00, previewing first.
    enrollment_id = patient
    sign_in(page, "staff", THERAPIST)
    page.goto(f"/staff/patients/{enrollment_id}")
    checked(page)
    panel = main.locator("section.batteries")
    schedule = panel.locator("form:has(button[value=preview])")
    schedule.get_by_label("Mätbatteri eller formulär").select_option("f:phq-9")
    schedule.get_by_label("Återkommande").check()
    start = datetime.now(UTC).astimezone(ZONE).date() + timedelta(days=1)
    schedule.get_by_label("Startdatum").fill(start.isoformat())
    schedule.get_by_label("Intervall i dagar").fill("7")
    schedule.get_by_label("Tid", exact=True).fill("08:00")
    click(page, schedule.get_by_role("button", name="Förhandsgranska"))
    preview = main.locator("section.battery-preview li")
    expect(preview.first).to_contain_text(f"{start.isoformat()} 08:00")
    expect(preview.nth(1)).to_contain_text(f"{(start + timedelta(days=7)).isoformat()} 08:00")
    click(page, main.get_by_role("button", name="Spara"))
    expect(main.locator("section.batteries")).to_contain_text(f"{start.isoformat()} 08:00")
    sign_out(page)

    with app.app_context():
        battery = db.session.scalars(
            select(BatterySchedule).where(
                BatterySchedule.enrollment_id == enrollment_id,
                BatterySchedule.every_days == 7,
                BatterySchedule.local_time == "08:00",
                BatterySchedule.status == "active",
            )
        ).one()
        first = db.session.scalars(
            select(BatteryOccurrence).where(BatteryOccurrence.schedule_id == battery.id)
        ).one()
        opens_at, occurrence_id = first.opens_at, first.id
        db.session.remove()
    assert opens_at == datetime(start.year, start.month, start.day, 8, tzinfo=ZONE)

    # A minute before its time nothing happens; at 08:01 the battery opens and reminds.
    tick(app, opens_at - timedelta(minutes=1))
    assert status_of(app, occurrence_id) == "planned"
    assert not mailbox.messages
    opened, sent = tick(app, opens_at + timedelta(minutes=1))
    assert opened >= 1 and sent >= 1
    assert status_of(app, occurrence_id) == "open"
    assert mailbox.arrived.wait(WAIT_SECONDS), "no reminder reached the local SMTP server"
    assert len(mailbox.messages) == 1
    reminder = notice_text(mailbox.messages[0])
    assert "formulär" in reminder.lower()
    for secret in SECRETS:
        assert secret.lower() not in reminder.lower(), f"{secret!r} left the service in a reminder"
    with app.app_context():
        assignment = db.session.scalars(
            select(FormAssignment).where(FormAssignment.occurrence_id == occurrence_id)
        ).one()
        assignment_id = assignment.id
        db.session.remove()

    # The citizen finds the reminder in her inbox and the form among hers, and submits it.
    sign_in(page, "citizen", PATIENT)
    inbox = main.locator("section#inbox li.notice").first
    expect(inbox).to_contain_text("formulär")
    for secret in SECRETS:
        expect(inbox).not_to_contain_text(secret)
    click(page, main.locator(f"a[href='/citizen/forms/{assignment_id}']"))
    for number in range(1, 10):
        page.locator(f"input[type=radio][name='{number}'][value='0']").check()
    click(page, main.get_by_role("button", name="Skicka in"))
    expect(page.locator(".flashes")).to_contain_text("Tack")
    expect(main.locator(f"a[href='/citizen/forms/{assignment_id}']")).to_have_count(0)
    sign_out(page)

    assert status_of(app, occurrence_id) == "done"
    with app.app_context():
        statuses = {
            r.number: (r.status, r.reason)
            for r in db.session.scalars(
                select(Reminder).where(Reminder.occurrence_id == occurrence_id)
            )
        }
        db.session.remove()
    assert statuses[1][0] == "sent"
    assert statuses[2] == ("cancelled", "done") and statuses[3] == ("cancelled", "done")

    # Days 2 and 5 come and go: no more reminders.
    mailbox.arrived.clear()
    for days in (2, 5):
        tick(app, opens_at + timedelta(days=days, minutes=1))
    assert not mailbox.arrived.wait(2), "a reminder was sent after the form was submitted"
    assert len(mailbox.messages) == 1

    # The therapist sees the occurrence answered and the next one planned a week later.
    sign_in(page, "staff", THERAPIST)
    page.goto(f"/staff/patients/{enrollment_id}")
    checked(page)
    week_later: date = start + timedelta(days=7)
    expect(main.locator("section.batteries")).to_contain_text(f"{week_later.isoformat()} 08:00")
    sign_out(page)
