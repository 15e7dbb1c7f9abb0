"""Notices (issue 9, items 5-9): the attempt log, who is told how and when, staff digests.

Channels here are throwaway recorders put straight into the app's registry (as in
tests/test_notifications.py); the real channels are tested in plugins/notifications/tests and
in tests/test_notices_content.py, the killed worker in tests/test_notices_worker.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sob_core import Notice, NotificationChannel
from sob_core import notifications as notify
from sob_core.extensions import db
from sob_core.jobs import tasks
from sob_core.models import (
    Citizen,
    NoticePreference,
    Notification,
    NotificationAttempt,
    Staff,
    UserSession,
)
from sob_core.notifications import policy
from sob_core.notifications.phone import InvalidMobileNumber, normalise_mobile
from sob_core.notifications.scrub import mask_email, mask_phone, scrub

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SETTINGS = {"SOB_SMS_QUIET_HOURS": "21-08", "SOB_NOTICE_COALESCE_MINUTES": 15}


def at(text: str) -> datetime:
    """A Stockholm local time as UTC: ``at("2026-12-02 22:30")``."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


class Recorder:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[Notice] = []
        self.during: Callable[[Notice], None] | None = None

    def __call__(self, notice: Notice, config: Mapping[str, Any]) -> str:
        self.calls.append(notice)
        if self.during is not None:
            self.during(notice)
        if self.error is not None:
            raise self.error
        return f"ref-{len(self.calls)}"


@pytest.fixture
def recorders(app) -> dict[str, Recorder]:
    """inbox, email and sms replaced by recorders (sms with quiet hours, like the real one)."""
    made: dict[str, Recorder] = {}
    for key in ("inbox", "email", "sms"):
        made[key] = Recorder()
        app.extensions["sob"].registry.channels[key] = NotificationChannel(
            key=key, label={"sv": key}, send=made[key], quiet_hours=key == "sms"
        )
    return made


def channels(app) -> dict[str, NotificationChannel]:
    return app.extensions["sob"].registry.channels


def make_citizen(email: str | None = "eva@example.se", phone: str | None = None, **pref):
    person = Citizen(
        personnummer="198505052389",
        name="Eva Ek",
        birth_date=date(1985, 5, 5),
        legal_sex="female",
        email=email,
        phone=phone,
    )
    db.session.add(person)
    db.session.flush()
    if pref:
        db.session.add(NoticePreference(person_kind="citizen", person_id=person.id, **pref))
    db.session.commit()
    return person


def tell(app, citizen_id: int, now: datetime | None = None, key: str = "conversation:1", **kw):
    return notify.notify_citizen(
        db.session,
        citizen_id,
        kw.pop("kind", "new_message"),
        link="/citizen/",
        coalesce_key=key,
        channels=channels(app),
        now=now,
        settings={**SETTINGS, **kw},
    )


def rows() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def attempts(row_id: int) -> list[NotificationAttempt]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id == row_id)
            .order_by(NotificationAttempt.number)
        )
    )


# --- 5: every attempt is logged, before the send ------------------------------------------------


def test_each_attempt_is_logged_with_its_result(app, recorders) -> None:
    citizen = make_citizen()
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="new_message",
        channels=channels(app),
    )
    db.session.commit()
    recorders["email"].error = ConnectionError("421 eva@example.se: mailbox busy, +46 70 111 22 33")
    assert notify.deliver(db.session, row.id, channels(app), dict(app.config)) == "pending"
    recorders["email"].error = None
    assert notify.deliver(db.session, row.id, channels(app), dict(app.config)) == "sent"

    first, second = attempts(row.id)
    assert (first.number, first.outcome, second.number, second.outcome) == (1, "error", 2, "sent")
    # The provider's answer is kept without the recipient's data.
    assert first.detail == "421 [address]: mailbox busy, [number]"
    assert second.provider_ref == "ref-2" and second.detail is None
    assert first.finished_at and second.finished_at
    assert "eva@" not in (db.session.get(Notification, row.id).last_error or "")


