"""The design tool's blueprint and what its views share: ownership checks and labels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from ... import programs
from ...content import KINDS, RULES, ProgramContent, Unlock
from ...content.diff import Change, diff
from ...content.messages import CodedError
from ...extensions import db
from ...i18n import current_language
from ...models import Form, FormDraft, Program, ProgramVersion
from ...types import local
from ..labels import tell_apart

bp = Blueprint("design", __name__, url_prefix="/design")

DESIGN_ROLES = {"designer", "publisher"}
PUBLISH_ROLES = {"publisher"}

ITEM_KIND_LABELS = {name: lazy_gettext(kind.label) for name, kind in KINDS.items()}
PROGRAM_KIND_LABELS = {
    "support": lazy_gettext("Support program"),
    "treatment": lazy_gettext("Treatment program"),
}
STATUS_LABELS = {
    "draft": lazy_gettext("Draft"),
    "published": lazy_gettext("Published"),
    "retired": lazy_gettext("Retired"),
}
FIELD_LABELS = {
    "name": lazy_gettext("Name"),
    "description": lazy_gettext("Description"),
    "welcome": lazy_gettext("Welcome text"),
    "recommended_days": lazy_gettext("Recommended number of days"),
    "title": lazy_gettext("Title"),
    "unlock": lazy_gettext("Opens"),
    "position": lazy_gettext("Place in order"),
    "module": lazy_gettext("Module"),
    "kind": lazy_gettext("Kind of content"),
    "body": lazy_gettext("Text"),
    "alt": lazy_gettext("Alternative text"),
    "transcript": lazy_gettext("Transcript"),
    "media_id": lazy_gettext("File"),
    "captions_media_id": lazy_gettext("Captions"),
    "url": lazy_gettext("Link"),
    "form_key": lazy_gettext("Form"),
    "form_version": lazy_gettext("Form version"),
}
CHANGE_LABELS = {
    "added": lazy_gettext("Added"),
    "removed": lazy_gettext("Removed"),
    "changed": lazy_gettext("Changed"),
}


def unlock_label(unlock: Unlock | Mapping[str, Any] | None) -> str:
    """The design tool's words for a module's unlock rule ("At the start")."""
    if isinstance(unlock, Mapping):
        unlock = Unlock.from_json(unlock)
    if unlock is None:
        return ""
    rule = RULES.get(unlock.rule)
    if rule is None:
        return str(unlock.rule)
    return _(rule.label, days=unlock.days or 0) if rule.needs_days else _(rule.label)


def error_text(error: Exception) -> str:
    """A refused action's message in the user's language (coded errors are translated here)."""
    if isinstance(error, CodedError):
        return error.render(_, current_language())
    return str(error)


def content_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What changed between two contents, in the user's language."""
    return diff(old, new, current_language(), _)


def item_hint(
    item: Mapping[str, Any], forms: Mapping[str, str], media: Mapping[int, Any], published: bool
) -> Markup:
    """The kind's short note after an item's title in the design tool (its form, link or file)."""
    kind = KINDS.get(item.get("kind", ""))
    if kind is None:
        return Markup("")
    module = current_app.jinja_env.get_template(kind.template).module
    # A template module's attributes are its macros, which jinja2's types cannot know.
    return module.hint(item, forms, media, published)  # type: ignore[attr-defined]


def version_label(version: ProgramVersion) -> str:
    return _("Draft") if version.major is None else version.label


def preview_path(version: ProgramVersion) -> str:
    """The test-citizen preview is another blueprint's; link to its documented path."""
    return f"/design/versions/{version.id}/preview"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "unlock_label": unlock_label,
        "version_label": version_label,
        "preview_path": preview_path,
        "item_kind_label": lambda kind: ITEM_KIND_LABELS.get(kind, kind),
        "item_template": lambda kind: KINDS[kind].template,
        "item_hint": item_hint,
        "program_kind_label": lambda kind: PROGRAM_KIND_LABELS.get(kind, kind),
        "status_label": lambda status: STATUS_LABELS.get(status, status),
        "field_label": lambda name: FIELD_LABELS.get(name, name) if name else "",
        "change_label": lambda kind: CHANGE_LABELS.get(kind, kind),
    }


def active_unit() -> int:
    return session["care_unit_id"]


def owned_program(program_id: int) -> Program:
    """A program of the active care unit; another unit's answers like a missing one."""
    program = db.session.get(Program, program_id)
    if program is None or program.owner_care_unit_id != session.get("care_unit_id"):
        abort(404)
    return program


def owned_version(version_id: int) -> ProgramVersion:
    version = db.session.get(ProgramVersion, version_id)
    if version is None or version.program.owner_care_unit_id != session.get("care_unit_id"):
        abort(404)
    return version


CONFLICT = lazy_gettext(
    "Someone else saved the form while you were editing it. Your change was not saved: "
    "the page now shows the form as it is; make the change again."
)


def owned_form_draft(draft_id: int) -> FormDraft:
    """A form draft of the active care unit; another unit's answers like a missing one."""
    draft = db.session.get(FormDraft, draft_id)
    if draft is None or draft.care_unit_id != session.get("care_unit_id"):
        abort(404)
    return draft


def back_link(draft: FormDraft) -> str:
    """The draft's editor page, where the results and media pages lead back to."""
    return url_for("design.form_draft", draft_id=draft.id)


def scale_locked(draft: FormDraft):
    """A redirect to the editor, with the reason, when the draft administers a scale: its
    questions are the scale's items, scored by the scale, so they are not edited here."""
    if not draft.scale_id:
        return None
    flash(
        _(
            "This form asks the items of a scale; its questions are the scale's own and cannot "
            "be changed. Its title and introduction can."
        ),
        "error",
    )
    return redirect(back_link(draft))


def owned_draft(version_id: int) -> ProgramVersion:
    """A draft of the active unit; a published version sends the designer back with a notice."""
    version = owned_version(version_id)
    if version.status != "draft":
        flash(
            _(
                "Version %(label)s is published and cannot be changed. "
                "Start a new draft to make changes.",
                label=version.label,
            ),
            "error",
        )
        abort(redirect(url_for("design.program", program_id=version.program_id)))
    return version


def registry():
    return current_app.extensions["sob"].registry


def name_of(version: ProgramVersion | None) -> str:
    if version is None:
        return ""
    return local(ProgramContent.from_json(version.content).name, current_language())


def usable_forms() -> list[SelectChoice]:
    """(key, title) of the forms a program may use: their scale and question types installed."""
    lang = current_language()
    forms = db.session.scalars(select(Form).order_by(Form.key)).all()
    facts = programs.form_facts(db.session, registry(), [f.key for f in forms])
    reg = registry()
    usable = []
    for form in forms:
        fact = facts.get(form.key)
        if fact is None or not fact.texts_installed:
            continue
        if fact.scale_id and fact.scale_id not in reg.scales:
            continue
        if any(t not in reg.question_types for t in fact.question_types):
            continue
        usable.append(form)
    # two forms of one title (an imported copy, say) are told apart by their keys
    labels = tell_apart(usable, lambda f: local(f.latest.title, lang) or f.key, lambda f: f.key)
    choices = [SelectChoice(f.key, label) for f, label in zip(usable, labels, strict=True)]
    return sorted(choices, key=lambda c: c.label.casefold())


def form_titles() -> dict[str, str]:
    lang = current_language()
    return {
        form.key: local(form.latest.title, lang) or form.key
        for form in db.session.scalars(select(Form))
    }
