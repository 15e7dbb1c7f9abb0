"""The one way to record who read or changed whose data: ``record``, or ``record_many`` for a list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..models._types import utcnow
from ..models.audit import AuditEvent

ACTIONS = ("read", "change", "create", "delete", "login", "logout", "export", "purge")


def _check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")


def record(
    session: Session,
    *,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    what: str,
    citizen_id: int | None = None,
    care_unit_id: int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it is written with the transaction that carries it."""
    _check_action(action)
    event = AuditEvent(
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        what=what,
        citizen_id=citizen_id,
        care_unit_id=care_unit_id,
        detail=detail or {},
        ip=ip,
    )
    session.add(event)
    return event


def record_many(
    session: Session,
    citizen_ids: Iterable[int],
    *,
    actor_kind: str,
    actor_id: int | None,
    action: str,
    what: str,
    care_unit_id: int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> int:
    """One event per citizen, all at one moment, in a single executemany INSERT; how many.

    One event per citizen (not one event naming them all) keeps "who has seen my data?" a lookup
    on the audit log's citizen index, and a list costs one statement however long it is. The
    statement runs in the caller's transaction, like ``record``.
    """
    _check_action(action)
    ids = list(citizen_ids)
    if not ids:
        return 0
    common = {
        "at": utcnow(),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "action": action,
        "what": what,
        "care_unit_id": care_unit_id,
        "detail": detail or {},
        "ip": ip,
    }
    session.execute(insert(AuditEvent), [common | {"citizen_id": citizen_id} for citizen_id in ids])
    return len(ids)


def last_read(
    session: Session, *, citizen_id: int, actor_kind: str, actor_id: int, what: str
) -> datetime | None:
    """When this person last read ``what`` of this citizen's data, or None if never."""
    return session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.citizen_id == citizen_id,
            AuditEvent.actor_kind == actor_kind,
            AuditEvent.actor_id == actor_id,
            AuditEvent.what == what,
        )
    )