def test_the_attempt_is_committed_before_the_channel_is_called(app, recorders) -> None:
    citizen = make_citizen()
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="form_due",
        channels=channels(app),
    )
    db.session.commit()
    seen: list[tuple] = []

    def look(notice: Notice) -> None:
        # Another connection sees what a crash at this moment would leave behind.
        with db.engine.connect() as conn:
            status = conn.execute(
                select(Notification.status).where(Notification.id == row.id)
            ).scalar_one()
            outcome = conn.execute(
                select(NotificationAttempt.outcome).where(
                    NotificationAttempt.notification_id == row.id
                )
            ).scalar_one()
            seen.append((status, outcome))

    recorders["email"].during = look
    assert notify.deliver(db.session, row.id, channels(app), dict(app.config)) == "sent"
    assert seen == [("sending", "sending")]
    assert notice_reference(recorders["email"].calls[0]) == f"sob-notice-{row.id}"


def notice_reference(notice: Notice) -> str:
    return notice.reference


def test_a_row_being_sent_is_not_sent_again_until_its_lease_has_passed(app, recorders) -> None:
    citizen = make_citizen()
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="form_due",
        channels=channels(app),
    )
    db.session.commit()
    row_id = row.id
    # A worker claimed it and died: status sending, an attempt under way.
    row.status, row.attempts = "sending", 1
    row.queued_until = datetime.now(UTC) + timedelta(minutes=3)
    db.session.add(NotificationAttempt(notification_id=row_id, number=1, outcome="sending"))
    db.session.commit()

    assert notify.deliver(db.session, row_id, channels(app), dict(app.config)) == "sending"
    assert notify.recover_interrupted(db.session) == 0
    assert recorders["email"].calls == []

    later = datetime.now(UTC) + notify.SENDING_LEASE
    assert notify.recover_interrupted(db.session, later) == 1
    db.session.commit()
    assert [a.outcome for a in attempts(row_id)] == ["interrupted"]
    assert rows()[0].status == "pending"
    assert notify.deliver(db.session, row_id, channels(app), dict(app.config)) == "sent"
    assert [a.outcome for a in attempts(row_id)] == ["interrupted", "sent"]
    assert len(recorders["email"].calls) == 1


def test_an_interrupted_row_after_the_last_attempt_fails(app, recorders) -> None:
    citizen = make_citizen()
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="form_due",
        channels=channels(app),
    )
    row.status, row.attempts = "sending", notify.MAX_ATTEMPTS
    row.queued_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert notify.recover_interrupted(db.session) == 1
    db.session.commit()
    assert rows()[0].status == "failed"


def test_the_tick_recovers_interrupted_rows(app, recorders) -> None:
    citizen = make_citizen()
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen.id,
        channel="email",
        kind="form_due",
        channels=channels(app),
    )
    row.status, row.attempts = "sending", 1
    row.queued_until = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert tasks.tick() == 1  # in-process: queued and delivered after the tick's commit
    assert rows()[0].status == "sent"
    assert len(recorders["email"].calls) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refused <anna.b+x@mail.example.se>", "refused <[e-mail]>"),
        ("to 0046701234567 failed", "to [number] failed"),
        ("SMTP server 127.0.0.1:2525: timed out", "SMTP server 127.0.0.1:2525: timed out"),
        ("HTTP 403", "HTTP 403"),
    ],
)
def test_scrub_takes_out_addresses_and_numbers(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_masks_show_little() -> None:
    assert mask_email("anna.andersson@example.se") == "a•••@•••.se"
    assert mask_phone("+46701234567") == "+46 7•• ••• •67"
    assert mask_email(None) == mask_phone("") == ""


# --- 8: mobile numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "070-123 45 67",
        "0701234567",
        "+46701234567",
        "+46 70 123 45 67",
        "0046701234567",
        "(070) 123-45-67",
    ],
)
def test_swedish_mobile_numbers_are_normalised_to_e164(typed: str) -> None:
    assert normalise_mobile(typed) == "+46701234567"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "08-123 456 78",
        "0711234567",
        "070123456",
        "07012345678",
        "+4570123456",
        "+46 8 123 456",
        "070-123 45 6x",
        "46701234567",
    ],
)
def test_other_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidMobileNumber):
        normalise_mobile(typed)


# --- 8: who is told how -------------------------------------------------------------------------


