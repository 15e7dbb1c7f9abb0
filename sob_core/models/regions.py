"""The regional administrator's tables: who administers a region, which programme version each
care unit offers, and the information messages to the region's staff."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class RegionAdmin(Base):
    """A staff member is regional administrator (vårdgivaradministratör) of one region.

    The seventh role: held per region, not per care unit, so it is not a ``RoleAssignment``.
    """

    __tablename__ = "region_admin"
    __table_args__ = (UniqueConstraint("staff_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region = relationship("Region")


class ProgramActivation(Base):
    """The regional administrator activated (or deactivated) a programme at a care unit.

    The newest row of a (unit, programme) decides what the unit offers: ``status`` "active" with
    its ``program_version_id``, or "deactivated" (nothing). Older rows are kept ("superseded")
    as the history. ``kind`` is "minor" or "major" (see docs/regional-administration.md).
    """

    __tablename__ = "program_activation"
    __table_args__ = (Index("ix_program_activation_unit_program", "care_unit_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    program_version_id: Mapped[int | None] = mapped_column(ForeignKey("program_version.id"))
    kind: Mapped[str] = mapped_column(String(16))  # minor / major / deactivation
    #: active / superseded / deactivated
    status: Mapped[str] = mapped_column(String(16), default="active")
    #: how many ongoing enrollments a minor activation moved onto the version
    moved: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    program_version = relationship("ProgramVersion")


class InformationMessage(Base):
    """A message from the regional administrator to all staff of the region's care units.

    ``text`` is a local text ({"sv": ..., "en": ...}); it shows on staff pages from ``starts_on``
    to ``ends_on`` inclusive (Swedish dates).
    """

    __tablename__ = "information_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    text: Mapped[dict] = mapped_column(JSONType)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
