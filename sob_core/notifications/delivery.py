"""Delivering outbox rows a batch at a time (``deliver_many``, the dispatch job's work).

A batch costs a constant number of SQL statements whatever its size: one read of the rows, the
recipients' addresses and languages (one query per table), one conditional UPDATE … RETURNING
that claims every pending row (pending → sending), one INSERT of their attempt rows (an
executemany), a commit; then the sends over one channel session (one SMTP connection); then the
outcomes in one UPDATE per kind of outcome (sent, error; executemany) and a commit.

The guarantees are those of the row-by-row delivery before it:
- nothing is sent twice by two jobs: a row is sent only by the job whose claim changed it;
- nothing is lost when a worker dies: a claimed row stays ``sending`` with its attempt
  ``sending`` and a lease (``SENDING_LEASE``); when the lease has passed, the tick marks the
  attempt ``interrupted`` and sends the row again (at-least-once);
- what a dying worker leaves in doubt is bounded: outcomes are written at least every
  ``RECORD_SECONDS`` of sending (and at the end), so only the sends of the last such stretch
  can go out a second time after a crash (see docs/operating.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from ..models import Citizen, NoticePreference, Notification, NotificationAttempt, Staff
from ..types import Notice, NotificationChannel
from .scrub import scrub

#: outcomes are written (and committed) at least this often while a batch sends
RECORD_SECONDS = 1.0

_N: Table = Notification.__table__  # type: ignore[assignment]
_A: Table = NotificationAttempt.__table__  # type: ignore[assignment]


def _people(
    session: Session, rows: list[Any]
) -> tuple[dict[tuple[str, int], dict[str, str]], dict[tuple[str, int], str]]:
    """Addresses and languages of the rows' recipients, in one query per table."""
    addresses: dict[tuple[str, int], dict[str, str]] = {}
    languages: dict[tuple[str, int], str] = {}
    for kind, model in (("staff", Staff), ("citizen", Citizen)):
        wanted = sorted({row.recipient_id for row in rows if row.recipient_kind == kind})
        if not wanted:
            continue
        for person_id, email, phone in session.execute(
            select(model.id, model.email, model.phone).where(model.id.in_(wanted))
        ):
            address: dict[str, str] = {}
            if email:
                address["email"] = email
            if phone:
                address["phone"] = phone
            addresses[(kind, person_id)] = address
        for person_id, language in session.execute(
            select(NoticePreference.person_id, NoticePreference.language).where(
                NoticePreference.person_kind == kind, NoticePreference.person_id.in_(wanted)
            )
        ):
            languages[(kind, person_id)] = language
    return addresses, languages


def _notice(
    row: Any,
    channel: NotificationChannel,
    config: dict[str, Any],
    address: dict[str, str],
    language: str | None,
) -> Notice:
    from . import TEMPLATES, report_url

    subject, body = TEMPLATES[row.kind]
    return Notice(
        recipient_kind=row.recipient_kind,
        recipient_id=row.recipient_id,
        subject=subject,
        body=body,
        link=row.link,
        address=dict(address),
        language=language if language in ("sv", "en") else "sv",
        reference=f"sob-notice-{row.id}",
        report_url=report_url(config, row.id) if channel.delivery_reports else "",
    )


def _sender(
    stack: ExitStack, channel: NotificationChannel, config: dict[str, Any]
) -> Callable[[Notice], str]:
    """How to send one notice through ``channel`` for the rest of a batch: its ``session``
    (opened once, closed with the batch), else its ``send``."""
    settings = {key: config.get(key) for key in channel.config_keys}
    if channel.session is not None:
        return stack.enter_context(channel.session(settings))
    return lambda notice: channel.send(notice, settings)


def _claim(session: Session, ids: list[int], now: datetime) -> dict[int, int]:
    """pending → sending for every row of ``ids`` still pending (one conditional UPDATE …
    RETURNING) and their attempt rows (one INSERT), committed: each claimed id with its attempt
    number. Rows another job has claimed are not among them."""
    from . import SENDING_LEASE

    if not ids:
        session.commit()  # no transaction stays open (a row lock would block other writers)
        return {}
    claimed = {
        int(row_id): int(number)
        for row_id, number in session.execute(
            update(_N)
            .where(_N.c.id.in_(ids), _N.c.status == "pending")
            .values(status="sending", attempts=_N.c.attempts + 1, queued_until=now + SENDING_LEASE)
            .returning(_N.c.id, _N.c.attempts)
        )
    }
    if claimed:
        session.execute(
            insert(_A),
            [
                {
                    "notification_id": row_id,
                    "number": number,
                    "started_at": now,
                    "outcome": "sending",
                }
                for row_id, number in claimed.items()
            ],
        )
    session.commit()  # the attempts are on record before anything leaves the service
    return claimed


#: one outcome: (notification id, attempt number, error or None, provider reference or None)
Outcome = tuple[int, int, str | None, str | None]


