from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..access_rules import ROLES as ROLES  # the contract names the roles; rows store them
from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class Staff(Base):
    """A person working at one or more care units, identified by HSA-id."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    hsa_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", foreign_keys="RoleAssignment.staff_id"
    )

    audience = "staff"

    def get_id(self) -> str:  # Flask-Login
        return f"staff:{self.id}"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False


class Citizen(Base):
    """A person receiving support or treatment, identified by personnummer or samordningsnummer."""

    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    personnummer: Mapped[str] = mapped_column(String(12), unique=True)  # 12 digits, normalised
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    legal_sex: Mapped[str] = mapped_column(String(8))  # "female" / "male", from the number
    coordination_number: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    #: the code of the region she is registered in (folkbokförd), as staff registered it;
    #: None when unknown (then programmes limited to regions are not offered to her)
    home_region_code: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    audience = "citizen"

    def get_id(self) -> str:
        return f"citizen:{self.id}"

    @property
    def formatted_personnummer(self) -> str:
        return f"{self.personnummer[:8]}-{self.personnummer[8:]}"

    is_authenticated = True
    is_active = True
    is_anonymous = False


class RoleAssignment(Base):
    """A staff member holds one role at one care unit."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("staff_id", "care_unit_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff] = relationship(back_populates="roles", foreign_keys=[staff_id])
    care_unit = relationship("CareUnit")


class LoginCredential(Base):
    """A secret a login provider keeps for a staff member (e.g. a password hash and TOTP secret).

    Kept by the core so providers need no tables of their own; ``data`` is the provider's.
    """

    __tablename__ = "login_credential"
    __table_args__ = (UniqueConstraint("staff_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
