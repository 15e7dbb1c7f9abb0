"""The design tool's form builder: the unit's forms, drafts, the question editor, publishing.

A new form is a ``FormDraft`` until first published (it has no ``Form`` row, so nothing that gives
forms to citizens can see it); "Ändra" on a published form opens its draft (``drafts.open_draft``).
Every change is stored with ``drafts.save`` and the revision the page was made from (a hidden
field): a draft saved by someone else meanwhile is refused with a message, nothing overwritten.
A question's config fields are made from its type's ``config_schema``; the type's own
``validate_config`` decides what is valid. Skip logic (``show_if``) is checked by
``forms.skip_logic.condition_problem``, the same check ``validate_definition`` makes; moving or
deleting a question a later condition depends on is refused with an explanation.

Shared forms (no owning unit) are listed read-only. Another unit's forms and drafts answer 404.
This module: the list, a new form, a form from a scale, a published form and "Ändra";
``form_draft_page`` the draft's editor page, publishing, discarding and the preview;
``form_questions`` one question's page.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    HiddenField,
    StringField,
)
from wtforms.validators import InputRequired, Regexp

from ...content.checks import KEY_RE
from ...extensions import db
from ...forms import drafts
from ...forms.definitions import (
    FormDefinitionError,
    ScaleTextsMissing,
    scale_questions,
    scale_results,
    scale_texts,
)
from ...i18n import current_language
from ...models import Form, FormDraft
from ...types import local
from ..access import require
from ..limits import MaxLength
from .common import CONFLICT, DESIGN_ROLES, bp, registry
from .form_import import FhirImportForm, import_notes
from .forms import local_texts

KEY_MESSAGE = lazy_gettext("Use lower-case letters a-z, digits, - and _ (at most 64 characters).")
OPERATORS = {
    "equals": lazy_gettext("equals"),
    "in": lazy_gettext("is one of"),
    "min": lazy_gettext("is at least"),
}
SKIP_PROBLEMS = {
    "shape": lazy_gettext("Choose a question, a condition and a value."),
    "self": lazy_gettext("A question cannot depend on its own answer."),
    "forward": lazy_gettext(
        "The condition names a later question. A question can only depend on answers given "
        "before it; move the question below the one it depends on."
    ),
    "missing": lazy_gettext("The condition names a question the form does not have."),
    "option": lazy_gettext("The value must be one of the chosen question's option values."),
    "number": lazy_gettext("“Is at least” needs a number and a question answered with a number."),
    "combination": lazy_gettext("“All of” or “any of” needs one or more conditions."),
    "exists": lazy_gettext("“Is answered” needs yes (answered) or no (not answered)."),
    "order": lazy_gettext("The chosen question's answers cannot be compared as greater or less."),
    "value": lazy_gettext("The value is not an answer the chosen question can have."),
}


def draft_questions(draft: FormDraft) -> list[dict[str, Any]]:
    return [dict(q) for q in (draft.definition or {}).get("questions") or []]


def page_revision(value: Any) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


def key_taken(key: str) -> bool:
    return (
        db.session.scalar(select(Form.id).where(Form.key == key)) is not None
        or db.session.scalar(select(FormDraft.id).where(FormDraft.key == key)) is not None
    )


def store(draft: FormDraft, revision: Any, **values: Any) -> bool:
    """``drafts.save`` with the page's revision; False (rolled back, message shown) on a conflict."""
    try:
        drafts.save(
            db.session, draft, revision=page_revision(revision), staff_id=current_user.id, **values
        )
    except drafts.DraftConflict:
        db.session.rollback()
        db.session.refresh(draft)
        flash(str(CONFLICT), "error")
        return False
    db.session.commit()
    return True


def owned_form(form_id: int, *, editable: bool = False) -> Form:
    """A form of the active unit, or a shared one to read; another unit's answers 404."""
    form = db.session.get(Form, form_id)
    if form is None or form.care_unit_id not in (None, session.get("care_unit_id")):
        abort(404)
    if editable and form.care_unit_id is None:
        abort(403)
    return form


# --- the list and new forms ----------------------------------------------------------------------


class NewForm(FlaskForm):
    key = StringField(
        lazy_gettext("Key"),
        validators=[
            InputRequired(lazy_gettext("Give the form a key.")),
            Regexp(KEY_RE.pattern, message=KEY_MESSAGE),
        ],
        description=lazy_gettext(
            "Lower-case letters a-z, digits, - and _, e.g. sleep-diary. It names the form's "
            "answers over time and cannot be changed."
        ),
    )
    title_sv = StringField(
        lazy_gettext("Title in Swedish"),
        validators=[
            InputRequired(lazy_gettext("Give the form a title in Swedish.")),
            MaxLength(200),
        ],
    )
    title_en = StringField(lazy_gettext("Title in English"), validators=[MaxLength(200)])

    def validate_key(self, field) -> None:
        if key_taken((field.data or "").strip()):
            from wtforms.validators import ValidationError

            raise ValidationError(_("Another form or draft already has this key."))


