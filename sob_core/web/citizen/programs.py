"""The citizen's programs: "Mitt innehåll", content pages, bookmarks, the timeline, open programs.

A citizen only ever reaches their own ongoing enrollments: any other id answers 404, like a
missing one. The design tool's preview (``web/preview.py``) renders the same templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import nh3
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.routing import BuildError

from ... import enrollments
from ...content import Item, Module, ProgramContent, as_content, content_of, filled
from ...content.schema import as_local_text
from ...enrollments import EnrollmentError, ItemView
from ...extensions import commit_keeping_loaded, db
from ...i18n import current_language, lang_attribute
from ...models import Enrollment, EnrollmentEvent, FormAssignment, FormVersion
from ...types import local
from ..access import require
from . import bp


def now() -> datetime:
    return datetime.now(UTC)


def own_enrollment(enrollment_id: int) -> Enrollment:
    """The signed-in citizen's ongoing enrollment; anyone else's answers like a missing one."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if (
        enrollment is None
        or enrollment.citizen_id != current_user.id
        or enrollment.status not in enrollments.ONGOING
        or enrollment.program_version_id is None
    ):
        abort(404)
    return enrollment


# --- rendering helpers shared with the preview ---------------------------------------------------


def media_url(media_id: Any) -> str | None:
    """Where an uploaded file is served (the media blueprint's route)."""
    try:
        number = int(media_id)
    except (TypeError, ValueError):
        return None
    try:
        return url_for("media.file", media_id=number)
    except BuildError:
        return f"/media/{number}"


def plain_text(value: Any) -> Markup:
    """A plain local text (welcome text, transcript) as escaped paragraphs."""
    text = local(filled(as_local_text(value)), current_language())
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(p) for p in paragraphs)


def rich_text(value: Any) -> Markup:
    """A text item's HTML body: sanitised when saved, and again here before it is shown."""
    html = local(filled(as_local_text(value)), current_language())
    return Markup(nh3.clean(html)) if html else Markup("")  # noqa: S704 - nh3 sanitised it


def external_link(url: Any) -> str | None:
    """An external video's address, only if it is a plain web address."""
    if not isinstance(url, str):
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def content_page(item: Item | Mapping[str, Any]) -> dict[str, Any]:
    """What a content page shows, resolved to the citizen's language and safe to render.

    ``template`` is the kind's item template (see ``content.kinds``), which shows the rest.
    """
    if not isinstance(item, Item):
        item = Item.from_json(item)
    lang = current_language()
    kind = item.item_kind
    captions = item.get("captions_media_id")
    return {
        "key": item.key,
        "kind": item.kind,
        "template": kind.template if kind is not None else None,
        "title": local(item.title, lang),
        "body": rich_text(item.text("body")),
        "transcript": plain_text(item.text("transcript")),
        "src": media_url(item.media_id) if item.media_id is not None else None,
        "captions": media_url(captions) if captions is not None else None,
        "alt": local(item.text("alt"), lang),
        "url": external_link(item.url),
        "form_key": item.form_key,
        # ' lang="sv"' on a text shown in Swedish on an English page (no English written)
        "title_lang": lang_attribute(item.title) if item.title else Markup(""),
        "body_lang": lang_attribute(filled(item.text("body"))),
        "alt_lang": lang_attribute(item.text("alt")),
        "transcript_lang": lang_attribute(filled(item.text("transcript"))),
    }


@dataclass(frozen=True)
class Links:
    """Where the overview's links go: the citizen's own pages, or the design tool's preview."""

    enrollment_id: int | None = None
    version_id: int | None = None
    day: int = 0

    @property
    def preview(self) -> bool:
        return self.version_id is not None

    def item(self, item: ItemView) -> str | None:
        if item.status == "locked":
            return None
        if self.preview:
            return url_for(
                "preview.item", version_id=self.version_id, item_key=item.key, day=self.day
            )
        if item.is_form and item.status != "done" and item.assignment_id is not None:
            return url_for("citizen.fill_in", assignment_id=item.assignment_id)
        return url_for("citizen.program_item", enrollment_id=self.enrollment_id, item_key=item.key)

    @property
    def overview(self) -> str:
        if self.preview:
            return url_for("preview.overview", version_id=self.version_id, day=self.day)
        return url_for("citizen.program_overview", enrollment_id=self.enrollment_id)

    @property
    def progress(self) -> str | None:
        if self.preview:
            return None
        return url_for("citizen.program_progress_meter", enrollment_id=self.enrollment_id)

    @property
    def timeline(self) -> str | None:
        if self.preview:
            return None
        return url_for("citizen.program_timeline", enrollment_id=self.enrollment_id)


