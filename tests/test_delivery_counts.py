"""Delivering a batch of outbox rows makes the same number of SQL statements whatever its size
(claimed in one UPDATE … RETURNING, attempts in one INSERT, outcomes in one UPDATE per kind),
through one channel session; on SQLite and, with SOB_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from statement_helpers import counting

from sob_core import Notice, NotificationChannel
from sob_core import notifications as notify
from sob_core.extensions import db
from sob_core.models import Citizen, Notification, NotificationAttempt
from sob_core.notifications import delivery


@pytest.fixture
def batched(app) -> dict[str, Any]:
    """A channel ``batched`` with a session: what each opened session sent, and which
    recipients it refuses (an error for that row only)."""
    seen: dict[str, Any] = {"sessions": [], "refuse": set(), "during": None}

    @contextlib.contextmanager
    def session(config: Mapping[str, Any]) -> Iterator[Callable[[Notice], str]]:
        sent: list[int] = []
        seen["sessions"].append(sent)

        def send_one(notice: Notice) -> str:
            if seen["during"] is not None:
                seen["during"](notice)
            if notice.recipient_id in seen["refuse"]:
                raise ConnectionError(f"421 no thanks {notice.address['email']}")
            sent.append(notice.recipient_id)
            return f"ref-{notice.recipient_id}"

        yield send_one

    def send(notice: Notice, config: Mapping[str, Any]) -> str:
        raise AssertionError("a channel with a session is not sent one by one")

    app.extensions["sob"].registry.channels["batched"] = NotificationChannel(
        key="batched", label={"sv": "Omgång"}, send=send, session=session
    )
    return seen


def queue(app, count: int, start: int) -> tuple[list[int], list[int]]:
    """``count`` citizens with one pending ``batched`` row each, committed: (people, rows)."""
    people = [
        Citizen(
            personnummer=f"19660606{start + number:04d}",
            name=f"Räknad {number}",
            birth_date=date(1966, 6, 6),
            legal_sex="male",
            email=f"counted{start + number}@example.se",
        )
        for number in range(count)
    ]
    db.session.add_all(people)
    db.session.flush()
    rows = [
        notify.queue_notification(
            db.session,
            recipient_kind="citizen",
            recipient_id=person.id,
            channel="batched",
            kind="form_due",
            channels=app.extensions["sob"].registry.channels,
        )
        for person in people
    ]
    db.session.commit()
    return [person.id for person in people], [row.id for row in rows]


def deliver(app, ids: list[int]) -> tuple[dict[int, str], list[str]]:
    channels = app.extensions["sob"].registry.channels
    with counting() as statements:
        got = notify.deliver_many(db.session, ids, channels, dict(app.config))
    return got, list(statements)


def test_a_batch_costs_the_same_statements_whatever_its_size(app, batched, monkeypatch) -> None:
    monkeypatch.setattr(delivery, "RECORD_SECONDS", 3600.0)  # one write of the outcomes
    counts = []
    for size, start in ((3, 0), (30, 100)):
        people, ids = queue(app, size, start)
        batched["refuse"] = {people[1]}  # one error in each batch: both outcome kinds
        got, statements = deliver(app, ids)
        assert got == {i: ("pending" if i == ids[1] else "sent") for i in ids}
        assert batched["sessions"][-1] == [p for p in people if p != people[1]]
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert len(batched["sessions"]) == 2  # one channel session (SMTP connection) per batch
    db.session.expire_all()
    rows = db.session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
    assert (
        sorted((row.status, row.attempts) for row in rows) == [("pending", 1)] + [("sent", 1)] * 29
    )
    refused = next(row for row in rows if row.id == ids[1])
    assert refused.last_error == "421 no thanks [address]"
    assert {row.provider_ref for row in rows if row.status == "sent"} == {
        f"ref-{p}" for p in people if p != people[1]
    }
    outcomes = db.session.scalars(
        select(NotificationAttempt.outcome).where(NotificationAttempt.notification_id.in_(ids))
    ).all()
    assert sorted(outcomes) == ["error"] + ["sent"] * 29


def test_outcomes_are_written_as_the_batch_goes_so_a_crash_leaves_little_in_doubt(
    app, batched, monkeypatch
) -> None:
    """With ``RECORD_SECONDS`` 0 each outcome is committed after its send: while the third row
    is with the provider, another connection sees the first two sent and the third sending."""
    monkeypatch.setattr(delivery, "RECORD_SECONDS", 0.0)
    people, ids = queue(app, 3, 200)
    seen: list[list[tuple[int, str]]] = []

    def during(notice: Notice) -> None:
        if notice.recipient_id == people[2]:
            with db.engine.connect() as other:
                found = other.execute(
                    select(Notification.id, Notification.status)
                    .where(Notification.id.in_(ids))
                    .order_by(Notification.id)
                )
                seen.append([(row_id, status) for row_id, status in found])

    batched["during"] = during
    got, _statements = deliver(app, ids)
    assert got == dict.fromkeys(ids, "sent")
    assert seen == [[(ids[0], "sent"), (ids[1], "sent"), (ids[2], "sending")]]


def test_a_row_already_sent_by_another_job_is_left_alone(app, batched) -> None:
    people, ids = queue(app, 2, 300)
    other = notify.deliver_many(
        db.session, ids[:1], app.extensions["sob"].registry.channels, dict(app.config)
    )
    assert other == {ids[0]: "sent"}
    got, _statements = deliver(app, ids)
    assert got == dict.fromkeys(ids, "sent")
    assert batched["sessions"] == [[people[0]], [people[1]]]
