"""One question of a form draft: its texts, its type's settings (from the type's
``config_schema``, checked by its ``validate_config``) and its skip logic (see ``form_builder``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
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
from ...forms import skip_logic
from ...i18n import current_language
from ...types import local
from ..access import require
from ..limits import MaxLength
from .common import DESIGN_ROLES, bp, owned_form_draft, registry, scale_locked
from .form_builder import (
    KEY_MESSAGE,
    OPERATORS,
    SKIP_PROBLEMS,
    draft_questions,
    store,
)
from .forms import local_texts

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
    """(property, shape, schema) per config property: shape is integer, number, string, text
    (a LocalText), options, boolean or json."""
    fields = []
    for name, prop in ((qtype.config_schema or {}).get("properties") or {}).items():
        shape = prop.get("type")
        if shape == "object" and set(prop.get("properties") or {}) >= {"sv"}:
            fields.append((name, "text", prop))
        elif shape == "array" and "value" in ((prop.get("items") or {}).get("properties") or {}):
            fields.append((name, "options", prop))
        elif shape in ("integer", "number", "string", "boolean"):
            fields.append((name, shape, prop))
        else:
            fields.append((name, "json", prop))
    return fields


def _question_form_class(qtype):
    lang = current_language()
    attributes: dict[str, Any] = {}
    for name, shape, prop in _config_fields(qtype):
        title = _title(prop, name, lang)
        description = prop.get("description")
        if shape == "text":
            attributes[f"config_{name}_sv"] = StringField(
                _("%(name)s (Swedish)", name=title), validators=[MaxLength(500)]
            )
            attributes[f"config_{name}_en"] = StringField(
                _("%(name)s (English)", name=title), validators=[MaxLength(500)]
            )
        elif shape == "options":
            attributes[f"config_{name}"] = TextAreaField(
                title,
                validators=[MaxLength(20000)],
                description=_(
                    "One option a line: value | Swedish text | English text, e.g. "
                    "2 | Ganska ofta | Quite often. Values must be unique."
                ),
            )
        elif shape == "boolean":
            attributes[f"config_{name}"] = BooleanField(title, description=description)
        else:
            attributes[f"config_{name}"] = StringField(title, description=description)
    return type(f"Question_{qtype.key}", (QuestionBase,), attributes)


def _config_initial(qtype, config: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, shape, _prop in _config_fields(qtype):
        value = config.get(name)
        if shape == "text":
            data[f"config_{name}_sv"] = (value or {}).get("sv", "")
            data[f"config_{name}_en"] = (value or {}).get("en", "")
        elif shape == "options":
            data[f"config_{name}"] = "\n".join(
                " | ".join(
                    [str(o.get("value", "")), (o.get("label") or {}).get("sv", "")]
                    + ([o["label"]["en"]] if (o.get("label") or {}).get("en") else [])
                )
                for o in value or []
            )
        elif shape == "boolean":
            data[f"config_{name}"] = bool(value)
        elif shape == "json":
            import json

            data[f"config_{name}"] = "" if value is None else json.dumps(value, ensure_ascii=False)
        else:
            data[f"config_{name}"] = "" if value is None else str(value)
    return data


def _read_config(qtype, form, stored: Any = None) -> dict[str, Any] | None:
    """The config the form describes; None when a field could not be read (errors set).

    The edit merges into the ``stored`` config: what the page does not show is kept (an option's
    ``system``, ``score``, ``value_type`` from a FHIR import, matched by its value; a setting
    the type's schema does not list), so editing a question's text loses nothing."""
    stored = stored if isinstance(stored, dict) else {}
    shown = {name for name, _shape, _prop in _config_fields(qtype)}
    config: dict[str, Any] = {k: v for k, v in stored.items() if k not in shown}
    kept = {
        str(o.get("value")): {k: v for k, v in o.items() if k not in ("value", "label")}
        for o in stored.get("options") or []
        if isinstance(o, dict)
    }
    ok = True
    for name, shape, _prop in _config_fields(qtype):
        if shape == "text":
            text = local_texts(form[f"config_{name}_sv"].data, form[f"config_{name}_en"].data)
            if text:
                config[name] = text
            continue
        field = form[f"config_{name}"]
        raw = field.data
        if shape == "boolean":
            config[name] = bool(raw)
            continue
        raw = (raw or "").strip()
        if not raw:
            continue
        if shape == "integer":
            try:
                config[name] = int(raw)
            except ValueError:
                field.errors = [*field.errors, _("Give a whole number.")]
                ok = False
        elif shape == "number":
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                field.errors = [*field.errors, _("Give a number.")]
                ok = False
            else:
                config[name] = int(number) if number.is_integer() else number
        elif shape == "options":
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
                        **kept.get(parts[0], {}),
                        "value": parts[0],
                        "label": local_texts(parts[1], parts[2] if len(parts) > 2 else ""),
                    }
                )
            config[name] = options
        elif shape == "json":
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
    for name, _shape, prop in _config_fields(qtype):
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


def _editable(condition: dict[str, Any]) -> bool:
    """Whether the editor's one-condition fields can show ``condition``."""
    return isinstance(condition.get("question"), str) and any(o in condition for o in OPERATORS)


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
    if (locked := scale_locked(draft)) is not None:
        return locked
    questions = draft_questions(draft)
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
    same_type = current is not None and current.get("type") == qtype.key
    config = _read_config(qtype, form, (current or {}).get("config") if same_type else None)
    if config is not None:
        try:
            qtype.validate_config(config, current_language())
        except ValueError as error:
            field = _config_field_for(qtype, form, str(error))
            field.errors = [*field.errors, str(error)]
            valid = False
    condition, condition_ok = _condition(form, questions[:index])
    kept = (current or {}).get("show_if")
    if condition is None and condition_ok and isinstance(kept, dict) and not _editable(kept):
        condition = kept  # a condition this form cannot show (all/any, not_equals ...) is kept
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
        label=local_texts(form.label_sv.data, form.label_en.data),
        config=config,
        required=bool(form.required.data),
    )
    help_text = local_texts(form.help_sv.data, form.help_en.data)
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
    if not store(draft, form.revision.data, definition=definition):
        form.revision.data = str(draft.revision)
        form.key.errors = list(form.key.errors)
        return _question_page(draft, qtype, form, draft_questions(draft), index, 409)
    flash(_("The question was saved."), "info")
    return redirect(url_for("design.form_draft", draft_id=draft.id) + f"#question-{new_key}")
