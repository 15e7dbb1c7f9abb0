"""The Hantera tab's overview: unread forms, linked enrollments and the welcome text to the citizen.

The reads take the active care unit's id and refuse another unit's enrollment
(``staff_views.OutsideCareUnit``), like the rest of the patient page. Each is one query, whatever
the enrollment holds, so the tab's query count stays flat (``tests/test_query_counts.py``).

- ``unread_forms``: the enrollment's submitted responses no staff member has opened yet
  ("Olästa formulär"); ``mark_read`` stamps ``FormResponse.staff_read_at``/``staff_read_by_id`` the
  first time a staff member opens one (the staff response view).
- ``linked_enrollments``: the citizen's other enrollments at this care unit ("Länkade moment"),
  never another unit's.
- The welcome text ("Välkomsttext till invånaren"): a plain text per enrollment
  (``Enrollment.welcome``), shown to the citizen on "Mitt innehåll" instead of the programme's
  welcome; empty shows the programme's again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import Integer, Select, bindparam, func, select, update
from sqlalchemy.orm import Session
from wtforms import TextAreaField
from wtforms.validators import Optional

from ...content import filled
from ...enrollments.staff_views import OutsideCareUnit
from ...extensions import db
from ...i18n import current_language
from ...models import Enrollment, FormAssignment, FormResponse, FormVersion, ProgramVersion, Staff
from ..access import require
from ..audit import audit_citizen
from ..limits import MaxLength
from . import THERAPY_ROLES, bp, unit_enrollment

#: how many unread forms the tab lists (the count says how many there are in all)
UNREAD_SHOWN = 10
#: the longest welcome text a therapist may write to one citizen
WELCOME_MAX = 5000


def _check_unit(enrollment: Enrollment, care_unit_id: int) -> None:
    if enrollment.care_unit_id != care_unit_id:
        raise OutsideCareUnit(f"enrollment {enrollment.id} is not at care unit {care_unit_id}")


# --- Olästa formulär ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnreadForm:
    response_id: int
    title: dict[str, str]  # the form version's title (local text)
    submitted_at: datetime | None


@dataclass(frozen=True)
class UnreadForms:
    count: int  # all unread responses of the enrollment
    rows: list[UnreadForm]  # the newest ``limit`` of them

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


@functools.cache
def _unread_forms_statement() -> Select:
    """``unread_forms``'s statement, built once; the citizen, enrollment and limit are bound."""
    total = func.count(FormResponse.id).over().label("total")
    return (
        select(FormResponse.id, FormVersion.title, FormResponse.submitted_at, total)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .join(FormVersion, FormVersion.id == FormResponse.form_version_id)
        .where(
            FormResponse.citizen_id == bindparam("citizen"),
            FormAssignment.enrollment_id == bindparam("enrollment"),
            FormResponse.status == "submitted",
            FormResponse.staff_read_at.is_(None),
        )
        .order_by(FormResponse.submitted_at.desc(), FormResponse.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def unread_forms(
    session: Session, enrollment: Enrollment, care_unit_id: int, limit: int = UNREAD_SHOWN
) -> UnreadForms:
    """The enrollment's submitted responses no staff member has opened, newest first: one query.

    Only responses to the enrollment's own assignments count (another enrollment's, even the
    citizen's at this unit, belong to that enrollment's page). The total comes with the rows
    (a window count), so the tab makes the same query whether there are none or thousands.
    """
    _check_unit(enrollment, care_unit_id)
    rows = session.execute(
        _unread_forms_statement(),
        {"citizen": enrollment.citizen_id, "enrollment": enrollment.id, "limit": limit},
    ).all()
    return UnreadForms(
        count=rows[0].total if rows else 0,
        rows=[UnreadForm(row.id, dict(row.title or {}), row.submitted_at) for row in rows],
    )


def mark_read(session: Session, response_id: int, staff_id: int, now: datetime) -> bool:
    """Stamp the first staff read of a submitted response; True if this call was the first.

    One conditional UPDATE: two staff members opening the response at once stamp it once.
    """
    result = session.execute(
        update(FormResponse)
        .where(
            FormResponse.id == response_id,
            FormResponse.status == "submitted",
            FormResponse.staff_read_at.is_(None),
        )
        .values(staff_read_at=now, staff_read_by_id=staff_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


# --- Länkade moment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedEnrollment:
    id: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    program_name: dict[str, str]  # empty for an enrollment without a programme
    version_label: str | None
    therapist: str | None


@functools.cache
def _linked_statement() -> Select:
    """``linked_enrollments``'s statement, built once; the citizen, unit and enrollment are bound."""
    return (
        select(Enrollment, ProgramVersion, Staff.name)
        .outerjoin(ProgramVersion, ProgramVersion.id == Enrollment.program_version_id)
        .outerjoin(Staff, Staff.id == Enrollment.therapist_id)
        .where(
            Enrollment.citizen_id == bindparam("citizen"),
            Enrollment.care_unit_id == bindparam("unit"),
            Enrollment.id != bindparam("enrollment"),
        )
        .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
    )


def linked_enrollments(
    session: Session, enrollment: Enrollment, care_unit_id: int
) -> list[LinkedEnrollment]:
    """The citizen's other enrollments at the care unit, newest first: one query.

    Ongoing and ended alike; another care unit's enrollments are never among them.
    """
    _check_unit(enrollment, care_unit_id)
    rows = session.execute(
        _linked_statement(),
        {"citizen": enrollment.citizen_id, "unit": care_unit_id, "enrollment": enrollment.id},
    ).all()
    linked = []
    for other, version, therapist in rows:
        content = version.content if version is not None and version.content else {}
        name = content.get("name") if isinstance(content, dict) else None
        linked.append(
            LinkedEnrollment(
                id=other.id,
                status=other.status,
                started_at=other.started_at,
                ended_at=other.ended_at,
                program_name=filled(name) if isinstance(name, dict) else {},
                version_label=version.label if version is not None else None,
                therapist=therapist,
            )
        )
    return linked


# --- Välkomsttext till invånaren ----------------------------------------------------------------


class WelcomeForm(FlaskForm):
    welcome = TextAreaField(
        lazy_gettext("Own welcome text to the patient"),
        validators=[Optional(), MaxLength(WELCOME_MAX)],
        description=lazy_gettext(
            "Shown to the patient on “My content” instead of the programme's welcome text. "
            "Plain text; an empty line starts a new paragraph. Leave it empty to show the "
            "programme's welcome text."
        ),
    )


def clean_welcome(text: str | None) -> str:
    """The text as stored: line breaks made plain, no spaces around it, no control characters."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return text.strip()


def set_welcome(enrollment: Enrollment, text: str, lang: str) -> bool:
    """Give the enrollment its own welcome text (empty: the programme's again); True if changed."""
    cleaned = clean_welcome(text)
    new = {lang: cleaned} if cleaned else {}
    if filled(enrollment.welcome or {}) == new:
        return False
    enrollment.welcome = new
    return True


def welcome_form(enrollment: Enrollment) -> WelcomeForm:
    form = WelcomeForm()
    if not form.is_submitted():
        own = enrollment.welcome or {}
        form.welcome.data = own.get(current_language()) or next(iter(filled(own).values()), "")
    return form


@bp.route("/patients/<id:enrollment_id>/welcome", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_welcome(enrollment_id: int):
    from .patient_page import render_patient

    enrollment = unit_enrollment(enrollment_id)
    if enrollment.status == "ended":
        flash(_("The enrollment has ended and can no longer be changed."), "error")
        return redirect(url_for("staff.patient", enrollment_id=enrollment.id))
    form = WelcomeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_patient(enrollment, welcome=form), 422
    text = clean_welcome(form.welcome.data)
    if set_welcome(enrollment, text, current_language()):
        audit_citizen(
            "change",
            "enrollment.welcome",
            enrollment.citizen_id,
            enrollment=enrollment.id,
            characters=len(text),
        )
        flash(
            _("The welcome text is saved; the patient sees it on “My content”.")
            if text
            else _("The patient sees the programme's welcome text again."),
            "info",
        )
    else:
        db.session.rollback()
        flash(_("Nothing changed."), "info")
    return redirect(url_for("staff.patient", enrollment_id=enrollment.id, _anchor="welcome-panel"))
