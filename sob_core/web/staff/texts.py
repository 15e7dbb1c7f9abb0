"""Words for the therapist's pages: timeline events, unlock rules and refused actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ...content import RULES, ProgramContent
from ...i18n import current_language
from ...types import local

ERRORS = {
    "not_published": lazy_gettext("Only a published program version can be started."),
    "not_in_catalogue": lazy_gettext("Choose a program that your care unit may use."),
    "unknown_therapist": lazy_gettext(
        "The responsible therapist must hold the therapist role at this care unit."
    ),
    "already_enrolled": lazy_gettext(
        "The citizen already has an ongoing enrollment in this program."
    ),
    "unknown_form": lazy_gettext(
        "The program uses forms that do not exist here. Ask the program's publisher."
    ),
    "name_required": lazy_gettext(
        "Enter the name: nobody with this personal identity number is registered yet."
    ),
    "unknown_citizen": lazy_gettext("There is no such citizen."),
    "unknown_module": lazy_gettext("The program has no such module."),
    "unknown_item": lazy_gettext("The program has no such content."),
    "no_program": lazy_gettext("The enrollment has no program."),
    "unknown_region": lazy_gettext("Choose one of the regions in the list."),
}


def error_message(error: Exception) -> str:
    """A translated message for a refused enrollment action."""
    text = ERRORS.get(getattr(error, "code", ""))
    return str(text) if text is not None else _("The action could not be done.")


def rule_label(rule: str, days: int) -> str:
    """What a module's unlock rule does, in the therapist's words ("Opens at the start")."""
    known = RULES.get(rule)
    if known is None:
        return rule
    return _(known.opens, days=days) if known.needs_days else _(known.opens)


def content_titles(content: Mapping[str, Any] | None) -> tuple[dict[str, str], dict[str, str]]:
    """Module key -> "Modul N. Title" and item key -> title, from a program version's content."""
    lang = current_language()
    typed = ProgramContent.from_json(content)
    modules = {
        module.key: _(
            "Module %(number)s. %(title)s", number=number, title=local(module.title, lang)
        )
        for number, module in enumerate(typed.modules, start=1)
        if module.key
    }
    items = {
        item.key: local(item.title, lang) or item.key for _m, item in typed.items() if item.key
    }
    return modules, items


def _named(names: Mapping[int, str], key: object, default: str) -> str:
    """``names[key]``, or ``default`` when an event's JSON detail holds no id there (absent, ``None``)."""
    return names.get(key, default) if isinstance(key, int) else default


def describe_event(
    event: Any,
    modules: Mapping[str, str],
    items: Mapping[str, str],
    staff_names: Mapping[int, str],
    form_titles: Mapping[int, str] | None = None,
) -> str:
    """What an enrollment event means, as one sentence for staff."""
    module = modules.get(event.module_key or "", event.module_key or "")
    item = items.get(event.item_key or "", event.item_key or "")
    detail = event.detail or {}
    kind = event.kind
    if kind == "started":
        if detail.get("version"):
            return _("The enrollment started (version %(version)s).", version=detail["version"])
        return _("The enrollment started.")
    if kind == "module_opened":
        return _("%(module)s opened.", module=module)
    if kind == "module_completed":
        if event.actor_kind == "staff":
            return _("%(module)s was set to done.", module=module)
        return _("%(module)s was completed.", module=module)
    if kind == "module_activated":
        return _("%(module)s was activated.", module=module)
    if kind == "module_hidden":
        return _("%(module)s was hidden from the patient.", module=module)
    if kind == "module_shown":
        return _("%(module)s is shown to the patient again.", module=module)
    if kind == "item_hidden":
        return _("“%(item)s” was hidden from the patient.", item=item)
    if kind == "item_shown":
        return _("“%(item)s” is shown to the patient again.", item=item)
    if kind == "content_opened":
        return _("Opened “%(item)s”.", item=item)
    if kind == "form_submitted":
        title = item or _named(form_titles or {}, detail.get("form_version_id"), "")
        if title:
            return _("Submitted the form “%(item)s”.", item=title)
        return _("Submitted a form.")
    if kind == "ended":
        return _("The enrollment was ended.")
    if kind == "maintenance":
        return _("The enrollment moved to maintenance.")
    if kind == "version_changed":
        return _(
            "Moved from version %(before)s to %(after)s (a minor update activated for the unit).",
            before=detail.get("from", "?"),
            after=detail.get("to", "?"),
        )
    if kind == "therapist_changed":
        unknown = _("nobody")
        return _(
            "Responsible therapist changed from %(before)s to %(after)s.",
            before=_named(staff_names, detail.get("from"), unknown),
            after=_named(staff_names, detail.get("to"), unknown),
        )
    return kind


def form_versions_of(events: list[Any]) -> set[int]:
    """Form versions of submitted forms that are no program item (extra measurements)."""
    return {
        event.detail["form_version_id"]
        for event in events
        if event.kind == "form_submitted"
        and not event.item_key
        and isinstance((event.detail or {}).get("form_version_id"), int)
    }


def staff_ids_of(events: list[Any]) -> set[int]:
    """Staff a list of events names: actors and the therapists of a change."""
    ids: set[int] = set()
    for event in events:
        if event.actor_kind == "staff" and event.actor_id is not None:
            ids.add(event.actor_id)
        if event.kind == "therapist_changed":
            for key in ("from", "to"):
                value = (event.detail or {}).get(key)
                if isinstance(value, int):
                    ids.add(value)
    return ids
