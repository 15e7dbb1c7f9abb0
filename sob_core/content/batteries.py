"""Cleaning the programme's measurement batteries of a programme's content document.

A battery::

    {"key", "name": LocalText, "form_keys": [form key, ...] (at least one, each an existing form),
     "trigger": "enrollment_start" | "module_start" | "repeat",
     "module_key" (module_start: required; repeat: optional, count from that module's opening),
     "every_days" (repeat: 1-365), "count" (repeat, optional: 1-200),
     "start_days" (repeat: days after the start it counts from, default 0),
     "local_time" "HH:MM" (default "08:00"), "due_days" (default 3),
     "expire_days" (default 7, more than due_days)}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .checks import KEY_RE, ContentError, check_form, local_text
from .messages import Phrase

TRIGGERS = ("enrollment_start", "module_start", "repeat")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DEFAULTS = {"local_time": "08:00", "due_days": 3, "expire_days": 7}


def _number(value: Any, where: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ContentError(
            "battery_number", where=where, what=ContentError(what), low=low, high=high
        )
    return value


def clean_battery(
    raw: Any, number: int, module_keys: set[str], known: Any, registry: Any
) -> dict[str, Any]:
    where: Any = ContentError("battery_where", number=number)
    if not isinstance(raw, Mapping):
        raise ContentError("module_not_an_object", where=where)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ContentError("bad_key", where=where, key=repr(key))
    out: dict[str, Any] = {"key": key}
    out["name"] = local_text(raw.get("name"), where, "the_name", required=True)
    where = ContentError("battery_named", number=number, name=out["name"])
    forms = raw.get("form_keys")
    if not isinstance(forms, list) or not forms:
        raise ContentError("battery_no_forms", where=where)
    seen: list[str] = []
    for form_key in forms:
        fact = known.forms.get(form_key) if isinstance(form_key, str) else None
        check_form(fact, form_key, registry, where)
        if form_key in seen:
            raise ContentError("battery_form_twice", where=where, key=form_key)
        seen.append(form_key)
    out["form_keys"] = seen
    trigger = raw.get("trigger")
    if trigger not in TRIGGERS:
        raise ContentError("battery_trigger", where=where, trigger=repr(trigger))
    out["trigger"] = trigger
    module_key = raw.get("module_key")
    if module_key not in (None, ""):
        if trigger == "enrollment_start":
            raise ContentError("battery_module_not_used", where=where)
        if module_key not in module_keys:
            raise ContentError("battery_module", where=where, key=repr(module_key))
        out["module_key"] = module_key
    elif trigger == "module_start":
        raise ContentError("battery_module_missing", where=where)
    if trigger == "repeat":
        out["every_days"] = _number(raw.get("every_days"), where, "battery_every_days", 1, 365)
        if raw.get("count") not in (None, ""):
            out["count"] = _number(raw.get("count"), where, "battery_count", 1, 200)
        if raw.get("start_days") not in (None, "", 0):
            out["start_days"] = _number(raw.get("start_days"), where, "battery_start_days", 0, 3650)
    local_time = raw.get("local_time", DEFAULTS["local_time"])
    if not isinstance(local_time, str) or not TIME_RE.match(local_time):
        raise ContentError("battery_time", where=where, time=repr(local_time))
    out["local_time"] = local_time
    due = raw.get("due_days", DEFAULTS["due_days"])
    expire = raw.get("expire_days", DEFAULTS["expire_days"])
    out["due_days"] = _number(due, where, "battery_due_days", 0, 365)
    out["expire_days"] = _number(expire, where, "battery_expire_days", 1, 366)
    if out["expire_days"] <= out["due_days"]:
        raise ContentError("battery_expire", where=where, expire=expire, due=due)
    return out


def clean_batteries(raw: Any, modules: list[dict[str, Any]], known: Any, registry: Any) -> Any:
    """What is stored of ``raw``; raises ``ContentError`` when it breaks a rule."""
    if not isinstance(raw, list):
        raise ContentError("batteries_not_a_list")
    module_keys = {str(m.get("key")) for m in modules}
    out: list[dict[str, Any]] = []
    for number, item in enumerate(raw, start=1):
        battery = clean_battery(item, number, module_keys, known, registry)
        if any(b["key"] == battery["key"] for b in out):
            raise ContentError(
                "battery_key_twice", where=Phrase("program"), key=repr(battery["key"])
            )
        out.append(battery)
    return out