def test_by_default_the_inbox_and_e_mail(app, recorders) -> None:
    citizen = make_citizen(phone="+46701112233")
    new = tell(app, citizen.id)
    assert [r.channel for r in new] == ["inbox", "email"]
    assert all(r.coalesce_key == "conversation:1" and r.status == "pending" for r in new)
    db.session.commit()  # in-process: delivered after the commit
    assert [r.status for r in rows()] == ["sent", "sent"]
    assert len(recorders["inbox"].calls) == len(recorders["email"].calls) == 1
    assert recorders["sms"].calls == []


def test_the_citizens_choice_and_the_inbox_always(app, recorders) -> None:
    citizen = make_citizen(phone="+46701112233", channels=["sms"])
    assert [r.channel for r in tell(app, citizen.id, now=at("2026-12-02 12:00"))] == [
        "inbox",
        "sms",
    ]


def test_a_channel_without_address_or_not_installed_is_skipped(app, recorders) -> None:
    citizen = make_citizen(email=None, phone=None, channels=["email", "sms", "pigeon"])
    assert [r.channel for r in tell(app, citizen.id)] == ["inbox"]


def test_nothing_leaves_while_the_citizen_is_active(app, recorders) -> None:
    citizen = make_citizen(phone="+46701112233", channels=["email", "sms"])
    now = at("2026-12-02 12:00")
    session = UserSession(
        token_hash="x" * 64,
        person_kind="citizen",
        person_id=citizen.id,
        data="{}",
        created_at=now - timedelta(minutes=20),
        last_seen_at=now - timedelta(minutes=2),
        expires_at=now + timedelta(minutes=28),
    )
    db.session.add(session)
    db.session.commit()
    assert [r.channel for r in tell(app, citizen.id, now=now)] == ["inbox"]
    # Seen 6 minutes ago (more than SOB_NOTICE_ACTIVE_MINUTES = 5): not active any more.
    session.last_seen_at = now - timedelta(minutes=6)
    db.session.commit()
    assert [r.channel for r in tell(app, citizen.id, now=now, key="conversation:2")] == [
        "inbox",
        "email",
        "sms",
    ]


def test_a_prefetched_batch_decides_as_one_by_one(app, recorders) -> None:
    """``prefetch_citizens`` reads for a batch what ``notify_citizen`` would ask one by one: the
    citizen's choice, whether they are active, and the notice to merge into."""
    from sob_core.notifications import policy

    now = at("2026-12-02 12:00")
    citizen = make_citizen(phone="+46701112233", channels=["email", "sms"], language="en")
    db.session.add(
        UserSession(
            token_hash="y" * 64,
            person_kind="citizen",
            person_id=citizen.id,
            data="{}",
            created_at=now - timedelta(minutes=20),
            last_seen_at=now - timedelta(minutes=2),
            expires_at=now + timedelta(minutes=28),
        )
    )
    db.session.commit()
    settings = {**SETTINGS}
    known = policy.prefetch_citizens(
        db.session, [citizen.id], ["conversation:1"], now=now, settings=settings
    )
    assert known.preferences[citizen.id].channels == ["email", "sms"]
    assert known.active == {citizen.id}

    def told(key: str = "conversation:1") -> list[str]:
        rows = notify.notify_citizen(
            db.session,
            citizen.id,
            "new_message",
            coalesce_key=key,
            channels=channels(app),
            now=now,
            settings=settings,
            known=known,
        )
        return [row.channel for row in rows]

    assert told() == ["inbox"]  # active: nothing leaves
    assert told() == []  # merged into the inbox row just written in this batch
    db.session.commit()
    # Not active any more, a new batch: the earlier inbox row (sent, minutes ago) still merges,
    # the outgoing channels are told.
    db.session.execute(
        UserSession.__table__.update().values(last_seen_at=now - timedelta(minutes=6))
    )
    db.session.commit()
    known = policy.prefetch_citizens(
        db.session, [citizen.id], ["conversation:1"], now=now, settings=settings
    )
    assert known.active == set()
    assert told() == ["email", "sms"]
    db.session.commit()
    assert [r.extra.get("merged") for r in rows() if r.channel == "inbox"] == [2]


