from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class AuditEvent(Base):
    """Who read or changed whose data, when and how. Append-only: the ORM refuses updates/deletes."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_citizen_at", "citizen_id", "at"),
        Index("ix_audit_event_actor_at", "actor_kind", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff / citizen / system
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))  # e.g. "read", "change", "login"
    what: Mapped[str] = mapped_column(String(200))  # e.g. "citizen.profile", "results"
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"))
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("audit events are never changed or removed")
