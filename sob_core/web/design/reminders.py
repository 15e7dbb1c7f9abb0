"""The draft's reminder rules: when the citizen is reminded of an opened measurement battery.

A rule is a list of days after the opening (0: at the opening), at most five, going up, for every
battery or only the chosen ones (``content.reminder_rules``). A programme without rules reminds
nobody; the page offers the suggested rule (0, 2 and 5 days). Saved through
``programs.update_draft``, which validates the whole programme.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from ...content import ProgramContent, editing
from ...content.checks import KEY_RE
from ...content.reminder_rules import (
    MAX_OFFSET_DAYS,
    MAX_REMINDERS,
    SUGGESTED_OFFSETS,
    rules_of,
)
from ...i18n import current_language
from ...models import ProgramVersion
from ...types import local
from ..access import require
from .common import DESIGN_ROLES, bp, name_of, owned_draft
from .editor import _save
from .forms import ActionForm

SUGGESTED_KEY = "standard"


def parse_offsets(text: str | None) -> list[int]:
    """``"0, 2, 5"`` → [0, 2, 5]; ``ValueError`` with the message for anything else."""
    parts = [p for p in re.split(r"[\s,;]+", (text or "").strip()) if p]
    if not parts:
        raise ValueError(_("Give at least one day, for example 0, 2, 5."))
    if not all(p.isdigit() for p in parts) or any(int(p) > MAX_OFFSET_DAYS for p in parts):
        raise ValueError(
            _(
                "Write whole numbers of days from 0 to %(max)s, separated by commas.",
                max=MAX_OFFSET_DAYS,
            )
        )
    days = [int(p) for p in parts]
    if len(days) > MAX_REMINDERS:
        raise ValueError(
            _(
                "A rule may have at most %(max)s reminders; this has %(count)s.",
                max=MAX_REMINDERS,
                count=len(days),
            )
        )
    if any(b <= a for a, b in zip(days, days[1:], strict=False)):
        raise ValueError(_("The days must go up, each later than the one before."))
    return days


def _offsets_valid(form: Any, field: Any) -> None:
    try:
        parse_offsets(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _key_valid(form: Any, field: Any) -> None:
    if field.data and not KEY_RE.match(field.data.strip()):
        raise ValidationError(
            _(
                "The key must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit."
            )
        )


class ReminderRuleForm(FlaskForm):
    offsets = StringField(
        lazy_gettext("Days after the opening"),
        description=lazy_gettext(
            "Up to five whole numbers separated by commas, going up; 0 means when the forms open. "
            "For example 0, 2, 5."
        ),
        validators=[
            InputRequired(message=lazy_gettext("Give at least one day, for example 0, 2, 5.")),
            _offsets_valid,
        ],
    )
    battery_keys = SelectMultipleField(
        lazy_gettext("Batteries of the rule"),
        description=lazy_gettext("Choose none for a rule that covers every battery."),
        validate_choice=True,
    )
    key = StringField(
        lazy_gettext("Key of the rule"),
        description=lazy_gettext("Optional: lower-case letters, digits, '-' or '_'."),
        validators=[Optional(), _key_valid],
    )


def _batteries(draft: ProgramVersion) -> list[SelectChoice]:
    lang = current_language()
    out = []
    for battery in ProgramContent.from_json(draft.content).batteries:
        key = battery.get("key")
        if isinstance(key, str):
            out.append(SelectChoice(key, local(battery.get("name") or {}, lang) or key))
    return out


def _rules(draft: ProgramVersion) -> list[dict[str, Any]]:
    return rules_of(ProgramContent.from_json(draft.content).reminders)


def _free_key(rules: list[dict[str, Any]]) -> str:
    taken = {rule["key"] for rule in rules}
    number = 1
    while f"rule-{number}" in taken:
        number += 1
    return f"rule-{number}"


def _page(draft: ProgramVersion, form: ReminderRuleForm, problem: str | None = None, status=200):
    names = {choice.value: choice.label for choice in _batteries(draft)}
    return (
        render_template(
            "sob_core/design/reminders.html",
            draft=draft,
            name=name_of(draft),
            form=form,
            rules=_rules(draft),
            battery_names=names,
            suggested=", ".join(str(day) for day in SUGGESTED_OFFSETS),
            problem=problem,
        ),
        status,
    )


def _form(draft: ProgramVersion, **kwargs: Any) -> ReminderRuleForm:
    form = ReminderRuleForm(**kwargs)
    form.battery_keys.choices = _batteries(draft)
    return form


def _store(draft: ProgramVersion, rules: list[dict[str, Any]]) -> str | None:
    content = editing.editable(draft.content)
    if rules:
        content["reminders"] = {"rules": rules}
    else:
        content.pop("reminders", None)
    return _save(draft, content)


@bp.route("/versions/<id:version_id>/reminders")
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def reminders(version_id: int):
    draft = owned_draft(version_id)
    form = _form(draft, formdata=None)
    form.offsets.data = ", ".join(str(day) for day in SUGGESTED_OFFSETS)
    return _page(draft, form)


@bp.route("/versions/<id:version_id>/reminders", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def add_reminder_rule(version_id: int):
    draft = owned_draft(version_id)
    form = _form(draft)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page(draft, form, status=422)
    rules = _rules(draft)
    key = (form.key.data or "").strip() or _free_key(rules)
    if key in {rule["key"] for rule in rules}:
        form.key.errors = [_("A rule with this key exists already; choose another key.")]
        return _page(draft, form, status=422)
    rule = {
        "key": key,
        "offsets_days": parse_offsets(form.offsets.data),
        "battery_keys": list(form.battery_keys.data or []),
    }
    problem = _store(draft, [*rules, rule])
    if problem:
        return _page(draft, form, problem, status=422)
    flash(_("The reminder rule was added."), "info")
    return redirect(url_for("design.reminders", version_id=draft.id))


@bp.route("/versions/<id:version_id>/reminders/suggested", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def suggested_reminder_rule(version_id: int):
    draft = owned_draft(version_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    rules = _rules(draft)
    if rules:
        flash(_("The program has reminder rules already."), "info")
        return redirect(url_for("design.reminders", version_id=draft.id))
    rule = {"key": SUGGESTED_KEY, "offsets_days": list(SUGGESTED_OFFSETS), "battery_keys": []}
    problem = _store(draft, [rule])
    flash(problem or _("The suggested reminders were added."), "error" if problem else "info")
    return redirect(url_for("design.reminders", version_id=draft.id))


@bp.route("/versions/<id:version_id>/reminders/<rule_key>/delete", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def delete_reminder_rule(version_id: int, rule_key: str):
    draft = owned_draft(version_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    rules = _rules(draft)
    if rule_key not in {rule["key"] for rule in rules}:
        abort(404)
    problem = _store(draft, [rule for rule in rules if rule["key"] != rule_key])
    flash(problem or _("The reminder rule was removed."), "error" if problem else "info")
    return redirect(url_for("design.reminders", version_id=draft.id))
