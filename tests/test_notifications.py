"""The notification outbox (sob_core.services.notify): a row first, delivery second.

Throwaway channels go straight into the app's registry
(``app.extensions["sob"].registry.channels[key] = NotificationChannel(...)``): the registry is
built once when the app is created, so a plugin registered later with ``register_plugin`` would
only answer hook calls and never become a channel. The registry belongs to this test's app only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from sob_core import Notice, NotificationChannel
from sob_core import notifications as notify
from sob_core.extensions import db
from sob_core.models import Citizen, Notification, Staff
from sob_core.notifications import MAX_ATTEMPTS, TEMPLATES, UnknownNotification


class Recorder:
    """A channel's ``send`` that records what it got, and fails while ``error`` is set."""

    def __init__(self, ref: str = "ref-1", error: Exception | None = None) -> None:
        self.ref = ref
        self.error = error
        self.calls: list[tuple[Notice, dict[str, Any]]] = []

    def __call__(self, notice: Notice, config: Mapping[str, Any]) -> str:
        self.calls.append((notice, dict(config)))
        if self.error is not None:
            raise self.error
        return self.ref


@pytest.fixture
def add_channel(app) -> Callable[..., Recorder]:
    def do_add(key: str = "probe", recorder: Recorder | None = None, **options: Any) -> Recorder:
        recorder = recorder or Recorder()
        channel = NotificationChannel(key=key, label={"sv": "Prov"}, send=recorder, **options)
        channel.validate()
        # Straight into this app's registry (see the module docstring).
        app.extensions["sob"].registry.channels[key] = channel
        return recorder

    return do_add


@pytest.fixture
def citizen(app) -> Citizen:
    person = Citizen(
        personnummer="198505052389",
        name="Eva Ek",
        birth_date=date(1985, 5, 5),
        legal_sex="female",
        email="eva@example.se",
        phone="+46701112233",
    )
    db.session.add(person)
    db.session.commit()
    return person


def channels(app) -> dict[str, NotificationChannel]:
    return app.extensions["sob"].registry.channels


def queue(app, recipient_id: int, **changes: Any) -> Notification:
    values: dict[str, Any] = {
        "recipient_kind": "citizen",
        "recipient_id": recipient_id,
        "channel": "probe",
        "kind": "new_message",
        "link": "/messages",
    }
    values.update(changes)
    row = notify.queue_notification(db.session, channels=channels(app), **values)
    db.session.commit()
    return row


def deliver(app, row_id: int, config: dict[str, Any] | None = None) -> str:
    return notify.deliver(db.session, row_id, channels(app), config or dict(app.config))


def count_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


# --- queue_notification --------------------------------------------------------------------------


def test_queue_writes_a_pending_row_and_sends_nothing(app, add_channel, citizen) -> None:
    recorder = add_channel()
    before = datetime.now(UTC)
    row = queue(app, citizen.id, kind="form_due", link="/forms/3")
    row = db.session.get(Notification, row.id)
    assert (row.status, row.attempts, row.channel, row.kind, row.link) == (
        "pending",
        0,
        "probe",
        "form_due",
        "/forms/3",
    )
    assert row.sent_at is None and row.last_error is None and row.provider_ref is None
    assert before - timedelta(seconds=1) <= row.due_at <= datetime.now(UTC)
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "diagnosis_changed"}, "unknown notification kind 'diagnosis_changed'"),
        ({"kind": ""}, "unknown notification kind ''"),
        ({"channel": "pigeon"}, "no notification channel 'pigeon' is installed"),
        ({"recipient_kind": "patient"}, "unknown recipient kind 'patient'"),
        ({"recipient_kind": "Staff"}, "unknown recipient kind 'Staff'"),
    ],
)
def test_queue_refuses_what_it_does_not_know(app, add_channel, citizen, changes, message) -> None:
    add_channel()
    with pytest.raises(UnknownNotification, match=message):
        queue(app, citizen.id, **changes)
    db.session.rollback()
    assert count_rows() == 0


def test_unknown_notification_is_a_value_error() -> None:
    assert issubclass(UnknownNotification, ValueError)


# --- deliver: success ----------------------------------------------------------------------------


