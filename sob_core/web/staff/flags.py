"""Flags for staff: the patient page's flag panel, a flag's own page and its triage steps.

A flag is a case (``sob_core.flags``): it says why it fired (the rule, the value, the threshold,
the response or message behind it, when), in the staff's language (``explain``), and staff
acknowledge it, assign it to a colleague at the unit, and resolve or dismiss it with a note.
The responsible therapist is told of a new flag by a content-free notice (kind "flag_raised").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    has_app_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired

from ... import events
from ... import flags as flag_cases
from ...enrollments.clock import local_date
from ...extensions import db
from ...forms import display_answer, specs
from ...i18n import current_language
from ...models import Enrollment, Flag, FormResponse, Result, Staff
from ...results.series import scale_label, subscale_for
from ...types import Scale, local
from ..access import require
from ..audit import audit_citizen
from ..limits import MaxLength
from ..messaging_ui import when
from ..numbers import format_value
from . import THERAPY_ROLES, bp, unit_enrollment

#: each kind's symbol (shown with its text, never alone) and name
KIND_SYMBOLS = {
    "band": "◆",
    "threshold": "▲",
    "critical_item": "‼",
    "change": "↕",
    "missed_form": "⧖",
    "inactivity": "⏸",
    "unanswered_message": "✉",
    "staff_reminder": "⏰",
    "activity_value": "⚑",
}
KIND_LABELS = {
    "band": lazy_gettext("Result in a band"),
    "threshold": lazy_gettext("Result over or under a threshold"),
    "critical_item": lazy_gettext("Critical item"),
    "change": lazy_gettext("Change since the first result"),
    "missed_form": lazy_gettext("Missed form"),
    "inactivity": lazy_gettext("Inactive"),
    "unanswered_message": lazy_gettext("Unanswered message"),
    "staff_reminder": lazy_gettext("Staff reminder"),
    "activity_value": lazy_gettext("Activity value outside the target"),
}
STATUS_LABELS = {
    "new": lazy_gettext("New"),
    "acknowledged": lazy_gettext("Acknowledged"),
    "resolved": lazy_gettext("Resolved"),
    "dismissed": lazy_gettext("Dismissed"),
}
SEVERITY_LABELS = {1: lazy_gettext("Low"), 2: lazy_gettext("Medium"), 3: lazy_gettext("High")}
TRIAGE_ERRORS = {
    "not_new": lazy_gettext("The flag has already been acknowledged."),
    "closed": lazy_gettext("The flag is already closed."),
    "not_colleague": lazy_gettext("Choose a colleague with a role at this care unit."),
    "note_required": lazy_gettext("Write a note on what was done."),
    "note_too_long": lazy_gettext("The note is too long."),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _when(text: Any) -> str:
    if not isinstance(text, str) or not text:
        return "–"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return when(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _day(text: Any) -> str:
    try:
        return date.fromisoformat(str(text)).isoformat()
    except ValueError:
        return str(text)


# --- why a flag fired ----------------------------------------------------------------------------


def _item_answers(scale: Scale, slug: str, response: FormResponse, lang: str) -> list[str]:
    """The scale's critical items of ``slug`` that the citizen answered above their lowest score."""
    by_key = {spec.key: spec for spec in specs(response.form_version)}
    registry = current_app.extensions["sob"].registry
    shown = []
    for item_id, item_slug in scale.critical_items.items():
        stored = (response.answers or {}).get(item_id)
        if item_slug != slug or not stored:
            continue
        try:
            item = scale.item(item_id)
            score = item.scores[int(stored.get("value"))]
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # not a choice this scale can score: say nothing rather than guess
        if score <= min(item.scores):
            continue
        spec = by_key.get(item_id)
        answer = display_answer(spec, stored, registry, lang) if spec else str(stored["value"])
        shown.append(
            _("Item %(item)s: “%(answer)s”", item=item_id, answer=answer)
            + " "
            + ngettext("(%(num)s point)", "(%(num)s points)", score)
        )
    return shown


def _result_text(
    key: str, value: Any, band_slug: Any, lang: str, stored_label: Any = None
) -> tuple[str, str]:
    """(the result's name, "17 (Medelsvåra symtom)").

    ``stored_label`` is the band label kept with the stored result: the band's name when the
    scale that defines it is no longer installed."""
    registry = current_app.extensions["sob"].registry
    sub = subscale_for(registry, key)
    label = local(scale_label(registry, key), lang) if sub else key
    band = None
    if sub is not None and band_slug:
        band = next(
            (
                b
                for group in (sub.bands, *sub.bands_by_sex.values())
                for b in group
                if b.slug == band_slug
            ),
            None,
        )
    text = format_value(value, sub.step if sub else None) if value is not None else "–"
    if band is not None:
        text += f" ({local(band.label, lang)})"
    elif band_slug:
        text += f" ({local(stored_label, lang) if stored_label else band_slug})"
    return label, text