# --- pages ---------------------------------------------------------------------------------------


@bp.route("/programs/<id:enrollment_id>")
@require("citizen")
def program_overview(enrollment_id: int):
    enrollment = own_enrollment(enrollment_id)
    moment = now()
    enrollments.refresh(db.session, enrollment, moment)
    enrollment.last_active_at = moment
    current_user.last_active_at = moment
    commit_keeping_loaded()  # the overview reads on from the rows just loaded
    overview = enrollments.overview(db.session, enrollment, moment)
    # the therapist's own welcome text to this citizen, if any, instead of the programme's
    own_welcome = filled(enrollment.welcome or {})
    if own_welcome:
        overview = replace(overview, welcome=own_welcome)
    return render_template(
        "sob_core/citizen/programs/overview.html",
        overview=overview,
        hide_progress=enrollment.hide_progress,
        links=Links(enrollment_id=enrollment.id),
        plain_text=plain_text,
    )


@bp.route("/programs/<id:enrollment_id>/progress-meter", methods=["POST"])
@require("citizen")
def program_progress_meter(enrollment_id: int):
    enrollment = own_enrollment(enrollment_id)
    enrollment.hide_progress = not enrollment.hide_progress
    db.session.commit()
    return redirect(url_for("citizen.program_overview", enrollment_id=enrollment.id))


def _module_title(module: Module, content: ProgramContent) -> str:
    number = content.module_number(module.key)
    title = local(filled(module.title), current_language())
    return _("Module %(number)s. %(title)s", number=number, title=title)


@bp.route("/programs/<id:enrollment_id>/items/<item_key>")
@require("citizen")
def program_item(enrollment_id: int, item_key: str):
    enrollment = own_enrollment(enrollment_id)
    moment = now()
    enrollments.refresh(db.session, enrollment, moment)
    found = enrollments.accessible_item(db.session, enrollment, item_key)
    if found is None:
        abort(404)
    module, item = found
    enrollments.open_item(db.session, enrollment, item_key, moment)
    enrollment.last_active_at = moment
    current_user.last_active_at = moment
    db.session.commit()
    page = content_page(item)
    form: dict[str, Any] | None = None
    if page["form_key"]:
        assignment = db.session.scalar(
            select(FormAssignment)
            .where(
                FormAssignment.enrollment_id == enrollment.id, FormAssignment.item_key == item_key
            )
            .order_by(FormAssignment.id.desc())
        )
        form = {
            "title": local(assignment.form_version.title, current_language()) if assignment else "",
            "intro": (
                local(assignment.form_version.intro, current_language()) if assignment else ""
            ),
            "status": assignment.status if assignment else None,
            "href": (
                url_for("citizen.fill_in", assignment_id=assignment.id)
                if assignment is not None and assignment.status == "open"
                else None
            ),
        }
        page["title"] = page["title"] or form["title"]
    content = content_of(enrollment.program_version)
    return render_template(
        "sob_core/citizen/programs/item.html",
        page=page,
        form=form,
        module_title=_module_title(module, content),
        program_name=local(filled(content.name), current_language()),
        bookmarked=enrollments.is_bookmarked(db.session, enrollment, item_key),
        bookmark_action=url_for(
            "citizen.program_bookmark", enrollment_id=enrollment.id, item_key=item_key
        ),
        links=Links(enrollment_id=enrollment.id),
    )


