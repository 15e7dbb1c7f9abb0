"""Which programme each of the region's units offers; activating versions and deactivating."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ... import regions
from ...extensions import db
from ...types import local
from ..access import require
from . import bp, error_text, own_region
from .forms import ActionForm, ActivateForm


def version_title(version) -> str:
    return f"{local(version.content.get('name'))} {version.label} ({version.program.key})"


def _fill(region, form: ActivateForm) -> ActivateForm:
    """The form's choices: the region's active units and every published version."""
    units = regions.units_of(db.session, region.id)
    form.care_unit.choices = [SelectChoice(u.id, u.name) for u in units if u.active]
    form.version.choices = [
        SelectChoice(v.id, version_title(v)) for v in regions.activatable_versions(db.session)
    ]
    return form


def _render(region, form: ActivateForm | None = None, problem: str | None = None, status=200):
    form = _fill(region, form or ActivateForm())
    return render_template(
        "sob_core/region/programmes.html",
        region=region,
        rows=regions.overview(db.session, region.id),
        form=form,
        action=ActionForm(),
        problem=problem,
        version_title=version_title,
    ), status


@bp.route("/<id:region_id>/programmes")
@require("staff", region_admin=True)
def programmes(region_id: int):
    return _render(own_region(region_id))


@bp.route("/<id:region_id>/programmes/activate", methods=["POST"])
@require("staff", region_admin=True)
def activate(region_id: int):
    region = own_region(region_id)
    form = _fill(region, ActivateForm())
    if not form.validate_on_submit():
        return _render(region, form, status=422)
    try:
        row = regions.activate(
            db.session,
            region_id=region.id,
            care_unit_id=form.care_unit.data,
            program_version_id=form.version.data,
            kind=form.kind.data,
            actor_id=current_user.id,
            now=datetime.now(UTC),
        )
    except regions.RegionError as error:
        db.session.rollback()
        return _render(region, form, problem=error_text(error), status=422)
    label = row.program_version.label
    moved = row.moved
    db.session.commit()
    if form.kind.data == "minor":
        flash(
            _(
                "Version %(label)s is active; %(moved)s ongoing enrollments moved to it.",
                label=label,
                moved=moved,
            ),
            "info",
        )
    else:
        flash(_("Version %(label)s is active for new enrollments.", label=label), "info")
    return redirect(url_for("region.programmes", region_id=region.id))


@bp.route(
    "/<id:region_id>/units/<id:unit_id>/programmes/<id:program_id>/deactivate", methods=["POST"]
)
@require("staff", region_admin=True)
def deactivate(region_id: int, unit_id: int, program_id: int):
    region = own_region(region_id)
    if not ActionForm().validate_on_submit():
        return _render(region, problem=_("The form was sent incompletely; try again."), status=400)
    try:
        regions.deactivate(
            db.session,
            region_id=region.id,
            care_unit_id=unit_id,
            program_id=program_id,
            actor_id=current_user.id,
            now=datetime.now(UTC),
        )
    except regions.RegionError as error:
        db.session.rollback()
        return _render(region, problem=error_text(error), status=422)
    db.session.commit()
    flash(_("The programme is no longer offered at the care unit."), "info")
    return redirect(url_for("region.programmes", region_id=region.id))
