"""Editing a draft: the program's texts, its modules and their content items.

Every change edits a copy of the draft's content with ``content.editing`` and saves it with
``programs.update_draft``, which validates the whole program. A rule
broken by the change is shown on the page and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import programs
from ...content import KINDS, RULES, Item, Module, ProgramContent, Unlock, editing
from ...extensions import db
from ...i18n import current_language
from ...media import storage as storage_service
from ...models import MediaFile, ProgramVersion
from ...types import local
from ..access import require
from ..media import current_max_upload_bytes, current_storage
from ..numbers import file_size
from .common import (
    DESIGN_ROLES,
    ITEM_KIND_LABELS,
    active_unit,
    bp,
    error_text,
    form_titles,
    name_of,
    owned_draft,
    registry,
)
from .forms import (
    ActionForm,
    ItemForm,
    ModuleForm,
    SettingsForm,
    english,
    item_form_class,
    swedish,
    with_languages,
)
from .programs import media_of

DIRECTIONS = ("up", "down")


def _save(draft: ProgramVersion, content: dict[str, Any]) -> str | None:
    """Validate and save; the broken rule's message when the content cannot be saved."""
    try:
        programs.update_draft(db.session, draft, content, registry=registry())
    except programs.ProgramContentError as error:
        db.session.rollback()
        return error_text(error)
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


@bp.route("/versions/<id:version_id>/edit")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def draft(version_id: int):
    draft = owned_draft(version_id)
    content = ProgramContent.from_json(draft.content)
    settings = SettingsForm(
        data={
            "name": swedish(content.name),
            "name_en": english(content.name),
            "description": swedish(content.description),
            "description_en": english(content.description),
            "welcome": swedish(content.welcome),
            "welcome_en": english(content.welcome),
            "recommended_days": content.recommended_days,
            "messaging": content.messaging,
        }
    )
    return _render_draft(draft, settings)


