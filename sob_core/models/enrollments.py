"""The enrollment aggregate: one citizen in one programme at one care unit, and its progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class Enrollment(Base):
    """One citizen at one care unit with a responsible therapist (moment).

    Staff see a citizen's data only through an enrollment at their active care unit.
    """

    __tablename__ = "enrollment"
    __table_args__ = (Index("ix_enrollment_unit_status", "care_unit_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active/maintenance/ended
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    program_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_version.id"), index=True
    )
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    maintenance_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hide_progress: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the therapist's welcome text to this citizen (LocalText); empty: the programme's own
    welcome: Mapped[dict] = mapped_column(JSONType, default=dict)

    citizen = relationship("Citizen")
    program_version = relationship("ProgramVersion")
    therapist = relationship("Staff", foreign_keys=[therapist_id])
    care_unit = relationship("CareUnit")


class EnrollmentModule(Base):
    """The state of one module of an enrollment: locked, open or done; staff may hide it."""

    __tablename__ = "enrollment_module"
    __table_args__ = (UniqueConstraint("enrollment_id", "module_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    module_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="locked")  # locked / open / done
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ItemProgress(Base):
    """A citizen's progress on one content item of an enrollment."""

    __tablename__ = "item_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class EnrollmentEvent(Base):
    """One thing that happened in an enrollment, recorded once (the timeline)."""

    __tablename__ = "enrollment_event"
    __table_args__ = (Index("ix_enrollment_event_enrollment_at", "enrollment_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(48))
    actor_kind: Mapped[str] = mapped_column(String(16))  # citizen / staff / system
    actor_id: Mapped[int | None]
    module_key: Mapped[str | None] = mapped_column(String(64))
    item_key: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    citizen_visible: Mapped[bool] = mapped_column(Boolean, default=True)


class Bookmark(Base):
    """A citizen's shortcut to a content item, shown on their start page."""

    __tablename__ = "bookmark"
    __table_args__ = (UniqueConstraint("enrollment_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
