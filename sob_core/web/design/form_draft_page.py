"""The form draft's editor page: its texts and question list, moving, copying and deleting
questions, publishing, discarding, and the preview (see ``form_builder``)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired

from ...extensions import db
from ...forms import drafts, skip_logic
from ...forms.definitions import (
    FormDefinitionError,
)
from ...i18n import current_language
from ...models import FormDraft, FormVersion
from ...types import local
from ..access import require
from ..limits import MaxLength
from .common import CONFLICT, DESIGN_ROLES, bp, owned_form_draft, registry, scale_locked
from .form_builder import (
    OPERATORS,
    SKIP_PROBLEMS,
    ButtonForm,
    draft_questions,
    page_revision,
    store,
)
from .forms import local_texts

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
    questions = draft_questions(draft)
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
    if not store(
        draft,
        texts.revision.data,
        title=local_texts(texts.title_sv.data, texts.title_en.data),
        intro=local_texts(texts.intro_sv.data, texts.intro_en.data),
    ):
        return _editor(draft, texts, status=409)  # what was typed is kept, to save again
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
    if (locked := scale_locked(draft)) is not None:
        return locked
    questions = draft_questions(draft)
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
        while (candidate := f"{key[: 64 - len(str(number)) - 1]}-{number}") in keys:
            number += 1  # a key is at most 64 characters: a long one is shortened for the suffix
        copy_["key"] = candidate
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
    if store(draft, button.revision.data, definition=definition):
        flash(done, "info")
    return back


@bp.route("/form-drafts/<id:draft_id>/publish", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_draft_publish(draft_id: int):
    draft = owned_form_draft(draft_id)
    button = ButtonForm()
    if not button.validate_on_submit():
        abort(400)
    if page_revision(button.revision.data) != draft.revision:
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
    if isinstance(cause, ValueError) and message.startswith("question '"):
        # a question type's own validate_config message (already in the page's language)
        key = message.split("'")[1]
        return [_("Question %(key)s: %(problem)s", key=key, problem=str(cause))]
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


@bp.route("/form-drafts/<id:draft_id>/preview")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_draft_preview(draft_id: int):
    """The draft as a citizen sees it (the citizen's form rendering), in Swedish or English."""
    from ..forms_rendering import build_form_class, rows

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
        questions = rows(version, form, reg, {}, lang)
        return render_template(
            "sob_core/design/form_preview.html",
            draft=draft,
            version=version,
            form=form,
            questions=questions,
            lang=lang,
            preview=True,
        )