def explain(flag: Flag, response: FormResponse | None) -> list[str]:
    """Why ``flag`` fired, a line each, in the user's language."""
    registry = current_app.extensions["sob"].registry
    lang = current_language()
    reason = flag.reason or {}
    lines: list[str] = []
    kind = flag.kind
    if kind in ("band", "threshold", "change", "critical_item") and reason.get("result_key"):
        stored = db.session.get(Result, flag.result_id) if flag.result_id else None
        label, text = _result_text(
            str(reason["result_key"]),
            reason.get("value"),
            reason.get("band"),
            lang,
            stored.band_label if stored is not None else None,
        )
        title = local(response.form_version.title, lang) if response is not None else ""
        shown = text if label == title else f"{label}: {text}"  # a scale form is titled so
        if response is not None and response.submitted_at is not None:
            shown = f"{title}, {local_date(response.submitted_at).isoformat()}: {shown}"
        lines.append(shown)
    if kind == "critical_item":
        scale = registry.scales.get(str(reason.get("scale")))
        slug = str(reason.get("slug", ""))
        known = scale.flag_texts.get(slug) if scale is not None else None
        lines.append(local(known, lang) if known else _("Flag “%(slug)s”", slug=slug))
        if scale is not None and response is not None:
            lines.extend(_item_answers(scale, slug, response, lang))
    elif kind == "band":
        lines.append(
            _("The rule flags the bands: %(bands)s.", bands=", ".join(reason.get("bands") or []))
        )
    elif kind == "threshold":
        if reason.get("above") is not None:
            lines.append(
                _("The rule flags %(value)s or more.", value=format_value(reason["above"], None))
            )
        if reason.get("below") is not None:
            lines.append(
                _("The rule flags %(value)s or less.", value=format_value(reason["below"], None))
            )
    elif kind == "change":
        lines.append(
            _(
                "Changed by %(change)s since the first result (%(first)s, %(at)s); the rule flags a change of %(amount)s or more.",
                change=format_value(reason.get("change"), None),
                first=format_value(reason.get("first_value"), None),
                at=_when(reason.get("first_at")),
                amount=format_value(reason.get("amount"), None),
            )
        )
    elif kind == "missed_form":
        name = local(reason.get("battery") or {}, lang) or ", ".join(reason.get("form_keys") or [])
        lines.append(
            _(
                "The measurement “%(name)s” planned for %(planned)s was not submitted before it expired (%(expired)s).",
                name=name,
                planned=str(reason.get("planned_local", "")).replace("T", " "),
                expired=_when(reason.get("expired_at")),
            )
        )
    elif kind == "inactivity":
        if reason.get("never_active"):
            lines.append(
                _(
                    "Not signed in nor submitted anything since the start (%(since)s); the rule flags %(days)s days.",
                    since=_when(reason.get("last_active_at")),
                    days=reason.get("days"),
                )
            )
        else:
            lines.append(
                _(
                    "Last active %(since)s; the rule flags %(days)s days without sign-in or submission.",
                    since=_when(reason.get("last_active_at")),
                    days=reason.get("days"),
                )
            )
    elif kind == "unanswered_message":
        lines.append(
            _(
                "A message from the patient sent %(sent)s has no answer from the care team; the rule flags %(days)s days.",
                sent=_when(reason.get("sent_at")),
                days=reason.get("days"),
            )
        )
    elif kind == "staff_reminder":
        author = db.session.get(Staff, reason.get("created_by_id") or 0)
        lines.append(
            _(
                "Reminder for %(day)s by %(name)s: %(note)s",
                day=_day(reason.get("on_date")),
                name=author.name if author else "–",
                note=reason.get("note", ""),
            )
        )
    elif kind == "activity_value":
        low, high = reason.get("target_min"), reason.get("target_max")
        target = "–".join(format_value(v, None) if v is not None else "" for v in (low, high))
        lines.append(
            _(
                "%(heading)s: %(value)s %(unit)s on %(day)s, outside the target %(target)s.",
                heading=reason.get("heading", ""),
                value=format_value(reason.get("value"), None),
                unit=reason.get("unit", ""),
                day=_day(reason.get("on_date")),
                target=target,
            )
        )
    lines.append(
        _("Rule: %(rule)s. Raised %(when)s.", rule=flag.rule_key, when=when(flag.raised_at))
    )
    return lines


