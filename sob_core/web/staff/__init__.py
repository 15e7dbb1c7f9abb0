"""The staff pages: start page and choosing the care unit to work at."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from ...extensions import db
from ...models import CareUnit
from ..access import require
from ..shell import safe_next

bp = Blueprint("staff", __name__, url_prefix="/staff")


class ChooseUnitForm(FlaskForm):
    care_unit = RadioField(coerce=int, validators=[InputRequired()])


def _my_units() -> list[CareUnit]:
    ids = sorted({r.care_unit_id for r in current_user.roles})
    return [db.session.get(CareUnit, unit_id) for unit_id in ids]


@bp.route("/")
@require("staff")
def start():
    unit_id = session.get("care_unit_id")
    if unit_id is None:
        return redirect(url_for("staff.choose_unit"))
    unit = db.session.get(CareUnit, unit_id)
    roles = sorted(r.role for r in current_user.roles if r.care_unit_id == unit_id)
    return render_template("sob_core/staff/start.html", unit=unit, roles=roles)


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
