"""An enrollment's conversations for an export: every message between the citizen and the team.

A retracted message is listed as taken back without its text (it is never shown again, the
journal keeps it); the citizen's own unsent drafts are included, nobody else's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Conversation, Enrollment, Message, MessageDraft, MessageRead, Staff

EXPORTED_TABLES: tuple[str, ...] = ("conversation", "message", "message_read", "message_draft")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def export_enrollment(session: Session, enrollment_id: int, *, lang: str) -> dict[str, Any]:
    """The conversations of the enrollment with their messages in order."""
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        return {}
    conversations = list(
        session.scalars(
            select(Conversation)
            .where(Conversation.enrollment_id == enrollment_id)
            .order_by(Conversation.created_at, Conversation.id)
        )
    )
    messages = list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id.in_([c.id for c in conversations]))
            .order_by(Message.sent_at, Message.id)
        )
    )
    read_by_her = dict(
        session.execute(
            select(MessageRead.message_id, MessageRead.read_at).where(
                MessageRead.message_id.in_([m.id for m in messages]),
                MessageRead.reader_kind == "citizen",
                MessageRead.reader_id == enrollment.citizen_id,
            )
        ).all()
    )
    staff_ids = {m.author_id for m in messages if m.author_kind == "staff"}
    names = dict(session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))).all())
    by_conversation: dict[int, list[dict[str, Any]]] = {c.id: [] for c in conversations}
    for message in messages:
        by_conversation[message.conversation_id].append(
            {
                "from": "citizen" if message.author_kind == "citizen" else "staff",
                "author": names.get(message.author_id) if message.author_kind == "staff" else None,
                "sent_at": _iso(message.sent_at),
                "retracted": message.retracted_at is not None,
                "text": None if message.retracted_at is not None else message.body,
                "read_by_citizen_at": _iso(read_by_her.get(message.id)),
            }
        )
    drafts = session.scalars(
        select(MessageDraft)
        .where(
            MessageDraft.enrollment_id == enrollment_id,
            MessageDraft.author_kind == "citizen",
            MessageDraft.author_id == enrollment.citizen_id,
        )
        .order_by(MessageDraft.id)
    )
    return {
        "conversations": [
            {
                "subject": c.subject,
                "started_at": _iso(c.created_at),
                "messages": by_conversation[c.id],
            }
            for c in conversations
        ],
        "message_drafts": [
            {"subject": d.subject, "text": d.body, "updated_at": _iso(d.updated_at)}
            for d in drafts
            if d.body or d.subject
        ],
    }
