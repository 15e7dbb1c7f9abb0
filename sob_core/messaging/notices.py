"""The one seam between messaging and notifications: ``message_sent``.

It calls the preference-aware ``notify_citizen``/``notify_staff`` in the caller's transaction:
the citizen is told on the channels she chose (inbox always), at most once per conversation per
coalescing window and not while she is active in the service; the responsible therapist as he or
she chose (at once, daily digest, never). The outbox rows due now are dispatched after the
caller's commit. Notices never carry the message's text, its subject or any programme, form or
unit name: only the fixed texts of their kind and a link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from ..models import Conversation, Enrollment, Message
from ..notifications import notify_citizen, notify_staff


def message_sent(
    session: Session, message: Message, notify: bool, registry: Any, settings: Mapping[str, Any]
) -> list[int]:
    """Write the notices a newly sent message calls for; returns the outbox rows' ids.

    A staff member's message notifies the citizen when ``notify`` (the form's "Direkt"); a
    citizen's message notifies the enrollment's responsible therapist, as he or she chose.
    """
    if not notify:
        return []
    channels = getattr(registry, "channels", {}) or {}
    conversation = session.get(Conversation, message.conversation_id)
    enrollment = session.get(Enrollment, conversation.enrollment_id) if conversation else None
    if conversation is None or enrollment is None:
        return []
    key = f"conversation:{conversation.id}"
    if message.author_kind == "staff":
        rows = notify_citizen(
            session,
            enrollment.citizen_id,
            "new_message",
            link="/citizen/messages",
            coalesce_key=key,
            channels=channels,
            settings=settings,
            care_unit_id=enrollment.care_unit_id,
        )
    elif enrollment.therapist_id is not None:
        rows = notify_staff(
            session,
            enrollment.therapist_id,
            link=f"/staff/patients/{enrollment.id}/messages",
            coalesce_key=key,
            channels=channels,
            settings=settings,
            care_unit_id=enrollment.care_unit_id,
        )
    else:
        return []
    return [row.id for row in rows]
