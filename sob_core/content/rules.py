"""Content rules: ``clean`` validates a content document and returns what gets stored.

- every human text is a local text ``{"sv": ..., "en": ...}``; a plain string is taken as Swedish.
  Only a text item's ``body`` is HTML (sanitised, see ``html``); other texts are escaped when shown.
- module and item keys are unique across the program (one namespace) and never reused: progress
  rows, bookmarks and events refer to them. Generated keys come from ``key_counters``, which never
  go below a number in use (see ``counters``).
- unlock rules are those of ``unlock.RULES``; ``days_after_start`` needs ``days`` >= 0.
- each item kind's own fields are checked by its entry in ``kinds.KINDS``.
- publishing also needs at least one module, and at least one item in every module.

Every broken rule raises a ``ContentError`` whose ``where`` names the module or item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .batteries import clean_batteries
from .checks import KEY_RE, ContentError, Known, RegistryFacts, is_id, local_text, whole_number
from .flag_rules import clean_flag_rules
from .kinds import ITEM_KINDS, KINDS, MEDIA_FIELDS
from .messages import Phrase
from .reminder_rules import clean_reminder_rules
from .unlock import RULES, UNLOCK_RULES

PROGRAM = Phrase("program")

#: the programme's follow-up settings: top-level key -> cleaner(raw, cleaned modules, known,
#: registry) returning what is stored (each in a module of its own)
FOLLOWUP_CLEANERS = {
    "batteries": clean_batteries,
    "reminders": clean_reminder_rules,
    "flag_rules": clean_flag_rules,
}


def _title(raw: Mapping[str, Any]) -> Any:
    title = raw.get("title")
    return title if isinstance(title, Mapping) else {"sv": title} if isinstance(title, str) else {}


def module_where(number: int, raw: Mapping[str, Any]) -> Phrase:
    title = _title(raw)
    if title and any(title.values()):
        return Phrase("module_titled", {"number": number, "title": title})
    return Phrase("module", {"number": number})


def item_where(module: Phrase, number: int, raw: Mapping[str, Any]) -> Phrase:
    title = _title(raw)
    if title and any(title.values()):
        return Phrase("in_module", {"module": module, "item": title})
    return Phrase("in_module", {"module": module, "item": Phrase("item", {"number": number})})


def referenced(content: Any) -> tuple[set[str], set[int]]:
    """The form keys and media ids a document (not yet validated) refers to."""
    form_keys: set[str] = set()
    media_ids: set[int] = set()
    modules = content.get("modules") if isinstance(content, Mapping) else None
    for module in modules if isinstance(modules, list) else []:
        items = module.get("items") if isinstance(module, Mapping) else None
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping):
                continue
            if isinstance(item.get("form_key"), str):
                form_keys.add(item["form_key"])
            # isinstance narrows for mypy (is_id is a plain bool check); is_id still refuses bools
            media_ids.update(
                v for n in MEDIA_FIELDS if isinstance(v := item.get(n), int) and is_id(v)
            )
    batteries = content.get("batteries") if isinstance(content, Mapping) else None
    for battery in batteries if isinstance(batteries, list) else []:  # their forms (H1)
        keys = battery.get("form_keys") if isinstance(battery, Mapping) else None
        form_keys.update(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else None
    return form_keys, media_ids


def clean_item(
    raw: Any, number: int, module: Phrase, known: Known, registry: RegistryFacts
) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ContentError("item_not_an_object", where=module, number=number)
    where = item_where(module, number, raw)
    kind = KINDS.get(raw.get("kind"))  # type: ignore[arg-type]
    if kind is None:
        raise ContentError(
            "unknown_kind", where=where, kind=repr(raw.get("kind")), kinds=", ".join(ITEM_KINDS)
        )
    item: dict[str, Any] = {
        "key": raw.get("key"),
        "kind": kind.name,
        "title": local_text(raw.get("title"), where, "the_title", required=True),
    }
    kind.clean(raw, item, where, known, registry)
    return item


def clean_unlock(raw: Any, where: Phrase, first: bool) -> dict[str, Any]:
    if isinstance(raw, str):
        raw = {"rule": raw}
    if not isinstance(raw, Mapping) or raw.get("rule") not in RULES:
        rule = raw.get("rule") if isinstance(raw, Mapping) else raw
        raise ContentError(
            "unknown_rule", where=where, rule=repr(rule), rules=", ".join(UNLOCK_RULES)
        )
    rule = RULES[raw["rule"]]
    if first and not rule.first_module:
        raise ContentError("first_after_previous", where=where)
    if rule.needs_days:
        return {
            "rule": rule.name,
            "days": whole_number(raw.get("days"), where, "the_number_of_days", 0),
        }
    return {"rule": rule.name}


def clean(
    content: Any, registry: RegistryFacts, known: Known, for_publish: bool = False
) -> dict[str, Any]:
    """A normalised, sanitised copy of ``content``, or ``ContentError``."""
    if not isinstance(content, Mapping):
        raise ContentError("not_an_object")
    out: dict[str, Any] = {
        "name": local_text(content.get("name"), PROGRAM, "the_name", required=True),
        "description": local_text(
            content.get("description"), PROGRAM, "the_description", required=False
        ),
        "welcome": local_text(content.get("welcome"), PROGRAM, "the_welcome", required=False),
        "recommended_days": whole_number(content.get("recommended_days"), PROGRAM, "the_days", 1),
        "modules": [],
    }
    modules = content.get("modules", [])
    if not isinstance(modules, list):
        raise ContentError("modules_not_a_list")
    seen: set[str] = set()

    def unique(key: Any, where: Phrase) -> str:
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ContentError("bad_key", where=where, key=repr(key))
        if key in seen:
            raise ContentError("key_twice", where=where, key=key)
        seen.add(key)
        return key

    for index, raw in enumerate(modules, start=1):
        if not isinstance(raw, Mapping):
            raise ContentError("module_not_an_object", where=Phrase("module", {"number": index}))
        where = module_where(index, raw)
        module: dict[str, Any] = {
            "key": unique(raw.get("key"), where),
            "title": local_text(raw.get("title"), where, "the_title", required=True),
            "recommended_days": whole_number(raw.get("recommended_days"), where, "the_days", 1),
            "unlock": clean_unlock(raw.get("unlock", "at_start"), where, first=index == 1),
            "items": [],
        }
        description = local_text(raw.get("description"), where, "the_description", required=False)
        if description:
            module["description"] = description
        items = raw.get("items", [])
        if not isinstance(items, list):
            raise ContentError("items_not_a_list", where=where)
        for number, raw_item in enumerate(items, start=1):
            item = clean_item(raw_item, number, where, known, registry)
            item["key"] = unique(item["key"], item_where(where, number, raw_item))
            module["items"].append(item)
        if for_publish and not module["items"]:
            raise ContentError("module_empty", where=where)
        out["modules"].append(module)
    if for_publish and not out["modules"]:
        raise ContentError("no_modules")
    if content.get("messaging") is True:  # optional; absent (older documents) means off
        out["messaging"] = True
    for name, cleaner in FOLLOWUP_CLEANERS.items():
        if content.get(name) not in (None, [], {}):
            value = cleaner(content.get(name), out["modules"], known, registry)
            if value:
                out[name] = value
    out["key_counters"] = counters(content.get("key_counters"), out["modules"])
    return out


def key_number(key: str, prefix: str) -> int:
    """The n of a generated key ("m3" with prefix "m"); 0 for a key that was not generated."""
    match = re.fullmatch(re.escape(prefix) + r"([0-9]{1,9})", key)
    return int(match.group(1)) if match else 0


def counters(raw: Any, modules: list[dict[str, Any]]) -> dict[str, Any]:
    """Key counters never go below a number in use, so generated keys are never reused."""
    raw = raw if isinstance(raw, Mapping) else {}
    raw_items = raw.get("items") if isinstance(raw.get("items"), Mapping) else {}

    def count(value: Any) -> int:
        return value if is_id(value) and value > 0 else 0

    out: dict[str, Any] = {
        "modules": max([count(raw.get("modules"))] + [key_number(m["key"], "m") for m in modules]),
        "items": {k: count(v) for k, v in raw_items.items() if isinstance(k, str) and count(v)},
    }
    for module in modules:
        used = [key_number(i["key"], module["key"] + "-i") for i in module["items"]]
        top = max([out["items"].get(module["key"], 0), *used])
        if top:
            out["items"][module["key"]] = top
    return out