def test_one_notice_per_conversation_per_quarter_of_an_hour(app, recorders) -> None:
    citizen = make_citizen()
    now = at("2026-12-02 12:00")
    assert len(tell(app, citizen.id, now=now)) == 2
    db.session.commit()
    assert tell(app, citizen.id, now=now + timedelta(minutes=5)) == []
    assert tell(app, citizen.id, now=now + timedelta(minutes=14)) == []
    db.session.commit()
    assert [r.extra.get("merged") for r in rows()] == [2, 2]
    # Another conversation is told at once; the first one again after 15 minutes.
    assert len(tell(app, citizen.id, now=now + timedelta(minutes=6), key="conversation:2")) == 2
    assert len(tell(app, citizen.id, now=now + timedelta(minutes=16))) == 2
    db.session.commit()
    assert len(rows()) == 6


def test_a_notice_still_waiting_takes_in_later_ones_whatever_the_time(app, recorders) -> None:
    citizen = make_citizen(phone="+46701112233", channels=["sms"])
    night = at("2026-12-02 23:00")
    [_, sms] = tell(app, citizen.id, now=night)
    db.session.commit()
    assert tell(app, citizen.id, now=night + timedelta(hours=2))[0].channel == "inbox"
    db.session.commit()
    waiting = [r for r in rows() if r.channel == "sms"]
    assert len(waiting) == 1 and waiting[0].extra == {"merged": 1}


@pytest.mark.parametrize(
    ("local", "due"),
    [
        ("2026-12-02 22:30", "2026-12-03 08:00"),
        ("2026-12-02 21:00", "2026-12-03 08:00"),
        ("2026-12-03 07:59", "2026-12-03 08:00"),
        ("2026-12-03 08:00", "2026-12-03 08:00"),
        ("2026-12-02 20:59", "2026-12-02 20:59"),
        ("2026-03-28 23:00", "2026-03-29 08:00"),  # the night summer time begins
        ("2026-10-25 01:30", "2026-10-25 08:00"),  # the night it ends
    ],
)
def test_quiet_hours_delay_sms_only(app, recorders, local: str, due: str) -> None:
    citizen = make_citizen(phone="+46701112233", channels=["email", "sms"])
    now = at(local)
    new = {r.channel: r for r in tell(app, citizen.id, now=now)}
    assert new["inbox"].due_at == new["email"].due_at == now
    assert new["sms"].due_at == at(due)


def test_quiet_hours_can_be_switched_off(app, recorders) -> None:
    citizen = make_citizen(phone="+46701112233", channels=["sms"])
    now = at("2026-12-02 23:00")
    [_, sms] = tell(app, citizen.id, now=now, SOB_SMS_QUIET_HOURS="off")
    assert sms.due_at == now


@pytest.mark.parametrize("text", ["8-21", "21", "25-08", "21-21", "night"])
def test_bad_quiet_hours_are_refused(text: str) -> None:
    if text == "8-21":
        assert policy.quiet_hours(text) == (8, 21)
        return
    with pytest.raises(ValueError):
        policy.quiet_hours(text)


def test_a_delayed_sms_is_not_dispatched_until_the_tick_finds_it_due(app, recorders) -> None:
    citizen = make_citizen(phone="+46701112233", channels=["sms"])
    tell(app, citizen.id, now=datetime.now(UTC).replace(hour=21, minute=30) + timedelta(days=1))
    db.session.commit()
    statuses = {r.channel: r.status for r in rows()}
    assert statuses == {"inbox": "sent", "sms": "pending"}
    assert recorders["sms"].calls == []


def test_rolling_back_drops_the_notices_and_their_jobs(app, recorders) -> None:
    citizen = make_citizen()
    tell(app, citizen.id)
    db.session.rollback()
    db.session.commit()
    assert rows() == []
    assert recorders["inbox"].calls == recorders["email"].calls == []


def test_the_recipients_language_goes_with_the_notice(app, recorders) -> None:
    citizen = make_citizen(language="en", channels=["email"])
    tell(app, citizen.id)
    db.session.commit()
    assert recorders["email"].calls[0].language == "en"


def test_an_unknown_kind_or_citizen_is_refused(app, recorders) -> None:
    citizen = make_citizen()
    with pytest.raises(notify.UnknownNotification):
        tell(app, citizen.id, kind="diagnosis")
    with pytest.raises(notify.UnknownNotification):
        tell(app, 999_999)


# --- 9: staff: at once, as a daily digest, or not ----------------------------------------------


