"""Information messages from the regional administrator to all staff of the region's units."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..models import InformationMessage
from .errors import RegionError

MAX_TEXT = 1000


def _clean(text: str | None, *, required: bool) -> str:
    value = (text or "").strip()
    if required and not value:
        raise RegionError("text_required")
    if len(value) > MAX_TEXT:
        raise RegionError("name_too_long", max=MAX_TEXT)
    return value


def create_message(
    session: Session,
    *,
    region_id: int,
    text_sv: str,
    text_en: str | None,
    starts_on: date,
    ends_on: date,
    actor_id: int,
) -> InformationMessage:
    """A message shown on the staff pages of the region's units from ``starts_on`` to ``ends_on``."""
    if ends_on < starts_on:
        raise RegionError("bad_dates")
    text = {"sv": _clean(text_sv, required=True)}
    english = _clean(text_en, required=False)
    if english:
        text["en"] = english
    message = InformationMessage(
        region_id=region_id,
        text=text,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor_id,
    )
    session.add(message)
    session.flush()
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="create",
        what="information_message",
        detail={"message_id": message.id, "region_id": region_id},
    )
    return message


def end_message(
    session: Session, *, region_id: int, message_id: int, today: date, actor_id: int
) -> bool:
    """Stop showing a message from today on (its end date becomes yesterday); True if it was."""
    message = session.get(InformationMessage, message_id)
    if message is None or message.region_id != region_id:
        raise RegionError("unknown_message")
    if message.ends_on < today:
        return False
    yesterday = date.fromordinal(today.toordinal() - 1)
    message.ends_on = max(yesterday, date.fromordinal(message.starts_on.toordinal() - 1))
    session.flush()
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="change",
        what="information_message",
        detail={"message_id": message.id, "region_id": region_id, "ended": today.isoformat()},
    )
    return True


def messages_of(session: Session, region_id: int) -> list[InformationMessage]:
    """All the region's messages, the newest first."""
    return list(
        session.scalars(
            select(InformationMessage)
            .where(InformationMessage.region_id == region_id)
            .order_by(InformationMessage.starts_on.desc(), InformationMessage.id.desc())
        )
    )
