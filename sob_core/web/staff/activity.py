"""The patient page's "Aktivitetsplan" tab: the therapist builds the patient's activity plan.

Instructions ("Instruktioner för aktivitetsplan") and registrations, each with a heading, a unit
from the fixed list, optional target values, a flag when a value falls outside, where the results
show and whether it is required; below them the patient's values as a chart with the target band
and a table. Every read and every change is audit-logged; an ended enrollment is read-only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from ... import activity
from ...extensions import db
from ...models import ActivityPlan, ActivityRegistration, Enrollment
from ..access import require
from ..activity_ui import error_text, figure, number, rows, target_text
from ..audit import audit_citizen
from ..limits import MaxLength
from ..results import PLOTLY_MAPLIBRE_STYLE_ID
from . import THERAPY_ROLES, bp, unit_enrollment
from .patient_page import tab_context


def _now() -> datetime:
    return datetime.now(UTC)


def _number(form: Any, field: Any) -> None:
    try:
        field.number = activity.parse_number(field.data, field.name)
    except activity.ActivityError as error:
        raise ValidationError(error_text(error)) from error


class InstructionsForm(FlaskForm):
    instructions = TextAreaField(
        lazy_gettext("Instructions for the activity plan"),
        validators=[Optional(), MaxLength(activity.MAX_INSTRUCTIONS)],
        description=lazy_gettext("What the patient should do and register; shown above the plan."),
    )


class RegistrationForm(FlaskForm):
    heading = StringField(
        lazy_gettext("Heading"),
        validators=[
            InputRequired(message=lazy_gettext("Give the registration a heading.")),
            MaxLength(activity.MAX_HEADING),
        ],
        description=lazy_gettext("What the patient registers, e.g. 'Promenad' or 'Vikt'."),
    )
    unit = SelectField(
        lazy_gettext("Unit"),
        choices=[SelectChoice(u, u) for u in activity.UNITS],
        validators=[InputRequired(message=lazy_gettext("Choose a unit from the list."))],
        validate_choice=True,
    )
    target_min = StringField(
        lazy_gettext("Lowest target value (optional)"),
        validators=[Optional(), _number],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    target_max = StringField(
        lazy_gettext("Highest target value (optional)"),
        validators=[Optional(), _number],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    flag_outside = BooleanField(lazy_gettext("Flag to the therapist when a value is outside"))
    show_staff = BooleanField(lazy_gettext("Show chart and table to the therapist"), default=True)
    show_citizen = BooleanField(lazy_gettext("Show chart and table to the patient"), default=True)
    required = BooleanField(lazy_gettext("Required: the patient must give a value"))

    def spec(self) -> activity.RegistrationSpec:
        return activity.RegistrationSpec(
            heading=self.heading.data or "",
            unit=self.unit.data or "",
            target_min=activity.parse_number(self.target_min.data, "target_min"),
            target_max=activity.parse_number(self.target_max.data, "target_max"),
            flag_outside=bool(self.flag_outside.data),
            show_staff=bool(self.show_staff.data),
            show_citizen=bool(self.show_citizen.data),
            required=bool(self.required.data),
        )

    def refuse(self, error: activity.ActivityError) -> None:
        field = getattr(self, error.field, None) or self.heading
        field.errors = [*field.errors, error_text(error)]


def _edit_form(registration: ActivityRegistration, posted: bool = False) -> RegistrationForm:
    """The form of one registration: filled from the row, or from what was posted."""
    data = {
        "heading": registration.heading,
        "unit": registration.unit,
        "target_min": "" if registration.target_min is None else number(registration.target_min),
        "target_max": "" if registration.target_max is None else number(registration.target_max),
        "flag_outside": registration.flag_outside,
        "show_staff": registration.show_staff,
        "show_citizen": registration.show_citizen,
        "required": registration.required,
    }
    if posted:
        return RegistrationForm(prefix=f"r{registration.id}")
    return RegistrationForm(formdata=None, prefix=f"r{registration.id}", data=data)


def _render(
    enrollment: Enrollment,
    plan: ActivityPlan | None,
    *,
    instructions_form: InstructionsForm | None = None,
    new_form: RegistrationForm | None = None,
    failed: tuple[int, RegistrationForm] | None = None,
    status: int = 200,
):
    current = activity.registrations(db.session, plan)
    values = activity.values_of(db.session, [r.id for r in current if r.show_staff])
    edit_forms = {r.id: _edit_form(r) for r in current}
    if failed is not None:
        edit_forms[failed[0]] = failed[1]
    if instructions_form is None:
        instructions_form = InstructionsForm(
            formdata=None, data={"instructions": plan.instructions if plan else ""}
        )
    charts = [
        {
            "registration": r,
            "target": target_text(r),
            "rows": rows(r, values[r.id]),
            "figure_json": json.dumps(figure(r, values[r.id])),
        }
        for r in current
        if r.show_staff
    ]
    return (
        render_template(
            "sob_core/staff/patient_activity.html",
            **tab_context(enrollment, "patient_activity"),
            plan=plan,
            registrations=current,
            targets={r.id: target_text(r) for r in current},
            instructions_form=instructions_form,
            new_form=new_form or RegistrationForm(formdata=None, prefix="new"),
            edit_forms=edit_forms,
            charts=charts,
            read_only=enrollment.status == "ended",
            plotly_maplibre_style_id=PLOTLY_MAPLIBRE_STYLE_ID,
        ),
        status,
    )


def _back(enrollment: Enrollment, anchor: str | None = None):
    return redirect(url_for("staff.patient_activity", enrollment_id=enrollment.id, _anchor=anchor))


def _checked(form: FlaskForm) -> bool:
    """Validate a posted form; a missing or stale CSRF token is a bad request, not a field error."""
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        abort(400)
    return valid


def _ended(enrollment: Enrollment):
    if enrollment.status != "ended":
        return None
    flash(_("The enrollment has ended and can no longer be changed."), "error")
    return _back(enrollment)


@bp.route("/patients/<id:enrollment_id>/activity-plan")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_activity(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    audit_citizen("read", "activity_plan", enrollment.citizen_id, enrollment=enrollment.id)
    return _render(enrollment, activity.plan_of(db.session, enrollment.id))


@bp.route("/patients/<id:enrollment_id>/activity-plan/instructions", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_activity_instructions(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    refused = _ended(enrollment)
    if refused is not None:
        return refused
    form = InstructionsForm()
    plan = activity.plan_of(db.session, enrollment.id)
    if not _checked(form):
        audit_citizen("read", "activity_plan", enrollment.citizen_id, enrollment=enrollment.id)
        return _render(enrollment, plan, instructions_form=form, status=422)
    moment = _now()
    plan = activity.ensure_plan(db.session, enrollment, current_user.id, moment)
    activity.save_instructions(
        db.session, plan, form.instructions.data or "", current_user.id, moment
    )
    audit_citizen(
        "change",
        "activity_plan",
        enrollment.citizen_id,
        enrollment=enrollment.id,
        part="instructions",
    )
    flash(_("The instructions are saved."), "info")
    return _back(enrollment, "instructions-heading")


@bp.route("/patients/<id:enrollment_id>/activity-plan/registrations", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_activity_add(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    refused = _ended(enrollment)
    if refused is not None:
        return refused
    form = RegistrationForm(prefix="new")
    plan = activity.plan_of(db.session, enrollment.id)
    if _checked(form):
        moment = _now()
        try:
            plan = activity.ensure_plan(db.session, enrollment, current_user.id, moment)
            registration = activity.add_registration(
                db.session, plan, form.spec(), current_user.id, moment
            )
        except activity.ActivityError as error:
            db.session.rollback()
            form.refuse(error)
        else:
            audit_citizen(
                "create",
                "activity_registration",
                enrollment.citizen_id,
                enrollment=enrollment.id,
                registration=registration.id,
            )
            flash(_("The registration is added to the plan."), "info")
            return _back(enrollment, "registrations-heading")
    plan = activity.plan_of(db.session, enrollment.id)
    audit_citizen("read", "activity_plan", enrollment.citizen_id, enrollment=enrollment.id)
    return _render(enrollment, plan, new_form=form, status=422)


def _registration(enrollment: Enrollment, registration_id: int) -> tuple[ActivityPlan, Any]:
    plan = activity.plan_of(db.session, enrollment.id)
    found = activity.registration_of(db.session, plan, registration_id)
    if plan is None or found is None:
        abort(404)
    return plan, found


@bp.route(
    "/patients/<id:enrollment_id>/activity-plan/registrations/<id:registration_id>",
    methods=["POST"],
)
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_activity_update(enrollment_id: int, registration_id: int):
    enrollment = unit_enrollment(enrollment_id)
    plan, registration = _registration(enrollment, registration_id)
    refused = _ended(enrollment)
    if refused is not None:
        return refused
    form = _edit_form(registration, posted=True)
    if _checked(form):
        try:
            activity.update_registration(
                db.session, plan, registration, form.spec(), current_user.id, _now()
            )
        except activity.ActivityError as error:
            db.session.rollback()
            form.refuse(error)
        else:
            audit_citizen(
                "change",
                "activity_registration",
                enrollment.citizen_id,
                enrollment=enrollment.id,
                registration=registration.id,
            )
            flash(_("The registration is saved."), "info")
            return _back(enrollment, f"registration-{registration.id}")
    audit_citizen("read", "activity_plan", enrollment.citizen_id, enrollment=enrollment.id)
    return _render(enrollment, plan, failed=(registration.id, form), status=422)


class RemoveForm(FlaskForm):
    """Only the CSRF token."""


@bp.route(
    "/patients/<id:enrollment_id>/activity-plan/registrations/<id:registration_id>/remove",
    methods=["POST"],
)
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_activity_remove(enrollment_id: int, registration_id: int):
    enrollment = unit_enrollment(enrollment_id)
    plan, registration = _registration(enrollment, registration_id)
    refused = _ended(enrollment)
    if refused is not None:
        return refused
    if not RemoveForm().validate_on_submit():
        abort(400)
    activity.remove_registration(db.session, plan, registration, current_user.id, _now())
    audit_citizen(
        "delete",
        "activity_registration",
        enrollment.citizen_id,
        enrollment=enrollment.id,
        registration=registration.id,
    )
    flash(_("The registration is removed from the plan; its values are kept."), "info")
    return _back(enrollment, "registrations-heading")