@bp.app_template_global()
def flag_symbol(kind: str) -> str:
    return KIND_SYMBOLS.get(kind, "⚑")


@bp.app_template_global()
def flag_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global()
def flag_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@bp.app_template_global()
def flag_severity_label(severity: int) -> str:
    return str(SEVERITY_LABELS.get(severity, severity))


# --- forms ---------------------------------------------------------------------------------------


class FlagActionForm(FlaskForm):
    """A POST with nothing but its CSRF token (acknowledge)."""


class AssignFlagForm(FlaskForm):
    assignee = SelectField(lazy_gettext("Assign to"), coerce=int, validators=[InputRequired()])


class CloseFlagForm(FlaskForm):
    outcome = RadioField(
        lazy_gettext("Outcome"),
        choices=[
            SelectChoice("resolved", lazy_gettext("Resolved")),
            SelectChoice("dismissed", lazy_gettext("Dismissed")),
        ],
        default="resolved",
        validators=[InputRequired()],
    )
    note = TextAreaField(
        lazy_gettext("Note on what was done"),
        validators=[
            InputRequired(message=lazy_gettext("Write a note on what was done.")),
            MaxLength(flag_cases.MAX_NOTE),
        ],
    )


def _assign_form(flag: Flag, colleagues: list[Staff], formdata: Any = None) -> AssignFlagForm:
    form = AssignFlagForm(formdata=formdata)
    form.assignee.choices = [SelectChoice(0, _("No one"))] + [
        SelectChoice(s.id, s.name) for s in colleagues
    ]
    if formdata is None:
        form.assignee.data = flag.assigned_to_id or 0
    return form


def _cards(flags: list[Flag]) -> list[dict[str, Any]]:
    responses = {}
    ids = {f.response_id for f in flags if f.response_id}
    if ids:
        query = (
            select(FormResponse)
            .where(FormResponse.id.in_(ids))
            .options(selectinload(FormResponse.form_version))
        )
        responses = {r.id: r for r in db.session.scalars(query)}
    return [
        {
            "flag": f,
            "why": explain(f, responses.get(f.response_id or 0)),
            "response": responses.get(f.response_id or 0),
        }
        for f in flags
    ]


def panel(enrollment: Enrollment) -> dict:
    """The patient page's flag panel: what ``_flag_panel.html`` shows."""
    from ...flags.queries import enrollment_flags

    flags = enrollment_flags(db.session, enrollment.id)
    staff_ids = {
        i for f in flags for i in (f.assigned_to_id, f.acknowledged_by_id, f.closed_by_id) if i
    }
    return {
        "flag_cards": _cards(flags),
        "flag_open_count": sum(1 for f in flags if f.status in flag_cases.OPEN),
        "flag_action_form": FlagActionForm(),
        "flag_staff": _staff_names(staff_ids),
    }


def _staff_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        row[0]: row[1]
        for row in db.session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))
    }


# --- a flag's page and its triage steps --------------------------------------------------------


def _flag_of(enrollment: Enrollment, flag_id: int) -> Flag:
    flag = db.session.get(Flag, flag_id)
    if flag is None or flag.enrollment_id != enrollment.id:
        abort(404)
    return flag


def _flag_page(enrollment: Enrollment, flag: Flag, assign_form=None, close_form=None, status=200):
    colleagues = flag_cases.unit_colleagues(db.session, enrollment.care_unit_id)
    card = _cards([flag])[0]
    ids = {i for i in (flag.assigned_to_id, flag.acknowledged_by_id, flag.closed_by_id) if i}
    return (
        render_template(
            "sob_core/staff/flag.html",
            enrollment=enrollment,
            card=card,
            flag=flag,
            staff_names=_staff_names(ids),
            action_form=FlagActionForm(),
            assign_form=assign_form or _assign_form(flag, colleagues),
            close_form=close_form or CloseFlagForm(),
            kind_labels=KIND_LABELS,
            kind_symbols=KIND_SYMBOLS,
            status_labels=STATUS_LABELS,
            severity_labels=SEVERITY_LABELS,
        ),
        status,
    )


@bp.route("/patients/<id:enrollment_id>/flags/<id:flag_id>")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def flag(enrollment_id: int, flag_id: int):
    enrollment = unit_enrollment(enrollment_id)
    found = _flag_of(enrollment, flag_id)
    audit_citizen("read", "flag", enrollment.citizen_id, flag=found.id)
    return _flag_page(enrollment, found)


