"""The citizen's activity plan: her therapist's instructions, a dated registration of her values,
and the results her therapist chose to show her (a chart with the target band, and a table).

Reached from "Mitt innehåll" through the programme's activity-plan item. Each page carries a
fresh submission key: sending the same form twice (a double click, a reload) stores it once.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from ... import activity
from ...content import content_of, filled
from ...extensions import db
from ...i18n import current_language
from ...models import ActivityRegistration, Enrollment
from ...types import local
from ..access import require
from ..activity_ui import error_text, figure, rows, target_text
from ..results import PLOTLY_MAPLIBRE_STYLE_ID
from . import bp
from .programs import own_enrollment


def _now() -> datetime:
    return datetime.now(UTC)


class RegisterForm(FlaskForm):
    """The day and the submission key; the values are one input per registration (``value_<id>``)."""

    on_date = StringField(
        lazy_gettext("Date"),
        render_kw={"type": "date", "autocomplete": "off"},
        description=lazy_gettext("The day the values are for (YYYY-MM-DD)."),
    )
    submission_key = HiddenField()


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _render(
    enrollment: Enrollment,
    form: RegisterForm,
    *,
    typed: dict[int, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
):
    plan = activity.plan_of(db.session, enrollment.id)
    current = activity.registrations(db.session, plan)
    shown = [r for r in current if r.show_citizen]
    values = activity.values_of(db.session, [r.id for r in shown])
    errors = errors or {}
    if "on_date" in errors:
        form.on_date.errors = [errors["on_date"]]
    content = content_of(enrollment.program_version)
    return (
        render_template(
            "sob_core/citizen/activity_plan.html",
            enrollment=enrollment,
            program_name=local(filled(content.name), current_language()),
            plan=plan,
            registrations=current,
            targets={r.id: target_text(r) for r in current},
            form=form,
            typed=typed or {},
            errors=errors,
            today=activity.local_today(db.session, enrollment, _now()).isoformat(),
            charts=[
                {
                    "registration": r,
                    "target": target_text(r),
                    "rows": rows(r, values[r.id]),
                    "figure_json": json.dumps(figure(r, values[r.id])),
                }
                for r in shown
            ],
            plotly_maplibre_style_id=PLOTLY_MAPLIBRE_STYLE_ID,
        ),
        status,
    )


def _parse(
    current: list[ActivityRegistration], errors: dict[str, str]
) -> tuple[dict[int, str], dict[int, float | None]]:
    typed: dict[int, str] = {}
    numbers: dict[int, float | None] = {}
    for registration in current:
        name = f"value_{registration.id}"
        typed[registration.id] = request.form.get(name, "")
        try:
            numbers[registration.id] = activity.parse_number(typed[registration.id], name)
        except activity.ActivityError as error:
            errors[name] = error_text(error)
            continue
        if registration.required and numbers[registration.id] is None:
            errors[name] = error_text(activity.ActivityError("value_required", name))
    return typed, numbers


@bp.route("/programs/<id:enrollment_id>/activity-plan", methods=["GET", "POST"])
@require("citizen")
def activity_plan(enrollment_id: int):
    enrollment = own_enrollment(enrollment_id)
    if request.method == "GET":
        form = RegisterForm(
            formdata=None,
            data={
                "on_date": activity.local_today(db.session, enrollment, _now()).isoformat(),
                "submission_key": uuid.uuid4().hex,
            },
        )
        return _render(enrollment, form)
    form = RegisterForm()
    if not form.validate_on_submit():
        abort(400)  # only the CSRF token is judged by WTForms here
    plan = activity.plan_of(db.session, enrollment.id)
    current = activity.registrations(db.session, plan)
    errors: dict[str, str] = {}
    typed, numbers = _parse(current, errors)
    day = _day(form.on_date.data)
    if day is None:
        errors["on_date"] = error_text(activity.ActivityError("date_missing", "on_date"))
    moment = _now()
    if not errors:
        try:
            outcome = activity.record(
                db.session,
                enrollment=enrollment,
                on_date=day,
                values=numbers,
                submission_key=form.submission_key.data or "",
                now=moment,
            )
        except activity.ActivityError as error:
            db.session.rollback()
            errors[error.field or "values"] = error_text(error)
        else:
            if not outcome.repeated:
                enrollment.last_active_at = moment
                current_user.last_active_at = moment
            db.session.commit()
            flash(
                _("The values were already saved.")
                if outcome.repeated
                else _("Thank you! Your values are saved."),
                "info",
            )
            return redirect(url_for("citizen.activity_plan", enrollment_id=enrollment.id))
    return _render(enrollment, form, typed=typed, errors=errors, status=422)
