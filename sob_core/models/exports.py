"""Exports of ended enrollments for the data administrator: one row per export job.

A job is queued → running → ready (the file is written) or failed; a ready job's file is
deleted at ``expires_at`` (status expired). ``done``/``total`` count responses for the progress
shown on the page. ``path`` is the file name under the instance's export folder, never a path a
user chose. The row holds no citizen data: which programme, which format, who asked, when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ._types import UTCDateTime, utcnow


class ExportJob(Base):
    __tablename__ = "export_job"
    __table_args__ = (
        Index("ix_export_job_unit_created", "care_unit_id", "created_at"),
        Index("ix_export_job_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    #: "csv" (a ZIP of one CSV per form version and a columns file) or "fhir" (NDJSON)
    format: Mapped[str] = mapped_column(String(8))
    pseudonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(Integer, default=0)  # responses to export
    done: Mapped[int] = mapped_column(Integer, default=0)  # responses written so far
    persons: Mapped[int] = mapped_column(Integer, default=0)  # citizens in the file
    path: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    #: a coded reason when failed (the error's code, never data)
    error: Mapped[str | None] = mapped_column(String(200))
