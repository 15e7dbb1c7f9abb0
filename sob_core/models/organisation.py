from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base


class Region(Base):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # e.g. "14" (Västra Götaland)
    name: Mapped[str] = mapped_column(String(200))

    care_units: Mapped[list[CareUnit]] = relationship(back_populates="region")


class CareUnit(Base):
    __tablename__ = "care_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    hsa_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the zone the unit's local times (battery schedules, days) are in
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    #: set by the regional administrator: a deactivated unit cannot be chosen and offers nothing
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    region: Mapped[Region] = relationship(back_populates="care_units")
