"""The citizen start page's statements are built once and reused: the citizen, the enrollments'
and units' ids and the day window are bound at execution, so a reused statement never shows one
citizen's programmes, forms, messages, notices or banners to another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sob_core import banners
from sob_core.enrollments import assignments, lifecycle
from sob_core.enrollments import citizen as citizen_start
from sob_core.enrollments.clock import local_date
from sob_core.extensions import db
from sob_core.messaging import reading
from sob_core.models import (
    Banner,
    CareUnit,
    Citizen,
    Conversation,
    Enrollment,
    FormAssignment,
    Message,
    MessageRead,
    Notification,
)
from sob_core.notifications import inbox


def _citizens() -> list[Citizen]:
    return list(db.session.scalars(select(Citizen).order_by(Citizen.id)))


def test_ongoing_and_open_forms_are_each_citizens_own(app, demo_data):
    seen_ongoing, seen_forms = set(), set()
    for citizen in _citizens():
        expected = db.session.scalars(
            select(Enrollment.id).where(
                Enrollment.citizen_id == citizen.id,
                Enrollment.status.in_(lifecycle.ONGOING),
                Enrollment.program_version_id.is_not(None),
            )
        ).all()
        found = [e.id for e in citizen_start.ongoing(db.session, citizen.id)]
        assert sorted(found) == sorted(expected)
        seen_ongoing.add(tuple(found))
        start = citizen_start.citizen_start(db.session, citizen, datetime.now(UTC))
        assert [e.id for e in start.ongoing] == found
        assert {enrollment_id for enrollment_id, _ in start.hidden_items} <= set(found)
        assert {mark.enrollment_id for mark in start.bookmarks} <= set(found)
        forms = db.session.scalars(
            select(FormAssignment.id).where(
                FormAssignment.citizen_id == citizen.id, FormAssignment.status == "open"
            )
        ).all()
        shown = [a.id for a in assignments.open_for_citizen(db.session, citizen.id)]
        assert sorted(shown) == sorted(forms)
        seen_forms.add(tuple(shown))
    assert len(seen_ongoing) > 2 and len(seen_forms) > 2  # the citizens' rows differ


def _staff_messages(enrollment: Enrollment, how_many: int) -> None:
    conversation = Conversation(
        enrollment_id=enrollment.id, subject="Hej", created_by_kind="staff", created_by_id=1
    )
    db.session.add(conversation)
    db.session.flush()
    for number in range(how_many):
        db.session.add(
            Message(
                conversation_id=conversation.id,
                author_kind="staff",
                author_id=1,
                body="Hej",
                idempotency_key=f"statements-{enrollment.id}-{number}",
            )
        )


def test_unread_messages_and_notices_are_each_citizens_own(app, demo_data):
    enrollments = list(db.session.scalars(select(Enrollment).order_by(Enrollment.id)))
    by_citizen = {e.citizen_id: e for e in enrollments}
    for how_many, enrollment in enumerate(list(by_citizen.values())[:3], start=1):
        _staff_messages(enrollment, how_many)
    db.session.commit()
    counts = set()
    for citizen in _citizens():
        read = select(MessageRead.id).where(
            MessageRead.message_id == Message.id,
            MessageRead.reader_kind == "citizen",
            MessageRead.reader_id == citizen.id,
        )
        messages = db.session.scalars(
            select(Message.id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Enrollment, Enrollment.id == Conversation.enrollment_id)
            .where(
                Enrollment.citizen_id == citizen.id,
                Message.author_kind == "staff",
                Message.retracted_at.is_(None),
                ~read.exists(),
            )
        ).all()
        total = reading.citizen_unread_total(db.session, citizen.id)
        assert total == len(messages)
        counts.add(total)
    assert len(counts) > 2

    first, second = _citizens()[:2]
    now = datetime.now(UTC)
    before = {c.id: len(inbox.inbox_for(db.session, c.id, limit=100)) for c in (first, second)}
    for index, (citizen, read_at) in enumerate(((first, None), (first, now), (second, None))):
        db.session.add(
            Notification(
                recipient_kind="citizen",
                recipient_id=citizen.id,
                channel=inbox.INBOX,
                kind="message_received",
                status="sent",
                read_at=read_at,
                created_at=datetime.now(UTC) - timedelta(minutes=index),
            )
        )
    db.session.commit()
    for citizen in (first, second, first):
        own = db.session.scalars(
            select(Notification.id).where(
                Notification.recipient_kind == "citizen",
                Notification.recipient_id == citizen.id,
                Notification.channel == inbox.INBOX,
                Notification.status.in_(inbox.VISIBLE),
            )
        ).all()
        unread = db.session.scalars(
            select(Notification.id).where(Notification.id.in_(own), Notification.read_at.is_(None))
        ).all()
        notices = inbox.inbox_for(db.session, citizen.id, limit=100)
        assert sorted(n.id for n in notices) == sorted(own) and own
        assert len(inbox.inbox_for(db.session, citizen.id, limit=1)) == 1
        assert inbox.unread_count(db.session, citizen.id) == len(unread)
    assert len(inbox.inbox_for(db.session, first.id, limit=100)) == before[first.id] + 2
    assert len(inbox.inbox_for(db.session, second.id, limit=100)) == before[second.id] + 1


def test_banners_are_each_units_own_on_their_days(app, demo_data):
    units = list(db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)))[:2]
    today = local_date(datetime.now(UTC))
    ids = {}
    for unit in units:
        shown = Banner(
            care_unit_id=unit,
            text={"sv": f"Nu {unit}"},
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=1),
        )
        over = Banner(
            care_unit_id=unit,
            text={"sv": f"Förr {unit}"},
            starts_on=today - timedelta(days=10),
            ends_on=today - timedelta(days=5),
        )
        db.session.add_all([shown, over])
        db.session.flush()
        ids[unit] = shown.id
    db.session.commit()
    now = datetime.now(UTC)
    for unit in (*units, units[0]):
        assert [b.id for b in banners.showing(db.session, [unit], now)] == [ids[unit]]
    both = {b.id for b in banners.showing(db.session, units, now)}
    assert both == set(ids.values())
    later = [b.id for b in banners.showing(db.session, units, now + timedelta(days=20))]
    assert later == []
