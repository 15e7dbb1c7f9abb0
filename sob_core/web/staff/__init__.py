"""The staff pages: start page, choosing the care unit, patients and their forms and results.

The patient lists, starting an enrollment and the patient page live in modules of their own
(``lists``, ``new_enrollment``, ``patient_page``) that add their views to this blueprint.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, bindparam, func, select
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

from ... import audit
from ...enrollments import assignments, staff_views
from ...enrollments.clock import local_date
from ...extensions import commit_keeping_loaded, db
from ...forms import answer_files, display_answer, repeating, specs
from ...i18n import current_language
from ...models import (
    CareUnit,
    Enrollment,
    Form,
    FormVersion,
    ScaleTextPack,
    Staff,
)
from ...types import local
from ..access import require
from ..answer_files import send_answer_file
from ..audit import audit_citizen
from ..labels import tell_apart
from ..results import render_series
from ..shell import safe_next

bp = Blueprint("staff", __name__, url_prefix="/staff")


class ChooseUnitForm(FlaskForm):
    care_unit = RadioField(coerce=int, validators=[InputRequired()])


def _my_units() -> list[CareUnit]:
    ids = sorted({r.care_unit_id for r in current_user.roles})
    units = [db.session.get(CareUnit, unit_id) for unit_id in ids]
    # a role's unit always exists (foreign key); a deactivated one cannot be chosen
    return [unit for unit in units if unit is not None and unit.active]


@bp.route("/")
@require("staff")
def start():
    unit_id = session.get("care_unit_id")
    if unit_id is None:
        return redirect(url_for("staff.choose_unit"))
    unit = db.session.get(CareUnit, unit_id)
    roles = sorted(r.role for r in current_user.roles if r.care_unit_id == unit_id)
    from ... import messaging

    unread = []
    if THERAPY_ROLES & set(roles):
        # The unit's patients with messages no one in the care team has read yet: one query.
        unread = messaging.unit_unread(db.session, unit_id)
        audit_list([row.citizen_id for row in unread], "unread_messages")
    open_flags = start_flags(unit_id, roles)
    filters = open_flags.get("flag_filters")
    return render_template(
        "sob_core/staff/start.html", unit=unit, roles=roles, unread=unread, **open_flags
    ), (422 if filters is not None and filters.errors else 200)


def start_flags(unit_id: int, roles: list[str]) -> dict[str, Any]:
    """The start page's open flags of the unit, filtered as asked (kind, status, mine)."""
    if not THERAPY_ROLES & set(roles):
        return {"flag_rows": None}
    from ...flags.queries import unit_open_flags
    from .flags import FlagFilterForm

    filters = FlagFilterForm(request.args, meta={"csrf": False})
    valid = filters.validate()
    rows = unit_open_flags(
        db.session,
        unit_id,
        kind=filters.kind.data or None if valid else None,
        status=filters.status.data or None if valid else None,
        assigned_to=current_user.id if valid and filters.mine.data else None,
    )
    audit_list(sorted({row.flag.citizen_id for row in rows}), "open_flags")
    return {"flag_rows": rows, "flag_filters": filters}


@bp.route("/unit", methods=["GET", "POST"])
@require("staff")
def choose_unit():
    units = _my_units()
    form = ChooseUnitForm()
    form.care_unit.label.text = _("Care unit")
    form.care_unit.choices = [(u.id, u.name) for u in units]
    if not units:
        abort(403)
    if form.validate_on_submit():
        if form.care_unit.data not in {u.id for u in units}:
            abort(403)
        session["care_unit_id"] = form.care_unit.data
        return redirect(safe_next(request.args.get("next"), url_for("staff.start")))
    return render_template("sob_core/staff/choose_unit.html", form=form)


# --- patients at the active care unit ------------------------------------------------------------

THERAPY_ROLES = {"therapist", "citizen_admin"}


def unit_enrollment(enrollment_id: int) -> Enrollment:
    """An enrollment at the active care unit; another unit's answers like a missing one."""
    enrollment = staff_views.unit_enrollment(db.session, enrollment_id, session["care_unit_id"])
    if enrollment is None:
        abort(404)
    return enrollment


class AssignForm(FlaskForm):
    form_id = SelectField(coerce=int, validators=[InputRequired()])


def audit_list(citizen_ids: list[int], what: str, **detail: Any) -> None:
    """Listing citizens to staff is a read of each citizen's data: one event each, one statement."""
    audit.record_many(
        db.session,
        citizen_ids,
        actor_kind="staff",
        actor_id=current_user.id,
        action="read",
        what=what,
        care_unit_id=session.get("care_unit_id"),
        detail=detail,
        ip=request.remote_addr,
    )
    if citizen_ids:
        commit_keeping_loaded()


def assignable_forms(registry) -> list[tuple[int, str]]:
    """(id, label) of the forms staff may send; two forms of one title are told apart by key."""
    return [(form_id, label) for form_id, _key, label in assignable_form_rows(registry)]


@functools.cache
def _assignable_forms_statement() -> Select:
    """``assignable_form_rows``'s statement, built once; the active care unit is bound."""
    latest = (
        select(FormVersion.form_id, func.max(FormVersion.version).label("version"))
        .group_by(FormVersion.form_id)
        .subquery()
    )
    return (
        select(Form.id, Form.key, FormVersion.title, FormVersion.scale_id)
        .join(latest, latest.c.form_id == Form.id)
        .join(
            FormVersion,
            (FormVersion.form_id == Form.id) & (FormVersion.version == latest.c.version),
        )
        .where((Form.care_unit_id == bindparam("unit")) | Form.care_unit_id.is_(None))
        .order_by(Form.key)
    )


