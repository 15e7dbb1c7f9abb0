"""The patient page's measurement batteries: running schedules, extra measurement, scheduling.

``panel(enrollment)`` gives what ``_battery_panel.html`` shows on the Hantera tab. The actions
are POSTs (CSRF) that audit and commit; scheduling and rescheduling show the planned timeline
("Förhandsgranska") before anything is saved, without JavaScript. Bad input answers 422 with the
message next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectChoice, SelectField, StringField

from ... import batteries
from ...batteries import schedule as sched
from ...batteries.service import unit_zone
from ...extensions import db
from ...i18n import current_language
from ...models import BatteryOccurrence, BatterySchedule, Enrollment, Form
from ...types import local
from ..access import require
from ..audit import audit_citizen
from . import THERAPY_ROLES, assignable_form_rows, bp, unit_enrollment

PREVIEW_COUNT = 10  # occurrences shown of a schedule without an end

ERRORS = {
    "past": lazy_gettext("The start date has passed; choose today or a later day."),
    "ended": lazy_gettext("The enrollment has ended and can no longer be changed."),
    "unknown_form": lazy_gettext("The form no longer exists."),
    "no_forms": lazy_gettext("Choose a battery or a form."),
    "not_running": lazy_gettext("The battery is not running."),
}


def _now() -> datetime:
    return datetime.now(UTC)


class ScheduleForm(FlaskForm):
    what = SelectField(lazy_gettext("Battery or form"), validate_choice=False)
    kind = RadioField(
        lazy_gettext("Type"),
        choices=[
            SelectChoice("repeat", lazy_gettext("Repeated")),
            SelectChoice("once", lazy_gettext("Once")),
        ],
        default="repeat",
        validate_choice=False,
    )
    start_date = StringField(
        lazy_gettext("Start date"),
        description=lazy_gettext("YYYY-MM-DD, today or later."),
        render_kw={"type": "date"},
    )
    every_days = StringField(
        lazy_gettext("Interval in days"),
        description=lazy_gettext("For a repeated battery: 1 to 365 days."),
        render_kw={"inputmode": "numeric"},
    )
    local_time = StringField(
        lazy_gettext("Time"),
        description=lazy_gettext("HH:MM, the care unit's local time."),
        default="08:00",
    )
    count = StringField(
        lazy_gettext("Number of times"),
        description=lazy_gettext("Empty: until the battery is stopped (at most 200)."),
        render_kw={"inputmode": "numeric"},
    )


class RescheduleForm(ScheduleForm):
    pass


class ExtraForm(FlaskForm):
    what = SelectField(lazy_gettext("Battery or form"), validate_choice=False)


def _choices(enrollment: Enrollment) -> list[SelectChoice]:
    lang = current_language()
    out = [
        SelectChoice(
            f"b:{b['key']}",
            _("Battery: %(name)s", name=local(b.get("name") or {}, lang) or b["key"]),
        )
        for b in batteries.programme_batteries(enrollment)
    ]
    registry = current_app.extensions["sob"].registry
    out += [
        SelectChoice(f"f:{key}", _("Form: %(name)s", name=label))
        for _form_id, key, label in assignable_form_rows(registry)
    ]
    return out


def _target(enrollment: Enrollment, value: str | None) -> tuple[str | None, list[str]] | None:
    """(battery key or None, form keys) of a "b:key" / "f:key" choice, or None."""
    value = value or ""
    if value.startswith("b:"):
        battery = batteries.actions.find_battery(enrollment, value[2:])
        if battery is None:
            return None
        return str(battery["key"]), [str(k) for k in battery.get("form_keys") or []]
    if value.startswith("f:") and value[2:]:
        return None, [value[2:]]
    return None


def _whole(field: Any, low: int, high: int, message: str) -> int | None:
    text = (field.data or "").strip()
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        field.errors.append(message)
        return None
    return int(text)


@dataclass
class Plan:
    battery_key: str | None
    form_keys: list[str]
    start_date: date
    local_time: str
    every_days: int | None
    count: int | None


def _read(form: ScheduleForm, enrollment: Enrollment, with_target: bool = True) -> Plan | None:
    """The plan of a submitted form, or None with the errors set next to their fields."""
    for f in form:
        f.errors = list(f.errors or [])
    target = _target(enrollment, form.what.data) if with_target else (None, [])
    if target is None:
        form.what.errors.append(_("Choose a battery or a form."))
    start = None
    try:
        start = sched.parse_date((form.start_date.data or "").strip())
    except sched.ScheduleError:
        form.start_date.errors.append(_("Enter the start date as YYYY-MM-DD."))
    at = (form.local_time.data or "").strip()
    try:
        sched.parse_time(at)
    except sched.ScheduleError:
        form.local_time.errors.append(_("Enter the time as HH:MM, e.g. 08:00."))
    repeat = form.kind.data != "once"
    if form.kind.data not in ("once", "repeat"):
        form.kind.errors.append(_("Choose the type."))
    every = _whole(form.every_days, 1, 365, _("Enter a whole number of days from 1 to 365."))
    if repeat and every is None and not form.every_days.errors:
        form.every_days.errors.append(_("Enter how many days there are between the times."))
    count = _whole(form.count, 1, 200, _("Enter a whole number from 1 to 200, or leave it empty."))
    if start is not None and start < batteries.actions.local_today(db.session, enrollment, _now()):
        form.start_date.errors.append(str(ERRORS["past"]))
    if any(f.errors for f in form) or target is None or start is None:
        return None
    return Plan(target[0], target[1], start, at, every if repeat else None, count)


def _timeline(enrollment: Enrollment, plan: Plan) -> list[datetime]:
    count = 1 if plan.every_days is None else (plan.count or PREVIEW_COUNT)
    zone_name = unit_zone(db.session, enrollment)
    return sched.preview(plan.start_date, plan.every_days, plan.local_time, count, zone_name)


def _page(enrollment: Enrollment, form: ScheduleForm, *, schedule=None, plan=None, status=200):
    from .patient_page import tab_context

    timeline = _timeline(enrollment, plan) if plan is not None else None
    return (
        render_template(
            "sob_core/staff/battery_schedule.html",
            **tab_context(enrollment, "patient"),
            form=form,
            schedule=schedule,
            timeline=timeline,
            open_ended=plan is not None and plan.every_days is not None and plan.count is None,
            zone=unit_zone(db.session, enrollment),
        ),
        status,
    )


def _back(enrollment: Enrollment):
    return redirect(url_for("staff.patient", enrollment_id=enrollment.id, _anchor="batteries"))


def _refuse_ended(enrollment: Enrollment):
    if enrollment.status != "ended":
        return None
    flash(str(ERRORS["ended"]), "error")
    return _back(enrollment)


@bp.route("/patients/<id:enrollment_id>/batteries/schedule", methods=["GET", "POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def schedule_battery(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    refused = _refuse_ended(enrollment)
    if refused is not None:
        return refused
    form = ScheduleForm(prefix="battery")
    form.what.choices = _choices(enrollment)
    if request.method == "GET":
        if not form.start_date.data:
            form.start_date.data = batteries.actions.local_today(
                db.session, enrollment, _now()
            ).isoformat()
        audit_citizen("read", "battery_schedule", enrollment.citizen_id, enrollment=enrollment.id)
        return _page(enrollment, form)
    if not form.validate_on_submit():  # the CSRF token
        abort(400)
    plan = _read(form, enrollment)
    if plan is None:
        return _page(enrollment, form, status=422)
    if request.form.get("action") != "save":
        audit_citizen("read", "battery_schedule", enrollment.citizen_id, enrollment=enrollment.id)
        return _page(enrollment, form, plan=plan)
    try:
        schedule = batteries.schedule_battery(
            db.session,
            enrollment,
            form_keys=plan.form_keys,
            start_date=plan.start_date,
            local_time=plan.local_time,
            every_days=plan.every_days,
            count=plan.count,
            actor_id=current_user.id,
            now=_now(),
            battery_key=plan.battery_key,
        )
    except (batteries.BatteryError, sched.ScheduleError) as error:
        db.session.rollback()
        form.what.errors.append(str(ERRORS.get(getattr(error, "code", ""), str(error))))
        return _page(enrollment, form, status=422)
    audit_citizen(
        "change",
        "battery_schedule",
        enrollment.citizen_id,
        enrollment=enrollment.id,
        schedule=schedule.id,
        battery=plan.battery_key,
        forms=plan.form_keys,
        start=plan.start_date.isoformat(),
        every_days=plan.every_days,
        time=plan.local_time,
        count=plan.count,
    )
    flash(_("The battery was scheduled."), "info")
    return _back(enrollment)


def _schedule_of(enrollment: Enrollment, schedule_id: int) -> BatterySchedule:
    schedule = db.session.get(BatterySchedule, schedule_id)
    if schedule is None or schedule.enrollment_id != enrollment.id:
        abort(404)
    return schedule


@bp.route("/patients/<id:enrollment_id>/batteries/<id:schedule_id>/stop", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def stop_battery(enrollment_id: int, schedule_id: int):
    enrollment = unit_enrollment(enrollment_id)
    schedule = _schedule_of(enrollment, schedule_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    refused = _refuse_ended(enrollment)
    if refused is not None:
        return refused
    if batteries.stop(db.session, schedule, current_user.id, _now()):
        audit_citizen(
            "change",
            "battery_stop",
            enrollment.citizen_id,
            enrollment=enrollment.id,
            schedule=schedule.id,
        )
        flash(_("The battery was stopped."), "info")
    else:
        db.session.rollback()
        flash(_("The battery was already stopped."), "info")
    return _back(enrollment)


@bp.route("/patients/<id:enrollment_id>/batteries/extra", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def extra_battery(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    form = ExtraForm(prefix="extra")
    form.what.choices = _choices(enrollment)
    if not form.validate_on_submit():
        abort(400)
    refused = _refuse_ended(enrollment)
    if refused is not None:
        return refused
    target = _target(enrollment, form.what.data)
    if target is None:
        flash(_("Choose a battery or a form."), "error")
        return _back(enrollment)
    try:
        schedule = batteries.extra_measurement(
            db.session,
            enrollment,
            form_keys=target[1],
            actor_id=current_user.id,
            now=_now(),
            battery_key=target[0],
        )
    except batteries.BatteryError as error:
        db.session.rollback()
        flash(str(ERRORS.get(error.code, str(error))), "error")
        return _back(enrollment)
    audit_citizen(
        "change",
        "battery_extra",
        enrollment.citizen_id,
        enrollment=enrollment.id,
        schedule=schedule.id,
        battery=target[0],
        forms=target[1],
    )
    flash(_("The extra measurement was sent to the patient."), "info")
    return _back(enrollment)


@bp.route("/patients/<id:enrollment_id>/batteries/reschedule", methods=["GET", "POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def reschedule_battery(enrollment_id: int):
    """Reschedule the battery ``?schedule=<id>`` (a query parameter: the page is the patient's)."""
    enrollment = unit_enrollment(enrollment_id)
    refused = _refuse_ended(enrollment)
    if refused is not None:
        return refused
    schedule_id = request.args.get("schedule", "")
    schedule = db.session.get(BatterySchedule, int(schedule_id)) if schedule_id.isdigit() else None
    if schedule is None or schedule.enrollment_id != enrollment.id or schedule.status != "active":
        flash(str(ERRORS["not_running"]), "error")
        return _back(enrollment)
    form = RescheduleForm(prefix="battery")
    form.what.choices = []
    if request.method == "GET":
        form.kind.data = "repeat" if schedule.every_days else "once"
        form.every_days.data = str(schedule.every_days or "")
        form.local_time.data = schedule.local_time
        form.start_date.data = max(
            schedule.start_date or date.min,
            batteries.actions.local_today(db.session, enrollment, _now()),
        ).isoformat()
        audit_citizen(
            "read",
            "battery_schedule",
            enrollment.citizen_id,
            enrollment=enrollment.id,
            schedule=schedule.id,
        )
        return _page(enrollment, form, schedule=schedule)
    if not form.validate_on_submit():
        abort(400)
    plan = _read(form, enrollment, with_target=False)
    if plan is None:
        return _page(enrollment, form, schedule=schedule, status=422)
    plan.count = schedule.count if plan.every_days else None
    if request.form.get("action") != "save":
        return _page(enrollment, form, schedule=schedule, plan=plan)
    try:
        batteries.reschedule(
            db.session,
            schedule,
            start_date=plan.start_date,
            local_time=plan.local_time,
            every_days=plan.every_days,
            actor_id=current_user.id,
            now=_now(),
        )
    except (batteries.BatteryError, sched.ScheduleError) as error:
        db.session.rollback()
        form.start_date.errors.append(str(ERRORS.get(getattr(error, "code", ""), str(error))))
        return _page(enrollment, form, schedule=schedule, status=422)
    audit_citizen(
        "change",
        "battery_reschedule",
        enrollment.citizen_id,
        enrollment=enrollment.id,
        schedule=schedule.id,
        start=plan.start_date.isoformat(),
        every_days=plan.every_days,
        time=plan.local_time,
    )
    flash(_("The battery was rescheduled."), "info")
    return _back(enrollment)


# --- the panel ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccurrenceRow:
    status: str
    planned: str  # "2026-03-29 08:00"
    due: str
    expires: str


@dataclass(frozen=True)
class BatteryRow:
    id: int
    name: str
    forms: list[str]
    every_days: int | None
    local_time: str
    count: int | None
    trigger: str
    occurrences: list[OccurrenceRow]


def _local(moment: datetime, zone_name: str) -> str:
    return sched.wall_time(moment, zone_name).strftime("%Y-%m-%d %H:%M")


def _rows(enrollment: Enrollment) -> list[BatteryRow]:
    lang = current_language()
    running = batteries.running(db.session, enrollment)
    keys = sorted({str(k) for s, _o in running for k in s.form_keys or []})
    titles: dict[str, str] = {}
    if keys:
        for form in db.session.scalars(select(Form).where(Form.key.in_(keys))):
            titles[form.key] = local(form.latest.title, lang) or form.key
    rows = []
    for schedule, occurrences in running:
        rows.append(
            BatteryRow(
                id=schedule.id,
                name=local(schedule.name or {}, lang)
                or ", ".join(titles.get(k, k) for k in schedule.form_keys or []),
                forms=[titles.get(str(k), str(k)) for k in schedule.form_keys or []],
                every_days=schedule.every_days,
                local_time=schedule.local_time,
                count=schedule.count,
                trigger=schedule.trigger,
                occurrences=[_occurrence_row(o) for o in occurrences],
            )
        )
    return rows


def _occurrence_row(occurrence: BatteryOccurrence) -> OccurrenceRow:
    zone_name = occurrence.time_zone
    return OccurrenceRow(
        status=occurrence.status,
        planned=occurrence.planned_local.replace("T", " "),
        due=_local(occurrence.due_at, zone_name),
        expires=_local(occurrence.expires_at, zone_name),
    )


def panel(enrollment: Enrollment) -> dict:
    """What ``_battery_panel.html`` shows: running batteries and the forms to start more."""
    ongoing = enrollment.status != "ended"
    extra_form = ExtraForm(prefix="extra") if ongoing else None
    schedule_form = ScheduleForm(prefix="battery") if ongoing else None
    choices = _choices(enrollment) if ongoing else []
    if extra_form is not None and schedule_form is not None:
        extra_form.what.choices = choices
        schedule_form.what.choices = choices
        schedule_form.start_date.data = batteries.actions.local_today(
            db.session, enrollment, _now()
        ).isoformat()
    return {
        "battery_rows": _rows(enrollment),
        "battery_extra_form": extra_form,
        "battery_schedule_form": schedule_form,
        "battery_zone": unit_zone(db.session, enrollment),
    }
