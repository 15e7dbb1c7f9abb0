"""Purge one enrollment's conversations: read marks, messages, drafts, then conversations.
After ``flags.purging`` (a flag points at a message) and ``notifications.purging`` (it reads
the conversation ids)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Conversation, Message, MessageDraft, MessageRead

PURGED_TABLES: tuple[str, ...] = ("message_read", "message", "message_draft", "conversation")


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the enrollment's messaging rows, children first; {table: rows deleted}."""
    conversations = select(Conversation.id).where(Conversation.enrollment_id == enrollment_id)
    messages = select(Message.id).where(Message.conversation_id.in_(conversations))
    counts = {}
    for table, statement in (
        ("message_read", delete(MessageRead).where(MessageRead.message_id.in_(messages))),
        (
            "message_draft",
            delete(MessageDraft).where(
                (MessageDraft.enrollment_id == enrollment_id)
                | MessageDraft.conversation_id.in_(conversations)
            ),
        ),
        ("message", delete(Message).where(Message.conversation_id.in_(conversations))),
        ("conversation", delete(Conversation).where(Conversation.enrollment_id == enrollment_id)),
    ):
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[table] = int(getattr(result, "rowcount", 0) or 0)
    return counts
