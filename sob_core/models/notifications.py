from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class Notification(Base):
    """A notice to deliver through a channel: the outbox row comes first, the job second.

    ``status`` is pending → sent, or failed after too many attempts. The periodic tick finds
    pending rows (indexed) and queues them again, so losing Redis loses no notification.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))  # a key of sob_core.services.notify.TEMPLATES
    link: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra: Mapped[dict] = mapped_column(JSONType, default=dict)
