"""Editing a draft: the program's texts, its modules and their content items.

Every change copies the draft's content, edits the copy with the content helpers of
``services.programs`` and saves it with ``update_draft``, which validates the whole program. A rule
broken by the change is shown on the page and nothing is saved.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ... import programs
from ...extensions import db
from ...i18n import current_language
from ...media import storage as storage_service
from ...models import MediaFile, ProgramVersion
from ...types import local
from ..access import require
from ..media import current_max_upload_bytes, current_storage
from .common import (
    DESIGN_ROLES,
    ITEM_KIND_LABELS,
    active_unit,
    bp,
    form_titles,
    name_of,
    owned_draft,
    registry,
    usable_forms,
)
from .forms import ITEM_FORMS, ActionForm, ItemForm, ModuleForm, SettingsForm
from .programs import media_of

DIRECTIONS = ("up", "down")


def _text(old: Any, new: str | None) -> dict[str, str]:
    """Replace the Swedish text of a local text, keeping its other languages."""
    text = dict(old) if isinstance(old, dict) else {}
    if new and new.strip():
        text["sv"] = new.strip()
    else:
        text.pop("sv", None)
    return text


def _sv(text: Any) -> str:
    return text.get("sv", "") if isinstance(text, dict) else (text or "")


def _save(draft: ProgramVersion, content: dict[str, Any]) -> str | None:
    """Validate and save; the broken rule's message when the content cannot be saved."""
    try:
        programs.update_draft(db.session, draft, content, registry=registry())
    except programs.ProgramContentError as error:
        db.session.rollback()
        return str(error)
    db.session.commit()
    return None


def _render_draft(draft: ProgramVersion, settings: SettingsForm, problem: str | None = None):
    return render_template(
        "sob_core/design/draft.html",
        draft=draft,
        program=draft.program,
        name=name_of(draft),
        settings=settings,
        action=ActionForm(),
        problem=problem,
        kinds=ITEM_KIND_LABELS,
        forms=form_titles(),
    )


@bp.route("/versions/<int:version_id>/edit")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def draft(version_id: int):
    draft = owned_draft(version_id)
    content = draft.content
    settings = SettingsForm(
        data={
            "name": _sv(content.get("name")),
            "description": _sv(content.get("description")),
            "welcome": _sv(content.get("welcome")),
            "recommended_days": content.get("recommended_days"),
        }
    )
    return _render_draft(draft, settings)


