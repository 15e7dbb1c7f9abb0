"""Permission administration at the active care unit: staff, their roles, the role log.

Only the unit's permission administrators reach these pages (``require`` at the active unit),
and every change goes through ``sob_core.permissions``, which checks it again and writes the
audit events. A staff member of another unit (or of none) is found by the exact HSA-id only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ... import permissions
from ...access_rules import ROLES
from ...extensions import db
from ...models import CareUnit, Staff
from ...notifications.policy import local_time
from ...permissions import PermissionsError
from ..access import require
from ..limits import MaxLength, page_number
from ..shell import role_label
from . import bp

ADMIN = {"permission_admin"}
PAGE = 50

ERRORS = {
    "not_permission_admin": lazy_gettext(
        "Only a permission administrator of this care unit can change its roles."
    ),
    "last_permission_admin": lazy_gettext(
        "The care unit must keep at least one permission administrator. Give the role to "
        "someone else first."
    ),
    "unknown_role": lazy_gettext("There is no such role."),
    "unknown_staff": lazy_gettext("There is no such staff member."),
    "unknown_unit": lazy_gettext("There is no such care unit."),
    "bad_hsa_id": lazy_gettext(
        "Write the HSA-id as in the HSA catalogue, e.g. SE2321000131-P000000000099."
    ),
    "no_name": lazy_gettext("Write the staff member's name."),
    "name_too_long": lazy_gettext("The name is too long."),
    "staff_exists": lazy_gettext(
        "A staff member with this HSA-id is already on the platform. Search for the HSA-id and "
        "give them roles here."
    ),
}


def error_text(error: PermissionsError) -> str:
    return str(ERRORS.get(error.code, _("The change could not be made.")))


class RoleChoices(SelectMultipleField):
    """The six roles as checkboxes (one fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        if any(value not in ROLES for value in self.data or []):
            raise ValidationError(_("There is no such role."))


def _role_choices() -> list[tuple[str, str]]:
    return [(role, role_label(role)) for role in ROLES]


class RolesForm(FlaskForm):
    roles = RoleChoices(lazy_gettext("Roles at this care unit"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = _role_choices()


class AddStaffForm(FlaskForm):
    hsa_id = StringField(
        lazy_gettext("HSA-id"),
        validators=[
            InputRequired(message=lazy_gettext("Write the staff member's HSA-id.")),
            MaxLength(64),
        ],
        description=lazy_gettext("As in the HSA catalogue, e.g. SE2321000131-P000000000099."),
    )
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            InputRequired(message=lazy_gettext("Write the staff member's name.")),
            MaxLength(permissions.MAX_NAME),
        ],
    )
    roles = RoleChoices(lazy_gettext("Roles at this care unit"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = _role_choices()


def _unit() -> CareUnit:
    unit = db.session.get(CareUnit, session["care_unit_id"])
    if unit is None:
        abort(404)
    return unit


@bp.route("/staff")
@require("staff", roles=ADMIN, unit_scoped=True)
def staff_list() -> str:
    unit = _unit()
    query = " ".join((request.args.get("q") or "").split())[:200]
    if query:
        rows, elsewhere = permissions.find_staff(db.session, unit.id, query)
    else:
        rows, elsewhere = permissions.unit_staff(db.session, unit.id), None
    return render_template(
        "sob_core/admin/staff.html",
        unit=unit,
        rows=rows,
        elsewhere=elsewhere,
        query=query,
        roles=ROLES,
        counts=permissions.role_counts(db.session, unit.id),
        thin=permissions.thin_roles(db.session, unit.id),
        single_roles=permissions.SINGLE_ROLES,
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@require("staff", roles=ADMIN, unit_scoped=True)
def staff_new():
    unit = _unit()
    form = AddStaffForm()
    problem = None
    if request.method == "POST" and not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    if request.method == "POST" and not form.errors:
        try:
            staff = permissions.add_staff(
                db.session,
                hsa_id=form.hsa_id.data or "",
                name=form.name.data or "",
                actor_id=current_user.id,
                care_unit_id=unit.id,
            )
            permissions.set_roles(
                db.session,
                actor_id=current_user.id,
                staff_id=staff.id,
                care_unit_id=unit.id,
                roles=form.roles.data or [],
            )
        except PermissionsError as error:
            db.session.rollback()
            field = {"bad_hsa_id": form.hsa_id, "staff_exists": form.hsa_id}.get(error.code)
            field = field or {"no_name": form.name, "name_too_long": form.name}.get(error.code)
            if field is not None:
                field.errors = [error_text(error)]
            else:
                problem = error_text(error)
        else:
            db.session.commit()
            flash(_("%(name)s was added.", name=staff.name), "info")
            return redirect(url_for("admin.staff_roles", staff_id=staff.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "sob_core/admin/staff_new.html", unit=unit, form=form, problem=problem
    ), status


@bp.route("/staff/<id:staff_id>", methods=["GET", "POST"])
@require("staff", roles=ADMIN, unit_scoped=True)
def staff_roles(staff_id: int):
    unit = _unit()
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        abort(404)
    held = permissions.staff_roles(db.session, unit.id, staff.id)
    # Someone working only elsewhere is shown to one who typed her whole HSA-id (the search's link
    # carries it), as the search does: ids tried one by one name nobody of another unit.
    hsa = request.values.get("hsa") or None
    if not held and hsa != staff.hsa_id and permissions.works_elsewhere(db.session, staff.id):
        abort(404)
    form = RolesForm(data={"roles": list(held)} if request.method == "GET" else None)
    problem = None
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            problem = _("Choose among the roles shown.")
        else:
            try:
                granted, revoked = permissions.set_roles(
                    db.session,
                    actor_id=current_user.id,
                    staff_id=staff.id,
                    care_unit_id=unit.id,
                    roles=form.roles.data or [],
                )
            except PermissionsError as error:
                db.session.rollback()
                problem = error_text(error)
            else:
                db.session.commit()
                if granted or revoked:
                    flash(_("The roles of %(name)s were changed.", name=staff.name), "info")
                else:
                    flash(_("Nothing was changed."), "info")
                if not permissions.is_permission_admin(db.session, current_user.id, unit.id):
                    return redirect(url_for("staff.start"))  # gave up her own administration
                return redirect(url_for("admin.staff_roles", staff_id=staff.id, hsa=hsa))
    return render_template(
        "sob_core/admin/staff_roles.html",
        hsa=hsa,
        unit=unit,
        staff=staff,
        held=held,
        form=form,
        problem=problem,
        counts=permissions.role_counts(db.session, unit.id),
    ), (422 if problem else 200)


@bp.route("/roles/log")
@require("staff", roles=ADMIN, unit_scoped=True)
def role_log() -> str:
    unit = _unit()
    page = page_number(request.args.get("page"))
    events = permissions.role_log(db.session, unit.id, limit=PAGE, offset=(page - 1) * PAGE)
    total = permissions.role_log_count(db.session, unit.id)
    ids: set[int] = {e.actor_id for e in events if e.actor_id is not None}
    ids |= {v for e in events if isinstance(v := e.detail.get("staff_id"), int)}
    names = (
        dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all())
        if ids
        else {}
    )
    return render_template(
        "sob_core/admin/role_log.html",
        unit=unit,
        events=events,
        names=names,
        page=page,
        more=page * PAGE < total,
        local_time=lambda moment: local_time(moment, current_app.config),
    )
