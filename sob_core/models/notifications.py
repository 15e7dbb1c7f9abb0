from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class Notification(Base):
    """A notice to deliver through a channel: the outbox row comes first, the job second.

    ``status`` is pending → sending → sent, or failed after too many attempts; ``held`` rows
    wait for a staff member's daily digest and end ``digested``. ``queued_until`` is a lease: a
    queued job (or a send under way) owns the row until then. The periodic tick finds pending
    rows (indexed) and queues them again, so losing Redis or a worker loses no notification.
    No address is stored here: it is read from the recipient when the notice is sent.
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_status_due", "status", "due_at"),
        Index("ix_notification_coalesce", "recipient_kind", "recipient_id", "coalesce_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))  # a key of sob_core.notifications.TEMPLATES
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
    coalesce_key: Mapped[str | None] = mapped_column(String(200))
    queued_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: what the provider reported later (a delivery report): "delivered" or "failed"
    report_status: Mapped[str | None] = mapped_column(String(16))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the care unit whose work caused the notice (a message in its enrollment); its
    #: administrators see the notice in the delivery log. None: not caused at one unit (a digest)
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"), index=True)


class NotificationAttempt(Base):
    """One try to send a notification, written (``sending``) and committed before the send.

    ``outcome`` ends as sent, error or interrupted (the worker died during the send: whether
    the provider got it is unknown). ``detail`` is the error or provider answer with every
    address taken out; no recipient data is kept here.
    """

    __tablename__ = "notification_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="sending")
    detail: Mapped[str | None] = mapped_column(String(500))
    provider_ref: Mapped[str | None] = mapped_column(String(200))


class NoticePreference(Base):
    """How a person wants to be told: the citizen's channels, the staff member's e-mail mode.

    ``channels`` lists the chosen outgoing channels (the inbox is always on); ``staff_mode`` is
    off, immediate or digest. ``language`` is the language of outgoing notices (sv or en).
    """

    __tablename__ = "notice_preference"
    __table_args__ = (UniqueConstraint("person_kind", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int] = mapped_column(Integer)
    channels: Mapped[list] = mapped_column(JSONType, default=list)
    language: Mapped[str] = mapped_column(String(8), default="sv")
    staff_mode: Mapped[str] = mapped_column(String(16), default="off")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
