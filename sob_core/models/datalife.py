"""The data's life: how long an ended enrollment's working data is kept, and its purge.

A ``PurgeNotice`` says that the unit's data administrators were told that an enrollment will be
purged, and from when (``purge_after``): nothing is purged before its notice period has passed.
A ``LegalHold`` stops the purge while it is set (``lifted_at`` None). A ``PurgeRecord`` is what
is left of a purged enrollment: which tables lost how many rows, a keyed pseudonym of the
enrollment (never its id, the citizen or a personnummer), when, by which rule and who. The
notices and holds of an enrollment go with it; purge records and the audit log stay.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class PurgeNotice(Base):
    """The data administrators were told on ``noticed_at``; purge from ``purge_after``."""

    __tablename__ = "purge_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), unique=True
    )
    #: when the retention period ends (ended_at + the programme's retention days)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purge_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LegalHold(Base):
    """A data administrator's stop on the purge of one enrollment, with a reason; lifted later."""

    __tablename__ = "legal_hold"
    __table_args__ = (Index("ix_legal_hold_enrollment_lifted", "enrollment_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    lift_reason: Mapped[str | None] = mapped_column(String(500))


class PurgeRecord(Base):
    """What a purge removed; no health data, no citizen, no enrollment id.

    ``pseudonym`` is an HMAC-SHA256 of the enrollment id keyed with the app's secret: the same
    enrollment always gives the same pseudonym (so a question "was enrollment 42 purged?" can be
    answered by whoever holds the key), but the record alone names no one. ``tables`` is
    {table name: rows deleted}; ``rule`` is e.g. ``retention:365`` (days after the end).
    """

    __tablename__ = "purge_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"))
    rule: Mapped[str] = mapped_column(String(64))
    tables: Mapped[dict] = mapped_column(JSONType, default=dict)
    media_files: Mapped[int] = mapped_column(Integer, default=0)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff / system
    actor_id: Mapped[int | None] = mapped_column(Integer)
