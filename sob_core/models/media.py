"""Uploaded media files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import UTCDateTime, utcnow


class MediaFile(Base):
    """An uploaded image, audio, video or caption file, kept through the storage abstraction."""

    __tablename__ = "media_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a citizen's answer to a question (a photo, a PDF): health data, served only through the
    #: response it answers (``web/answer_files``), never as content (``web/media``)
    answer_file: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