@bp.route("/forms")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def forms():
    unit = session["care_unit_id"]
    rows = db.session.scalars(
        select(Form).where((Form.care_unit_id == unit) | (Form.care_unit_id.is_(None)))
    ).all()
    lang = current_language()
    own = sorted(
        (f for f in rows if f.care_unit_id == unit),
        key=lambda f: (local(f.latest.title, lang) or f.key).casefold(),
    )
    shared = sorted(
        (f for f in rows if f.care_unit_id is None),
        key=lambda f: (local(f.latest.title, lang) or f.key).casefold(),
    )
    new = db.session.scalars(
        select(FormDraft)
        .where(FormDraft.care_unit_id == unit, FormDraft.form_id.is_(None))
        .order_by(FormDraft.key)
    ).all()
    draft_of = {
        d.form_id: d
        for d in db.session.scalars(
            select(FormDraft).where(FormDraft.care_unit_id == unit, FormDraft.form_id.isnot(None))
        )
    }
    return render_template(
        "sob_core/design/form_list.html",
        own=own,
        shared=shared,
        new=new,
        draft_of=draft_of,
        import_form=FhirImportForm(),
    )


@bp.route("/forms/new", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_form():
    form = NewForm()
    if form.validate_on_submit():
        draft = FormDraft(
            key=form.key.data.strip(),
            care_unit_id=session["care_unit_id"],
            title=local_texts(form.title_sv.data, form.title_en.data),
            intro={},
            definition={"questions": [], "results": []},
            created_by_id=current_user.id,
            updated_by_id=current_user.id,
        )
        db.session.add(draft)
        db.session.commit()
        flash(_("The form was created as a draft. Add its questions, then publish it."), "info")
        return redirect(url_for("design.form_draft", draft_id=draft.id))
    status = 400 if request.method == "POST" else 200
    return render_template("sob_core/design/form_new.html", form=form), status


class ScaleChoiceForm(FlaskForm):
    scale_id = HiddenField()


@bp.route("/forms/from-scale", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_form_from_scale():
    reg = registry()
    lang = current_language()
    scales = []
    for scale_id, scale in sorted(reg.scales.items()):
        scales.append(
            {
                "id": scale_id,
                "name": local(scale.name, lang) or scale_id,
                "licence": scale.licence,
                "texts": scale_texts(db.session, scale) is not None,
                "taken": key_taken(scale_id),
            }
        )
    form = ScaleChoiceForm()
    problem = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        scale = reg.scales.get(form.scale_id.data or "")
        if scale is None:
            abort(404)
        if key_taken(scale.id):
            problem = _("A form or draft with the key %(key)s already exists.", key=scale.id)
        else:
            try:
                questions = scale_questions(db.session, reg, scale)
            except ScaleTextsMissing:
                problem = _(
                    "The texts of %(scale)s are not installed. Import its text pack first.",
                    scale=scale.id,
                )
            except FormDefinitionError as error:
                problem = str(error)
            else:
                draft = FormDraft(
                    key=scale.id,
                    care_unit_id=session["care_unit_id"],
                    title=dict(scale.name),
                    intro=dict(scale.description or {}),
                    scale_id=scale.id,
                    definition={"questions": questions, "results": scale_results(scale)},
                    created_by_id=current_user.id,
                    updated_by_id=current_user.id,
                )
                db.session.add(draft)
                db.session.commit()
                flash(
                    _("The form for the scale was created as a draft. Check it and publish it."),
                    "info",
                )
                return redirect(url_for("design.form_draft", draft_id=draft.id))
    status = 400 if problem else 200
    return (
        render_template(
            "sob_core/design/form_from_scale.html", scales=scales, form=form, problem=problem
        ),
        status,
    )


# --- a published form ----------------------------------------------------------------------------


class ButtonForm(FlaskForm):
    revision = HiddenField()


@bp.route("/forms/<id:form_id>")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form(form_id: int):
    found = owned_form(form_id)
    draft = db.session.scalar(select(FormDraft).where(FormDraft.form_id == found.id))
    return render_template(
        "sob_core/design/form_page.html",
        form_row=found,
        versions=list(reversed(found.versions)),
        draft=draft,
        button=ButtonForm(),
        editable=found.care_unit_id is not None,
        imported=import_notes(found.latest)
        if (found.latest.definition or {}).get("origin")
        else None,
    )


@bp.route("/forms/<id:form_id>/edit", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_edit(form_id: int):
    found = owned_form(form_id, editable=True)
    if not ButtonForm().validate_on_submit():
        abort(400)
    draft = drafts.open_draft(db.session, found, current_user.id)
    db.session.commit()
    return redirect(url_for("design.form_draft", draft_id=draft.id))
