"""The one seam between messaging and notifications: ``message_sent``.

Today it queues an outbox row on the in-service inbox channel (when installed) in the caller's
transaction; the caller enqueues delivery after commit. Notices never carry the message's text,
its subject or any programme, form or unit name: only the fixed "new_message" text and a link.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import Conversation, Enrollment, Message
from ..notifications import queue_notification

CHANNEL = "inbox"


def message_sent(session: Session, message: Message, notify: bool, registry: Any) -> list[int]:
    """Queue the notices a newly sent message calls for; returns the outbox rows' ids.

    A staff member's message notifies the citizen when ``notify`` (the form's "Direkt"); a
    citizen's message notifies the enrollment's responsible therapist.
    """
    if not notify:
        return []
    channels = getattr(registry, "channels", {}) or {}
    if CHANNEL not in channels:
        return []
    conversation = session.get(Conversation, message.conversation_id)
    enrollment = session.get(Enrollment, conversation.enrollment_id) if conversation else None
    if enrollment is None:
        return []
    if message.author_kind == "staff":
        recipient_kind, recipient_id, link = "citizen", enrollment.citizen_id, "/citizen/messages"
    elif enrollment.therapist_id is not None:
        recipient_kind, recipient_id = "staff", enrollment.therapist_id
        link = f"/staff/patients/{enrollment.id}/messages"
    else:
        return []
    row = queue_notification(
        session,
        recipient_kind=recipient_kind,
        recipient_id=recipient_id,
        channel=CHANNEL,
        kind="new_message",
        link=link,
        channels=channels,
    )
    return [row.id]
