from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow


class Form(Base):
    """A questionnaire; its content lives in immutable versions."""

    __tablename__ = "form"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    care_unit_id: Mapped[int | None] = mapped_column(ForeignKey("care_unit.id"))  # None: shared
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[FormVersion]] = relationship(
        back_populates="form", order_by="FormVersion.version"
    )

    @property
    def latest(self) -> FormVersion:
        return self.versions[-1]


class FormVersion(Base):
    """One immutable definition of a form: questions, optional scale, result definitions.

    ``definition`` = {"questions": [{key, type, label, config, required, help, media, show_if}],
    "results": [{key, label, citizen_visible, explanation}]}.
    """

    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSONType)
    intro: Mapped[dict] = mapped_column(JSONType, default=dict)
    scale_id: Mapped[str | None] = mapped_column(String(64))
    definition: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    form: Mapped[Form] = relationship(back_populates="versions")


class FormDraft(Base):
    """A form being built or edited in the design tool: the one mutable copy of a form.

    A new form exists only as a draft (``form_id`` None) until it is first published; editing a
    published form starts a draft from its latest version (``based_on_version``). Publishing
    writes a new immutable ``FormVersion`` and deletes the draft, so nothing that gives forms to
    citizens ever sees a draft. ``revision`` goes up with every save: a save naming an older
    revision is refused (two designers never overwrite each other unseen).
    """

    __tablename__ = "form_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    form_id: Mapped[int | None] = mapped_column(ForeignKey("form.id"), unique=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    based_on_version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSONType, default=dict)
    intro: Mapped[dict] = mapped_column(JSONType, default=dict)
    scale_id: Mapped[str | None] = mapped_column(String(64))
    definition: Mapped[dict] = mapped_column(JSONType, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    form: Mapped[Form | None] = relationship()


@event.listens_for(FormVersion, "before_update")
def _versions_are_immutable(mapper, connection, target) -> None:
    raise RuntimeError("a form version never changes; create a new version instead")


class FormAssignment(Base):
    """A form handed to a citizen to fill in (an extra measurement, or part of a battery)."""

    __tablename__ = "form_assignment"
    __table_args__ = (Index("ix_form_assignment_citizen_status", "citizen_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / done
    item_key: Mapped[str | None] = mapped_column(String(64))  # the program content item, if any
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the battery occurrence that handed the form out (None: a content item or a one-off)
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("battery_occurrence.id", ondelete="SET NULL"), index=True
    )

    form_version: Mapped[FormVersion] = relationship()
    enrollment = relationship("Enrollment")


class FormResponse(Base):
    """A citizen's answers to one form version: a draft until submitted, then frozen.

    ``answers`` = {question key: {"type": question type key, "value": JSON payload}} so a response
    survives an uninstalled question-type plugin. ``submission_key`` makes submitting idempotent.
    """

    __tablename__ = "form_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("form_assignment.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft / submitted
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict] = mapped_column(JSONType, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why scoring a submitted response last failed (a plugin bug), and when; None once scored
    scoring_error: Mapped[str | None] = mapped_column(String(1000))
    scoring_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when a staff member first opened the submitted response ("Olästa formulär" until then)
    staff_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_read_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    form_version: Mapped[FormVersion] = relationship()
    results: Mapped[list[Result]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Result(Base):
    """One computed result of a submitted response: value, band and flags."""

    __tablename__ = "result"
    __table_args__ = (
        UniqueConstraint("response_id", "key"),
        Index("ix_result_citizen_key_at", "citizen_id", "key", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("form_response.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"))
    key: Mapped[str] = mapped_column(String(128))
    value: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(64))
    #: the band's name as it was when stored ({"sv": ..., "en": ...}), shown when the scale or
    #: form that defines the band is no longer installed; None when there is no band
    band_label: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    flags: Mapped[list] = mapped_column(JSONType, default=list)
    citizen_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the response was submitted
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[FormResponse] = relationship(back_populates="results")


class ScaleTextPack(Base):
    """Licensed item texts of a scale, imported by the deploying organisation."""

    __tablename__ = "scale_text_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[str] = mapped_column(String(64), unique=True)
    scale_version: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSONType)  # {lang: {"items": {id: text}, "options": [...]}}
    licence_note: Mapped[str] = mapped_column(String(500), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
