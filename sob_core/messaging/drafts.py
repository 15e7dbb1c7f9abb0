"""Server-side drafts: one per author and conversation ("new" for a conversation not started)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import MessageDraft
from .rules import MAX_BODY, MAX_SUBJECT


def slot_of(conversation_id: int | None) -> str:
    return "new" if conversation_id is None else str(conversation_id)


def load(
    session: Session, enrollment_id: int, author_kind: str, author_id: int, slot: str
) -> MessageDraft | None:
    return session.scalar(
        select(MessageDraft).where(
            MessageDraft.enrollment_id == enrollment_id,
            MessageDraft.author_kind == author_kind,
            MessageDraft.author_id == author_id,
            MessageDraft.slot == slot,
        )
    )


def save(
    session: Session,
    *,
    enrollment_id: int,
    author_kind: str,
    author_id: int,
    conversation_id: int | None,
    body: str,
    now: datetime,
    subject: str = "",
) -> MessageDraft | None:
    """Keep unsent text; an empty text (and subject) removes the draft instead."""
    slot = slot_of(conversation_id)
    body = (body or "")[:MAX_BODY]
    subject = " ".join((subject or "").split())[:MAX_SUBJECT]
    if not body.strip() and not subject:
        discard(session, enrollment_id, author_kind, author_id, slot)
        return None
    for _attempt in range(2):
        draft = load(session, enrollment_id, author_kind, author_id, slot)
        try:
            with session.begin_nested():
                if draft is None:
                    draft = MessageDraft(
                        enrollment_id=enrollment_id,
                        author_kind=author_kind,
                        author_id=author_id,
                        slot=slot,
                        conversation_id=conversation_id,
                    )
                    session.add(draft)
                draft.body = body
                draft.subject = subject
                draft.updated_at = now
                session.flush()
            return draft
        except IntegrityError:  # another tab saved the first draft at the same moment
            continue
    return load(session, enrollment_id, author_kind, author_id, slot)


def discard(
    session: Session, enrollment_id: int, author_kind: str, author_id: int, slot: str
) -> None:
    session.execute(
        delete(MessageDraft).where(
            MessageDraft.enrollment_id == enrollment_id,
            MessageDraft.author_kind == author_kind,
            MessageDraft.author_id == author_id,
            MessageDraft.slot == slot,
        )
    )
