"""The patient page's staff reminders ("ring upp efter semestern").

``panel(enrollment)`` gives what ``_staff_reminder_panel.html`` shows on the Hantera tab: the
patient's planned (and lately raised) staff reminders and the form to set one. The form posts to
``staff.add_staff_reminder``; a refused input comes back with 422 on the page of the patient's
staff reminders, the message by its field. Setting and cancelling are audit-logged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import DateInput

from ... import reminders
from ...extensions import db
from ...models import Enrollment
from ..access import require
from ..audit import audit_citizen
from ..limits import MaxLength
from . import THERAPY_ROLES, bp, unit_enrollment

PREFIX = "staff_reminder"

ERRORS = {
    "note_missing": lazy_gettext("Write what the reminder is about."),
    "note_too_long": lazy_gettext("The note may be at most 500 characters long."),
    "date_missing": lazy_gettext("Give the day of the reminder as YYYY-MM-DD."),
    "date_past": lazy_gettext("The day has passed; choose today or a later day."),
    "date_far": lazy_gettext("Choose a day within three years."),
}


def _now() -> datetime:
    return datetime.now(UTC)


def parse_day(text: str | None) -> date | None:
    """``2026-12-24`` → a date; None for anything else."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _a_day(form: Any, field: Any) -> None:
    if parse_day(field.data) is None:
        raise ValidationError(str(ERRORS["date_missing"]))


class StaffReminderForm(FlaskForm):
    on_date = StringField(
        lazy_gettext("Day"),
        widget=DateInput(),
        description=lazy_gettext("Today or a later day, as YYYY-MM-DD."),
        validators=[InputRequired(message=ERRORS["date_missing"]), _a_day],
    )
    note = TextAreaField(
        lazy_gettext("Reminder note"),
        description=lazy_gettext(
            "For example: call after the holiday. Only staff see the note; it is never sent "
            "by e-mail."
        ),
        validators=[
            InputRequired(message=ERRORS["note_missing"]),
            MaxLength(reminders.staff.NOTE_MAX),
        ],
    )
    in_digest = BooleanField(lazy_gettext("Include in my daily summary e-mail"))


class CancelForm(FlaskForm):
    """A POST with nothing but its CSRF token."""


def _context(enrollment: Enrollment, form: StaffReminderForm | None = None) -> dict:
    now = _now()
    if form is None:
        form = StaffReminderForm(prefix=PREFIX, formdata=None)
        form.on_date.data = reminders.staff.unit_today(db.session, enrollment, now).isoformat()
    return {
        "staff_reminders": reminders.staff.of_enrollment(db.session, enrollment.id, now),
        "staff_reminder_form": form,
    }


def panel(enrollment: Enrollment) -> dict:
    """What the Hantera tab's staff reminder panel shows (read with the patient page, whose
    view writes the audit event)."""
    return _context(enrollment)


def _page(enrollment: Enrollment, form: StaffReminderForm | None = None, status: int = 200):
    from .patient_page import tab_context

    return (
        render_template(
            "sob_core/staff/staff_reminders.html",
            **tab_context(enrollment, "patient"),
            **_context(enrollment, form),
        ),
        status,
    )


@bp.route("/patients/<id:enrollment_id>/staff-reminders")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def staff_reminders(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    audit_citizen("read", "staff_reminders", enrollment.citizen_id, enrollment=enrollment.id)
    return _page(enrollment)


@bp.route("/patients/<id:enrollment_id>/staff-reminders", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def add_staff_reminder(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    form = StaffReminderForm(prefix=PREFIX)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        audit_citizen("read", "staff_reminders", enrollment.citizen_id, enrollment=enrollment.id)
        return _page(enrollment, form, 422)
    if enrollment.status == "ended":
        flash(_("The enrollment has ended and can no longer be changed."), "error")
        return redirect(url_for("staff.patient", enrollment_id=enrollment.id))
    try:
        row = reminders.staff.add(
            db.session,
            enrollment,
            staff_id=current_user.id,
            on_date=parse_day(form.on_date.data),
            note=form.note.data,
            in_digest=bool(form.in_digest.data),
            now=_now(),
        )
    except reminders.staff.StaffReminderError as error:
        db.session.rollback()
        field = getattr(form, error.field or "on_date")
        field.errors = [*field.errors, str(ERRORS.get(error.code, ERRORS["date_missing"]))]
        audit_citizen("read", "staff_reminders", enrollment.citizen_id, enrollment=enrollment.id)
        return _page(enrollment, form, 422)
    audit_citizen(
        "change",
        "staff_reminder",
        enrollment.citizen_id,
        enrollment=enrollment.id,
        staff_reminder=row.id,
        on_date=row.on_date.isoformat(),
    )
    flash(_("The reminder is set for %(date)s.", date=row.on_date.isoformat()), "info")
    return redirect(
        url_for("staff.patient", enrollment_id=enrollment.id, _anchor="staff-reminders")
    )


@bp.route("/patients/<id:enrollment_id>/staff-reminders/<id:reminder_id>/cancel", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def cancel_staff_reminder(enrollment_id: int, reminder_id: int):
    enrollment = unit_enrollment(enrollment_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    row = reminders.staff.find(db.session, enrollment.id, reminder_id)
    if row is None:
        abort(404)
    if reminders.staff.cancel(db.session, row, _now()):
        audit_citizen(
            "change",
            "staff_reminder_cancelled",
            enrollment.citizen_id,
            enrollment=enrollment.id,
            staff_reminder=row.id,
        )
        flash(_("The reminder was cancelled."), "info")
    else:
        db.session.rollback()
        flash(_("The reminder was not planned any more, so nothing changed."), "info")
    return redirect(
        url_for("staff.patient", enrollment_id=enrollment.id, _anchor="staff-reminders")
    )
