"""Preview as a test citizen: a program version's "Mitt innehåll" on day N, nothing stored.

Designers and publishers at the program's owner unit (their active care unit) see a draft or a
published version exactly as a citizen would, with a day to simulate time passing. Another
unit's version answers like a missing one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, render_template, request, session
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import enrollments
from ..content import content_of
from ..extensions import db
from ..i18n import current_language
from ..models import ProgramVersion
from ..types import local
from .access import require
from .citizen.programs import Links, content_page, plain_text

bp = Blueprint("preview", __name__, url_prefix="/design/versions")

DESIGN_ROLES = {"designer", "publisher"}
MAX_DAY = 3650


def _version(version_id: int) -> ProgramVersion:
    version = db.session.scalar(
        select(ProgramVersion)
        .options(joinedload(ProgramVersion.program))
        .where(ProgramVersion.id == version_id)
    )
    if version is None or version.program.owner_care_unit_id != session.get("care_unit_id"):
        abort(404)
    return version


def _day() -> int:
    day = request.args.get("day", default=0, type=int) or 0
    return max(0, min(day, MAX_DAY))


def _overview(version: ProgramVersion, day: int) -> enrollments.Overview:
    # The test citizen starts today; "day N" is N calendar days later.
    return enrollments.preview_overview(content_of(version), started_at=datetime.now(UTC), day=day)


@bp.route("/<id:version_id>/preview")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def overview(version_id: int):
    version = _version(version_id)
    day = _day()
    return render_template(
        "sob_core/citizen/programs/overview.html",
        overview=_overview(version, day),
        hide_progress=False,
        links=Links(version_id=version.id, day=day),
        plain_text=plain_text,
        version_label=version.label,
        max_day=MAX_DAY,
    )


@bp.route("/<id:version_id>/preview/items/<item_key>")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def item(version_id: int, item_key: str):
    version = _version(version_id)
    day = _day()
    view = _overview(version, day)
    module_view = view.module_of(item_key)
    found = content_of(version).find_item(item_key)
    if module_view is None or module_view.state == "locked" or found is None:
        abort(404)  # not open on this day: a citizen could not reach it either
    module, item_content = found
    lang = current_language()
    page = content_page(item_content)
    form = None
    if page["form_key"]:
        pinned = enrollments.pinned_forms(db.session, content_of(version), [module.key])
        form_version = pinned.get(item_key)
        form = {
            "title": local(form_version.title, lang) if form_version else "",
            "intro": local(form_version.intro, lang) if form_version else "",
            "questions": [
                local(q.get("label") or {}, lang)
                for q in (form_version.definition.get("questions", []) if form_version else [])
            ],
        }
        page["title"] = page["title"] or form["title"]
    return render_template(
        "sob_core/citizen/programs/item.html",
        page=page,
        form=form,
        module_title=_module_title(module_view),
        program_name=local(view.name, lang),
        bookmarked=False,
        bookmark_action=None,
        links=Links(version_id=version.id, day=day),
        version_label=version.label,
    )


def _module_title(module_view: enrollments.ModuleView) -> str:
    title = local(module_view.title, current_language())
    return _("Module %(number)s. %(title)s", number=module_view.number, title=title)
