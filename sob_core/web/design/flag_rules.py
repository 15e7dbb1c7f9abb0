"""The draft's flag rules in the design tool (/design/versions/<id>/flag-rules).

The designer lists the programme's flag rules, adds one (its kind chooses which fields count)
and removes one. Each change is saved with ``programs.update_draft``, which cleans the rules
(``content.flag_rules``): a broken rule is shown by the form and nothing is saved (422).
Without rules the programme has the defaults of ``sob_core.flags.rules.DEFAULT_RULES``.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from ... import programs
from ...content import ProgramContent, editing
from ...content.flag_rules import DIRECTIONS, KINDS
from ...extensions import db
from ...flags.rules import DEFAULT_RULES
from ..access import require
from ..limits import MaxLength
from ..staff.flags import KIND_LABELS, KIND_SYMBOLS, SEVERITY_LABELS
from .common import DESIGN_ROLES, bp, error_text, name_of, owned_draft, registry
from .forms import ActionForm

DIRECTION_LABELS = {
    "up": lazy_gettext("Up (worse on most scales)"),
    "down": lazy_gettext("Down"),
    "any": lazy_gettext("Either way"),
}


class FlagRuleForm(FlaskForm):
    key = StringField(
        lazy_gettext("Key"),
        description=lazy_gettext("Lower-case letters, digits, - and _, e.g. phq9-severe."),
        validators=[InputRequired(), MaxLength(64)],
    )
    kind = SelectField(lazy_gettext("Kind of rule"), validators=[InputRequired()])
    severity = SelectField(lazy_gettext("Severity"), coerce=int, default=2)
    result_key = StringField(
        lazy_gettext("Result"),
        description=lazy_gettext(
            "Band, threshold and change: a scale's result such as phq-9.total, or a scale."
        ),
        validators=[Optional(), MaxLength(130)],
    )
    bands = StringField(
        lazy_gettext("Bands"),
        description=lazy_gettext("Band: the band slugs, separated by commas."),
        validators=[Optional(), MaxLength(500)],
    )
    above = DecimalField(
        lazy_gettext("At or above"),
        description=lazy_gettext("Threshold: flags a value at or above this."),
        validators=[Optional()],
    )
    below = DecimalField(
        lazy_gettext("At or below"),
        description=lazy_gettext("Threshold: flags a value at or below this."),
        validators=[Optional()],
    )
    scale = SelectField(
        lazy_gettext("Scale"), description=lazy_gettext("Critical item."), default="all"
    )
    amount = DecimalField(
        lazy_gettext("Change of at least"),
        description=lazy_gettext("Change: from the enrollment's first result of the scale."),
        validators=[Optional(), NumberRange(min=0)],
    )
    direction = SelectField(lazy_gettext("Direction"), default="any")
    battery_keys = StringField(
        lazy_gettext("Batteries"),
        description=lazy_gettext("Missed form: battery keys separated by commas; empty: all."),
        validators=[Optional(), MaxLength(500)],
    )
    days = IntegerField(
        lazy_gettext("Days"),
        description=lazy_gettext("Inactivity and unanswered message: after how many days."),
        validators=[Optional(), NumberRange(min=1, max=365)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, str(KIND_LABELS[k])) for k in KINDS]
        self.severity.choices = [
            SelectChoice(n, str(label)) for n, label in SEVERITY_LABELS.items()
        ]
        self.scale.choices = [SelectChoice("all", _("Every scale"))] + [
            SelectChoice(s, s) for s in sorted(registry().scales)
        ]
        self.direction.choices = [SelectChoice(d, str(DIRECTION_LABELS[d])) for d in DIRECTIONS]

    def rule(self) -> dict[str, Any]:
        """The rule as the content document holds it (cleaned when the draft is saved)."""
        kind = self.kind.data
        rule: dict[str, Any] = {
            "key": (self.key.data or "").strip(),
            "kind": kind,
            "severity": self.severity.data,
        }
        if kind in ("band", "threshold", "change"):
            rule["result_key"] = (self.result_key.data or "").strip()
        if kind == "band":
            rule["bands"] = [b.strip() for b in (self.bands.data or "").split(",") if b.strip()]
        if kind == "threshold":
            for name in ("above", "below"):
                value = getattr(self, name).data
                if value is not None:
                    rule[name] = float(value)
        if kind == "critical_item":
            rule["scale"] = self.scale.data
        if kind == "change":
            rule["amount"] = float(self.amount.data) if self.amount.data is not None else None
            rule["direction"] = self.direction.data
        if kind == "missed_form":
            keys = [b.strip() for b in (self.battery_keys.data or "").split(",") if b.strip()]
            if keys:
                rule["battery_keys"] = keys
        if kind in ("inactivity", "unanswered_message"):
            rule["days"] = self.days.data
        return rule


#: which field of the form a cleaning error of the new rule belongs to
ERROR_FIELDS = {
    "flag_rule_key": "key",
    "flag_rule_duplicate": "key",
    "flag_rule_kind": "kind",
    "flag_rule_severity": "severity",
    "flag_rule_result_key": "result_key",
    "flag_rule_bands": "bands",
    "flag_rule_unknown_band": "bands",
    "flag_rule_threshold": "above",
    "flag_rule_scale": "scale",
    "flag_rule_direction": "direction",
    "flag_rule_batteries": "battery_keys",
    "flag_rule_days": "days",
}


def _save(draft, content: dict[str, Any], form: FlagRuleForm | None = None) -> str | None:
    """Validate and save; the broken rule's message (also by its field) when it cannot be."""
    try:
        programs.update_draft(db.session, draft, content, registry=registry())
    except programs.ProgramContentError as error:
        db.session.rollback()
        text = error_text(error)
        code = error.code
        if code == "flag_rule_number":
            field = error.params.get("field", "amount")
        else:
            field = ERROR_FIELDS.get(str(code))
        if form is not None and field and field in form:
            form[field].errors = [text]
        return text
    db.session.commit()
    return None


