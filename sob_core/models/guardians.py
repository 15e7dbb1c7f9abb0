"""Guardianships the citizen administrator keeps in the core's own table (``guardians.table``).

A region that connects its population register needs none of these rows: its plugin is a
``GuardianshipSource`` of its own. The guardian is kept by personnummer, since she may never
have signed in yet; the child is a registered citizen (registered when the row is written).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ._types import UTCDateTime, utcnow


class Guardianship(Base):
    """``guardian_personnummer`` is a guardian (vårdnadshavare) of the citizen ``child``."""

    __tablename__ = "guardianship"
    __table_args__ = (UniqueConstraint("guardian_personnummer", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_personnummer: Mapped[str] = mapped_column(String(12), index=True)  # 12 digits
    child_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    #: the care unit whose citizen administrator wrote it (she sees and removes that unit's rows)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    child = relationship("Citizen")
