"""Information messages to all staff of the region's units."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import regions
from ...enrollments.clock import local_date
from ...extensions import db
from ..access import require
from . import bp, error_text, own_region
from .forms import ActionForm, MessageForm


def _render(region, form: MessageForm | None = None, problem: str | None = None, status=200):
    return render_template(
        "sob_core/region/messages.html",
        region=region,
        messages=regions.messages_of(db.session, region.id),
        today=local_date(datetime.now(UTC)),
        form=form or MessageForm(),
        action=ActionForm(),
        problem=problem,
    ), status


@bp.route("/<id:region_id>/messages", methods=["GET", "POST"])
@require("staff", region_admin=True)
def messages(region_id: int):
    region = own_region(region_id)
    form = MessageForm()
    if not form.is_submitted():
        return _render(region, form)
    if not form.validate():
        return _render(region, form, status=422)
    try:
        regions.create_message(
            db.session,
            region_id=region.id,
            text_sv=form.text_sv.data,
            text_en=form.text_en.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            actor_id=current_user.id,
        )
    except regions.RegionError as error:
        db.session.rollback()
        form.ends_on.errors = [error_text(error)]
        return _render(region, form, status=422)
    db.session.commit()
    flash(_("The information message was saved."), "info")
    return redirect(url_for("region.messages", region_id=region.id))


@bp.route("/<id:region_id>/messages/<id:message_id>/end", methods=["POST"])
@require("staff", region_admin=True)
def end_message(region_id: int, message_id: int):
    region = own_region(region_id)
    if not ActionForm().validate_on_submit():
        return _render(region, problem=_("The form was sent incompletely; try again."), status=400)
    try:
        regions.end_message(
            db.session,
            region_id=region.id,
            message_id=message_id,
            today=local_date(datetime.now(UTC)),
            actor_id=current_user.id,
        )
    except regions.RegionError as error:
        db.session.rollback()
        return _render(region, problem=error_text(error), status=404)
    db.session.commit()
    flash(_("The message is no longer shown."), "info")
    return redirect(url_for("region.messages", region_id=region.id))