def _rules(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in content.get("flag_rules") or [] if isinstance(r, dict)]


def _page(draft, form: FlagRuleForm, problem: str | None = None, status: int = 200):
    content = ProgramContent.from_json(draft.content)
    return (
        render_template(
            "sob_core/design/flag_rules.html",
            draft=draft,
            name=name_of(draft),
            rules=[dict(r) for r in content.flag_rules],
            defaults=DEFAULT_RULES,
            form=form,
            action=ActionForm(),
            problem=problem,
            kind_labels=KIND_LABELS,
            kind_symbols=KIND_SYMBOLS,
            severity_labels=SEVERITY_LABELS,
            direction_labels=DIRECTION_LABELS,
        ),
        status,
    )


@bp.route("/versions/<id:version_id>/flag-rules", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def flag_rules(version_id: int):
    draft = owned_draft(version_id)
    form = FlagRuleForm()
    if not form.is_submitted():
        return _page(draft, form)
    if not form.validate():
        return _page(draft, form, status=422)
    content = editing.editable(draft.content)
    rules = _rules(content)
    rules.append(form.rule())
    content["flag_rules"] = rules
    problem = _save(draft, content, form)
    if problem:
        return _page(draft, form, problem, status=422)
    flash(_("The flag rule was added."), "info")
    return redirect(url_for("design.flag_rules", version_id=draft.id))


@bp.route("/versions/<id:version_id>/flag-rules/<key>/remove", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def remove_flag_rule(version_id: int, key: str):
    draft = owned_draft(version_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    content = editing.editable(draft.content)
    rules = _rules(content)
    kept = [r for r in rules if r.get("key") != key]
    if len(kept) == len(rules):
        abort(404)
    content["flag_rules"] = kept
    problem = _save(draft, content)
    if problem:
        return _page(draft, FlagRuleForm(formdata=None), problem, status=422)
    flash(_("The flag rule was removed."), "info")
    return redirect(url_for("design.flag_rules", version_id=draft.id))
