"""What changed between two versions' content, modules and items matched by key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..types import local
from .html import plain_text
from .kinds import diff_fields
from .messages import PHRASES, Translate, render


@dataclass(frozen=True)
class Change:
    """One difference between two versions' content."""

    kind: str  # added / removed / changed
    path: str  # "Modul 2 › Sömndagbok"
    field: str | None = None  # "title", "body", "unlock", "position" ... (None: the whole thing)
    old: Any = None
    new: Any = None
    module_key: str | None = None
    item_key: str | None = None


PROGRAM_FIELDS = ("name", "description", "welcome", "recommended_days")
MODULE_FIELDS = ("title", "description", "recommended_days", "unlock")


def _shown(name: str, value: Any, lang: str) -> Any:
    if value is None:
        return None
    if name == "body" and isinstance(value, Mapping):
        return plain_text(local(value, lang))
    if isinstance(value, Mapping) and name not in ("unlock",):
        return local(value, lang)
    return value


def _common_order(old: list[str], new: list[str]) -> set[str]:
    """Keys in the longest common subsequence of two orders: those that did not move."""
    rows, cols = len(old), len(new)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1
                if old[i] == new[j]
                else max(table[i + 1][j], table[i][j + 1])
            )
    kept, i, j = set(), 0, 0
    while i < rows and j < cols:
        if old[i] == new[j]:
            kept.add(old[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def _shown_pair(name: str, old: Any, new: Any, lang: str) -> tuple[Any, Any]:
    """Before and after of a changed field, in ``lang``; a local text changed only in another
    language (an English text added, say) shows that language's texts, marked with its code."""
    if name == "unlock" or not isinstance(old or {}, Mapping) or not isinstance(new or {}, Mapping):
        return _shown(name, old, lang), _shown(name, new, lang)
    before, after = dict(old or {}), dict(new or {})
    changed = sorted(c for c in set(before) | set(after) if before.get(c) != after.get(c))
    if not changed or lang in changed:
        return _shown(name, old, lang), _shown(name, new, lang)
    other = changed[0]

    def exact(text: dict) -> str | None:
        value = text.get(other)
        if not value:
            return None
        return f"[{other}] {plain_text(value) if name == 'body' else value}"

    return exact(before), exact(after)


def _field_changes(
    path: str,
    names: Iterable[str],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    lang: str,
    module_key: str | None = None,
    item_key: str | None = None,
) -> list[Change]:
    return [
        Change(
            "changed",
            path,
            name,
            *_shown_pair(name, old.get(name), new.get(name), lang),
            module_key,
            item_key,
        )
        for name in names
        if (old.get(name) or None) != (new.get(name) or None)
    ]


def _positions(content: Mapping[str, Any]) -> tuple[dict, dict]:
    """Modules by key as (number, module); items by key as (module, number, item)."""
    modules = {m["key"]: (n, m) for n, m in enumerate(content.get("modules", []), start=1)}
    items = {
        i["key"]: (m, n, i)
        for m in content.get("modules", [])
        for n, i in enumerate(m.get("items", []), start=1)
    }
    return modules, items


def _identity(message: str) -> str:
    return message


def diff(
    old_content: Mapping[str, Any],
    new_content: Mapping[str, Any],
    lang: str = "sv",
    translate: Translate = _identity,
) -> list[Change]:
    """What changed from ``old_content`` to ``new_content``, modules and items matched by key.

    Paths read "Modul 2 · Sömnrestriktion" for a module and "Modul 2 › Sömndagbok" for an item
    (the words through ``translate``: the web passes gettext); texts come out in ``lang`` (HTML
    bodies as plain words); a move is a change of "position" (within a module) or of "module".
    """

    def module_name(number: int) -> str:
        return render(PHRASES["module"], {"number": number}, translate, lang)

    def title(thing: Mapping[str, Any]) -> str:
        return local(thing.get("title"), lang)

    program = translate(PHRASES["program"])
    changes = _field_changes(program, PROGRAM_FIELDS, old_content, new_content, lang)
    old_modules, old_items = _positions(old_content)
    new_modules, new_items = _positions(new_content)
    unmoved = _common_order(
        [k for k in old_modules if k in new_modules], [k for k in new_modules if k in old_modules]
    )
    for key, (number, module) in old_modules.items():
        if key not in new_modules:
            path = f"{module_name(number)} · {title(module)}"
            changes.append(Change("removed", path, None, title(module), None, key))
    for key, (number, module) in new_modules.items():
        path = f"{module_name(number)} · {title(module)}"
        old_module = old_modules.get(key, (None, None))[1]
        if old_module is None:
            changes.append(Change("added", path, None, None, title(module), key))
        else:
            old_number = old_modules[key][0]
            if key not in unmoved:
                changes.append(Change("changed", path, "position", old_number, number, key))
            changes += _field_changes(path, MODULE_FIELDS, old_module, module, lang, key)
        stayed = [
            i["key"]
            for i in module.get("items", [])
            if old_items.get(i["key"], ({},))[0] is old_module
        ]
        unmoved_items = _common_order(
            [i["key"] for i in (old_module or {}).get("items", []) if i["key"] in stayed], stayed
        )
        for item_number, item in enumerate(module.get("items", []), start=1):
            item_key, item_path = item["key"], f"{module_name(number)} › {title(item)}"
            if item_key not in old_items:
                changes.append(Change("added", item_path, None, None, title(item), key, item_key))
                continue
            old_parent, old_item_number, old_item = old_items[item_key]
            if old_parent is not old_module:
                moved = Change(
                    "changed", item_path, "module", title(old_parent), title(module), key, item_key
                )
                changes.append(moved)
            elif item_key not in unmoved_items:
                changes.append(
                    Change(
                        "changed",
                        item_path,
                        "position",
                        old_item_number,
                        item_number,
                        key,
                        item_key,
                    )
                )
            names = diff_fields(old_item.get("kind"), item.get("kind"))
            changes += _field_changes(item_path, names, old_item, item, lang, key, item_key)
    for item_key, (module, _number, item) in old_items.items():
        if item_key not in new_items:
            path = f"{module_name(old_modules[module['key']][0])} › {title(item)}"
            changes.append(
                Change("removed", path, None, title(item), None, module["key"], item_key)
            )
    return changes
