"""The design tool's program pages: the list, a new program, one program and its versions."""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import programs
from ...content import ProgramContent
from ...extensions import db
from ...models import MediaFile, Program, ProgramVersion, Staff
from ..access import require
from .common import (
    DESIGN_ROLES,
    active_unit,
    bp,
    form_titles,
    name_of,
    owned_program,
    owned_version,
    registry,
)
from .forms import ActionForm, NewProgramForm, with_languages


@bp.route("/")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def programs_list():
    owned = db.session.scalars(
        select(Program).where(Program.owner_care_unit_id == active_unit()).order_by(Program.key)
    ).all()
    versions: dict[int, list[ProgramVersion]] = {p.id: [] for p in owned}
    if owned:
        for version in db.session.scalars(
            select(ProgramVersion)
            .where(ProgramVersion.program_id.in_(list(versions)))
            .order_by(ProgramVersion.id)
        ):
            versions[version.program_id].append(version)
    rows = []
    for program in owned:
        mine = versions[program.id]
        published = [v for v in mine if v.status == "published"]
        latest = max(published, key=lambda v: (v.major, v.minor)) if published else None
        draft = next((v for v in reversed(mine) if v.status == "draft"), None)
        rows.append(
            {
                "program": program,
                "name": name_of(draft or latest),
                "latest": latest,
                "draft": draft,
            }
        )
    return render_template("sob_core/design/programs.html", rows=rows)


@bp.route("/programs/new", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_program():
    form = NewProgramForm()
    if form.validate_on_submit():
        exists = db.session.scalar(select(Program.id).where(Program.key == form.key.data))
        if exists is not None:
            form.key.errors.append(_("There is already a program with this key."))
        else:
            draft = programs.create_program(
                db.session,
                registry=registry(),
                key=form.key.data,
                kind=form.kind.data,
                owner_care_unit_id=active_unit(),
                created_by_id=current_user.id,
                content={
                    "name": with_languages({}, form.name.data, form.name_en.data),
                    "description": with_languages(
                        {}, form.description.data, form.description_en.data
                    ),
                    "welcome": with_languages({}, form.welcome.data, form.welcome_en.data),
                    "recommended_days": form.recommended_days.data,
                    "messaging": bool(form.messaging.data),
                    "modules": [],
                },
            )
            db.session.commit()
            flash(_("The program was created. Add its modules and content."), "info")
            return redirect(url_for("design.draft", version_id=draft.id))
    return render_template("sob_core/design/new_program.html", form=form)


@bp.route("/programs/<id:program_id>")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def program(program_id: int):
    program = owned_program(program_id)
    versions = list(program.versions)
    people = {
        s.id: s.name
        for s in db.session.scalars(
            select(Staff).where(
                Staff.id.in_({v.published_by_id for v in versions if v.published_by_id})
            )
        )
    }
    published = [v for v in versions if v.major is not None]
    published.sort(key=lambda v: (v.major, v.minor), reverse=True)
    draft = next((v for v in reversed(versions) if v.status == "draft"), None)
    latest = programs.latest_published(db.session, program)
    return render_template(
        "sob_core/design/program.html",
        program=program,
        name=name_of(draft or latest),
        draft=draft,
        latest=latest,
        published=published,
        people=people,
        action=ActionForm(),
    )


@bp.route("/programs/<id:program_id>/draft", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def start_draft(program_id: int):
    program = owned_program(program_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("design.program", program_id=program.id))
    draft = programs.start_draft(db.session, program, created_by_id=current_user.id)
    db.session.commit()
    return redirect(url_for("design.draft", version_id=draft.id))


@bp.route("/versions/<id:version_id>")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def version(version_id: int):
    version = owned_version(version_id)
    if version.status == "draft":
        return redirect(url_for("design.draft", version_id=version.id))
    return render_template(
        "sob_core/design/version.html",
        version=version,
        program=version.program,
        name=name_of(version),
        media=media_of(ProgramContent.from_json(version.content).media_ids()),
        forms=form_titles(),
    )


def media_of(ids: Iterable[int]) -> dict[int, MediaFile]:
    """The media files with these ids (one query; none for no ids)."""
    ids = set(ids)
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(MediaFile).where(MediaFile.id.in_(ids)))}
