"""The staff member's own notice setting: an e-mail at once, a daily digest, or none."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from ...extensions import db
from ...notifications import policy
from ..access import require
from ..citizen.settings import email_address_field
from . import bp


class StaffNoticeForm(FlaskForm):
    email = email_address_field()
    mode = RadioField(
        lazy_gettext("Tell me by e-mail when new messages wait"),
        choices=[
            SelectChoice("immediate", lazy_gettext("At once")),
            SelectChoice("digest", lazy_gettext("Once a day, in a digest")),
            SelectChoice("off", lazy_gettext("Never")),
        ],
        default="off",
    )


@bp.route("/settings", methods=["GET", "POST"])
@require("staff")
def settings():
    pref = policy.preference(db.session, "staff", current_user.id)
    form = StaffNoticeForm()
    if request.method == "GET":
        form.email.data = current_user.email or ""
        form.mode.data = pref.staff_mode if pref.staff_mode in policy.STAFF_MODES else "off"
    elif form.validate_on_submit():
        if form.mode.data != "off" and not form.email.data.strip():
            form.mode.errors = [_("Enter your e-mail address to be told by e-mail.")]
        else:
            current_user.email = form.email.data.strip() or None
            pref.staff_mode = form.mode.data
            policy.save_preference(db.session, pref, datetime.now(UTC))
            db.session.commit()
            flash(_("Your settings are saved."), "info")
            return redirect(url_for("staff.settings"))
    elif form.csrf_token.errors:
        abort(400)
    errors = sum(len(field.errors) for field in form if field.name != "csrf_token")
    return (
        render_template("sob_core/staff/settings.html", form=form, error_count=errors),
        422 if errors else 200,
    )
