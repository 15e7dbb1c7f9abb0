"""The patient page: tabs Hantera, Resultat, Meddelanden (in ``messages``), Tidslinje, Händelser.

And the therapist's actions.

Each tab is a URL of its own (works without JavaScript) and every view writes an audit event.
Actions are POSTs through the enrollments service; an ended enrollment is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, InputRequired, Optional

from ... import audit
from ...enrollments import staff_views
from ...extensions import db
from ...i18n import current_language
from ...models import Enrollment, EnrollmentEvent, Region
from ...results.pipeline import failed_responses
from ...types import local
from ..access import require
from ..audit import audit_citizen
from ..results import series_list
from . import (
    THERAPY_ROLES,
    AssignForm,
    assignable_forms,
    batteries,
    bp,
    flags,
    reminders,
    unit_enrollment,
)
from . import overview as hantera
from .new_enrollment import region_choices, unit_therapists
from .texts import (
    content_titles,
    describe_event,
    error_message,
    form_versions_of,
    rule_label,
    staff_ids_of,
)

TABS = (
    ("patient", lazy_gettext("Manage")),
    ("patient_results", lazy_gettext("Results")),
    ("patient_activity", lazy_gettext("Activity plan")),
    ("patient_messages", lazy_gettext("Messages")),
    ("patient_timeline", lazy_gettext("Timeline")),
    ("patient_events", lazy_gettext("Events")),
)


class ActionForm(FlaskForm):
    """A POST with nothing but its CSRF token."""


class VisibilityForm(FlaskForm):
    hidden = HiddenField(validators=[InputRequired(), AnyOf(["0", "1"])])


class HomeRegionForm(FlaskForm):
    home_region = SelectField(
        lazy_gettext("Registered in region (folkbokförd)"),
        validate_choice=False,  # checked by the service against the region table
        validators=[Optional()],
    )


def home_region_form(citizen) -> HomeRegionForm:
    form = HomeRegionForm(data={"home_region": citizen.home_region_code or ""})
    form.home_region.choices = region_choices(_("Not known"))
    return form


class TherapistForm(FlaskForm):
    therapist = SelectField(
        lazy_gettext("New responsible therapist"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired()],
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _enrollments():
    from ... import enrollments

    return enrollments


def tab_context(enrollment: Enrollment, active: str) -> dict:
    """What every tab shows above its content: the patient, the program and the tabs."""
    from ...content import content_of

    version = enrollment.program_version
    program_name = content_of(version).name if version is not None else None
    return {
        "enrollment": enrollment,
        "citizen": enrollment.citizen,
        "version": version,
        "program_name": program_name,
        "tabs": TABS,
        "active_tab": active,
        "local_date": _enrollments().local_date,
    }


def _refused(enrollment: Enrollment):
    """An ended enrollment is read-only: refuse the action with a message, change nothing."""
    if enrollment.status != "ended":
        return None
    flash(_("The enrollment has ended and can no longer be changed."), "error")
    return redirect(url_for("staff.patient", enrollment_id=enrollment.id))


def _back(enrollment: Enrollment, anchor: str | None = None):
    return redirect(url_for("staff.patient", enrollment_id=enrollment.id, _anchor=anchor))


def _validated(form: FlaskForm) -> None:
    if not form.validate_on_submit():
        abort(400)


# --- Hantera ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    key: str
    title: dict[str, str]
    kind: str
    status: str
    hidden: bool
    is_form: bool = False


@dataclass(frozen=True)
class ModuleRow:
    view: object  # enrollments.ModuleView
    hidden: bool
    rule: str
    items: list[ItemRow]


def _module_rows(views, hidden_keys: set[str]) -> list[ModuleRow]:
    rows = []
    for view in views:
        items = [
            ItemRow(i.key, i.title, i.kind, i.status, i.key in hidden_keys, i.is_form)
            for i in view.items
        ]
        rows.append(
            ModuleRow(
                view=view,
                hidden=view.key in hidden_keys,
                rule=rule_label(view.rule, view.rule_days),
                items=items,
            )
        )
    return rows


@bp.route("/patients/<id:enrollment_id>")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient(enrollment_id: int):
    return render_patient(unit_enrollment(enrollment_id))


def render_patient(enrollment: Enrollment, welcome: hantera.WelcomeForm | None = None) -> str:
    """The Hantera tab of the unit's ``enrollment`` (``welcome``: a refused welcome text form)."""
    enrollments = _enrollments()
    citizen = enrollment.citizen
    unit_id = session["care_unit_id"]
    audit_citizen("read", "patient", citizen.id, enrollment=enrollment.id)
    now = _now()
    # An ended enrollment is shown as it stood when it ended: its days stop counting.
    at = enrollment.ended_at if enrollment.status == "ended" and enrollment.ended_at else now
    program = None
    programme_welcome: dict[str, str] = {}
    if enrollment.program_version_id is not None:
        if enrollments.refresh(db.session, enrollment, now):
            db.session.commit()  # modules whose time has come open for staff too
        seen = staff_views.staff_overview(db.session, enrollment, at)
        overview = seen.overview
        programme_welcome = overview.welcome
        program = {
            "overview": overview,
            "current": _module_rows(overview.current, seen.hidden),
            "upcoming": _module_rows(overview.upcoming, seen.hidden),
            "completed": _module_rows(overview.completed, seen.hidden),
        }
    last_active_days = None
    if enrollment.last_active_at is not None:
        last_active_days = max(0, enrollments.days_between(enrollment.last_active_at, now))
    sent = staff_views.assigned_forms(db.session, enrollment, unit_id)
    form = AssignForm()
    form.form_id.label.text = _("Form")
    form.form_id.choices = assignable_forms(current_app.extensions["sob"].registry)
    therapist_form = None
    region_form = None
    if enrollment.status != "ended" and "citizen_admin" in _roles_here():
        region_form = home_region_form(citizen)
        therapist_form = TherapistForm()
        therapist_form.therapist.choices = [
            (s.id, s.name) for s in unit_therapists(enrollment.care_unit_id)
        ]
        therapist_form.therapist.data = enrollment.therapist_id
    return render_template(
        "sob_core/staff/patient.html",
        **tab_context(enrollment, "patient"),
        program=program,
        now=now,
        last_active_days=last_active_days,
        assignments=sent.assignments,
        responses=sent.responses,
        form=form,
        action_form=ActionForm(),
        therapist_form=therapist_form,
        region_form=region_form,
        home_region=db.session.scalar(
            select(Region.name).where(Region.code == citizen.home_region_code)
        )
        if citizen.home_region_code
        else None,
        results=series_list(citizen, citizen_view=False, care_unit_id=unit_id),
        unread=hantera.unread_forms(db.session, enrollment, unit_id),
        linked=hantera.linked_enrollments(db.session, enrollment, unit_id),
        welcome_form=welcome or hantera.welcome_form(enrollment),
        programme_welcome=programme_welcome,
        **flags.panel(enrollment),
        **batteries.panel(enrollment),
        **reminders.panel(enrollment),
    )


