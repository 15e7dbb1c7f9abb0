"""Server-side sessions: the cookie holds only a random id, the session lives here.

Only a SHA-256 hash of the id is stored, so a read of this table (a backup, a replica) gives no
one a usable cookie. ``person_kind``/``person_id`` say whose session it is, so that logout,
deactivation and role removal can end every session of a person with one indexed DELETE.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import UTCDateTime


class UserSession(Base):
    """One browser's session. ``data`` is opaque text written by the web layer's serializer."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_person", "person_kind", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_kind: Mapped[str | None] = mapped_column(String(16))  # "staff", "citizen" or anonymous
    person_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the earlier of idle and absolute expiry, so loading and purging compare one column
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
