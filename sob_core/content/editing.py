"""Edit operations on a draft's content: add, change, move and delete modules and items.

They work on a mutable copy (``editable(draft.content)``), which the caller saves through
``programs.update_draft`` (that validates it). Keys are generated here, never by views: module
keys "m<n>" and item keys "<module>-i<n>" from ``key_counters``, so a deleted key is never reused.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .rules import counters

Document = dict[str, Any]


def editable(content: Mapping[str, Any]) -> Document:
    """A deep copy of stored content that the operations below may change."""
    return copy.deepcopy(dict(content))


def find_module(content: Mapping[str, Any], module_key: str) -> dict:
    """The module dict with ``module_key`` in a (mutable) document; ``KeyError`` if none."""
    for module in content.get("modules", []):
        if module.get("key") == module_key:
            return module
    raise KeyError(module_key)


def find_item(content: Mapping[str, Any], item_key: str) -> tuple[dict, dict]:
    """The module and item dicts of ``item_key`` in a (mutable) document; ``KeyError`` if none."""
    for module in content.get("modules", []):
        for item in module.get("items", []):
            if item.get("key") == item_key:
                return module, item
    raise KeyError(item_key)


def _all_keys(content: Mapping[str, Any]) -> set[str]:
    keys = set()
    for module in content.get("modules", []):
        keys.add(module.get("key"))
        keys.update(item.get("key") for item in module.get("items", []))
    return keys


def _ensure_counters(content: Document) -> dict[str, Any]:
    content["key_counters"] = counters(content.get("key_counters"), content.get("modules", []))
    return content["key_counters"]


def new_module_key(content: Document) -> str:
    counter = _ensure_counters(content)
    used = _all_keys(content)
    number = counter["modules"] + 1
    while f"m{number}" in used:
        number += 1
    counter["modules"] = number
    return f"m{number}"


def new_item_key(content: Document, module_key: str) -> str:
    counter = _ensure_counters(content)
    used = _all_keys(content)
    number = counter["items"].get(module_key, 0) + 1
    while f"{module_key}-i{number}" in used:
        number += 1
    counter["items"][module_key] = number
    return f"{module_key}-i{number}"


def update_program(content: Document, values: Mapping[str, Any]) -> None:
    """Set the program's own fields (name, description, welcome, recommended_days)."""
    content.update(values)


def add_module(content: Document, module: Mapping[str, Any]) -> str:
    """Append a module (its key is generated); returns the key."""
    key = new_module_key(content)
    content.setdefault("modules", []).append({**module, "key": key, "items": []})
    return key


def update_module(content: Document, module_key: str, values: Mapping[str, Any]) -> None:
    """Replace the module's fields with ``values``; its key and items stay."""
    module = find_module(content, module_key)
    keep = {"key": module["key"], "items": module.get("items", [])}
    module.clear()
    module.update({**values, **keep})


def add_item(content: Document, module_key: str, item: Mapping[str, Any]) -> str:
    """Append an item to a module (its key is generated); returns the key."""
    module = find_module(content, module_key)
    key = new_item_key(content, module_key)
    module.setdefault("items", []).append({**item, "key": key})
    return key


def update_item(content: Document, item_key: str, values: Mapping[str, Any]) -> None:
    """Replace the item's fields with ``values``; its key and kind stay."""
    _module, item = find_item(content, item_key)
    keep = {"key": item["key"], "kind": item["kind"]}
    item.clear()
    item.update({**values, **keep})


def _move(sequence: list, index: int, direction: str) -> None:
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(sequence):
        return
    sequence[index], sequence[target] = sequence[target], sequence[index]


def move_module(content: Document, module_key: str, direction: str) -> None:
    modules = content.get("modules", [])
    _move(modules, modules.index(find_module(content, module_key)), direction)


def move_item(content: Document, item_key: str, direction: str) -> None:
    module, item = find_item(content, item_key)
    _move(module["items"], module["items"].index(item), direction)


def delete_module(content: Document, module_key: str) -> None:
    _ensure_counters(content)
    content["modules"].remove(find_module(content, module_key))


def delete_item(content: Document, item_key: str) -> None:
    _ensure_counters(content)
    module, item = find_item(content, item_key)
    module["items"].remove(item)
