"""Reading: conversation lists, threads, read state and unread counts.

Unread, for the citizen: a staff member's message the citizen has not read. Unread, for staff:
a citizen's message no staff member of the care team has read yet (the citizen writes to the
team; whoever reads it first takes it). Retracted messages are never unread. Every count is one
statement whatever the number of enrollments, conversations or messages.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, case, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from ..models import Citizen, Conversation, Enrollment, Message, MessageDraft, MessageRead, Staff


def _other(viewer_kind: str) -> str:
    return "staff" if viewer_kind == "citizen" else "citizen"


def unread_condition(viewer_kind: str, viewer_id: Any):
    """SQL: ``Message`` is unread for the viewer (see the module's docstring)."""
    read = select(MessageRead.id).where(
        MessageRead.message_id == Message.id, MessageRead.reader_kind == viewer_kind
    )
    if viewer_kind == "citizen":
        read = read.where(MessageRead.reader_id == viewer_id)
    return and_(
        Message.author_kind == _other(viewer_kind),
        Message.retracted_at.is_(None),
        ~exists(read),
    )


def unread_by_enrollment(viewer_kind: str, viewer_id: int, enrollment_ids) -> Select:
    """A grouped query (enrollment_id, unread) over ``enrollment_ids`` (a list or a select)."""
    return (
        select(
            Conversation.enrollment_id.label("enrollment_id"),
            func.count(Message.id).label("unread"),
        )
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.enrollment_id.in_(enrollment_ids), unread_condition(viewer_kind, viewer_id)
        )
        .group_by(Conversation.enrollment_id)
    )


def unread_counts(
    session: Session, viewer_kind: str, viewer_id: int, enrollment_ids: Sequence[int]
) -> dict[int, int]:
    """Unread messages per enrollment, in one statement."""
    if not enrollment_ids:
        return {}
    rows = session.execute(unread_by_enrollment(viewer_kind, viewer_id, list(enrollment_ids)))
    return {row.enrollment_id: int(row.unread) for row in rows}


@functools.cache
def _citizen_unread_total_statement() -> Select:
    """``citizen_unread_total``'s statement, built once; the citizen is bound at execution."""
    citizen: BindParameter[int] = bindparam("citizen")
    return (
        select(func.count(Message.id))
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Enrollment, Enrollment.id == Conversation.enrollment_id)
        .where(Enrollment.citizen_id == citizen, unread_condition("citizen", citizen))
    )


def citizen_unread_total(session: Session, citizen_id: int) -> int:
    """All the citizen's unread messages, in every enrollment (one statement)."""
    count = session.scalar(_citizen_unread_total_statement(), {"citizen": citizen_id})
    return int(count or 0)


@dataclass(frozen=True)
class UnitUnread:
    enrollment_id: int
    citizen_id: int
    name: str
    unread: int
    latest: datetime


def unit_unread(session: Session, care_unit_id: int, limit: int = 100) -> list[UnitUnread]:
    """The unit's patients with messages no one in the care team has read (one statement)."""
    statement = (
        select(
            Enrollment.id,
            Enrollment.citizen_id,
            Citizen.name,
            func.count(Message.id).label("unread"),
            func.max(Message.sent_at).label("latest"),
        )
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Enrollment, Enrollment.id == Conversation.enrollment_id)
        .join(Citizen, Citizen.id == Enrollment.citizen_id)
        .where(Enrollment.care_unit_id == care_unit_id, unread_condition("staff", 0))
        .group_by(Enrollment.id, Enrollment.citizen_id, Citizen.name)
        .order_by(func.max(Message.sent_at).desc(), Enrollment.id)
        .limit(limit)
    )
    return [
        UnitUnread(row.id, row.citizen_id, row.name, int(row.unread), row.latest)
        for row in session.execute(statement)
    ]


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    enrollment_id: int
    subject: str
    created_at: datetime
    last_message_at: datetime
    messages: int
    unread: int
    has_draft: bool


