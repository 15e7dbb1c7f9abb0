from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class ProgramError(ValueError):
    """Something about a program cannot be done; the message says what."""


class VersionFrozen(ProgramError):
    """A published version never changes: start a new draft instead."""


class Program(Base):
    """A support or treatment programme built in the design tool; content lives in versions."""

    __tablename__ = "program"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "support" / "treatment"
    owner_care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: days an ended enrollment's working data is kept before it is purged (set by the
    #: publisher); None: no retention rule yet, nothing of the programme is purged
    retention_days: Mapped[int | None] = mapped_column(Integer)

    versions: Mapped[list[ProgramVersion]] = relationship(
        back_populates="program", order_by="ProgramVersion.id"
    )


class ProgramVersion(Base):
    """A draft (editable) or a published, immutable snapshot of a program, numbered major.minor.

    ``content`` = {"name", "description", "welcome" (local texts), "recommended_days",
    "modules": [{"key", "title", "recommended_days", "unlock": {"rule", "days"},
    "items": [{"key", "kind", "title", ...}]}]}. Item kinds: text (sanitised ``body``), image
    (``media_id``, ``alt``), audio (``media_id``), video (``media_id`` + ``captions_media_id``, or
    ``url``), form (``form_key`` + ``form_version``). ``eligibility`` (open programs) =
    {"regions": [codes], "sex": "female"|"male"|None, "min_age": n|None, "max_age": n|None}.
    """

    __tablename__ = "program_version"
    __table_args__ = (
        UniqueConstraint("program_id", "major", "minor"),
        Index("ix_program_version_status_open", "status", "is_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    major: Mapped[int | None] = mapped_column(Integer)  # None while a draft
    minor: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft / published / retired
    content: Mapped[dict] = mapped_column(JSONType)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility: Mapped[dict] = mapped_column(JSONType, default=dict)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("program_version.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    program: Mapped[Program] = relationship(back_populates="versions")

    @property
    def label(self) -> str:
        return "utkast" if self.major is None else f"{self.major}.{self.minor}"


class ProgramCatalogue(Base):
    """A care unit the publisher allows to use a program."""

    __tablename__ = "program_catalogue"
    __table_args__ = (UniqueConstraint("program_id", "care_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)


# The immutability guard: once published (or retired), a version's content and number never change.
# Allowed on a published version: status published <-> retired, ``is_open``, ``eligibility``
# (who may start an open program) and the ``updated_at`` timestamp. The catalogue is another table.
FROZEN_ATTRIBUTES = (
    "content",
    "major",
    "minor",
    "program_id",
    "based_on_id",
    "published_at",
    "published_by_id",
    "created_by_id",
)


def _changed(state: Any, name: str) -> bool:
    history = state.attrs[name].history
    if not history.has_changes():
        return False
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return old != new


def _stored_status(connection: Any, target: ProgramVersion) -> str | None:
    """The status in the database (not the session's copy, which may already be changed)."""
    table = ProgramVersion.__table__
    return connection.execute(
        select(table.c.status).where(table.c.id == target.id)
    ).scalar_one_or_none()


@event.listens_for(ProgramVersion, "before_update")
def _published_versions_are_immutable(mapper, connection, target: ProgramVersion) -> None:
    if _stored_status(connection, target) not in ("published", "retired"):
        return
    if target.status not in ("published", "retired"):
        raise VersionFrozen(f"version {target.id} is published and cannot become a draft again")
    state = inspect(target)
    for name in FROZEN_ATTRIBUTES:
        if _changed(state, name):
            raise VersionFrozen(
                f"version {target.id} is published: its {name} never changes; start a new draft"
            )


@event.listens_for(ProgramVersion, "before_delete")
def _published_versions_stay(mapper, connection, target: ProgramVersion) -> None:
    if _stored_status(connection, target) in ("published", "retired"):
        raise VersionFrozen(f"version {target.id} is published and cannot be deleted")