def _record(session: Session, outcomes: list[Outcome]) -> dict[int, str]:
    """The outcomes of sends, committed: the attempts in one UPDATE, the sent rows in one and
    the failed rows (back-off, or ``failed`` after the last attempt) in one."""
    from . import MAX_ATTEMPTS

    if not outcomes:
        return {}
    now = datetime.now(UTC)
    session.execute(
        update(_A)
        .where(_A.c.notification_id == bindparam("b_id"), _A.c.number == bindparam("b_number"))
        .values(
            outcome=bindparam("b_outcome"),
            detail=bindparam("b_detail"),
            provider_ref=bindparam("b_ref"),
            finished_at=now,
        ),
        [
            {
                "b_id": row_id,
                "b_number": number,
                "b_outcome": "error" if error is not None else "sent",
                "b_detail": error,
                "b_ref": ref,
            }
            for row_id, number, error, ref in outcomes
        ],
    )
    statuses: dict[int, str] = {}
    done = [(row_id, ref) for row_id, _n, error, ref in outcomes if error is None]
    sent = [{"b_id": row_id, "b_ref": ref} for row_id, ref in done]
    if sent:
        session.execute(
            update(_N)
            .where(_N.c.id == bindparam("b_id"))
            .values(status="sent", sent_at=now, provider_ref=bindparam("b_ref"), queued_until=None),
            sent,
        )
        statuses.update(dict.fromkeys((row_id for row_id, _ref in done), "sent"))
    failed = []
    for row_id, number, error, _ref in outcomes:
        if error is None:
            continue
        status = "failed" if number >= MAX_ATTEMPTS else "pending"
        statuses[row_id] = status
        failed.append(
            {
                "b_id": row_id,
                "b_status": status,
                "b_error": error,
                "b_due": now + timedelta(minutes=2 ** min(number, 10)),
            }
        )
    if failed:
        session.execute(
            update(_N)
            .where(_N.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                last_error=bindparam("b_error"),
                due_at=bindparam("b_due"),
                queued_until=None,
            ),
            failed,
        )
    session.commit()
    return statuses


def _release(session: Session, ids: list[int]) -> None:
    """Claimed rows the batch had no time to send: pending again as if never claimed (their
    attempt rows deleted, the count put back), committed, for the tick to queue again."""
    if not ids:
        return
    session.execute(delete(_A).where(_A.c.notification_id.in_(ids), _A.c.outcome == "sending"))
    session.execute(
        update(_N)
        .where(_N.c.id.in_(ids), _N.c.status == "sending")
        .values(status="pending", attempts=_N.c.attempts - 1, queued_until=None)
    )
    session.commit()


def deliver_many(
    session: Session,
    notification_ids: Iterable[int],
    channels: Mapping[str, NotificationChannel],
    config: dict[str, Any],
    seconds: float | None = None,
) -> dict[int, str]:
    """Send a batch of pending notifications; each id's status afterwards (idempotent: a row
    that is not pending any more is left alone, so two jobs over the same ids send each once).

    The batch is claimed as a whole (see the module's docstring) and sent through one session
    per channel (one SMTP connection). After ``seconds`` (``BATCH_SECONDS``) no further row is
    sent (a slow provider must not stretch a job past its timeout): the rest are released,
    pending again for the tick to queue.
    """
    from . import BATCH_SECONDS

    ids = list(dict.fromkeys(int(i) for i in notification_ids))
    statuses: dict[int, str] = dict.fromkeys(ids, "missing")
    if not ids:
        return statuses
    found = session.execute(
        select(_N.c.id, _N.c.status, _N.c.channel, _N.c.kind)
        .add_columns(_N.c.recipient_kind, _N.c.recipient_id, _N.c.link)
        .where(_N.c.id.in_(ids))
        .order_by(_N.c.id)
    ).all()
    todo: list[Row[Any]] = []
    uninstalled: list[Row[Any]] = []
    for row in found:
        statuses[row.id] = row.status
        if row.status == "pending":
            (todo if row.channel in channels else uninstalled).append(row)
    for name in sorted({row.channel for row in uninstalled}):  # one UPDATE per missing channel
        failed = session.execute(
            update(_N)
            .where(_N.c.id.in_([row.id for row in uninstalled if row.channel == name]))
            .where(_N.c.status == "pending")
            .values(status="failed", last_error=f"channel {name!r} is not installed")
            .returning(_N.c.id)
        ).scalars()
        statuses.update(dict.fromkeys(failed, "failed"))
    addresses, languages = _people(session, todo) if todo else ({}, {})
    claimed = _claim(session, [row.id for row in todo], datetime.now(UTC))
    deadline = time.monotonic() + (BATCH_SECONDS if seconds is None else seconds)
    outcomes: list[Outcome] = []
    unsent: list[int] = []
    recorded, tried = time.monotonic(), 0
    with ExitStack() as stack:
        senders: dict[str, Callable[[Notice], str]] = {}
        for row in todo:
            number = claimed.get(row.id)
            if number is None:  # another job took it between our read and our claim
                statuses[row.id] = "sending"
                continue
            if tried and time.monotonic() > deadline:
                unsent.append(row.id)  # out of time: released below
                continue
            tried += 1
            channel = channels[row.channel]
            person = (row.recipient_kind, row.recipient_id)
            notice = _notice(row, channel, config, addresses.get(person, {}), languages.get(person))
            try:
                send = senders.get(row.channel)
                if send is None:
                    send = _sender(stack, channel, config)
                    senders[row.channel] = send
                ref = (send(notice) or "")[:200]
            except Exception as error:  # retried by the tick with back-off
                message = scrub(str(error), notice.address.values())[:500]
                outcomes.append((row.id, number, message, None))
            else:
                outcomes.append((row.id, number, None, ref))
            if time.monotonic() - recorded >= RECORD_SECONDS:
                statuses.update(_record(session, outcomes))
                outcomes, recorded = [], time.monotonic()
        statuses.update(_record(session, outcomes))
    _release(session, unsent)
    statuses.update(dict.fromkeys(unsent, "pending"))
    return statuses
