"""The region's care units: the list, adding one, the CSV import, (de)activating, and
appointing a unit's first permission administrator."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import regions
from ...extensions import db
from ...models import RoleAssignment, Staff
from ..access import require
from . import bp, error_text, own_region
from .forms import ActionForm, AddUnitForm, AppointForm, ImportUnitsForm

MAX_CSV_BYTES = 2 * 1024 * 1024


def _permission_admins(unit_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {unit_id: [] for unit_id in unit_ids}
    for unit_id, name in db.session.execute(
        select(RoleAssignment.care_unit_id, Staff.name)
        .join(Staff, Staff.id == RoleAssignment.staff_id)
        .where(RoleAssignment.care_unit_id.in_(unit_ids), RoleAssignment.role == "permission_admin")
        .order_by(Staff.name)
    ):
        names[unit_id].append(name)
    return names


def _render(region, *, add=None, upload=None, problems=(), problem=None, status=200):
    units = regions.units_of(db.session, region.id)
    return render_template(
        "sob_core/region/units.html",
        region=region,
        units=units,
        admins=_permission_admins([u.id for u in units]),
        add=add or AddUnitForm(),
        upload=upload or ImportUnitsForm(),
        action=ActionForm(),
        problems=problems,
        problem=problem,
    ), status


@bp.route("/<id:region_id>/units")
@require("staff", region_admin=True)
def units(region_id: int):
    return _render(own_region(region_id))


@bp.route("/<id:region_id>/units/add", methods=["POST"])
@require("staff", region_admin=True)
def add_unit(region_id: int):
    region = own_region(region_id)
    form = AddUnitForm()
    if not form.validate_on_submit():
        return _render(region, add=form, status=422)
    try:
        unit = regions.add_unit(
            db.session,
            region_id=region.id,
            hsa_id=form.hsa_id.data,
            name=form.name.data,
            actor_id=current_user.id,
        )
    except regions.RegionError as error:
        db.session.rollback()
        form.hsa_id.errors = [error_text(error)]
        return _render(region, add=form, status=422)
    db.session.commit()
    flash(_("%(unit)s was activated.", unit=unit.name), "info")
    return redirect(url_for("region.units", region_id=region.id))


@bp.route("/<id:region_id>/units/import", methods=["POST"])
@require("staff", region_admin=True)
def import_units(region_id: int):
    region = own_region(region_id)
    form = ImportUnitsForm()
    if not form.validate_on_submit():
        return _render(region, upload=form, status=422)
    upload = form.file.data
    data = upload.read(MAX_CSV_BYTES + 1) if upload else b""
    if not data:
        form.file.errors = [_("Choose a CSV file.")]
        return _render(region, upload=form, status=422)
    if len(data) > MAX_CSV_BYTES:
        form.file.errors = [_("The file is larger than 2 MB.")]
        return _render(region, upload=form, status=422)
    try:
        report = regions.import_units(
            db.session, region_id=region.id, data=data, actor_id=current_user.id
        )
    except regions.ImportProblems as error:
        db.session.rollback()
        rows = [(line, error_text(problem)) for line, problem in error.problems]
        return _render(
            region,
            upload=form,
            problems=rows,
            problem=_("Nothing was imported: correct these rows and try again."),
            status=422,
        )
    except regions.RegionError as error:
        db.session.rollback()
        form.file.errors = [error_text(error)]
        return _render(region, upload=form, status=422)
    db.session.commit()
    flash(
        _(
            "Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged care units.",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        ),
        "info",
    )
    return redirect(url_for("region.units", region_id=region.id))


@bp.route("/<id:region_id>/units/<id:unit_id>/active", methods=["POST"])
@require("staff", region_admin=True)
def set_active(region_id: int, unit_id: int):
    region = own_region(region_id)
    form = ActionForm()
    if not form.validate_on_submit() or form.value.data not in ("on", "off"):
        return _render(region, problem=_("The form was sent incompletely; try again."), status=400)
    try:
        regions.set_active(
            db.session,
            region_id=region.id,
            care_unit_id=unit_id,
            active=form.value.data == "on",
            actor_id=current_user.id,
        )
    except regions.RegionError as error:
        db.session.rollback()
        return _render(region, problem=error_text(error), status=404)
    db.session.commit()
    if form.value.data == "on":
        flash(_("The care unit was activated."), "info")
    else:
        flash(_("The care unit was deactivated."), "info")
    return redirect(url_for("region.units", region_id=region.id))


@bp.route("/<id:region_id>/units/<id:unit_id>/permission-admin", methods=["GET", "POST"])
@require("staff", region_admin=True)
def appoint(region_id: int, unit_id: int):
    region = own_region(region_id)
    try:
        unit = regions.unit_in_region(db.session, region.id, unit_id)
    except regions.RegionError:
        abort(404)
    form = AppointForm()
    problem = None
    if form.validate_on_submit():
        try:
            assignment = regions.appoint_permission_admin(
                db.session,
                region_id=region.id,
                care_unit_id=unit.id,
                hsa_id=form.hsa_id.data,
                name=form.name.data,
                actor_id=current_user.id,
            )
        except regions.RegionError as error:
            db.session.rollback()
            problem = error_text(error)
        else:
            name = assignment.staff.name
            db.session.commit()
            flash(
                _("%(name)s is permission administrator at %(unit)s.", name=name, unit=unit.name),
                "info",
            )
            return redirect(url_for("region.units", region_id=region.id))
    admins = _permission_admins([unit.id])[unit.id]
    return render_template(
        "sob_core/region/appoint.html",
        region=region,
        unit=unit,
        form=form,
        problem=problem,
        admins=admins,
    ), (422 if problem or form.errors else 200)
