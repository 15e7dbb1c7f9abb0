"""Citizen administration's own rows: the information banners (informationsbanderoll) of a unit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class Banner(Base):
    """A notice of a care unit to its citizens (a holiday closure, a new telephone time).

    Shown on the citizen pages of the unit's enrollments from ``starts_on`` to ``ends_on``
    inclusive, days of the unit's time zone. ``text`` is a local text ``{"sv": …, "en": …}``
    (Swedish required); plain text, shown escaped.
    """

    __tablename__ = "banner"
    __table_args__ = (Index("ix_banner_unit_ends", "care_unit_id", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    text: Mapped[dict] = mapped_column(JSONType, default=dict)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