@bp.route("/programs/<id:enrollment_id>/items/<item_key>/bookmark", methods=["POST"])
@require("citizen")
def program_bookmark(enrollment_id: int, item_key: str):
    enrollment = own_enrollment(enrollment_id)
    if enrollments.accessible_item(db.session, enrollment, item_key) is None:
        abort(404)
    marked = enrollments.toggle_bookmark(db.session, enrollment, item_key)
    db.session.commit()
    flash(
        _("The bookmark is saved; the page is now on your start page.")
        if marked
        else _("The bookmark is removed."),
        "info",
    )
    return redirect(url_for("citizen.program_item", enrollment_id=enrollment.id, item_key=item_key))


def event_texts(
    events: list[EnrollmentEvent],
    content: ProgramContent | Mapping[str, Any] | None,
    citizen_view: bool = True,
) -> list[str]:
    """One readable line per event, in the viewer's language (two queries at most)."""
    lang = current_language()
    document = as_content(content)
    modules = {m.key: m for m in document.modules}
    items = {i.key: i for _m, i in document.items()}
    version_ids = {
        e.detail.get("form_version_id")
        for e in events
        if e.kind == "form_submitted" and isinstance(e.detail, Mapping)
    } - {None}
    form_titles: dict[int, dict[str, str]] = {}
    if version_ids:
        form_titles = dict(
            db.session.execute(
                select(FormVersion.id, FormVersion.title).where(FormVersion.id.in_(version_ids))
            ).all()
        )

    def module_title(key: str | None) -> str:
        module = modules.get(key or "")
        return local(filled(module.title), lang) if module else (key or "")

    def item_title(key: str | None) -> str:
        item = items.get(key or "")
        return local(filled(item.title), lang) if item else ""

    lines = []
    for event in events:
        kind = event.kind
        if kind == "started":
            text = _("The programme started.")
        elif kind == "module_opened":
            text = _("The module %(title)s opened.", title=module_title(event.module_key))
        elif kind == "module_activated":
            text = _(
                "Your therapist opened the module %(title)s.", title=module_title(event.module_key)
            )
        elif kind == "module_completed":
            text = _("The module %(title)s is done.", title=module_title(event.module_key))
        elif kind == "content_opened":
            text = _("You opened %(title)s.", title=item_title(event.item_key))
        elif kind == "form_submitted":
            detail = event.detail if isinstance(event.detail, Mapping) else {}
            version_id = detail.get("form_version_id")
            title = item_title(event.item_key) or local(
                form_titles.get(version_id, {}) if isinstance(version_id, int) else {}, lang
            )
            text = (
                _("You submitted %(title)s.", title=title) if title else _("You submitted a form.")
            )
        elif kind == "maintenance":
            text = _("The maintenance phase started.")
        elif kind == "ended":
            text = _("The programme ended.")
        elif kind == "therapist_changed":
            text = _("You have a new responsible therapist.")
        else:
            text = kind.replace("_", " ")
        lines.append(text)
    return lines


@bp.route("/programs/<id:enrollment_id>/timeline")
@require("citizen")
def program_timeline(enrollment_id: int):
    enrollment = own_enrollment(enrollment_id)
    events = enrollments.timeline(db.session, enrollment, citizen_view=True)
    content = content_of(enrollment.program_version)
    rows = [
        (event.at.astimezone(enrollments.LOCAL_ZONE), text)
        for event, text in zip(events, event_texts(events, content), strict=True)
    ]
    return render_template(
        "sob_core/citizen/programs/timeline.html",
        rows=rows,
        program_name=local(filled(content.name), current_language()),
        links=Links(enrollment_id=enrollment.id),
    )


@bp.route("/open/<id:version_id>", methods=["POST"])
@require("citizen")
def open_program(version_id: int):
    try:
        enrollment = enrollments.self_start(db.session, current_user, version_id, now())
    except EnrollmentError as error:
        db.session.rollback()
        if error.code == "already_enrolled":
            flash(_("You have already started this programme."), "info")
            return redirect(url_for("citizen.start"))
        abort(404)  # not open to this citizen: like a missing program
    db.session.commit()
    flash(_("The programme has started."), "info")
    return redirect(url_for("citizen.program_overview", enrollment_id=enrollment.id))
