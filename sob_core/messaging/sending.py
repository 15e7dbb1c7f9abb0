"""Starting conversations, sending (idempotently) and retracting messages.

A form that sends a message carries a send key (``send_token``): the state of the conversation
when the page was drawn. The stored ``idempotency_key`` hashes it with the author, so a double
click, a retry or a second tab drawn from the same state sends one message. The same key with
another text (a stale tab) is refused with ``sent_elsewhere`` and the text is kept as a draft.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Conversation, Enrollment, Message
from . import drafts
from .errors import MessagingError
from .rules import check_writable, clean_body, clean_subject


@dataclass(frozen=True)
class Sent:
    message: Message
    conversation: Conversation
    created: bool  # False: the same send was made before (a double click, a retry)


def send_token(session: Session, enrollment_id: int, conversation_id: int | None) -> str:
    """The send key a form carries: which conversation, and its newest message when drawn."""
    if conversation_id is None:
        newest = session.scalar(
            select(func.max(Conversation.id)).where(Conversation.enrollment_id == enrollment_id)
        )
        return f"new.{newest or 0}"
    newest = session.scalar(
        select(func.max(Message.id)).where(Message.conversation_id == conversation_id)
    )
    return f"c{conversation_id}.{newest or 0}"


def _key(author_kind: str, author_id: int, enrollment_id: int, token: str) -> str:
    raw = f"{author_kind}:{author_id}:{enrollment_id}:{token[:100]}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _existing(session: Session, key: str) -> Message | None:
    return session.scalar(select(Message).where(Message.idempotency_key == key))


def _repeat(session: Session, existing: Message, body: str) -> Sent:
    if existing.body != body:
        raise MessagingError("sent_elsewhere")
    conversation = session.get(Conversation, existing.conversation_id)
    assert conversation is not None  # a message's conversation exists (foreign key)
    return Sent(existing, conversation, created=False)


def send(
    session: Session,
    *,
    enrollment: Enrollment,
    author_kind: str,
    author_id: int,
    token: str,
    body: str,
    now: datetime,
    conversation: Conversation | None = None,
    subject: str | None = None,
) -> Sent:
    """Send ``body`` in ``conversation``, or start a new one with ``subject``.

    The caller has checked that the author may write in this enrollment (and the conversation
    belongs to it). On ``sent_elsewhere`` the caller keeps the text as a draft.
    """
    check_writable(enrollment)
    text = clean_body(body)
    if conversation is not None and conversation.enrollment_id != enrollment.id:
        raise ValueError("the conversation belongs to another enrollment")
    key = _key(author_kind, author_id, enrollment.id, token)
    existing = _existing(session, key)
    if existing is not None:
        return _repeat(session, existing, text)
    title = clean_subject(subject) if conversation is None else None
    try:
        with session.begin_nested():
            if conversation is None:
                assert title is not None
                conversation = Conversation(
                    enrollment_id=enrollment.id,
                    subject=title,
                    created_by_kind=author_kind,
                    created_by_id=author_id,
                    created_at=now,
                    last_message_at=now,
                )
                session.add(conversation)
                session.flush()
            message = Message(
                conversation_id=conversation.id,
                author_kind=author_kind,
                author_id=author_id,
                body=text,
                sent_at=now,
                idempotency_key=key,
            )
            session.add(message)
            conversation.last_message_at = now
            session.flush()
    except IntegrityError:
        # The same send committed in another request between our look-up and our insert.
        existing = _existing(session, key)
        if existing is None:
            raise
        return _repeat(session, existing, text)
    slot = "new" if title is not None else str(conversation.id)
    drafts.discard(session, enrollment.id, author_kind, author_id, slot)
    return Sent(message, conversation, created=True)


def retract(
    session: Session,
    *,
    message: Message,
    enrollment: Enrollment,
    author_kind: str,
    author_id: int,
    now: datetime,
) -> None:
    """The author takes a message back: it stays as a visible "retracted" entry, its text is
    kept in the record (the journal) but no longer shown."""
    check_writable(enrollment)
    if message.author_kind != author_kind or message.author_id != author_id:
        raise MessagingError("not_author")
    if message.retracted_at is None:
        message.retracted_at = now
        session.flush()
