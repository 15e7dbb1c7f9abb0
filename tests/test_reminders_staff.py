"""Staff reminders (set, refused, raised on their day with ``staff_reminder_due``, held for the
digest) and what the reminders send, through the real notice machinery: e-mail to a real local
SMTP server (aiosmtpd), as in tests/test_notices_content.py."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import test_enrollments as setup
from aiosmtpd.controller import Controller
from sqlalchemy import select
from test_events import caught
from test_reminders import at, open_occurrence, planned, tick

from sob_core import enrollments, events, reminders
from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Enrollment,
    NoticePreference,
    Notification,
    StaffReminder,
)
from sob_core.notifications import TEMPLATES, policy
from sob_core.reminders.staff import StaffReminderError

world = setup.world
NOTE = "Ring upp efter semestern om Xylofenix-dosen"


@dataclass
class Collector:
    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        return "250 OK"

    def texts(self) -> list[str]:
        out = []
        for raw in self.raw:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            out.append(f"{message['To']}\n{message['Subject']}\n{message.get_content()}")
        return out


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
def sob_config(smtp) -> dict[str, Any]:
    return {
        "SOB_SMTP_HOST": "127.0.0.1",
        "SOB_SMTP_PORT": smtp[0],
        "SOB_BASE_URL": "https://sob.example.se",
    }


@pytest.fixture
def enrollment(world) -> Enrollment:
    setup.make_form()
    body = setup.content()
    body["reminders"] = {"rules": [{"key": "standard", "offsets_days": [0, 2, 5]}]}
    version = setup.make_program(setup.units()[0], body)
    made = setup.start(version, at=at("2026-03-01 09:00"))
    tommy = setup.staff(setup.TOMMY)
    tommy.email = "tommy@example.se"
    made.citizen.email = "john@example.se"
    db.session.commit()
    return made


def channels(app):
    return app.extensions["sob"].registry.channels


def add(enrollment: Enrollment, on: date, note: str = NOTE, in_digest: bool = False, now=None):
    row = reminders.staff.add(
        db.session,
        enrollment,
        staff_id=setup.staff(setup.TOMMY).id,
        on_date=on,
        note=note,
        in_digest=in_digest,
        now=now or at("2026-05-01 10:00"),
    )
    db.session.commit()
    return row


# --- setting one ------------------------------------------------------------------------------


def test_a_reminder_is_for_today_or_later_with_a_note_of_at_most_500(enrollment) -> None:
    today = date(2026, 5, 1)
    assert add(enrollment, today).status == "planned"
    assert add(enrollment, today + timedelta(days=30), "x" * 500).note == "x" * 500
    for on, note, code in (
        (today - timedelta(days=1), NOTE, "date_past"),
        (today, "   ", "note_missing"),
        (today, "x" * 501, "note_too_long"),
        (None, NOTE, "date_missing"),
        (today + timedelta(days=3 * 366 + 1), NOTE, "date_far"),
    ):
        with pytest.raises(StaffReminderError) as raised:
            add(enrollment, on, note)
        assert raised.value.code == code
    db.session.rollback()


def test_today_is_the_care_unit_s_day(enrollment) -> None:
    # 23:30 UTC on 30 April is already 1 May in Stockholm: 1 May is today, not the future.
    now = at("2026-05-01 01:30")
    assert add(enrollment, date(2026, 5, 1), now=now).on_date == date(2026, 5, 1)
    unit = db.session.get(CareUnit, enrollment.care_unit_id)
    unit.time_zone = "America/New_York"  # still 30 April there
    db.session.commit()
    assert add(enrollment, date(2026, 4, 30), now=now).on_date == date(2026, 4, 30)


def test_an_ended_enrollment_takes_no_reminder_and_cancels_its_planned_ones(enrollment) -> None:
    planned_one = add(enrollment, date(2026, 6, 1))
    enrollments.end(db.session, enrollment, "staff", None, at("2026-05-02 10:00"))
    db.session.commit()
    db.session.refresh(planned_one)
    assert planned_one.status == "cancelled" and planned_one.cancelled_at is not None
    with pytest.raises(StaffReminderError) as raised:
        add(enrollment, date(2026, 6, 1))
    assert raised.value.code == "ended"


def test_cancel_only_a_planned_one(enrollment) -> None:
    row = add(enrollment, date(2026, 6, 1))
    assert reminders.staff.cancel(db.session, row, at("2026-05-02 10:00"))
    assert row.status == "cancelled"
    assert not reminders.staff.cancel(db.session, row, at("2026-05-02 11:00"))
    assert row.cancelled_at == at("2026-05-02 10:00")


# --- its day ----------------------------------------------------------------------------------


def test_on_its_day_the_tick_raises_it_once_and_sends_staff_reminder_due(app, enrollment) -> None:
    row = add(enrollment, date(2026, 5, 4))
    later = add(enrollment, date(2026, 5, 5))
    with caught(events.staff_reminder_due) as sent:
        assert tick(app, at("2026-05-03 23:59")) == 0
        assert tick(app, at("2026-05-04 00:00")) == 1
        assert tick(app, at("2026-05-04 00:01")) == 0
    db.session.refresh(row)
    db.session.refresh(later)
    assert (row.status, row.raised_at) == ("raised", at("2026-05-04 00:00"))
    assert later.status == "planned"
    assert len(sent) == 1
    sender, payload = sent[0]
    assert sender is db.session
    assert payload == {
        "staff_reminder_id": row.id,
        "enrollment_id": enrollment.id,
        "at": at("2026-05-04 00:00"),
    }
    # Not chosen for the digest: nothing for the staff member's e-mail.
    assert db.session.scalars(select(Notification)).all() == []


def test_chosen_for_the_digest_it_waits_held_and_the_digest_says_nothing_of_it(
    app, enrollment, smtp
) -> None:
    _port, mail = smtp
    tommy = setup.staff(setup.TOMMY)
    # Tommy wants e-mails at once, yet this reminder goes into the next digest as he chose.
    db.session.add(
        NoticePreference(person_kind="staff", person_id=tommy.id, staff_mode="immediate")
    )
    db.session.commit()
    row = add(enrollment, date(2026, 5, 4), in_digest=True)
    tick(app, at("2026-05-04 00:05"))
    held = db.session.scalars(select(Notification)).all()
    assert [(n.recipient_kind, n.recipient_id, n.kind, n.status) for n in held] == [
        ("staff", tommy.id, "staff_reminder", "held")
    ]
    assert held[0].care_unit_id == enrollment.care_unit_id
    assert mail.raw == []  # held: nothing is sent before the digest

    made = policy.digest_staff(
        db.session, channels=channels(app), now=at("2026-05-04 07:00"), settings=app.config
    )
    db.session.commit()
    assert len(made) == 1 and made[0].extra == {"notices": 1}
    db.session.refresh(held[0])
    assert held[0].status == "digested"
    texts = mail.texts()
    assert len(texts) == 1 and texts[0].startswith("tommy@example.se")
    subject, body = TEMPLATES["staff_digest"]
    assert subject["sv"] in texts[0] and body["sv"] in texts[0]
    for secret in (NOTE, "Xylofenix", enrollment.citizen.name, enrollment.citizen.personnummer):
        assert secret not in texts[0]
    assert row.note == NOTE  # the note stays in the service


def test_the_citizen_s_reminder_by_e_mail_names_no_form_nor_programme(app, enrollment, smtp):
    _port, mail = smtp
    occurrence = open_occurrence(enrollment, at("2026-05-04 08:00"))
    assert tick(app, at("2026-05-04 08:00")) == 1
    first = planned(occurrence)[0]
    notice = db.session.get(Notification, first.notification_id)
    assert (notice.channel, notice.status) == ("email", "sent")
    texts = mail.texts()
    assert len(texts) == 1 and texts[0].startswith("john@example.se")
    subject, body = TEMPLATES["form_due"]
    assert subject["sv"] in texts[0] and body["sv"] in texts[0]
    assert "https://sob.example.se/citizen/" in texts[0]
    for secret in ("Sömndagbok", "Sömnbehandling", "Veckomätning", "John Doe", "198503142393"):
        assert secret not in texts[0]
    # Submitted: the rest are cancelled and nothing more is sent.
    occurrence.status = "done"
    events.occurrences_closed.send(
        db.session, occurrence_ids=[occurrence.id], status="done", at=at("2026-05-05 09:00")
    )
    db.session.commit()
    assert tick(app, at("2026-05-20 08:00")) == 0
    assert len(mail.raw) == 1
    assert [r.status for r in planned(occurrence)] == ["sent", "cancelled", "cancelled"]


def test_a_staff_reminder_of_an_ended_enrollment_is_never_raised(app, enrollment) -> None:
    row = add(enrollment, date(2026, 5, 4))
    enrollment.status = "ended"  # ended without the signal (an older release, say)
    db.session.commit()
    with caught(events.staff_reminder_due) as sent:
        tick(app, at("2026-05-04 09:00"))
    assert sent == []
    assert db.session.get(StaffReminder, row.id).status == "cancelled"
