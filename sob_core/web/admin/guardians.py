"""Guardianships the active care unit's citizen administrators keep (the core's own source).

Every listing is an audited read of the children's data, every change an audited change
(``guardians.table`` writes those). A region whose plugin reads the population register may
leave this table empty: the guardian's page asks every source.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Optional

from ... import audit, guardians
from ...enrollments.clock import local_date
from ...extensions import db
from ..access import require
from ..limits import MaxLength
from . import bp

CITIZEN_ADMIN = {"citizen_admin"}

ERRORS = {
    "bad_guardian": lazy_gettext("The guardian's personal identity number is not valid."),
    "bad_child": lazy_gettext("The child's personal identity number is not valid."),
    "same_person": lazy_gettext("The guardian and the child cannot be the same person."),
    "too_old": lazy_gettext(
        "The child is 13 or older: a guardian acts for children under 13 only."
    ),
    "no_name": lazy_gettext("The child is not registered yet: give the child's name."),
    "name_too_long": lazy_gettext("The name may be at most 200 characters long."),
    "already": lazy_gettext("This guardianship is already recorded."),
}


class GuardianshipForm(FlaskForm):
    guardian = StringField(
        lazy_gettext("The guardian's personal identity number"),
        validators=[InputRequired(message=lazy_gettext("Give the guardian's number."))],
        description=lazy_gettext("YYYYMMDD-NNNN. She signs in with her own e-identification."),
    )
    child = StringField(
        lazy_gettext("The child's personal identity number"),
        validators=[InputRequired(message=lazy_gettext("Give the child's number."))],
        description=lazy_gettext("YYYYMMDD-NNNN. The child must be under 13."),
    )
    child_name = StringField(
        lazy_gettext("The child's name (when not registered yet)"),
        validators=[Optional(), MaxLength(guardians.table.MAX_NAME)],
    )


def _field_for(form: GuardianshipForm, code: str):
    return {
        "bad_guardian": form.guardian,
        "same_person": form.child,
        "bad_child": form.child,
        "too_old": form.child,
        "no_name": form.child_name,
        "name_too_long": form.child_name,
    }.get(code)


@bp.route("/guardians", methods=["GET", "POST"])
@require("staff", roles=CITIZEN_ADMIN, unit_scoped=True)
def guardian_list():
    unit_id = session["care_unit_id"]
    form = GuardianshipForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
        else:
            try:
                guardians.add(
                    db.session,
                    guardian=form.guardian.data or "",
                    child=form.child.data or "",
                    child_name=form.child_name.data or "",
                    care_unit_id=unit_id,
                    actor_id=current_user.id,
                    today=local_date(datetime.now(UTC)),
                    ip=request.remote_addr,
                )
            except guardians.GuardianError as error:
                db.session.rollback()
                field = _field_for(form, error.code)
                message = str(ERRORS.get(error.code, _("The guardianship could not be saved.")))
                if field is not None:
                    field.errors = [message]
                else:
                    form.form_errors.append(message)
            else:
                db.session.commit()
                flash(_("The guardianship was saved."), "info")
                return redirect(url_for("admin.guardian_list"))
    rows = guardians.of_unit(db.session, unit_id)
    # the children's names and numbers are citizen data: the listing is an audited read
    audit.record_many(
        db.session,
        sorted({row.child_id for row in rows}),
        actor_kind="staff",
        actor_id=current_user.id,
        action="read",
        what="guardianships",
        care_unit_id=unit_id,
        ip=request.remote_addr,
    )
    db.session.commit()
    return render_template(
        "sob_core/admin/guardians.html",
        form=form,
        rows=rows,
        age_limit=guardians.AGE_LIMIT,
    ), (422 if form.errors or form.form_errors else 200)


@bp.route("/guardians/<id:guardianship_id>/delete", methods=["POST"])
@require("staff", roles=CITIZEN_ADMIN, unit_scoped=True)
def guardian_delete(guardianship_id: int):
    row = guardians.unit_guardianship(db.session, guardianship_id, session["care_unit_id"])
    if row is None:
        abort(404)  # another unit's row answers like a missing one
    if not FlaskForm().validate_on_submit():
        abort(400)
    guardians.remove(db.session, row, actor_id=current_user.id, ip=request.remote_addr)
    db.session.commit()
    flash(_("The guardianship was removed."), "info")
    return redirect(url_for("admin.guardian_list"))