@bp.route("/versions/<id:version_id>/settings", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def draft_settings(version_id: int):
    draft = owned_draft(version_id)
    settings = SettingsForm()
    if not settings.validate_on_submit():
        return _render_draft(draft, settings)
    old = ProgramContent.from_json(draft.content)
    content = editing.editable(draft.content)
    editing.update_program(
        content,
        {
            "name": with_languages(old.name, settings.name.data, settings.name_en.data),
            "description": with_languages(
                old.description, settings.description.data, settings.description_en.data
            ),
            "welcome": with_languages(old.welcome, settings.welcome.data, settings.welcome_en.data),
            "recommended_days": settings.recommended_days.data,
            "messaging": bool(settings.messaging.data),
        },
    )
    problem = _save(draft, content)
    if problem:
        return _render_draft(draft, settings, problem)
    flash(_("The program's details were saved."), "info")
    return redirect(url_for("design.draft", version_id=draft.id))


# --- modules ------------------------------------------------------------------------------------


def _module_values(form: ModuleForm, old: Module | None = None) -> dict[str, Any]:
    rule = RULES.get(form.unlock.data)
    days = form.days.data if rule is not None and rule.needs_days else None
    values = {
        "title": with_languages(old.title if old else None, form.title.data, form.title_en.data),
        "recommended_days": form.recommended_days.data,
        "unlock": Unlock(form.unlock.data, days).to_json(),
    }
    description = with_languages(
        old.description if old else None, form.description.data, form.description_en.data
    )
    if description:
        values["description"] = description
    return values


def _module_page(draft: ProgramVersion, form: ModuleForm, module: Module | None, problem=None):
    return render_template(
        "sob_core/design/module_form.html",
        draft=draft,
        name=name_of(draft),
        form=form,
        module=module,
        problem=problem,
    )


@bp.route("/versions/<id:version_id>/modules/new", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_module(version_id: int):
    draft = owned_draft(version_id)
    form = ModuleForm(
        data={
            "unlock": "after_previous"
            if ProgramContent.from_json(draft.content).modules
            else "at_start"
        }
    )
    if form.validate_on_submit():
        content = editing.editable(draft.content)
        editing.add_module(content, _module_values(form))
        problem = _save(draft, content)
        if problem is None:
            flash(_("The module was added."), "info")
            return redirect(url_for("design.draft", version_id=draft.id))
        return _module_page(draft, form, None, problem)
    return _module_page(draft, form, None)


def _module_or_404(draft: ProgramVersion, module_key: str) -> Module:
    try:
        return ProgramContent.from_json(draft.content).module(module_key)
    except KeyError:
        abort(404)


@bp.route("/versions/<id:version_id>/modules/<module_key>/edit", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def edit_module(version_id: int, module_key: str):
    draft = owned_draft(version_id)
    module = _module_or_404(draft, module_key)
    form = ModuleForm(
        data={
            "title": swedish(module.title),
            "title_en": english(module.title),
            "description": swedish(module.description),
            "description_en": english(module.description),
            "recommended_days": module.recommended_days,
            "unlock": module.unlock.rule,
            "days": module.unlock.days,
        }
    )
    if form.validate_on_submit():
        content = editing.editable(draft.content)
        editing.update_module(content, module_key, _module_values(form, module))
        problem = _save(draft, content)
        if problem is None:
            flash(_("The module was saved."), "info")
            return redirect(
                url_for("design.draft", version_id=draft.id, _anchor=f"module-{module_key}")
            )
        return _module_page(draft, form, module, problem)
    return _module_page(draft, form, module)


@bp.route("/versions/<id:version_id>/modules/<module_key>/move/<direction>", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def move_module(version_id: int, module_key: str, direction: str):
    draft = owned_draft(version_id)
    _module_or_404(draft, module_key)
    return _move(draft, editing.move_module, module_key, direction, f"module-{module_key}")


def _move(draft, move, key: str, direction: str, anchor: str):
    """Move a module or an item one step up or down in the draft, then back to its place."""
    if direction not in DIRECTIONS or not ActionForm().validate_on_submit():
        abort(400)
    content = editing.editable(draft.content)
    move(content, key, direction)
    problem = _save(draft, content)
    if problem:
        flash(problem, "error")
    return redirect(url_for("design.draft", version_id=draft.id, _anchor=anchor))


@bp.route("/versions/<id:version_id>/modules/<module_key>/delete", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def delete_module(version_id: int, module_key: str):
    draft = owned_draft(version_id)
    module = _module_or_404(draft, module_key)
    form = ActionForm()
    if form.validate_on_submit():
        content = editing.editable(draft.content)
        editing.delete_module(content, module_key)
        problem = _save(draft, content)
        flash(problem or _("The module was removed."), "error" if problem else "info")
        return redirect(url_for("design.draft", version_id=draft.id))
    what = _(
        "the module %(title)s and all its content",
        title=local(module.title, current_language()),
    )
    return render_template("sob_core/design/confirm_delete.html", draft=draft, form=form, what=what)


# --- content items ------------------------------------------------------------------------------


def _upload_message(error: storage_service.UploadError, kind: str) -> str:
    types = ", ".join(storage_service.extensions_for(kind))
    if error.code == "size":
        return _(
            "The file is too large: at most %(size)s.", size=file_size(error.detail["max_bytes"])
        )
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


def _attach(field, media_kind: str, item: dict[str, Any], name: str, missing: str) -> None:
    """Store the file posted in ``field`` as the item's ``name``; note ``missing`` when it has none."""
    if field.errors:
        return
    stored = _upload(field, media_kind)
    if stored is not None:
        item[name] = stored.id
    elif not field.errors and item.get(name) is None:
        field.errors.append(missing)


def _apply(form: ItemForm, item: dict[str, Any]) -> bool:
    """Copy the form into ``item`` (uploads stored); False when a field has an error."""
    for field in form:
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
    form.apply(item, _attach)
    return not any(field.errors for field in form)


def _item_form(kind: str, item: Item | None) -> ItemForm:
    form_class = item_form_class(kind)
    form = form_class(data=form_class.initial(item) if item is not None else {})
    form.prepare()
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
        media=media_of(item.media_ids()) if item else {},
        problem=problem,
        upload_types={
            k: ", ".join(storage_service.extensions_for(k)) for k in storage_service.KINDS
        },
    )


@bp.route(
    "/versions/<id:version_id>/modules/<module_key>/items/new/<kind>", methods=["GET", "POST"]
)
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_item(version_id: int, module_key: str, kind: str):
    draft = owned_draft(version_id)
    module = _module_or_404(draft, module_key)
    if kind not in KINDS:
        abort(404)
    form = _item_form(kind, None)
    if form.validate_on_submit():
        item: dict[str, Any] = {"kind": kind}
        if _apply(form, item):
            content = editing.editable(draft.content)
            item_key = editing.add_item(content, module_key, item)
            problem = _save(draft, content)
            if problem is None:
                flash(_("The content was added."), "info")
                return redirect(
                    url_for("design.draft", version_id=draft.id, _anchor=f"item-{item_key}")
                )
            return _item_page(draft, module, kind, form, None, problem)
        db.session.rollback()
    return _item_page(draft, module, kind, form)


def _item_or_404(draft: ProgramVersion, item_key: str) -> tuple[Module, Item]:
    try:
        return ProgramContent.from_json(draft.content).item(item_key)
    except KeyError:
        abort(404)


@bp.route("/versions/<id:version_id>/items/<item_key>/edit", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def edit_item(version_id: int, item_key: str):
    draft = owned_draft(version_id)
    module, item = _item_or_404(draft, item_key)
    kind = item.kind
    form = _item_form(kind, item)
    if form.validate_on_submit():
        values = item.to_json()
        if _apply(form, values):
            content = editing.editable(draft.content)
            editing.update_item(content, item_key, values)
            problem = _save(draft, content)
            if problem is None:
                flash(_("The content was saved."), "info")
                return redirect(
                    url_for("design.draft", version_id=draft.id, _anchor=f"item-{item_key}")
                )
            return _item_page(draft, module, kind, form, item, problem)
        db.session.rollback()
    return _item_page(draft, module, kind, form, item)


@bp.route("/versions/<id:version_id>/items/<item_key>/move/<direction>", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def move_item(version_id: int, item_key: str, direction: str):
    draft = owned_draft(version_id)
    _item_or_404(draft, item_key)
    return _move(draft, editing.move_item, item_key, direction, f"item-{item_key}")


@bp.route("/versions/<id:version_id>/items/<item_key>/delete", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def delete_item(version_id: int, item_key: str):
    draft = owned_draft(version_id)
    _module, item = _item_or_404(draft, item_key)
    form = ActionForm()
    if form.validate_on_submit():
        content = editing.editable(draft.content)
        editing.delete_item(content, item_key)
        problem = _save(draft, content)
        flash(problem or _("The content was removed."), "error" if problem else "info")
        return redirect(url_for("design.draft", version_id=draft.id))
    what = _("the content %(title)s", title=local(item.title, current_language()))
    return render_template("sob_core/design/confirm_delete.html", draft=draft, form=form, what=what)
