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
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Regexp

from ...content.checks import KEY_RE
from ...extensions import db
from ...forms import drafts, skip_logic
from ...forms.definitions import (
    FormDefinitionError,
    ScaleTextsMissing,
    scale_questions,
    scale_results,
    scale_texts,
)
from ...i18n import current_language
from ...models import Form, FormDraft, FormVersion
from ...types import local
from ..access import require
from ..limits import MaxLength
from .common import DESIGN_ROLES, bp, registry
from .form_results import CONFLICT, owned_form_draft

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
}


def _texts(sv: str | None, en: str | None) -> dict[str, str]:
    texts = {"sv": (sv or "").strip(), "en": (en or "").strip()}
    return {lang: text for lang, text in texts.items() if text}


def _questions(draft: FormDraft) -> list[dict[str, Any]]:
    return [dict(q) for q in (draft.definition or {}).get("questions") or []]


def _revision(value: Any) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


def _key_taken(key: str) -> bool:
    return (
        db.session.scalar(select(Form.id).where(Form.key == key)) is not None
        or db.session.scalar(select(FormDraft.id).where(FormDraft.key == key)) is not None
    )


def _store(draft: FormDraft, revision: Any, **values: Any) -> bool:
    """``drafts.save`` with the page's revision; False (rolled back, message shown) on a conflict."""
    try:
        drafts.save(
            db.session, draft, revision=_revision(revision), staff_id=current_user.id, **values
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
        if _key_taken((field.data or "").strip()):
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
        "sob_core/design/form_list.html", own=own, shared=shared, new=new, draft_of=draft_of
    )


