"""A programme's retention period: how many days after an enrollment ends its working data is
kept before the nightly job purges it (the publisher sets it; see docs/data-lifecycle.md)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from ... import audit, datalife, programs
from ...datalife.retention import MAX_RETENTION_DAYS
from ...extensions import db
from ..access import require
from .common import PUBLISH_ROLES, bp, name_of, owned_program


class RetentionForm(FlaskForm):
    days = IntegerField(
        lazy_gettext("Days after the enrollment ends"),
        validators=[
            Optional(),
            NumberRange(
                1,
                MAX_RETENTION_DAYS,
                message=lazy_gettext(
                    "Give a number of days from 1 to %(max)s.", max=MAX_RETENTION_DAYS
                ),
            ),
        ],
        description=lazy_gettext(
            "Responses, results, messages, activity registrations and events of an ended "
            "enrollment are purged this many days after its end. Empty: kept until a period is set."
        ),
    )


@bp.route("/programs/<id:program_id>/retention", methods=["GET", "POST"])
@require("staff", roles=PUBLISH_ROLES, unit_scoped=True)
def retention(program_id: int):
    program = owned_program(program_id)
    form = RetentionForm(data={"days": program.retention_days})
    if form.validate_on_submit():
        before = program.retention_days
        datalife.set_retention(db.session, program, form.days.data)
        audit.record(
            db.session,
            actor_kind="staff",
            actor_id=current_user.id,
            action="change",
            what="program.retention",
            care_unit_id=session.get("care_unit_id"),
            detail={"program_id": program.id, "before": before, "after": program.retention_days},
            ip=request.remote_addr,
        )
        db.session.commit()
        flash(_("The retention period was saved."), "info")
        return redirect(url_for("design.program", program_id=program.id))
    latest = programs.latest_published(db.session, program)
    return render_template(
        "sob_core/design/retention.html",
        program=program,
        name=name_of(latest or programs.current_draft(db.session, program)),
        form=form,
    )