def test_deliver_sends_the_generic_template_to_the_recipients_address(
    app, add_channel, citizen
) -> None:
    recorder = add_channel(config_keys=("SOB_BASE_URL", "SOB_NOT_SET"))
    row = queue(app, citizen.id, kind="flag_raised", link="/staff/flags/4")
    before = datetime.now(UTC)
    assert deliver(app, row.id) == "sent"

    [(notice, config)] = recorder.calls
    subject, body = TEMPLATES["flag_raised"]
    assert notice == Notice(
        recipient_kind="citizen",
        recipient_id=citizen.id,
        subject=subject,
        body=body,
        link="/staff/flags/4",
        address={"email": "eva@example.se", "phone": "+46701112233"},
        reference=f"sob-notice-{row.id}",  # the same on every retry (idempotency)
    )
    # The channel gets only the settings it declared, never the rest (secrets) of the config.
    assert config == {"SOB_BASE_URL": "http://localhost", "SOB_NOT_SET": None}

    row = db.session.get(Notification, row.id)
    assert (row.status, row.attempts, row.provider_ref) == ("sent", 1, "ref-1")
    assert row.last_error is None
    assert before <= row.sent_at <= datetime.now(UTC)


def test_a_staff_recipient_gets_the_staff_address(app, add_channel) -> None:
    recorder = add_channel()
    staff = Staff(hsa_id="SE2321000016-TEST1", name="Sara Sjö", email="sara@region.example")
    db.session.add(staff)
    db.session.commit()
    row = queue(app, staff.id, recipient_kind="staff")
    assert deliver(app, row.id) == "sent"
    assert recorder.calls[0][0].address == {"email": "sara@region.example"}
    assert recorder.calls[0][0].recipient_kind == "staff"


def test_a_recipient_that_is_gone_gets_no_address(app, add_channel) -> None:
    recorder = add_channel()
    row = queue(app, 999_999)
    assert deliver(app, row.id) == "sent"
    assert recorder.calls[0][0].address == {}


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_notice_is_only_the_generic_text(app, add_channel, citizen, kind) -> None:
    recorder = add_channel()
    row = queue(app, citizen.id, kind=kind)
    deliver(app, row.id)
    notice = recorder.calls[0][0]
    assert (notice.subject, notice.body) == TEMPLATES[kind]
    for text in (*notice.subject.values(), *notice.body.values()):
        assert citizen.name not in text and citizen.personnummer not in text


def test_provider_reference_is_kept_short_and_may_be_empty(app, add_channel, citizen) -> None:
    add_channel("long", Recorder(ref="x" * 1000))
    add_channel("empty", Recorder(ref=""))
    long_row = queue(app, citizen.id, channel="long")
    empty_row = queue(app, citizen.id, channel="empty")
    assert deliver(app, long_row.id) == deliver(app, empty_row.id) == "sent"
    assert db.session.get(Notification, long_row.id).provider_ref == "x" * 200
    assert db.session.get(Notification, empty_row.id).provider_ref == ""


# --- deliver: idempotence and odd cases ----------------------------------------------------------


def test_a_sent_row_is_never_sent_again(app, add_channel, citizen) -> None:
    recorder = add_channel()
    row = queue(app, citizen.id)
    assert deliver(app, row.id) == "sent"
    sent_at = db.session.get(Notification, row.id).sent_at
    for _ in range(3):
        assert deliver(app, row.id) == "sent"
    assert len(recorder.calls) == 1
    row = db.session.get(Notification, row.id)
    assert row.attempts == 1 and row.sent_at == sent_at
    assert row.id not in notify.due_ids(db.session)


def test_deliver_never_leaves_its_row_lock_held(app, add_channel, citizen) -> None:
    # deliver() locks the row (SELECT ... FOR UPDATE); every path must end the transaction, or
    # on PostgreSQL the next writer of the row would wait forever.
    add_channel()
    row = queue(app, citizen.id)
    for expected in ("sent", "sent"):
        assert deliver(app, row.id) == expected
        assert not db.session().in_transaction()
    assert deliver(app, 123_456) == "missing"
    assert not db.session().in_transaction()


def test_a_missing_row_is_reported_as_missing(app, add_channel) -> None:
    recorder = add_channel()
    assert deliver(app, 123_456) == "missing"
    assert recorder.calls == []