def _roles_here() -> set[str]:
    unit_id = session.get("care_unit_id")
    return {r.role for r in current_user.roles if r.care_unit_id == unit_id}


# --- Resultat, Tidslinje, Händelser -------------------------------------------------------------


@bp.route("/patients/<id:enrollment_id>/results")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_results(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    audit_citizen("read", "results", enrollment.citizen_id)
    return render_template(
        "sob_core/staff/patient_results.html",
        **tab_context(enrollment, "patient_results"),
        rows=series_list(
            enrollment.citizen, citizen_view=False, care_unit_id=session["care_unit_id"]
        ),
        scoring_failures=failed_responses(
            db.session, enrollment.citizen_id, care_unit_id=enrollment.care_unit_id
        ),
    )


def _event_rows(enrollment: Enrollment, events: list[EnrollmentEvent]) -> list[dict]:
    enrollments = _enrollments()
    content = enrollment.program_version.content if enrollment.program_version else None
    modules, items = content_titles(content)
    known = staff_views.event_names(db.session, staff_ids_of(events), form_versions_of(events))
    names = known.staff
    lang = current_language()
    forms = {version_id: local(title, lang) for version_id, title in known.forms.items()}
    rows = []
    for event in events:
        if event.actor_kind == "staff":
            who = (
                names.get(event.actor_id, _("Staff")) if event.actor_id is not None else _("Staff")
            )
        elif event.actor_kind == "citizen":
            who = _("%(name)s (the patient)", name=enrollment.citizen.name)
        else:
            who = _("The service (automatically)")
        rows.append(
            {
                "event": event,
                "at": event.at.astimezone(enrollments.LOCAL_ZONE),
                "who": who,
                "what": describe_event(event, modules, items, names, forms),
            }
        )
    return rows


@bp.route("/patients/<id:enrollment_id>/timeline")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_timeline(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    audit_citizen("read", "timeline", enrollment.citizen_id, enrollment=enrollment.id)
    events = staff_views.staff_timeline(db.session, enrollment, session["care_unit_id"])
    return render_template(
        "sob_core/staff/patient_timeline.html",
        **tab_context(enrollment, "patient_timeline"),
        rows=_event_rows(enrollment, events),
    )


@bp.route("/patients/<id:enrollment_id>/events")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_events(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    # What is new: events after this staff member last looked at this tab (from the audit log).
    seen_before = audit.last_read(
        db.session,
        citizen_id=enrollment.citizen_id,
        actor_kind="staff",
        actor_id=current_user.id,
        what="events",
    )
    audit_citizen("read", "events", enrollment.citizen_id, enrollment=enrollment.id)
    events = staff_views.citizen_events(db.session, enrollment, session["care_unit_id"])
    rows = _event_rows(enrollment, events)
    for row in rows:
        row["new"] = seen_before is None or row["event"].at > seen_before
    return render_template(
        "sob_core/staff/patient_events.html",
        **tab_context(enrollment, "patient_events"),
        rows=rows,
        first_visit=seen_before is None,
    )


# --- actions on modules and items ---------------------------------------------------------------


def _act(enrollment: Enrollment, change, what: str, done: str, unchanged: str, **detail):
    """Run a service change; audit it and commit together, or roll back and say why not."""
    enrollments = _enrollments()
    try:
        changed = change()
    except enrollments.EnrollmentError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return False
    if changed:
        audit_citizen("change", what, enrollment.citizen_id, enrollment=enrollment.id, **detail)
        flash(done, "info")
    else:
        db.session.rollback()
        flash(unchanged, "info")
    return changed


@bp.route("/patients/<id:enrollment_id>/modules/<module_key>/complete", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def complete_module(enrollment_id: int, module_key: str):
    enrollment = unit_enrollment(enrollment_id)
    _validated(ActionForm())
    if (refused := _refused(enrollment)) is not None:
        return refused
    _act(
        enrollment,
        lambda: _enrollments().complete_module(
            db.session, enrollment, module_key, "staff", current_user.id, _now()
        ),
        "enrollment.module_completed",
        _("The module was set to done."),
        _("The module was already done."),
        module=module_key,
    )
    return _back(enrollment, "modules")


@bp.route("/patients/<id:enrollment_id>/modules/<module_key>/activate", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def activate_module(enrollment_id: int, module_key: str):
    enrollment = unit_enrollment(enrollment_id)
    _validated(ActionForm())
    if (refused := _refused(enrollment)) is not None:
        return refused
    _act(
        enrollment,
        lambda: _enrollments().activate_module(
            db.session, enrollment, module_key, current_user.id, _now()
        ),
        "enrollment.module_activated",
        _("The module was activated: the patient can open it now."),
        _("The module was already open."),
        module=module_key,
    )
    return _back(enrollment, "modules")


def _set_visibility(enrollment_id: int, what: str, key: str):
    """Hide or show a module or a content item for this patient (one view body for both)."""
    enrollment = unit_enrollment(enrollment_id)
    form = VisibilityForm()
    _validated(form)
    if (refused := _refused(enrollment)) is not None:
        return refused
    hidden = form.hidden.data == "1"
    service = _enrollments()
    if what == "module":
        change = service.set_module_hidden
        done = (
            _("The module is hidden from the patient.")
            if hidden
            else _("The module is shown to the patient.")
        )
    else:
        change = service.set_item_hidden
        done = (
            _("The content is hidden from the patient.")
            if hidden
            else _("The content is shown to the patient.")
        )
    _act(
        enrollment,
        lambda: change(db.session, enrollment, key, hidden, current_user.id, _now()),
        f"enrollment.{what}_{'hidden' if hidden else 'shown'}",
        done,
        _("Nothing changed."),
        **{what: key},
    )
    return _back(enrollment, "modules")


@bp.route("/patients/<id:enrollment_id>/modules/<module_key>/visibility", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def module_visibility(enrollment_id: int, module_key: str):
    return _set_visibility(enrollment_id, "module", module_key)


@bp.route("/patients/<id:enrollment_id>/items/<item_key>/visibility", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def item_visibility(enrollment_id: int, item_key: str):
    return _set_visibility(enrollment_id, "item", item_key)


@bp.route("/patients/<id:enrollment_id>/therapist", methods=["POST"])
@require("staff", roles={"citizen_admin"}, unit_scoped=True)
def change_therapist(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    form = TherapistForm()
    _validated(form)
    if (refused := _refused(enrollment)) is not None:
        return refused
    chosen = form.therapist.data
    _act(
        enrollment,
        lambda: _enrollments().change_therapist(
            db.session, enrollment, chosen, current_user.id, _now()
        ),
        "enrollment.therapist",
        _("The responsible therapist was changed."),
        _("That therapist is already responsible."),
        therapist=chosen,
    )
    return _back(enrollment)


@bp.route("/patients/<id:enrollment_id>/home-region", methods=["POST"])
@require("staff", roles={"citizen_admin"}, unit_scoped=True)
def change_home_region(enrollment_id: int):
    """The region the citizen is registered in (folkbokförd): part of her registration details."""
    enrollment = unit_enrollment(enrollment_id)
    form = HomeRegionForm()
    form.home_region.choices = region_choices(_("Not known"))
    _validated(form)
    if (refused := _refused(enrollment)) is not None:
        return refused
    chosen = form.home_region.data or None
    _act(
        enrollment,
        lambda: _enrollments().set_home_region(db.session, enrollment.citizen, chosen),
        "citizen.home_region",
        _("The region the patient is registered in was saved."),
        _("Nothing changed."),
        home_region=chosen,
    )
    return _back(enrollment)


# --- ending and maintenance, each with a confirmation step --------------------------------------

STEPS = {
    "end": {
        "title": lazy_gettext("End the enrollment"),
        "question": lazy_gettext(
            "Do you want to end %(name)s's enrollment? The patient can no longer work in the "
            "program, open forms are closed, and nobody can change the enrollment afterwards."
        ),
        "confirm": lazy_gettext("Yes, end the enrollment"),
        "done": lazy_gettext("The enrollment was ended."),
        "unchanged": lazy_gettext("The enrollment had already ended."),
    },
    "maintenance": {
        "title": lazy_gettext("Move to maintenance"),
        "question": lazy_gettext(
            "Do you want to move %(name)s's enrollment to maintenance? The patient keeps their "
            "content and the enrollment goes on in its maintenance phase."
        ),
        "confirm": lazy_gettext("Yes, move to maintenance"),
        "done": lazy_gettext("The enrollment moved to maintenance."),
        "unchanged": lazy_gettext("The enrollment is already in maintenance."),
    },
}


def _confirm_step(enrollment_id: int, step: str):
    enrollment = unit_enrollment(enrollment_id)
    form = ActionForm()
    texts = STEPS[step]
    if form.is_submitted():
        _validated(form)
        if (refused := _refused(enrollment)) is not None:
            return refused
        enrollments = _enrollments()
        change = enrollments.end if step == "end" else enrollments.to_maintenance
        _act(
            enrollment,
            lambda: change(db.session, enrollment, "staff", current_user.id, _now()),
            f"enrollment.{step}",
            str(texts["done"]),
            str(texts["unchanged"]),
        )
        return _back(enrollment)
    if (refused := _refused(enrollment)) is not None:
        return refused
    if step == "maintenance" and enrollment.status != "active":
        flash(str(texts["unchanged"]), "info")
        return _back(enrollment)
    audit_citizen("read", "patient", enrollment.citizen_id, enrollment=enrollment.id, step=step)
    return render_template(
        "sob_core/staff/confirm.html",
        enrollment=enrollment,
        citizen=enrollment.citizen,
        texts=texts,
        form=form,
        action=url_for(f"staff.{step}_enrollment", enrollment_id=enrollment.id),
    )


@bp.route("/patients/<id:enrollment_id>/end", methods=["GET", "POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def end_enrollment(enrollment_id: int):
    return _confirm_step(enrollment_id, "end")


@bp.route("/patients/<id:enrollment_id>/maintenance", methods=["GET", "POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def maintenance_enrollment(enrollment_id: int):
    return _confirm_step(enrollment_id, "maintenance")