def assignable_form_rows(registry) -> list[tuple[int, str, str]]:
    """(id, key, label) of the forms staff may send, read once a request: one statement for the
    forms' latest titles (not every version's whole definition), shared by the page's panels.

    The active unit's own forms and the shared ones (no unit), as the design tool lists them:
    another unit's own forms are neither listed nor sendable here."""
    cached = g.get("sob_assignable_forms")
    if cached is not None:
        return cached
    lang = current_language()
    rows = db.session.execute(
        _assignable_forms_statement(), {"unit": session["care_unit_id"]}
    ).all()
    # a form whose scale's plugin is not installed cannot be filled in
    usable = [r for r in rows if not r.scale_id or r.scale_id in registry.scales]
    labels = tell_apart(usable, lambda r: local(r.title, lang) or r.key, lambda r: r.key)
    found = [(r.id, r.key, label) for r, label in zip(usable, labels, strict=True)]
    g.sob_assignable_forms = found
    return found


@bp.route("/patients/<id:enrollment_id>/assign", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def assign(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    registry = current_app.extensions["sob"].registry
    form = AssignForm()
    form.form_id.choices = assignable_forms(registry)
    if not form.validate_on_submit():
        abort(400)
    if enrollment.status == "ended":
        flash(_("The enrollment has ended and can no longer be changed."), "error")
        return redirect(url_for("staff.patient", enrollment_id=enrollment.id))
    chosen = db.session.get(Form, form.form_id.data)
    if chosen is None:  # one of the choices, but deleted since the page was drawn
        abort(400)
    assignments.send_form(db.session, enrollment, chosen, current_user.id)
    audit_citizen("change", "form_assignment", enrollment.citizen_id, form=chosen.key)
    flash(_("The form was sent to the patient."), "info")
    return redirect(url_for("staff.patient", enrollment_id=enrollment.id))


@bp.route("/patients/<id:enrollment_id>/responses/<id:response_id>")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def response(enrollment_id: int, response_id: int):
    enrollment = unit_enrollment(enrollment_id)
    # Only what the citizen gave within this unit's enrollments; another unit's is as missing.
    answer = staff_views.unit_response(db.session, enrollment, response_id, session["care_unit_id"])
    if answer is None:
        abort(404)
    from .overview import mark_read

    first_read = answer.staff_read_at is None
    if first_read:  # "Olästa formulär" until a staff member first opens it; stamped once
        first_read = mark_read(db.session, answer.id, current_user.id, datetime.now(UTC))
    # the audit event commits the stamp with it
    audit_citizen(
        "read", "form_response", enrollment.citizen_id, response=answer.id, first_read=first_read
    )
    if first_read:
        db.session.refresh(answer)
    read_by = db.session.get(Staff, answer.staff_read_by_id) if answer.staff_read_by_id else None
    registry = current_app.extensions["sob"].registry
    lang = current_language()
    rows = []
    inside = repeating.repeated_questions(answer.form_version.definition)
    for spec in specs(answer.form_version):
        stored = (answer.answers or {}).get(spec.key)
        repeated = spec.key in inside  # in a repeating group: "1: … | 2: …"
        shown = display_answer(spec, stored, registry, lang, repeated) if stored else "–"
        files = [
            (
                str(one["filename"]),
                url_for(
                    "staff.answer_file",
                    enrollment_id=enrollment.id,
                    response_id=answer.id,
                    media_id=one["media_id"],
                ),
            )
            for one in answer_files.files_of(stored)
        ]
        rows.append((local(spec.label, lang), shown, files))
    return render_template(
        "sob_core/staff/response.html",
        enrollment=enrollment,
        answer=answer,
        rows=rows,
        read_by=read_by.name if read_by is not None else None,
        read_on=local_date(answer.staff_read_at) if answer.staff_read_at else None,
    )


@bp.route("/patients/<id:enrollment_id>/responses/<id:response_id>/files/<id:media_id>")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def answer_file(enrollment_id: int, response_id: int, media_id: int):
    """A file a citizen gave as an answer, in a response given at this unit; the read is
    audit-logged before the file is sent. Another unit's, or a file the response does not
    name, is 404."""
    enrollment = unit_enrollment(enrollment_id)
    answer = staff_views.unit_response(db.session, enrollment, response_id, session["care_unit_id"])
    if answer is None or answer_files.named_file(answer, media_id) is None:
        abort(404)
    audit_citizen("read", "answer_file", enrollment.citizen_id, response=answer.id, media=media_id)
    return send_answer_file(answer, media_id)


@bp.route("/patients/<id:enrollment_id>/results/<key>")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_result(enrollment_id: int, key: str):
    enrollment = unit_enrollment(enrollment_id)
    return render_series(
        enrollment.citizen,
        key,
        citizen_view=False,
        care_unit_id=session["care_unit_id"],
        on_found=lambda: audit_citizen("read", "results", enrollment.citizen_id, key=key),
        template="sob_core/results/series.html",
        back=url_for("staff.patient_results", enrollment_id=enrollment.id),
    )


@bp.route("/scales")
@require("staff", unit_scoped=True)
def scales():
    registry = current_app.extensions["sob"].registry
    installed = set(db.session.scalars(select(ScaleTextPack.scale_id)))
    rows = [
        (scale, scale.texts_shipped or scale.id in installed)
        for scale in sorted(registry.scales.values(), key=lambda s: s.id)
    ]
    return render_template("sob_core/staff/scales.html", rows=rows)


# The views of these modules register on ``bp``; imported last because they import from here.
from . import activity, lists, messages, new_enrollment, patient_page, settings  # noqa: E402, F401