def _back(enrollment: Enrollment, flag: Flag):
    return redirect(url_for("staff.flag", enrollment_id=enrollment.id, flag_id=flag.id))


@bp.route("/patients/<id:enrollment_id>/flags/<id:flag_id>/acknowledge", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def acknowledge_flag(enrollment_id: int, flag_id: int):
    enrollment = unit_enrollment(enrollment_id)
    found = _flag_of(enrollment, flag_id)
    if not FlagActionForm().validate_on_submit():
        abort(400)
    try:
        flag_cases.acknowledge(db.session, found, current_user.id, _now())
    except flag_cases.TriageError as error:
        flash(str(TRIAGE_ERRORS[error.code]), "error")
        return _back(enrollment, found)
    db.session.commit()
    flash(_("The flag was acknowledged."), "info")
    return redirect(url_for("staff.patient", enrollment_id=enrollment.id) + f"#flag-{found.id}")


@bp.route("/patients/<id:enrollment_id>/flags/<id:flag_id>/assign", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def assign_flag(enrollment_id: int, flag_id: int):
    enrollment = unit_enrollment(enrollment_id)
    found = _flag_of(enrollment, flag_id)
    colleagues = flag_cases.unit_colleagues(db.session, enrollment.care_unit_id)
    form = _assign_form(found, colleagues, formdata=request.form)
    if not form.validate_on_submit():
        return _flag_page(enrollment, found, assign_form=form, status=422)
    try:
        flag_cases.assign(db.session, found, form.assignee.data or None, current_user.id, _now())
    except flag_cases.TriageError as error:
        form.assignee.errors = [str(TRIAGE_ERRORS[error.code])]
        return _flag_page(enrollment, found, assign_form=form, status=422)
    db.session.commit()
    flash(_("The flag's assignment was saved."), "info")
    return _back(enrollment, found)


@bp.route("/patients/<id:enrollment_id>/flags/<id:flag_id>/close", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def close_flag(enrollment_id: int, flag_id: int):
    enrollment = unit_enrollment(enrollment_id)
    found = _flag_of(enrollment, flag_id)
    form = CloseFlagForm()
    if not form.validate_on_submit():
        return _flag_page(enrollment, found, close_form=form, status=422)
    try:
        flag_cases.close(
            db.session, found, form.outcome.data, form.note.data, current_user.id, _now()
        )
    except flag_cases.TriageError as error:
        target = form.note if error.code.startswith("note") else form.outcome
        target.errors = [str(TRIAGE_ERRORS[error.code])]
        return _flag_page(enrollment, found, close_form=form, status=422)
    db.session.commit()
    flash(
        _("The flag was resolved.") if found.status == "resolved" else _("The flag was dismissed."),
        "info",
    )
    return _back(enrollment, found)


# --- telling the responsible therapist ---------------------------------------------------------


def _tell_therapist(sender: Any, **kw: Any) -> None:
    """A new flag: a content-free notice to the responsible therapist, as he or she chose."""
    if not has_app_context() or "sob" not in current_app.extensions:
        return
    from ...notifications import notify_staff

    session = sender
    enrollment = session.get(Enrollment, kw["enrollment_id"])
    if enrollment is None or enrollment.therapist_id is None:
        return
    flag = session.get(Flag, kw["flag_id"])
    if flag is not None and flag.kind == "staff_reminder":
        return  # its writer chose how to be told (the digest or not): no second notice
    notify_staff(
        session,
        enrollment.therapist_id,
        "flag_raised",
        link=f"/staff/patients/{enrollment.id}",
        coalesce_key=f"flags:{enrollment.id}",
        channels=current_app.extensions["sob"].registry.channels,
        settings=current_app.config,
        care_unit_id=enrollment.care_unit_id,
    )


events.flag_raised.connect(_tell_therapist, weak=False)


class FlagFilterForm(FlaskForm):
    """The start page's filters (GET, no CSRF): kind, status, assigned to me."""

    kind = SelectField(lazy_gettext("Kind"), default="")
    status = SelectField(lazy_gettext("Status"), default="")
    mine = BooleanField(lazy_gettext("Assigned to me"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _("All kinds"))] + [
            SelectChoice(k, str(v)) for k, v in KIND_LABELS.items()
        ]
        self.status.choices = [SelectChoice("", _("New and acknowledged"))] + [
            SelectChoice(s, str(STATUS_LABELS[s])) for s in flag_cases.OPEN
        ]