@bp.route("/versions/<int:version_id>/settings", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def draft_settings(version_id: int):
    draft = owned_draft(version_id)
    settings = SettingsForm()
    if not settings.validate_on_submit():
        return _render_draft(draft, settings)
    content = copy.deepcopy(draft.content)
    content["name"] = _text(content.get("name"), settings.name.data)
    content["description"] = _text(content.get("description"), settings.description.data)
    content["welcome"] = _text(content.get("welcome"), settings.welcome.data)
    content["recommended_days"] = settings.recommended_days.data
    problem = _save(draft, content)
    if problem:
        return _render_draft(draft, settings, problem)
    flash(_("The program's details were saved."), "info")
    return redirect(url_for("design.draft", version_id=draft.id))


# --- modules ------------------------------------------------------------------------------------


def _module_values(form: ModuleForm, old: dict[str, Any] | None = None) -> dict[str, Any]:
    old = old or {}
    unlock: dict[str, Any] = {"rule": form.unlock.data}
    if form.unlock.data == "days_after_start":
        unlock["days"] = form.days.data
    values = {
        "title": _text(old.get("title"), form.title.data),
        "recommended_days": form.recommended_days.data,
        "unlock": unlock,
    }
    description = _text(old.get("description"), form.description.data)
    if description:
        values["description"] = description
    return values


def _module_page(draft: ProgramVersion, form: ModuleForm, module: dict | None, problem=None):
    return render_template(
        "sob_core/design/module_form.html",
        draft=draft,
        name=name_of(draft),
        form=form,
        module=module,
        problem=problem,
    )


@bp.route("/versions/<int:version_id>/modules/new", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_module(version_id: int):
    draft = owned_draft(version_id)
    form = ModuleForm(
        data={"unlock": "at_start" if not draft.content.get("modules") else "after_previous"}
    )
    if form.validate_on_submit():
        content = copy.deepcopy(draft.content)
        programs.add_module(content, _module_values(form))
        problem = _save(draft, content)
        if problem is None:
            flash(_("The module was added."), "info")
            return redirect(url_for("design.draft", version_id=draft.id))
        return _module_page(draft, form, None, problem)
    return _module_page(draft, form, None)


def _module_or_404(draft: ProgramVersion, module_key: str) -> dict[str, Any]:
    try:
        return programs.find_module(draft.content, module_key)
    except KeyError:
        abort(404)


@bp.route("/versions/<int:version_id>/modules/<module_key>/edit", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def edit_module(version_id: int, module_key: str):
    draft = owned_draft(version_id)
    module = _module_or_404(draft, module_key)
    unlock = module.get("unlock") or {}
    form = ModuleForm(
        data={
            "title": _sv(module.get("title")),
            "description": _sv(module.get("description")),
            "recommended_days": module.get("recommended_days"),
            "unlock": unlock.get("rule", "at_start"),
            "days": unlock.get("days"),
        }
    )
    if form.validate_on_submit():
        content = copy.deepcopy(draft.content)
        target = programs.find_module(content, module_key)
        values = _module_values(form, target)
        target.pop("description", None)
        target.update(values)
        problem = _save(draft, content)
        if problem is None:
            flash(_("The module was saved."), "info")
            return redirect(
                url_for("design.draft", version_id=draft.id, _anchor=f"module-{module_key}")
            )
        return _module_page(draft, form, module, problem)
    return _module_page(draft, form, module)


@bp.route("/versions/<int:version_id>/modules/<module_key>/move/<direction>", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def move_module(version_id: int, module_key: str, direction: str):
    draft = owned_draft(version_id)
    _module_or_404(draft, module_key)
    return _move(draft, programs.move_module, module_key, direction, f"module-{module_key}")


def _move(draft, move, key: str, direction: str, anchor: str):
    """Move a module or an item one step up or down in the draft, then back to its place."""
    if direction not in DIRECTIONS or not ActionForm().validate_on_submit():
        abort(400)
    content = copy.deepcopy(draft.content)
    move(content, key, direction)
    problem = _save(draft, content)
    if problem:
        flash(problem, "error")
    return redirect(url_for("design.draft", version_id=draft.id, _anchor=anchor))


@bp.route("/versions/<int:version_id>/modules/<module_key>/delete", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def delete_module(version_id: int, module_key: str):
    draft = owned_draft(version_id)
    module = _module_or_404(draft, module_key)
    form = ActionForm()
    if form.validate_on_submit():
        content = copy.deepcopy(draft.content)
        programs.delete_module(content, module_key)
        problem = _save(draft, content)
        flash(problem or _("The module was removed."), "error" if problem else "info")
        return redirect(url_for("design.draft", version_id=draft.id))
    what = _(
        "the module %(title)s and all its content",
        title=local(module.get("title"), current_language()),
    )
    return render_template("sob_core/design/confirm_delete.html", draft=draft, form=form, what=what)


# --- content items ------------------------------------------------------------------------------


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} kB"
    return f"{count} byte"


def _upload_message(error: storage_service.UploadError, kind: str) -> str:
    types = ", ".join(storage_service.extensions_for(kind))
    if error.code == "size":
        return _("The file is too large: at most %(size)s.", size=_size(error.detail["max_bytes"]))
    if error.code == "empty":
        return _("The file is empty.")
    if error.code == "mismatch":
        return _(
            "The file's content does not match its name. Choose a real %(types)s file.",
            types=types,
        )
    return _("This kind of file cannot be used here. Use %(types)s.", types=types)


def _upload(field, media_kind: str) -> MediaFile | None:
    """Store the file posted in ``field``; None when there is none or it was refused (error shown)."""
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    max_bytes = current_max_upload_bytes()
    data = upload.read(max_bytes + 1)
    try:
        media_type = storage_service.check_upload(data, upload.filename, media_kind, max_bytes)
    except storage_service.UploadError as error:
        field.errors.append(_upload_message(error, media_kind))
        return None
    return storage_service.store_media(
        db.session,
        current_storage(),
        data,
        filename=upload.filename,
        media_type=media_type,
        care_unit_id=active_unit(),
        uploaded_by_id=current_user.id,
    )


def _media_field(
    form: ItemForm, field, media_kind: str, item: dict, name: str, missing: str
) -> None:
    if field.errors:
        return
    stored = _upload(field, media_kind)
    if stored is not None:
        item[name] = stored.id
    elif not field.errors and item.get(name) is None:
        field.errors.append(missing)


def _apply(kind: str, form: ItemForm, item: dict[str, Any], choices: dict[str, str]) -> bool:
    """Copy the form into ``item`` (uploads stored); False when a field has an error."""
    for field in form:
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
    title = form.title.data
    if kind == "form" and not (title or "").strip():
        title = choices.get(form.form_key.data, "")
    item["title"] = _text(item.get("title"), title)
    if kind == "text":
        item["body"] = _text(item.get("body"), programs.body_from_input(form.body.data))
    elif kind == "image":
        item["alt"] = _text(item.get("alt"), form.alt.data)
        _media_field(form, form.file, "image", item, "media_id", _("Choose an image file."))
    elif kind == "audio":
        _media_field(form, form.file, "audio", item, "media_id", _("Choose an audio file."))
        transcript = _text(item.get("transcript"), form.transcript.data)
        if transcript:
            item["transcript"] = transcript
        else:
            item.pop("transcript", None)
    elif kind == "video":
        if form.source.data == "link":
            try:
                item["url"] = programs.check_video_url(form.url.data, "")
            except programs.ProgramContentError:
                form.url.errors.append(
                    _("Give an https:// link to YouTube, Vimeo or play.vgregion.se.")
                )
            item.pop("media_id", None)
            item.pop("captions_media_id", None)
        else:
            item.pop("url", None)
            _media_field(form, form.file, "video", item, "media_id", _("Choose a video file."))
            _media_field(
                form,
                form.captions,
                "captions",
                item,
                "captions_media_id",
                _("Uploaded videos need a captions file (WebVTT, .vtt)."),
            )
    elif kind == "form":
        if item.get("form_key") != form.form_key.data:
            item.pop("form_version", None)  # pinned again when published
        item["form_key"] = form.form_key.data
    return not any(field.errors for field in form)


def _item_form(kind: str, item: dict[str, Any] | None) -> ItemForm:
    form_class = ITEM_FORMS[kind]
    data: dict[str, Any] = {}
    if item is not None:
        data = {
            "title": _sv(item.get("title")),
            "body": _sv(item.get("body")),
            "alt": _sv(item.get("alt")),
            "transcript": _sv(item.get("transcript")),
            "url": item.get("url", ""),
            "source": "link" if item.get("url") else "upload",
            "form_key": item.get("form_key"),
        }
    form = form_class(data=data)
    if kind == "form":
        form.form_key.choices = [SelectChoice("", _("Choose a form")), *usable_forms()]
    return form


def _item_page(draft, module, kind, form, item=None, problem=None):
    return render_template(
        "sob_core/design/item_form.html",
        draft=draft,
        name=name_of(draft),
        module=module,
        kind=kind,
        form=form,
        item=item,
        media=media_of({"modules": [{"items": [item]}]}) if item else {},
        problem=problem,
        upload_types={
            k: ", ".join(storage_service.extensions_for(k)) for k in storage_service.KINDS
        },
    )


@bp.route(
    "/versions/<int:version_id>/modules/<module_key>/items/new/<kind>", methods=["GET", "POST"]
)
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_item(version_id: int, module_key: str, kind: str):
    draft = owned_draft(version_id)
    module = _module_or_404(draft, module_key)
    if kind not in ITEM_FORMS:
        abort(404)
    form = _item_form(kind, None)
    if form.validate_on_submit():
        item: dict[str, Any] = {"kind": kind}
        choices = {c.value: c.label for c in form.form_key.choices} if kind == "form" else {}
        if _apply(kind, form, item, choices):
            content = copy.deepcopy(draft.content)
            item_key = programs.add_item(content, module_key, item)
            problem = _save(draft, content)
            if problem is None:
                flash(_("The content was added."), "info")
                return redirect(
                    url_for("design.draft", version_id=draft.id, _anchor=f"item-{item_key}")
                )
            return _item_page(draft, module, kind, form, None, problem)
        db.session.rollback()
    return _item_page(draft, module, kind, form)


def _item_or_404(draft: ProgramVersion, item_key: str) -> tuple[dict, dict]:
    try:
        return programs.find_item(draft.content, item_key)
    except KeyError:
        abort(404)


@bp.route("/versions/<int:version_id>/items/<item_key>/edit", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def edit_item(version_id: int, item_key: str):
    draft = owned_draft(version_id)
    module, item = _item_or_404(draft, item_key)
    kind = item["kind"]
    form = _item_form(kind, item)
    if form.validate_on_submit():
        content = copy.deepcopy(draft.content)
        _module, target = programs.find_item(content, item_key)
        choices = {c.value: c.label for c in form.form_key.choices} if kind == "form" else {}
        if _apply(kind, form, target, choices):
            problem = _save(draft, content)
            if problem is None:
                flash(_("The content was saved."), "info")
                return redirect(
                    url_for("design.draft", version_id=draft.id, _anchor=f"item-{item_key}")
                )
            return _item_page(draft, module, kind, form, item, problem)
        db.session.rollback()
    return _item_page(draft, module, kind, form, item)


@bp.route("/versions/<int:version_id>/items/<item_key>/move/<direction>", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def move_item(version_id: int, item_key: str, direction: str):
    draft = owned_draft(version_id)
    _item_or_404(draft, item_key)
    return _move(draft, programs.move_item, item_key, direction, f"item-{item_key}")


@bp.route("/versions/<int:version_id>/items/<item_key>/delete", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def delete_item(version_id: int, item_key: str):
    draft = owned_draft(version_id)
    _module, item = _item_or_404(draft, item_key)
    form = ActionForm()
    if form.validate_on_submit():
        content = copy.deepcopy(draft.content)
        programs.delete_item(content, item_key)
        problem = _save(draft, content)
        flash(problem or _("The content was removed."), "error" if problem else "info")
        return redirect(url_for("design.draft", version_id=draft.id))
    what = _("the content %(title)s", title=local(item.get("title"), current_language()))
    return render_template("sob_core/design/confirm_delete.html", draft=draft, form=form, what=what)