def test_a_row_whose_channel_is_gone_fails_at_once(app, add_channel, citizen) -> None:
    add_channel()
    row = queue(app, citizen.id)
    del channels(app)["probe"]  # e.g. the channel's plugin was disabled after queueing
    assert deliver(app, row.id) == "failed"
    row = db.session.get(Notification, row.id)
    assert row.last_error == "channel 'probe' is not installed"
    assert row.attempts == 0
    assert row.id not in notify.due_ids(db.session)


# --- deliver: failures, back-off and giving up ---------------------------------------------------


def test_a_failing_channel_backs_off_and_gives_up_after_max_attempts(
    app, add_channel, citizen
) -> None:
    recorder = add_channel(recorder=Recorder(error=ConnectionError("relay said 421 try later")))
    row = queue(app, citizen.id)
    row_id = row.id
    for attempt in range(1, MAX_ATTEMPTS):
        before = datetime.now(UTC)
        assert deliver(app, row_id) == "pending"
        after = datetime.now(UTC)
        row = db.session.get(Notification, row_id)
        assert row.attempts == attempt
        assert row.last_error == "relay said 421 try later"
        assert row.sent_at is None
        # Exponential back-off: 2, 4, 8 ... minutes after the failed attempt.
        wait = timedelta(minutes=2**attempt)
        assert before + wait <= row.due_at <= after + wait
        assert row_id not in notify.due_ids(db.session)  # not due until the back-off has passed

    assert deliver(app, row_id) == "failed"
    row = db.session.get(Notification, row_id)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error == "relay said 421 try later"
    assert len(recorder.calls) == MAX_ATTEMPTS

    # A failed row is neither due nor sent again.
    row.due_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert row_id not in notify.due_ids(db.session)
    assert deliver(app, row_id) == "failed"
    assert len(recorder.calls) == MAX_ATTEMPTS


def test_back_off_is_capped(app, add_channel, citizen) -> None:
    add_channel(recorder=Recorder(error=RuntimeError("down")))
    row = queue(app, citizen.id)
    row.attempts = 11  # beyond the cap of 2**10 minutes, still pending
    db.session.commit()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(notify, "MAX_ATTEMPTS", 100)
        before = datetime.now(UTC)
        assert deliver(app, row.id) == "pending"
    row = db.session.get(Notification, row.id)
    assert (
        before + timedelta(minutes=1024)
        <= row.due_at
        <= datetime.now(UTC) + timedelta(minutes=1024)
    )


def test_a_failure_then_success_is_sent(app, add_channel, citizen) -> None:
    recorder = add_channel(recorder=Recorder(error=TimeoutError("timed out")))
    row = queue(app, citizen.id)
    assert deliver(app, row.id) == "pending"
    recorder.error = None
    assert deliver(app, row.id) == "sent"
    row = db.session.get(Notification, row.id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.last_error == "timed out"  # kept: what went wrong on the way


def test_a_long_error_is_cut_to_fit(app, add_channel, citizen) -> None:
    add_channel(recorder=Recorder(error=RuntimeError("e" * 2000)))
    row = queue(app, citizen.id)
    deliver(app, row.id)
    assert db.session.get(Notification, row.id).last_error == "e" * 500


# --- due_ids -------------------------------------------------------------------------------------


def test_due_ids_are_pending_rows_whose_time_has_come_oldest_first(
    app, add_channel, citizen
) -> None:
    add_channel()
    now = datetime.now(UTC)
    rows = {name: queue(app, citizen.id) for name in ("late", "early", "middle", "future")}
    rows["late"].due_at = now - timedelta(minutes=1)
    rows["early"].due_at = now - timedelta(hours=2)
    rows["middle"].due_at = now - timedelta(minutes=30)
    rows["future"].due_at = now + timedelta(minutes=5)
    sent = queue(app, citizen.id)
    failed = queue(app, citizen.id)
    db.session.commit()
    assert deliver(app, sent.id) == "sent"
    failed_row = db.session.get(Notification, failed.id)
    failed_row.status = "failed"
    failed_row.due_at = now - timedelta(days=1)
    db.session.commit()

    expected = [rows["early"].id, rows["middle"].id, rows["late"].id]
    assert notify.due_ids(db.session) == expected
    assert notify.due_ids(db.session, limit=2) == expected[:2]
    assert sent.id not in notify.due_ids(db.session)


def test_due_ids_is_empty_without_rows(app) -> None:
    assert notify.due_ids(db.session) == []