def conversations(
    session: Session,
    enrollment_ids: Sequence[int],
    viewer_kind: str,
    viewer_id: int,
) -> list[ConversationSummary]:
    """The conversations of ``enrollment_ids``, newest first, with counts: one statement."""
    if not enrollment_ids:
        return []
    draft = exists(
        select(MessageDraft.id).where(
            MessageDraft.conversation_id == Conversation.id,
            MessageDraft.author_kind == viewer_kind,
            MessageDraft.author_id == viewer_id,
        )
    )
    statement = (
        select(
            Conversation.id,
            Conversation.enrollment_id,
            Conversation.subject,
            Conversation.created_at,
            Conversation.last_message_at,
            func.count(Message.id).label("messages"),
            func.coalesce(
                func.sum(case((unread_condition(viewer_kind, viewer_id), 1), else_=0)), 0
            ).label("unread"),
            case((draft, literal(1)), else_=literal(0)).label("has_draft"),
        )
        .select_from(Conversation)
        .outerjoin(Message, Message.conversation_id == Conversation.id)
        .where(Conversation.enrollment_id.in_(list(enrollment_ids)))
        .group_by(
            Conversation.id,
            Conversation.enrollment_id,
            Conversation.subject,
            Conversation.created_at,
            Conversation.last_message_at,
        )
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    )
    return [
        ConversationSummary(
            row.id,
            row.enrollment_id,
            row.subject,
            row.created_at,
            row.last_message_at,
            int(row.messages),
            int(row.unread or 0),
            bool(row.has_draft),
        )
        for row in session.execute(statement)
    ]


def draft_count(
    session: Session, enrollment_ids: Sequence[int], author_kind: str, author_id: int
) -> int:
    if not enrollment_ids:
        return 0
    count = session.scalar(
        select(func.count(MessageDraft.id)).where(
            MessageDraft.enrollment_id.in_(list(enrollment_ids)),
            MessageDraft.author_kind == author_kind,
            MessageDraft.author_id == author_id,
        )
    )
    return int(count or 0)


@dataclass(frozen=True)
class MessageView:
    id: int
    author_kind: str
    author_id: int
    author_name: str
    sent_at: datetime
    body: str | None  # None when retracted: the text stays in the record, never shown
    retracted_at: datetime | None
    unread: bool  # unread for the viewer before this view marked it read
    citizen_read_at: datetime | None  # the read receipt staff see


def thread(
    session: Session, conversation: Conversation, viewer_kind: str, viewer_id: int
) -> list[MessageView]:
    """The conversation's messages, oldest first, with names and read receipts (3 statements)."""
    enrollment = session.get(Enrollment, conversation.enrollment_id)
    assert enrollment is not None  # a conversation's enrollment exists (foreign key)
    citizen_read = (
        select(func.min(MessageRead.read_at))
        .where(
            MessageRead.message_id == Message.id,
            MessageRead.reader_kind == "citizen",
            MessageRead.reader_id == enrollment.citizen_id,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Message,
            case((unread_condition(viewer_kind, viewer_id), 1), else_=0).label("unread"),
            citizen_read.label("citizen_read_at"),
        )
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.sent_at, Message.id)
    ).all()
    staff_ids = {m.author_id for m, _u, _r in rows if m.author_kind == "staff"}
    names: dict[int, str] = {}
    if staff_ids:
        for staff_id, name in session.execute(
            select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))
        ):
            names[staff_id] = name
    citizen = session.get(Citizen, enrollment.citizen_id)
    citizen_name = citizen.name if citizen is not None else ""
    return [
        MessageView(
            id=m.id,
            author_kind=m.author_kind,
            author_id=m.author_id,
            author_name=citizen_name if m.author_kind == "citizen" else names.get(m.author_id, ""),
            sent_at=m.sent_at,
            body=None if m.retracted_at is not None else m.body,
            retracted_at=m.retracted_at,
            unread=bool(unread),
            citizen_read_at=read_at,
        )
        for m, unread, read_at in rows
    ]


def mark_read(
    session: Session, reader_kind: str, reader_id: int, message_ids: Sequence[int], now: datetime
) -> int:
    """Record that the reader read these messages (once each); returns how many were new."""
    if not message_ids:
        return 0
    for _attempt in range(2):
        seen = set(
            session.scalars(
                select(MessageRead.message_id).where(
                    MessageRead.message_id.in_(list(message_ids)),
                    MessageRead.reader_kind == reader_kind,
                    MessageRead.reader_id == reader_id,
                )
            )
        )
        new = [mid for mid in dict.fromkeys(message_ids) if mid not in seen]
        if not new:
            return 0
        try:
            with session.begin_nested():
                session.execute(
                    insert(MessageRead),
                    [
                        {
                            "message_id": mid,
                            "reader_kind": reader_kind,
                            "reader_id": reader_id,
                            "read_at": now,
                        }
                        for mid in new
                    ],
                )
            return len(new)
        except IntegrityError:  # another tab marked some of them at the same moment
            continue
    return 0
