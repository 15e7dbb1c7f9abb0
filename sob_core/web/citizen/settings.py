"""The citizen's notice settings (e-mail address, mobile number, channels, language) and the
inbox's "mark as read". Views on the citizen blueprint."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField
from wtforms.validators import Optional, Regexp

from ...extensions import db
from ...notifications import inbox, policy
from ...notifications.phone import InvalidMobileNumber, normalise_mobile
from ..access import require
from ..limits import MaxLength
from . import bp

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def strip(value: str | None) -> str:
    return (value or "").strip()


def email_address_field() -> StringField:
    """The optional e-mail address of a notice settings form (citizen's and staff's)."""
    return StringField(
        lazy_gettext("E-mail address"),
        filters=[strip],
        validators=[
            Optional(),
            MaxLength(254),
            Regexp(
                EMAIL_PATTERN, message=lazy_gettext("Enter an e-mail address like namn@exempel.se.")
            ),
        ],
    )


class NoticeSettingsForm(FlaskForm):
    email = email_address_field()
    mobile = StringField(
        lazy_gettext("Mobile number"), filters=[strip], validators=[Optional(), MaxLength(32)]
    )
    use_email = BooleanField(lazy_gettext("By e-mail"))
    use_sms = BooleanField(lazy_gettext("By text message (SMS)"))
    language = RadioField(
        lazy_gettext("Language of e-mail and text messages"),
        choices=[SelectChoice("sv", "Svenska"), SelectChoice("en", "English")],
        default="sv",
    )


@bp.route("/settings", methods=["GET", "POST"])
@require("citizen")
def settings():
    channels = current_app.extensions["sob"].registry.channels
    pref = policy.preference(db.session, "citizen", current_user.id)
    form = NoticeSettingsForm()
    if request.method == "GET":
        form.email.data = current_user.email or ""
        form.mobile.data = current_user.phone or ""
        # A channel without an address is not in use, whatever the (default) choice says.
        form.use_email.data = "email" in pref.channels and bool(current_user.email)
        form.use_sms.data = "sms" in pref.channels and bool(current_user.phone)
        form.language.data = pref.language or "sv"
    elif form.validate_on_submit():
        number = None
        if form.mobile.data.strip():
            try:
                number = normalise_mobile(form.mobile.data)
            except InvalidMobileNumber:
                form.mobile.errors = [
                    _("Enter a Swedish mobile number like 070-123 45 67 or +46 70 123 45 67.")
                ]
        if form.use_email.data and not form.email.data.strip():
            form.use_email.errors = [_("Enter your e-mail address to be told by e-mail.")]
        if form.use_sms.data and not form.mobile.data.strip():
            form.use_sms.errors = [_("Enter your mobile number to be told by text message.")]
        if not (form.mobile.errors or form.use_email.errors or form.use_sms.errors):
            current_user.email = form.email.data.strip() or None
            current_user.phone = number
            pref.channels = [
                key
                for key, chosen in (("email", form.use_email.data), ("sms", form.use_sms.data))
                if chosen
            ]
            pref.language = form.language.data if form.language.data in ("sv", "en") else "sv"
            policy.save_preference(db.session, pref, datetime.now(UTC))
            db.session.commit()
            flash(_("Your settings are saved."), "info")
            return redirect(url_for("citizen.settings"))
    elif form.csrf_token.errors:
        abort(400)
    errors = sum(len(field.errors) for field in form if field.name != "csrf_token")
    return (
        render_template(
            "sob_core/citizen/settings.html",
            form=form,
            has_sms="sms" in channels,
            has_email="email" in channels,
            error_count=errors,
        ),
        422 if errors else 200,
    )


@bp.route("/notices/<id:notification_id>/read", methods=["POST"])
@require("citizen")
def notice_read(notification_id: int):
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    if not inbox.mark_read(db.session, current_user.id, notification_id, datetime.now(UTC)):
        abort(404)  # someone else's notice answers like a missing one
    db.session.commit()
    return redirect(url_for("citizen.start") + "#inbox-heading")


@bp.route("/notices/read", methods=["POST"])
@require("citizen")
def notices_read():
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    inbox.mark_read(db.session, current_user.id, None, datetime.now(UTC))
    db.session.commit()
    return redirect(url_for("citizen.start") + "#inbox-heading")
