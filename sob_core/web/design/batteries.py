"""The design tool's measurement batteries of a draft: list, add, remove, with the timeline.

A battery is saved into the draft's content (``batteries``) through ``programs.update_draft``,
which cleans it with ``content.batteries`` (forms must exist, numbers in range). The page shows
each battery's planned timeline for an enrollment starting today; the form's Preview button
re-renders the page with the new battery's timeline before anything is saved (no JavaScript).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired

from ...batteries import schedule as sched
from ...content import ProgramContent, editing
from ...content.checks import KEY_RE
from ...i18n import current_language
from ...models import ProgramVersion
from ...types import local
from ..access import require
from ..limits import MaxLength
from .common import DESIGN_ROLES, bp, form_titles, owned_draft, usable_forms
from .editor import _save
from .forms import ActionForm, english_field, with_languages

PREVIEW_COUNT = 6
ZONE = "Europe/Stockholm"  # the preview's zone (each care unit's own zone applies when running)

TRIGGER_LABELS = {
    "enrollment_start": lazy_gettext("At the start of the enrollment (start forms)"),
    "module_start": lazy_gettext("When a module starts"),
    "repeat": lazy_gettext("Repeatedly, every N days"),
}


class BatteryForm(FlaskForm):
    key = StringField(
        lazy_gettext("Key"),
        description=lazy_gettext("Lower-case letters, digits, - and _; unique in the program."),
        validators=[InputRequired(lazy_gettext("Enter a key.")), MaxLength(64)],
    )
    name = StringField(
        lazy_gettext("Name"),
        validators=[InputRequired(lazy_gettext("Enter a name.")), MaxLength(200)],
    )
    name_en = english_field(StringField, lazy_gettext("Name in English (optional)"), 200)
    form_keys = SelectMultipleField(lazy_gettext("Forms"), validate_choice=False)
    trigger = RadioField(
        lazy_gettext("Starts"),
        choices=[SelectChoice(k, v) for k, v in TRIGGER_LABELS.items()],
        default="repeat",
        validate_choice=False,
    )
    module_key = SelectField(
        lazy_gettext("Module"),
        description=lazy_gettext(
            "For a start with a module; for a repeated battery: count from that module's start."
        ),
        validate_choice=False,
    )
    every_days = StringField(lazy_gettext("Interval in days"), default="7")
    count = StringField(
        lazy_gettext("Number of times"),
        description=lazy_gettext("Empty: until the battery is stopped (at most 200)."),
    )
    start_days = StringField(
        lazy_gettext("Days after the start"),
        description=lazy_gettext("A repeated battery begins so many days after its start."),
        default="0",
    )
    local_time = StringField(
        lazy_gettext("Time"),
        description=lazy_gettext("HH:MM, the care unit's local time."),
        default="08:00",
    )
    due_days = StringField(lazy_gettext("Days until due"), default="3")
    expire_days = StringField(
        lazy_gettext("Days until it expires"),
        description=lazy_gettext("An unanswered form is then missed and taken back."),
        default="7",
    )


def _number(field: Any, low: int, high: int, required: bool) -> int | None:
    text = (field.data or "").strip()
    if not text:
        if required:
            field.errors.append(
                _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
            )
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        field.errors.append(_("Enter a whole number from %(low)s to %(high)s.", low=low, high=high))
        return None
    return int(text)


def _battery(form: BatteryForm, content: ProgramContent) -> dict[str, Any] | None:
    """The battery of the form as content, or None with errors next to the fields."""
    for f in form:
        f.errors = list(f.errors or [])
    key = (form.key.data or "").strip()
    if key and not KEY_RE.match(key):
        form.key.errors.append(_("Use 1-64 lower-case letters, digits, - or _."))
    if key and any(b.get("key") == key for b in content.batteries):
        form.key.errors.append(_("Another battery has this key."))
    if not form.form_keys.data:
        form.form_keys.errors.append(_("Choose at least one form."))
    trigger = form.trigger.data
    if trigger not in TRIGGER_LABELS:
        form.trigger.errors.append(_("Choose when the battery starts."))
    module_key = form.module_key.data or None
    if trigger == "module_start" and not module_key:
        form.module_key.errors.append(_("Choose the module."))
    battery: dict[str, Any] = {
        "key": key,
        "name": with_languages({}, form.name.data, form.name_en.data),
        "form_keys": list(form.form_keys.data or []),
        "trigger": trigger,
    }
    if module_key and trigger != "enrollment_start":
        battery["module_key"] = module_key
    if trigger == "repeat":
        battery["every_days"] = _number(form.every_days, 1, 365, True)
        count = _number(form.count, 1, 200, False)
        if count is not None:
            battery["count"] = count
        start_days = _number(form.start_days, 0, 3650, False)
        if start_days:
            battery["start_days"] = start_days
    at = (form.local_time.data or "").strip()
    try:
        sched.parse_time(at)
    except sched.ScheduleError:
        form.local_time.errors.append(_("Enter the time as HH:MM, e.g. 08:00."))
    battery["local_time"] = at
    battery["due_days"] = _number(form.due_days, 0, 365, True)
    battery["expire_days"] = _number(form.expire_days, 1, 366, True)
    due, expire = battery["due_days"], battery["expire_days"]
    if due is not None and expire is not None and expire <= due:
        form.expire_days.errors.append(_("Must be more than the days until due."))
    if any(f.errors for f in form):
        return None
    return battery


def timeline(battery: dict[str, Any] | Any, today) -> list[datetime]:
    """The first planned local times of a repeated battery for an enrollment starting ``today``
    (a module's start counted as today too); empty for a one-off start."""
    if battery.get("trigger") != "repeat" or not battery.get("every_days"):
        return []
    start = today + timedelta(days=int(battery.get("start_days") or 0))
    count = min(int(battery.get("count") or PREVIEW_COUNT), PREVIEW_COUNT)
    return sched.preview(start, int(battery["every_days"]), battery["local_time"], count, ZONE)


def _page(draft: ProgramVersion, form: BatteryForm, *, new=None, problem=None, status=200):
    content = ProgramContent.from_json(draft.content)
    lang = current_language()
    today = sched.wall_time(datetime.now(UTC), ZONE).date()
    modules = {m.key: local(m.title, lang) or m.key for m in content.modules}
    return (
        render_template(
            "sob_core/design/batteries.html",
            draft=draft,
            program=draft.program,
            batteries=[(b, timeline(b, today)) for b in content.batteries],
            new=new,
            new_timeline=timeline(new, today) if new else None,
            form=form,
            action=ActionForm(),
            forms=form_titles(),
            modules=modules,
            triggers=TRIGGER_LABELS,
            today=today,
            problem=problem,
        ),
        status,
    )


def _form(draft: ProgramVersion) -> BatteryForm:
    content = ProgramContent.from_json(draft.content)
    lang = current_language()
    form = BatteryForm(prefix="battery")
    form.form_keys.choices = usable_forms()
    form.module_key.choices = [SelectChoice("", _("No module"))] + [
        SelectChoice(m.key, local(m.title, lang) or m.key) for m in content.modules
    ]
    return form


@bp.route("/versions/<id:version_id>/batteries", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def batteries(version_id: int):
    draft = owned_draft(version_id)
    form = _form(draft)
    if request.method == "GET":
        return _page(draft, form)
    if not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    battery = _battery(form, ProgramContent.from_json(draft.content))
    if battery is None:
        return _page(draft, form, status=422)
    if request.form.get("action") != "save":
        return _page(draft, form, new=battery)
    content = editing.editable(draft.content)
    content["batteries"] = [dict(b) for b in content.get("batteries") or []] + [battery]
    problem = _save(draft, content)
    if problem:
        return _page(draft, form, new=battery, problem=problem, status=422)
    flash(_("The battery was added."), "info")
    return redirect(url_for("design.batteries", version_id=draft.id))


@bp.route("/versions/<id:version_id>/batteries/<key>/delete", methods=["POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def delete_battery(version_id: int, key: str):
    draft = owned_draft(version_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    content = editing.editable(draft.content)
    kept = [b for b in content.get("batteries") or [] if b.get("key") != key]
    if len(kept) == len(content.get("batteries") or []):
        abort(404)
    content["batteries"] = kept
    problem = _save(draft, content)
    if problem:
        return _page(draft, _form(draft), problem=problem, status=422)
    flash(_("The battery was removed."), "info")
    return redirect(url_for("design.batteries", version_id=draft.id))
