"""The data administrator's purge pages (/admin/data/purge): what is due, a dry run, the purge
itself and legal holds. Only the active care unit's enrollments; another unit's answer 404.

The pages show no citizen's name or number: an enrollment is shown by its number, programme
and dates. Reading the list and a dry run is still audit-logged (they are about citizens).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from ... import audit, datalife, media
from ...datalife.holds import MAX_REASON
from ...extensions import db
from ...models import PurgeRecord
from ...models._types import utcnow
from ...notifications.policy import local_time
from ..access import require
from ..limits import MaxLength
from . import bp

ROLES = {"data_admin"}
STATE_LABELS = {
    "upcoming": lazy_gettext("Notice not sent yet"),
    "noticed": lazy_gettext("Notice sent; waiting"),
    "due": lazy_gettext("Due for purge"),
    "held": lazy_gettext("Legal hold"),
}


def error_message(error: datalife.DatalifeError) -> str:
    messages = {
        "not_found": _("There is no such enrollment at this care unit."),
        "not_ended": _("The enrollment has not ended."),
        "no_rule": _("The programme has no retention period."),
        "not_due": _("The retention period has not passed yet."),
        "no_notice": _("The data administrators have not been told yet; the notice comes first."),
        "notice_period": _("The notice period has not passed yet."),
        "held": _("A legal hold is set: the enrollment is not purged."),
        "already_held": _("A legal hold is set already."),
        "not_held": _("There is no legal hold to lift."),
        "reason": _("Give a reason of at most %(max)s characters.", max=MAX_REASON),
        "days": _(
            "Give a number of days from 1 to %(max)s.", max=datalife.retention.MAX_RETENTION_DAYS
        ),
    }
    return messages.get(error.code, error.code)


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[
            InputRequired(message=lazy_gettext("Give a reason.")),
            MaxLength(MAX_REASON),
        ],
        description=lazy_gettext("Write no health data here, e.g. a case number."),
    )


class PurgeForm(FlaskForm):
    pass


def _settings() -> dict:
    return dict(current_app.config)


def _when(moment) -> str:
    return local_time(moment, current_app.config) if moment else ""


def _row(enrollment_id: int) -> datalife.DueEnrollment:
    rows = datalife.due_list(
        db.session,
        now=utcnow(),
        settings=_settings(),
        care_unit_id=session["care_unit_id"],
        enrollment_id=enrollment_id,
    )
    if not rows:
        abort(404)  # not ended, not due soon, or another unit's: like a missing one
    return rows[0]


@bp.route("/data/purge")
@require("staff", roles=ROLES, unit_scoped=True)
def data_purge():
    unit = session["care_unit_id"]
    now = utcnow()
    rows = datalife.due_list(db.session, now=now, settings=_settings(), care_unit_id=unit)
    audit.record_many(
        db.session,
        sorted({row.citizen_id for row in rows}),
        actor_kind="staff",
        actor_id=current_user.id,
        action="read",
        what="datalife.due_list",
        care_unit_id=unit,
        ip=request.remote_addr,
    )
    records = db.session.scalars(
        select(PurgeRecord)
        .where(PurgeRecord.care_unit_id == unit)
        .order_by(PurgeRecord.purged_at.desc())
        .limit(50)
    ).all()
    db.session.commit()
    return render_template(
        "sob_core/admin/data_purge.html",
        rows=rows,
        now=now,
        records=records,
        state_labels=STATE_LABELS,
        when=_when,
        notice_days=datalife.notice_days(_settings()),
    )


@bp.route("/data/purge/<id:enrollment_id>")
@require("staff", roles=ROLES, unit_scoped=True)
def data_purge_enrollment(enrollment_id: int):
    return _enrollment_page(enrollment_id)


def _enrollment_page(enrollment_id: int, hold_form=None, problem=None, status=200):
    row = _row(enrollment_id)
    now = utcnow()
    counts = datalife.dry_run(db.session, enrollment_id)
    audit.record(
        db.session,
        actor_kind="staff",
        actor_id=current_user.id,
        action="read",
        what="datalife.dry_run",
        citizen_id=row.citizen_id,
        care_unit_id=row.care_unit_id,
        detail={"enrollment_id": enrollment_id},
        ip=request.remote_addr,
    )
    db.session.commit()
    return render_template(
        "sob_core/admin/data_purge_enrollment.html",
        row=row,
        state=row.state(now),
        counts=counts,
        hold_form=hold_form or ReasonForm(),
        purge_form=PurgeForm(),
        problem=problem,
        state_labels=STATE_LABELS,
        when=_when,
    ), status


@bp.route("/data/purge/<id:enrollment_id>/purge", methods=["POST"])
@require("staff", roles=ROLES, unit_scoped=True)
def data_purge_run(enrollment_id: int):
    _row(enrollment_id)
    if not PurgeForm().validate_on_submit():
        abort(400)
    try:
        outcome = datalife.purge_due(
            db.session,
            enrollment_id,
            now=utcnow(),
            settings=_settings(),
            secret=str(current_app.config["SECRET_KEY"]),
            actor_kind="staff",
            actor_id=current_user.id,
            care_unit_id=session["care_unit_id"],
        )
    except datalife.DatalifeError as error:
        db.session.rollback()
        return _enrollment_page(enrollment_id, problem=error_message(error), status=409)
    db.session.commit()
    media.purging.remove_files(media.get_storage(current_app), outcome.media_keys)
    flash(_("Enrollment %(num)s was purged.", num=enrollment_id), "info")
    return redirect(url_for("admin.data_purge"))


def _hold_change(enrollment_id: int, change):
    _row(enrollment_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _enrollment_page(enrollment_id, hold_form=form, status=400)
    try:
        change(
            db.session,
            enrollment_id=enrollment_id,
            care_unit_id=session["care_unit_id"],
            reason=form.reason.data,
            actor_id=current_user.id,
            now=utcnow(),
        )
    except datalife.DatalifeError as error:
        db.session.rollback()
        return _enrollment_page(
            enrollment_id, hold_form=form, problem=error_message(error), status=409
        )
    db.session.commit()
    return None


@bp.route("/data/purge/<id:enrollment_id>/hold", methods=["POST"])
@require("staff", roles=ROLES, unit_scoped=True)
def data_purge_hold(enrollment_id: int):
    failed = _hold_change(enrollment_id, datalife.set_hold)
    if failed is not None:
        return failed
    flash(_("A legal hold is set on enrollment %(num)s.", num=enrollment_id), "info")
    return redirect(url_for("admin.data_purge_enrollment", enrollment_id=enrollment_id))


@bp.route("/data/purge/<id:enrollment_id>/lift", methods=["POST"])
@require("staff", roles=ROLES, unit_scoped=True)
def data_purge_lift(enrollment_id: int):
    failed = _hold_change(enrollment_id, datalife.lift_hold)
    if failed is not None:
        return failed
    flash(_("The legal hold on enrollment %(num)s is lifted.", num=enrollment_id), "info")
    return redirect(url_for("admin.data_purge_enrollment", enrollment_id=enrollment_id))
