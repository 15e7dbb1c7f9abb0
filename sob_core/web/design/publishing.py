"""Publishing, what changed between versions, the catalogue, export and import."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ... import audit, programs
from ...extensions import db
from ...models import CareUnit, Region
from ..access import require
from ..media import current_storage
from .common import (
    DESIGN_ROLES,
    PUBLISH_ROLES,
    active_unit,
    bp,
    content_changes,
    error_text,
    name_of,
    owned_draft,
    owned_program,
    owned_version,
    registry,
    version_label,
)
from .forms import (
    ActionForm,
    CatalogueForm,
    CompareForm,
    EligibilityForm,
    ImportForm,
    PublishForm,
)


def _regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def _eligibility_data(version) -> dict:
    """The eligibility form's fields from a version's ``is_open`` and ``eligibility``."""
    eligibility = version.eligibility or {}
    return {
        "is_open": version.is_open,
        "regions": eligibility.get("regions") or [],
        "sex": eligibility.get("sex") or "any",
        "min_age": eligibility.get("min_age"),
        "max_age": eligibility.get("max_age"),
    }


def _posted_eligibility(form: EligibilityForm) -> dict:
    return {
        "regions": form.regions.data or [],
        "sex": None if form.sex.data == "any" else form.sex.data,
        "min_age": form.min_age.data,
        "max_age": form.max_age.data,
    }


def _audit_design(what: str, version, **detail) -> None:
    """Record a change to who may start a program version (no citizen's data is involved)."""
    audit.record(
        db.session,
        actor_kind="staff",
        actor_id=current_user.id,
        action="change",
        what=what,
        care_unit_id=session.get("care_unit_id"),
        detail={"program_version_id": version.id, "label": version.label, **detail},
        ip=request.remote_addr,
    )


@bp.route("/versions/<id:version_id>/publish", methods=["GET", "POST"])
@require("staff", roles=PUBLISH_ROLES, unit_scoped=True)
def publish(version_id: int):
    draft = owned_draft(version_id)
    program = draft.program
    latest = programs.latest_published(db.session, program)
    form = PublishForm(data=_eligibility_data(draft))
    form.regions.choices = [SelectChoice(r.code, r.name) for r in _regions()]
    problem = None
    if form.validate_on_submit():
        try:
            programs.publish(
                db.session,
                draft,
                publisher_id=current_user.id,
                bump=form.bump.data if latest is not None else "minor",
                is_open=form.is_open.data,
                eligibility=_posted_eligibility(form),
                registry=registry(),
            )
        except programs.ProgramError as error:
            db.session.rollback()
            problem = error_text(error)
        else:
            db.session.commit()
            flash(_("Version %(label)s is published.", label=draft.label), "info")
            return redirect(url_for("design.program", program_id=program.id))
    changed = content_changes(latest.content, draft.content) if latest else []
    return render_template(
        "sob_core/design/publish.html",
        draft=draft,
        program=program,
        name=name_of(draft),
        latest=latest,
        form=form,
        problem=problem,
        changes=changed,
        next_minor=programs.next_label(db.session, program, "minor"),
        next_major=programs.next_label(db.session, program, "major"),
    )


@bp.route("/programs/<id:program_id>/changes")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def changes(program_id: int):
    program = owned_program(program_id)
    versions = sorted(
        program.versions,
        key=lambda v: (v.major is None, v.major or 0, v.minor or 0, v.id),
        reverse=True,
    )
    if not versions:
        abort(404)
    form = CompareForm(request.args)
    choices = [SelectChoice(v.id, version_label(v)) for v in versions]
    form.old.choices = choices
    form.new.choices = choices
    by_id = {v.id: v for v in versions}
    if request.args and form.validate():
        old, new = by_id[form.old.data], by_id[form.new.data]
    else:
        new = versions[0]
        old = versions[1] if len(versions) > 1 else versions[0]
        form.old.data, form.new.data = old.id, new.id
    result = content_changes(old.content, new.content)
    return render_template(
        "sob_core/design/changes.html",
        program=program,
        name=name_of(new),
        form=form,
        old=old,
        new=new,
        changes=result,
    )


@bp.route("/programs/<id:program_id>/catalogue", methods=["GET", "POST"])
@require("staff", roles=PUBLISH_ROLES, unit_scoped=True)
def catalogue(program_id: int):
    program = owned_program(program_id)
    units = db.session.scalars(select(CareUnit).order_by(CareUnit.name)).all()
    regions = {r.id: r.name for r in _regions()}
    form = CatalogueForm(data={"units": sorted(programs.catalogue_unit_ids(db.session, program))})
    form.units.choices = [
        SelectChoice(u.id, f"{u.name} ({regions.get(u.region_id, '')})") for u in units
    ]
    if form.validate_on_submit():
        programs.set_catalogue(db.session, program, form.units.data or [])
        db.session.commit()
        flash(_("The catalogue was saved."), "info")
        return redirect(url_for("design.program", program_id=program.id))
    latest = programs.latest_published(db.session, program)
    return render_template(
        "sob_core/design/catalogue.html",
        program=program,
        name=name_of(latest or programs.current_draft(db.session, program)),
        form=form,
        latest=latest,
    )


@bp.route("/programs/<id:program_id>/eligibility", methods=["GET", "POST"])
@require("staff", roles=PUBLISH_ROLES, unit_scoped=True)
def eligibility(program_id: int):
    """Who may start the offered version themselves: open or not, regions, sex and ages."""
    program = owned_program(program_id)
    latest = programs.latest_published(db.session, program)
    draft = programs.current_draft(db.session, program)
    if latest is None:
        flash(_("Publish the program first; then you can set who may start it."), "error")
        return redirect(url_for("design.program", program_id=program.id))
    form = EligibilityForm(data=_eligibility_data(latest))
    form.regions.choices = [SelectChoice(r.code, r.name) for r in _regions()]
    problem = None
    if form.validate_on_submit():
        try:
            programs.set_eligibility(
                db.session,
                latest,
                is_open=form.is_open.data,
                eligibility=_posted_eligibility(form),
                draft=draft,
            )
        except programs.ProgramError as error:
            db.session.rollback()
            problem = error_text(error)
        else:
            _audit_design(
                "program_version.eligibility",
                latest,
                is_open=latest.is_open,
                eligibility=latest.eligibility,
            )
            db.session.commit()
            flash(_("Who may start the program was saved."), "info")
            return redirect(url_for("design.program", program_id=program.id))
    return render_template(
        "sob_core/design/eligibility.html",
        program=program,
        name=name_of(latest),
        latest=latest,
        draft=draft,
        form=form,
        problem=problem,
    )


RETIRE_STEPS = {
    "retire": ("published", programs.retire, "program_version.retired"),
    "relist": ("retired", programs.relist, "program_version.relisted"),
}


def _catalogue_step(version_id: int, step: str):
    """Retire a published version, or list a retired one again: a confirmation, then the POST."""
    version = owned_version(version_id)
    program = version.program
    wanted, change, what = RETIRE_STEPS[step]
    if version.status != wanted:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        change(db.session, version)
        _audit_design(what, version)
        db.session.commit()
        flash(
            _("Version %(label)s is retired: no new enrollment starts on it.", label=version.label)
            if step == "retire"
            else _("Version %(label)s is in the catalogue again.", label=version.label),
            "info",
        )
        return redirect(url_for("design.program", program_id=program.id))
    latest = programs.latest_published(db.session, program)
    if step == "retire" and latest is not None and latest.id == version.id:
        published = [
            v
            for v in program.versions
            if v.status == "published" and v.id != version.id and v.major is not None
        ]
        offered_after = max(published, key=lambda v: (v.major, v.minor), default=None)
    elif step == "retire":
        offered_after = latest
    else:
        newer = latest is None or (version.major, version.minor) > (latest.major, latest.minor)
        offered_after = version if newer else latest
    return render_template(
        "sob_core/design/catalogue_step.html",
        step=step,
        version=version,
        program=program,
        name=name_of(version),
        form=form,
        ongoing=programs.ongoing_on(db.session, version),
        offered_after=offered_after,
    )


@bp.route("/versions/<id:version_id>/retire", methods=["GET", "POST"])
@require("staff", roles=PUBLISH_ROLES, unit_scoped=True)
def retire(version_id: int):
    return _catalogue_step(version_id, "retire")


@bp.route("/versions/<id:version_id>/relist", methods=["GET", "POST"])
@require("staff", roles=PUBLISH_ROLES, unit_scoped=True)
def relist(version_id: int):
    return _catalogue_step(version_id, "relist")


@bp.route("/versions/<id:version_id>/export")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def export(version_id: int):
    version = owned_version(version_id)
    if version.status == "draft":
        abort(404)
    data = programs.export_bytes(db.session, version, storage=current_storage())
    response = Response(data, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{programs.export_filename(version)}"'
    )
    return response


@bp.route("/import", methods=["GET", "POST"])
@require("staff", roles=PUBLISH_ROLES, unit_scoped=True)
def import_program():
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            version = programs.import_program(
                db.session,
                registry(),
                data,
                care_unit_id=active_unit(),
                key=form.key.data or None,
                imported_by_id=current_user.id,
                storage=current_storage(),
            )
        except programs.ProgramImportError as error:
            db.session.rollback()
            form.file.errors = [*form.file.errors, error_text(error)]
        else:
            db.session.commit()
            flash(
                _(
                    "The program was imported and published as version %(label)s.",
                    label=version.label,
                ),
                "info",
            )
            return redirect(url_for("design.program", program_id=version.program_id))
    return render_template("sob_core/design/import.html", form=form)
