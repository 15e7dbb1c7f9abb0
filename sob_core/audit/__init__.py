"""The one way to record who read or changed whose data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models.audit import AuditEvent


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
    if action not in ("read", "change", "create", "delete", "login", "logout", "export"):
        raise ValueError(f"unknown audit action {action!r}")
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
