"""The messaging aggregate: conversations of an enrollment, their messages, read state, drafts.

A conversation belongs to one enrollment (citizen and care team). Messages are plain text; a
retracted message keeps its text for the journal (``retracted_at`` set, never shown). Who read
which message when is a row per reader (the citizen, or each staff member); a draft is one row
per author and conversation ("new" for a conversation not yet started).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import UTCDateTime, utcnow


class Conversation(Base):
    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    created_by_kind: Mapped[str] = mapped_column(String(16))  # citizen / staff
    created_by_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Message(Base):
    """One message. ``idempotency_key`` (a hash of the author and the form's send key) is unique,
    so a double click, a retry or a second tab sends it once."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_sent", "conversation_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    author_kind: Mapped[str] = mapped_column(String(16))  # citizen / staff
    author_id: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)


class MessageRead(Base):
    """``reader`` read ``message`` at ``read_at`` (once: later reads change nothing)."""

    __tablename__ = "message_read"
    __table_args__ = (UniqueConstraint("message_id", "reader_kind", "reader_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    reader_kind: Mapped[str] = mapped_column(String(16))
    reader_id: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageDraft(Base):
    """Unsent text, kept on the server. ``slot`` is the conversation id, or "new"."""

    __tablename__ = "message_draft"
    __table_args__ = (UniqueConstraint("enrollment_id", "author_kind", "author_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    author_kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(Integer)
    slot: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