def make_staff(mode: str | None, email: str | None = "sara@region.example") -> Staff:
    staff = Staff(hsa_id=f"SE2321000016-{mode or 'none'}", name="Sara Sjö", email=email)
    db.session.add(staff)
    db.session.flush()
    if mode is not None:
        db.session.add(NoticePreference(person_kind="staff", person_id=staff.id, staff_mode=mode))
    db.session.commit()
    return staff


def tell_staff(app, staff_id: int, now: datetime | None = None, key: str = "conversation:1"):
    return notify.notify_staff(
        db.session,
        staff_id,
        "staff_new_messages",
        link="/staff/",
        coalesce_key=key,
        channels=channels(app),
        now=now,
        settings=SETTINGS,
    )


def test_staff_are_not_told_unless_they_chose_to(app, recorders) -> None:
    assert tell_staff(app, make_staff(None).id) == []
    assert tell_staff(app, make_staff("off").id) == []
    assert tell_staff(app, make_staff("immediate", email=None).id) == []


def test_staff_told_at_once_get_an_e_mail_after_the_commit(app, recorders) -> None:
    staff = make_staff("immediate")
    [row] = tell_staff(app, staff.id)
    assert (row.channel, row.status, row.recipient_kind) == ("email", "pending", "staff")
    db.session.commit()
    assert rows()[0].status == "sent"
    assert recorders["email"].calls[0].address == {"email": "sara@region.example"}
    assert tell_staff(app, staff.id) == []  # coalesced like the citizen's


def test_the_daily_digest_folds_the_days_notices_into_one_e_mail(app, recorders) -> None:
    staff = make_staff("digest")
    other = make_staff("immediate", email="olle@region.example")
    day = at("2026-12-02 12:00")
    for hour, key in ((0, "conversation:1"), (1, "conversation:2"), (2, "conversation:3")):
        [row] = tell_staff(app, staff.id, now=day + timedelta(hours=hour), key=key)
        assert row.status == "held"
    tell_staff(app, other.id, now=day)
    db.session.commit()
    assert recorders["email"].calls[0].address == {"email": "olle@region.example"}

    def digest(now: datetime) -> list[Notification]:
        made = notify.digest_staff(db.session, channels=channels(app), now=now, settings=SETTINGS)
        db.session.commit()
        return made

    assert digest(at("2026-12-03 06:59")) == []  # before SOB_STAFF_DIGEST_HOUR (7)
    [made] = digest(at("2026-12-03 07:05"))
    assert (made.recipient_id, made.kind, made.extra) == (staff.id, "staff_digest", {"notices": 3})
    held = [r for r in rows() if r.kind == "staff_new_messages" and r.recipient_id == staff.id]
    assert {r.status for r in held} == {"digested"}
    assert digest(at("2026-12-03 08:05")) == []  # once a day
    sent = recorders["email"].calls
    assert [n.address["email"] for n in sent] == ["olle@region.example", "sara@region.example"]
    assert sent[1].subject == notify.TEMPLATES["staff_digest"][0]


def test_the_digest_is_a_periodic_job(app) -> None:
    assert (tasks.staff_digest, "default", 3600) in tasks.PERIODIC


def test_every_delivery_of_a_notice_is_logged(app, recorders) -> None:
    citizen = make_citizen()
    tell(app, citizen.id)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(NotificationAttempt)) == 2


@pytest.mark.parametrize(
    ("text", "stored"), [("21-08", "21-08"), ("7-9", "07-09"), ("OFF", "off"), (" 22-6 ", "22-06")]
)
def test_quiet_hours_setting_is_checked_when_the_app_starts(tmp_path, text, stored) -> None:
    from sob_core import config

    found = config.from_environment(tmp_path, {"SOB_SMS_QUIET_HOURS": text})
    assert found["SOB_SMS_QUIET_HOURS"] == stored


@pytest.mark.parametrize("text", ["21", "21-21", "25-08", "night", "21-08-09"])
def test_a_bad_quiet_hours_setting_stops_the_app(tmp_path, text) -> None:
    from sob_core import config

    with pytest.raises(ValueError, match="SOB_SMS_QUIET_HOURS"):
        config.from_environment(tmp_path, {"SOB_SMS_QUIET_HOURS": text})