@bp.route("/forms/new", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def new_form():
    form = NewForm()
    if form.validate_on_submit():
        draft = FormDraft(
            key=form.key.data.strip(),
            care_unit_id=session["care_unit_id"],
            title=_texts(form.title_sv.data, form.title_en.data),
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
                "taken": _key_taken(scale_id),
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
        if _key_taken(scale.id):
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


# --- the draft editor ----------------------------------------------------------------------------


class TextsForm(FlaskForm):
    revision = HiddenField()
    title_sv = StringField(
        lazy_gettext("Title in Swedish"),
        validators=[
            InputRequired(lazy_gettext("Give the form a title in Swedish.")),
            MaxLength(200),
        ],
    )
    title_en = StringField(lazy_gettext("Title in English"), validators=[MaxLength(200)])
    intro_sv = TextAreaField(
        lazy_gettext("Introduction in Swedish"),
        validators=[MaxLength(5000)],
        description=lazy_gettext("Shown to the citizen above the questions."),
    )
    intro_en = TextAreaField(lazy_gettext("Introduction in English"), validators=[MaxLength(5000)])


def _type_choices() -> list[SelectChoice]:
    lang = current_language()
    return sorted(
        (
            SelectChoice(key, local(qtype.label, lang) or key)
            for key, qtype in registry().question_types.items()
        ),
        key=lambda c: str(c.label).casefold(),
    )


def _condition_text(condition: Mapping[str, Any] | None, by_key: Mapping[Any, Any]) -> str:
    if not condition:
        return ""
    lang = current_language()
    target = by_key.get(condition.get("question"))
    name = local((target or {}).get("label"), lang) or str(condition.get("question"))
    for operator, word in OPERATORS.items():
        if operator in condition:
            value = condition[operator]
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            return _(
                "Shown only if “%(question)s” %(operator)s %(value)s",
                question=name,
                operator=word,
                value=shown,
            )
    return ""


def _editor(draft: FormDraft, texts: TextsForm | None = None, problems=(), status: int = 200):
    questions = _questions(draft)
    by_key = {q.get("key"): q for q in questions}
    if texts is None:
        texts = TextsForm(
            formdata=None,
            data={
                "revision": str(draft.revision),
                "title_sv": (draft.title or {}).get("sv", ""),
                "title_en": (draft.title or {}).get("en", ""),
                "intro_sv": (draft.intro or {}).get("sv", ""),
                "intro_en": (draft.intro or {}).get("en", ""),
            },
        )
    texts.revision.data = str(draft.revision)
    reg = registry()
    lang = current_language()
    rows = []
    for index, q in enumerate(questions):
        qtype = reg.question_types.get(q.get("type"))
        problem = skip_logic.condition_problem(questions, index, q.get("show_if"))
        rows.append(
            {
                "q": q,
                "type_label": local(qtype.label, lang) if qtype else q.get("type"),
                "condition": _condition_text(q.get("show_if"), by_key),
                "broken": SKIP_PROBLEMS[problem] if problem else None,
            }
        )
    return (
        render_template(
            "sob_core/design/form_draft.html",
            draft=draft,
            texts=texts,
            rows=rows,
            types=_type_choices(),
            button=ButtonForm(formdata=None, revision=str(draft.revision)),
            problems=list(problems),
        ),
        status,
    )


@bp.route("/form-drafts/<id:draft_id>", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_draft(draft_id: int):
    draft = owned_form_draft(draft_id)
    if request.method == "GET":
        return _editor(draft)
    texts = TextsForm()
    if not texts.validate():
        if texts.csrf_token.errors:
            abort(400)
        return _editor(draft, texts, status=400)
    if _store(
        draft,
        texts.revision.data,
        title=_texts(texts.title_sv.data, texts.title_en.data),
        intro=_texts(texts.intro_sv.data, texts.intro_en.data),
    ):
        flash(_("The texts were saved."), "info")
    return redirect(url_for("design.form_draft", draft_id=draft.id))


@bp.route("/form-drafts/<id:draft_id>/questions/<key>/move", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_question_action(draft_id: int, key: str):
    """Move up or down, duplicate, or delete (after a confirmation page) one question."""
    draft = owned_form_draft(draft_id)
    button = ButtonForm()
    if not button.validate_on_submit():
        abort(400)
    questions = _questions(draft)
    keys = [q.get("key") for q in questions]
    if key not in keys:
        abort(404)
    index = keys.index(key)
    action = request.form.get("action")
    back = redirect(url_for("design.form_draft", draft_id=draft.id) + f"#question-{key}")
    refused = None
    if action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if not 0 <= other < len(questions):
            return back
        first, second = sorted((index, other))
        condition = questions[second].get("show_if") or {}
        if condition.get("question") == questions[first].get("key"):
            refused = _(
                "“%(later)s” is shown only depending on the answer to “%(earlier)s”, so it must "
                "stay below it. Remove or change the condition first.",
                later=local(questions[second].get("label"), current_language()),
                earlier=local(questions[first].get("label"), current_language()),
            )
        else:
            questions[first], questions[second] = questions[second], questions[first]
            done = _("The question was moved.")
    elif action == "duplicate":
        copy_ = copy.deepcopy(questions[index])
        number = 2
        while f"{key}-{number}" in keys or _too_long(f"{key}-{number}"):
            number += 1
            if number > 999:
                abort(400)
        copy_["key"] = f"{key}-{number}"[:64]
        questions.insert(index + 1, copy_)
        done = _("The question was copied.")
    elif action == "delete":
        users = skip_logic.dependents(questions, key)
        if users:
            refused = _(
                "Other questions are shown depending on this one (%(keys)s). Remove or change "
                "their conditions first.",
                keys=", ".join(users),
            )
        elif request.form.get("confirm") != "yes":
            return render_template(
                "sob_core/design/form_question_delete.html",
                draft=draft,
                question=questions[index],
                button=ButtonForm(formdata=None, revision=str(draft.revision)),
            )
        else:
            questions.pop(index)
            done = _("The question was deleted.")
    else:
        abort(400)
    if refused:
        flash(refused, "error")
        return back
    definition = {**(draft.definition or {}), "questions": questions}
    if _store(draft, button.revision.data, definition=definition):
        flash(done, "info")
    return back


def _too_long(key: str) -> bool:
    return len(key) > 64


@bp.route("/form-drafts/<id:draft_id>/publish", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_draft_publish(draft_id: int):
    draft = owned_form_draft(draft_id)
    button = ButtonForm()
    if not button.validate_on_submit():
        abort(400)
    if _revision(button.revision.data) != draft.revision:
        flash(str(CONFLICT), "error")
        return redirect(url_for("design.form_draft", draft_id=draft.id))
    try:
        version = drafts.publish(db.session, registry(), draft, current_user.id)
    except FormDefinitionError as error:
        db.session.rollback()
        db.session.refresh(draft)
        return _editor(draft, problems=_problems(error), status=400)
    db.session.commit()
    flash(_("Version %(number)s of the form was published.", number=version.version), "info")
    return redirect(url_for("design.form", form_id=version.form_id))


def _problems(error: FormDefinitionError) -> list[str]:
    message = str(error)
    known = {
        "a form needs at least one question": _("The form needs at least one question."),
    }
    for code, text in skip_logic.PROBLEMS.items():
        if text in message:
            key = message.split("'")[1] if "'" in message else ""
            return [_("Question %(key)s: %(problem)s", key=key, problem=SKIP_PROBLEMS[code])]
    cause = error.__cause__
    if isinstance(cause, Exception) and hasattr(cause, "render"):
        from .common import error_text

        return [error_text(cause)]
    return [known.get(message, message)]


@bp.route("/form-drafts/<id:draft_id>/discard", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_draft_discard(draft_id: int):
    draft = owned_form_draft(draft_id)
    button = ButtonForm()
    if request.method == "GET":
        return render_template(
            "sob_core/design/form_draft_discard.html",
            draft=draft,
            button=ButtonForm(formdata=None, revision=str(draft.revision)),
        )
    if not button.validate_on_submit():
        abort(400)
    form_id = draft.form_id
    drafts.discard(db.session, draft)
    db.session.commit()
    flash(_("The draft was discarded."), "info")
    if form_id is not None:
        return redirect(url_for("design.form", form_id=form_id))
    return redirect(url_for("design.forms"))


# --- the preview ---------------------------------------------------------------------------------


class _PreviewResponse:
    submission_key = ""


@bp.route("/form-drafts/<id:draft_id>/preview")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_draft_preview(draft_id: int):
    """The draft as a citizen sees it (the citizen's form rendering), in Swedish or English."""
    from ..forms_rendering import build_form_class

    draft = owned_form_draft(draft_id)
    lang = request.args.get("lang", "sv")
    if lang not in ("sv", "en"):
        lang = "sv"
    version = FormVersion(
        version=0,
        title=dict(draft.title or {}),
        intro=dict(draft.intro or {}),
        scale_id=draft.scale_id,
        definition=copy.deepcopy(dict(draft.definition or {"questions": []})),
    )
    reg = registry()
    with force_locale(lang):
        form = build_form_class(version, reg, lang)(formdata=None, meta={"csrf": False})
        questions = []
        for q in version.definition.get("questions") or []:
            from ...forms import specs

            spec = next(s for s in specs(version) if s.key == q["key"])
            questions.append(
                {
                    "spec": spec,
                    "qtype": reg.question_types.get(spec.type),
                    "field": getattr(form, spec.key, None),
                    "show_if": q.get("show_if"),
                    "media": q.get("media"),
                }
            )
        return render_template(
            "sob_core/design/form_preview.html",
            draft=draft,
            version=version,
            form=form,
            questions=questions,
            lang=lang,
        )


# --- one question --------------------------------------------------------------------------------


class QuestionBase(FlaskForm):
    revision = HiddenField()
    key = StringField(
        lazy_gettext("Key"),
        validators=[
            InputRequired(lazy_gettext("Give the question a key.")),
            Regexp(KEY_RE.pattern, message=KEY_MESSAGE),
        ],
        description=lazy_gettext("Lower-case letters a-z, digits, - and _, e.g. mood."),
    )
    label_sv = TextAreaField(
        lazy_gettext("Question in Swedish"),
        validators=[InputRequired(lazy_gettext("Write the question in Swedish.")), MaxLength(2000)],
    )
    label_en = TextAreaField(lazy_gettext("Question in English"), validators=[MaxLength(2000)])
    help_sv = TextAreaField(
        lazy_gettext("Help text in Swedish"),
        validators=[MaxLength(2000)],
        description=lazy_gettext("Shown under the question; optional."),
    )
    help_en = TextAreaField(lazy_gettext("Help text in English"), validators=[MaxLength(2000)])
    required = BooleanField(lazy_gettext("The question must be answered"), default=True)
    show_if_question = SelectField(
        lazy_gettext("Show only if the answer to"), validate_choice=False, default=""
    )
    show_if_operator = SelectField(
        lazy_gettext("Condition"),
        choices=[SelectChoice(k, v) for k, v in OPERATORS.items()],
        validate_choice=False,
    )
    show_if_value = StringField(
        lazy_gettext("Value"),
        validators=[MaxLength(500)],
        description=lazy_gettext(
            "An option's value, several separated by commas for “is one of”, or a number for "
            "“is at least”."
        ),
    )


def _title(schema: Mapping[str, Any], name: str, lang: str) -> str:
    titles = schema.get("x-title") or {}
    return titles.get(lang) or schema.get("title") or name


def _config_fields(qtype) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(property, kind, schema) per config property: kind is integer, number, string, text
    (a LocalText), options, boolean or json."""
    fields = []
    for name, prop in ((qtype.config_schema or {}).get("properties") or {}).items():
        kind = prop.get("type")
        if kind == "object" and set(prop.get("properties") or {}) >= {"sv"}:
            fields.append((name, "text", prop))
        elif kind == "array" and "value" in ((prop.get("items") or {}).get("properties") or {}):
            fields.append((name, "options", prop))
        elif kind in ("integer", "number", "string", "boolean"):
            fields.append((name, kind, prop))
        else:
            fields.append((name, "json", prop))
    return fields


def _question_form_class(qtype):
    lang = current_language()
    attributes: dict[str, Any] = {}
    for name, kind, prop in _config_fields(qtype):
        title = _title(prop, name, lang)
        description = prop.get("description")
        if kind == "text":
            attributes[f"config_{name}_sv"] = StringField(
                _("%(name)s (Swedish)", name=title), validators=[MaxLength(500)]
            )
            attributes[f"config_{name}_en"] = StringField(
                _("%(name)s (English)", name=title), validators=[MaxLength(500)]
            )
        elif kind == "options":
            attributes[f"config_{name}"] = TextAreaField(
                title,
                validators=[MaxLength(20000)],
                description=_(
                    "One option a line: value | Swedish text | English text, e.g. "
                    "2 | Ganska ofta | Quite often. Values must be unique."
                ),
            )
        elif kind == "boolean":
            attributes[f"config_{name}"] = BooleanField(title, description=description)
        else:
            attributes[f"config_{name}"] = StringField(title, description=description)
    return type(f"Question_{qtype.key}", (QuestionBase,), attributes)


def _config_initial(qtype, config: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, kind, _prop in _config_fields(qtype):
        value = config.get(name)
        if kind == "text":
            data[f"config_{name}_sv"] = (value or {}).get("sv", "")
            data[f"config_{name}_en"] = (value or {}).get("en", "")
        elif kind == "options":
            data[f"config_{name}"] = "\n".join(
                " | ".join(
                    [str(o.get("value", "")), (o.get("label") or {}).get("sv", "")]
                    + ([o["label"]["en"]] if (o.get("label") or {}).get("en") else [])
                )
                for o in value or []
            )
        elif kind == "boolean":
            data[f"config_{name}"] = bool(value)
        elif kind == "json":
            import json

            data[f"config_{name}"] = "" if value is None else json.dumps(value, ensure_ascii=False)
        else:
            data[f"config_{name}"] = "" if value is None else str(value)
    return data


def _read_config(qtype, form) -> dict[str, Any] | None:
    """The config the form describes; None when a field could not be read (errors set)."""
    config: dict[str, Any] = {}
    ok = True
    for name, kind, _prop in _config_fields(qtype):
        if kind == "text":
            text = _texts(form[f"config_{name}_sv"].data, form[f"config_{name}_en"].data)
            if text:
                config[name] = text
            continue
        field = form[f"config_{name}"]
        raw = field.data
        if kind == "boolean":
            config[name] = bool(raw)
            continue
        raw = (raw or "").strip()
        if not raw:
            continue
        if kind == "integer":
            try:
                config[name] = int(raw)
            except ValueError:
                field.errors = [*field.errors, _("Give a whole number.")]
                ok = False
        elif kind == "number":
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                field.errors = [*field.errors, _("Give a number.")]
                ok = False
            else:
                config[name] = int(number) if number.is_integer() else number
        elif kind == "options":
            options = []
            for line_no, line in enumerate(raw.splitlines(), start=1):
                if not line.strip():
                    continue
                parts = [p.strip() for p in line.split("|")]
                if len(parts) < 2 or not parts[0] or not parts[1]:
                    field.errors = [
                        *field.errors,
                        _(
                            "Line %(line)s needs a value and a Swedish text separated by |.",
                            line=line_no,
                        ),
                    ]
                    ok = False
                    continue
                options.append(
                    {
                        "value": parts[0],
                        "label": _texts(parts[1], parts[2] if len(parts) > 2 else ""),
                    }
                )
            config[name] = options
        elif kind == "json":
            import json

            try:
                config[name] = json.loads(raw)
            except ValueError:
                field.errors = [*field.errors, _("Write a valid JSON value.")]
                ok = False
        else:
            config[name] = raw
    return config if ok else None


def _config_field_for(qtype, form, message: str):
    """The config field a type's message is about (its title or name in the message)."""
    lang = current_language()
    names = [f for f in form if f.name.startswith("config_")]
    for name, _kind, prop in _config_fields(qtype):
        for word in (_title(prop, name, lang), name):
            if word and word.casefold() in message.casefold():
                match = [f for f in names if f.name.startswith(f"config_{name}")]
                if match:
                    return match[0]
    return names[0] if names else form.key


def _condition(form, questions: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, bool]:
    target = form.show_if_question.data or ""
    if not target:
        return None, True
    operator = form.show_if_operator.data
    raw = (form.show_if_value.data or "").strip()
    if operator not in OPERATORS or not raw:
        form.show_if_value.errors = [*form.show_if_value.errors, str(SKIP_PROBLEMS["shape"])]
        return None, False
    value: Any
    if operator == "min":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            form.show_if_value.errors = [*form.show_if_value.errors, str(SKIP_PROBLEMS["number"])]
            return None, False
        value = int(number) if number.is_integer() else number
    elif operator == "in":
        value = [v.strip() for v in raw.split(",") if v.strip()]
    else:
        value = raw
        by_key = {q.get("key"): q for q in questions}
        options = ((by_key.get(target) or {}).get("config") or {}).get("options")
        if options is None:  # a number answer compares as a number
            try:
                number = float(raw.replace(",", "."))
                value = int(number) if number.is_integer() else number
            except ValueError:
                pass
    return {"question": target, operator: value}, True


def _question_page(draft, qtype, form, questions, index, status=200):
    lang = current_language()
    earlier = questions[:index]
    form.show_if_question.choices = [SelectChoice("", _("Always show the question"))] + [
        SelectChoice(q["key"], f"{local(q.get('label'), lang)} ({q['key']})") for q in earlier
    ]
    options = {
        q["key"]: [
            f"{o.get('value')} = {local(o.get('label'), lang)}"
            for o in (q.get("config") or {}).get("options") or []
        ]
        for q in earlier
    }
    config_fields = [f for f in form if f.name.startswith("config_")]
    return (
        render_template(
            "sob_core/design/form_question.html",
            draft=draft,
            qtype=qtype,
            type_label=local(qtype.label, lang),
            form=form,
            config_fields=config_fields,
            editing=index < len(questions),
            options=options,
        ),
        status,
    )


@bp.route("/form-drafts/<id:draft_id>/questions/new", methods=["GET", "POST"])
@bp.route("/form-drafts/<id:draft_id>/questions/<key>", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_question(draft_id: int, key: str | None = None):
    draft = owned_form_draft(draft_id)
    questions = _questions(draft)
    keys = [q.get("key") for q in questions]
    if key is not None:
        if key not in keys:
            abort(404)
        index = keys.index(key)
        current: dict[str, Any] | None = questions[index]
        type_name = questions[index].get("type")
    else:
        index = len(questions)
        current = None
        type_name = request.values.get("type")
    qtype = registry().question_types.get(type_name or "")
    if qtype is None:
        abort(404)
    form_class = _question_form_class(qtype)
    if request.method == "GET":
        data: dict[str, Any] = {"revision": str(draft.revision), "required": True}
        if current is not None:
            condition = current.get("show_if") or {}
            operator = next((o for o in OPERATORS if o in condition), "equals")
            value = condition.get(operator, "")
            data.update(
                key=current.get("key"),
                label_sv=(current.get("label") or {}).get("sv", ""),
                label_en=(current.get("label") or {}).get("en", ""),
                help_sv=(current.get("help") or {}).get("sv", ""),
                help_en=(current.get("help") or {}).get("en", ""),
                required=current.get("required", True),
                show_if_question=condition.get("question", ""),
                show_if_operator=operator,
                show_if_value=", ".join(map(str, value)) if isinstance(value, list) else value,
                **_config_initial(qtype, current.get("config") or {}),
            )
        form = form_class(formdata=None, data=data)
        return _question_page(draft, qtype, form, questions, index)
    form = form_class()
    valid = form.validate()
    if form.csrf_token.errors:
        abort(400)
    new_key = (form.key.data or "").strip()
    if new_key in keys and new_key != key:
        form.key.errors = [*form.key.errors, _("Another question of the form has this key.")]
        valid = False
    if key is not None and new_key != key and skip_logic.dependents(questions, key):
        form.key.errors = [
            *form.key.errors,
            _("Other questions' conditions name this key; it cannot be changed."),
        ]
        valid = False
    config = _read_config(qtype, form)
    if config is not None:
        try:
            qtype.validate_config(config, current_language())
        except ValueError as error:
            field = _config_field_for(qtype, form, str(error))
            field.errors = [*field.errors, str(error)]
            valid = False
    condition, condition_ok = _condition(form, questions[:index])
    if condition is not None:
        trial = [*questions[:index], {"key": new_key}, *questions[index + 1 :]]
        problem = skip_logic.condition_problem(trial, index, condition)
        if problem is not None:
            form.show_if_value.errors = [*form.show_if_value.errors, str(SKIP_PROBLEMS[problem])]
            condition_ok = False
    if not valid or config is None or not condition_ok:
        return _question_page(draft, qtype, form, questions, index, 400)
    question: dict[str, Any] = dict(current or {})
    question.update(
        key=new_key,
        type=qtype.key,
        label=_texts(form.label_sv.data, form.label_en.data),
        config=config,
        required=bool(form.required.data),
    )
    help_text = _texts(form.help_sv.data, form.help_en.data)
    if help_text:
        question["help"] = help_text
    else:
        question.pop("help", None)
    if condition is not None:
        question["show_if"] = condition
    else:
        question.pop("show_if", None)
    if current is None:
        questions.append(question)
    else:
        questions[index] = question
    definition = {**(draft.definition or {}), "questions": questions}
    if not _store(draft, form.revision.data, definition=definition):
        form.revision.data = str(draft.revision)
        form.key.errors = list(form.key.errors)
        return _question_page(draft, qtype, form, _questions(draft), index, 409)
    flash(_("The question was saved."), "info")
    return redirect(url_for("design.form_draft", draft_id=draft.id) + f"#question-{new_key}")
