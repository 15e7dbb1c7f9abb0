"""Information banners of the active care unit, written by its citizen administrators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ... import banners
from ...banners import BannerError, BannerInput
from ...extensions import db
from ...models import Banner, CareUnit
from ..access import require
from ..limits import MaxLength
from . import bp

CITIZEN_ADMIN = {"citizen_admin"}

ERRORS = {
    "no_text": lazy_gettext("Write the banner's text in Swedish."),
    "text_too_long": lazy_gettext(
        "The text may be at most %(max)s characters long.", max=banners.MAX_TEXT
    ),
    "no_dates": lazy_gettext("Give the first and the last day the banner is shown."),
    "ends_before_start": lazy_gettext("The last day cannot be before the first day."),
    "already_over": lazy_gettext("The last day has already passed."),
    "unknown_unit": lazy_gettext("There is no such care unit."),
}
STATE_LABELS = {
    "coming": lazy_gettext("Coming"),
    "showing": lazy_gettext("Shown now"),
    "over": lazy_gettext("Over"),
}


class DayField(DateField):
    """A day as YYYY-MM-DD, refused with a message in the user's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("Give the day as YYYY-MM-DD.")) from error


class BannerForm(FlaskForm):
    text_sv = TextAreaField(
        lazy_gettext("Text in Swedish"),
        validators=[
            InputRequired(message=lazy_gettext("Write the banner's text in Swedish.")),
            MaxLength(banners.MAX_TEXT),
        ],
        description=lazy_gettext(
            "Plain text shown to the citizens, e.g. that the unit is closed over the holidays. "
            "Never write anything about a patient here."
        ),
    )
    text_en = TextAreaField(
        lazy_gettext("Text in English (optional)"),
        validators=[Optional(), MaxLength(banners.MAX_TEXT)],
        description=lazy_gettext("Shown to citizens who read in English; otherwise the Swedish."),
    )
    starts_on = DayField(
        lazy_gettext("First day shown"),
        validators=[InputRequired(message=lazy_gettext("Give the first day as YYYY-MM-DD."))],
        description=lazy_gettext("YYYY-MM-DD, in the care unit's time."),
    )
    ends_on = DayField(
        lazy_gettext("Last day shown"),
        validators=[InputRequired(message=lazy_gettext("Give the last day as YYYY-MM-DD."))],
        description=lazy_gettext("YYYY-MM-DD. The banner is gone the day after."),
    )

    def value(self) -> BannerInput:
        return BannerInput(
            text_sv=self.text_sv.data or "",
            text_en=self.text_en.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
        )


def _field_for(form: BannerForm, code: str) -> Any:
    return {
        "no_text": form.text_sv,
        "text_too_long": form.text_sv,
        "no_dates": form.starts_on,
        "ends_before_start": form.ends_on,
        "already_over": form.ends_on,
    }.get(code)


def _unit() -> CareUnit:
    unit = db.session.get(CareUnit, session["care_unit_id"])
    if unit is None:
        abort(404)
    return unit


def _own_banner(banner_id: int) -> Banner:
    banner = banners.unit_banner(db.session, banner_id, session["care_unit_id"])
    if banner is None:
        abort(404)  # another unit's banner answers like a missing one
    return banner


def _save(form: BannerForm, save: Any) -> bool:
    """Validate and save; on a coded error put the message on its field. True when saved."""
    if request.method != "POST":
        return False
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return False
    try:
        save(form.value())
    except BannerError as error:
        db.session.rollback()
        field = _field_for(form, error.code)
        message = str(ERRORS.get(error.code, _("The banner could not be saved.")))
        if field is not None:
            field.errors = [message]
        else:
            form.form_errors.append(message)
        return False
    db.session.commit()
    return True


@bp.route("/banners", methods=["GET", "POST"])
@require("staff", roles=CITIZEN_ADMIN, unit_scoped=True)
def banner_list():
    unit = _unit()
    form = BannerForm()
    saved = _save(
        form,
        lambda value: banners.create(
            db.session, care_unit_id=unit.id, value=value, actor_id=current_user.id
        ),
    )
    if saved:
        flash(_("The banner was saved."), "info")
        return redirect(url_for("admin.banner_list"))
    today = banners.unit_today(unit, datetime.now(UTC))
    rows = [(b, banners.state(b, today)) for b in banners.of_unit(db.session, unit.id)]
    return render_template(
        "sob_core/admin/banners.html",
        unit=unit,
        form=form,
        rows=rows,
        today=today,
        state_labels=STATE_LABELS,
    ), (422 if form.errors or form.form_errors else 200)


@bp.route("/banners/<id:banner_id>", methods=["GET", "POST"])
@require("staff", roles=CITIZEN_ADMIN, unit_scoped=True)
def banner_edit(banner_id: int):
    unit = _unit()
    banner = _own_banner(banner_id)
    form = BannerForm(data=banners.as_input(banner) if request.method == "GET" else None)
    saved = _save(
        form,
        lambda value: banners.update(db.session, banner, value=value, actor_id=current_user.id),
    )
    if saved:
        flash(_("The banner was saved."), "info")
        return redirect(url_for("admin.banner_list"))
    return render_template(
        "sob_core/admin/banner_edit.html", unit=unit, form=form, banner=banner
    ), (422 if form.errors or form.form_errors else 200)


@bp.route("/banners/<id:banner_id>/delete", methods=["POST"])
@require("staff", roles=CITIZEN_ADMIN, unit_scoped=True)
def banner_delete(banner_id: int):
    banner = _own_banner(banner_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    banners.remove(db.session, banner, actor_id=current_user.id)
    db.session.commit()
    flash(_("The banner was removed."), "info")
    return redirect(url_for("admin.banner_list"))
