"""The program content document, typed: ``ProgramContent`` of ``Module``s of ``Item``s.

``ProgramVersion.content`` stays JSON on disk; ``ProgramContent.from_json(version.content)``
reads a stored (already validated) document cheaply and ``to_json()`` gives back the same
document. The walkers here (find a module or an item, iterate, keys, media, forms) are the only
ones: readers elsewhere use them instead of walking the dicts.

The document::

    {"name": LocalText, "description": LocalText, "welcome": LocalText,
     "recommended_days": int,
     "messaging": bool (optional, default false: messages between citizen and care team),
     "batteries": [battery] (optional; see ``content.batteries``),
     "reminders": {...} (optional; the citizen's reminder rules, see ``content.reminder_rules``),
     "flag_rules": [rule] (optional; see ``content.flag_rules``),
     "modules": [{"key", "title", "description"?, "recommended_days",
                  "unlock": {"rule", "days"?},
                  "items": [{"key", "kind", "title", ...the kind's fields}]}],
     "key_counters": {"modules": int, "items": {module_key: int}}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..types import LocalText
from .kinds import KINDS, ItemKind
from .unlock import RULES


def as_local_text(value: Any) -> dict[str, str]:
    """A stored local text as a dict.

    Every write normalises texts to ``{"sv": ...}``; a plain string (rows written straight to
    the table, as some test fixtures do) is still read as Swedish, anything else as no text.
    """
    if isinstance(value, Mapping):
        return dict(value)
    return {"sv": value} if isinstance(value, str) and value else {}


_text = as_local_text


def filled(text: Mapping[str, str]) -> dict[str, str]:
    """Only the languages of a local text that have any text (an empty text is no text)."""
    return {str(lang): str(value) for lang, value in text.items() if value}


def positive_days(value: Any) -> int | None:
    """A stored number of days when it is a whole number above zero; None otherwise."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


@dataclass(frozen=True)
class Unlock:
    """When a module opens: ``rule`` (see ``unlock.RULES``) and, for days_after_start, ``days``."""

    rule: str = "at_start"
    days: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> Unlock:
        if not isinstance(data, Mapping):
            return cls(str(data or "at_start"))
        days = data.get("days")
        return cls(data.get("rule", "at_start"), days if isinstance(days, int) else None)

    def rule_for(self, first: bool) -> str:
        """The rule that applies: an unknown one is read as the default for the module's place."""
        if self.rule in RULES:
            return self.rule
        return "at_start" if first else "after_previous"

    @property
    def day_count(self) -> int:
        """``days`` for the rules that use it, never negative (0 when it has none)."""
        return max(0, self.days or 0)

    def to_json(self) -> dict[str, Any]:
        if self.days is not None:
            return {"rule": self.rule, "days": self.days}
        return {"rule": self.rule}


@dataclass(frozen=True)
class Item:
    """One content item. ``values`` holds the kind's own fields (body, media_id, form_key ...)."""

    key: str
    kind: str
    title: LocalText
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        values = {k: v for k, v in data.items() if k not in ("key", "kind", "title")}
        return cls(data.get("key", ""), data.get("kind", ""), _text(data.get("title")), values)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "title": dict(self.title), **self.values}

    @property
    def item_kind(self) -> ItemKind | None:
        """This item's kind; None for a kind this installation does not know."""
        return KINDS.get(self.kind)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def text(self, name: str) -> LocalText:
        """One of the item's local texts (body, alt, transcript); empty when it has none."""
        return _text(self.values.get(name))

    @property
    def form_key(self) -> str | None:
        return self.values.get("form_key")

    @property
    def is_form(self) -> bool:
        """The item hands the citizen a form to fill in (its kind has a form)."""
        kind = self.item_kind
        return kind.has_form if kind else False

    @property
    def form_version(self) -> int | None:
        return self.values.get("form_version")

    @property
    def media_id(self) -> int | None:
        return self.values.get("media_id")

    @property
    def url(self) -> str | None:
        return self.values.get("url")

    def media_ids(self) -> set[int]:
        """The media files the item shows (its kind's media fields)."""
        kind = self.item_kind
        names = kind.media_fields if kind else ()
        return {v for n in names if isinstance(v := self.values.get(n), int)}


@dataclass(frozen=True)
class Module:
    key: str
    title: LocalText
    recommended_days: int | None
    unlock: Unlock
    items: tuple[Item, ...] = ()
    description: LocalText = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Module:
        return cls(
            key=data.get("key", ""),
            title=_text(data.get("title")),
            recommended_days=data.get("recommended_days"),
            unlock=Unlock.from_json(data.get("unlock", "at_start")),
            items=tuple(
                Item.from_json(i) for i in data.get("items") or [] if isinstance(i, Mapping)
            ),
            description=_text(data.get("description")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "title": dict(self.title),
            "recommended_days": self.recommended_days,
            "unlock": self.unlock.to_json(),
            "items": [item.to_json() for item in self.items],
        }
        if self.description:
            out["description"] = dict(self.description)
        return out

    @property
    def planned_days(self) -> int | None:
        """The module's recommended days when it has a usable number of them."""
        return positive_days(self.recommended_days)

    def item(self, key: str) -> Item:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)


@dataclass(frozen=True)
class KeyCounters:
    """The highest generated number so far: module keys "m<n>", item keys "<module>-i<n>"."""

    modules: int = 0
    items: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> KeyCounters | None:
        if not isinstance(data, Mapping):
            return None
        items = data.get("items")
        return cls(data.get("modules", 0), dict(items) if isinstance(items, Mapping) else {})

    def to_json(self) -> dict[str, Any]:
        return {"modules": self.modules, "items": dict(self.items)}


@dataclass(frozen=True)
class ProgramContent:
    name: LocalText
    description: LocalText = field(default_factory=dict)
    welcome: LocalText = field(default_factory=dict)
    recommended_days: int | None = None
    modules: tuple[Module, ...] = ()
    key_counters: KeyCounters | None = None
    #: the designer switched messaging on (absent in older documents and exports: off)
    messaging: bool = False
    #: follow-up settings as stored (already cleaned); their owners' modules type them
    batteries: tuple[Mapping[str, Any], ...] = ()
    reminders: Mapping[str, Any] = field(default_factory=dict)
    flag_rules: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ProgramContent:
        """The typed view of a stored document (which every write has already validated)."""
        data = data if isinstance(data, Mapping) else {}
        return cls(
            name=_text(data.get("name")),
            description=_text(data.get("description")),
            welcome=_text(data.get("welcome")),
            recommended_days=data.get("recommended_days"),
            modules=tuple(
                Module.from_json(m) for m in data.get("modules") or [] if isinstance(m, Mapping)
            ),
            key_counters=KeyCounters.from_json(data.get("key_counters")),
            messaging=data.get("messaging") is True,
            batteries=tuple(b for b in data.get("batteries") or [] if isinstance(b, Mapping)),
            reminders=dict(data["reminders"]) if isinstance(data.get("reminders"), Mapping) else {},
            flag_rules=tuple(r for r in data.get("flag_rules") or [] if isinstance(r, Mapping)),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": dict(self.name),
            "description": dict(self.description),
            "welcome": dict(self.welcome),
            "recommended_days": self.recommended_days,
            "modules": [module.to_json() for module in self.modules],
        }
        if self.key_counters is not None:
            out["key_counters"] = self.key_counters.to_json()
        if self.messaging:
            out["messaging"] = True
        if self.batteries:
            out["batteries"] = [dict(b) for b in self.batteries]
        if self.reminders:
            out["reminders"] = dict(self.reminders)
        if self.flag_rules:
            out["flag_rules"] = [dict(r) for r in self.flag_rules]
        return out

    # --- walkers --------------------------------------------------------------------------------

    @property
    def planned_days(self) -> int | None:
        """The program's recommended length: its own, else the sum of its modules'."""
        own = positive_days(self.recommended_days)
        if own is not None:
            return own
        return sum(module.planned_days or 0 for module in self.modules) or None

    def find_item(self, key: str) -> tuple[Module, Item] | None:
        """The item with ``key`` and its module, or None when there is none."""
        for module, item in self.items():
            if item.key == key:
                return module, item
        return None

    def module(self, key: str) -> Module:
        """The module with ``key``; ``KeyError`` when there is none."""
        for module in self.modules:
            if module.key == key:
                return module
        raise KeyError(key)

    def module_number(self, key: str) -> int:
        """The module's place in the program, from 1."""
        for number, module in enumerate(self.modules, start=1):
            if module.key == key:
                return number
        raise KeyError(key)

    def item(self, key: str) -> tuple[Module, Item]:
        """The item with ``key`` and its module; ``KeyError`` when there is none."""
        for module, item in self.items():
            if item.key == key:
                return module, item
        raise KeyError(key)

    def items(self) -> Iterator[tuple[Module, Item]]:
        """Every item with its module, in program order."""
        for module in self.modules:
            for item in module.items:
                yield module, item

    def keys(self) -> set[str]:
        """Every module and item key (one namespace)."""
        return {m.key for m in self.modules} | {i.key for _m, i in self.items()}

    def media_ids(self) -> set[int]:
        """Every media file the content refers to."""
        return {media_id for _m, item in self.items() for media_id in item.media_ids()}

    def form_keys(self) -> set[str]:
        """Every form the content shows."""
        return {item.form_key for _m, item in self.items() if item.form_key}

    def pinned_forms(self) -> dict[str, int | None]:
        """Form key -> the version the first item showing it is pinned to (None: not yet)."""
        pinned: dict[str, int | None] = {}
        for _module, item in self.items():
            if item.is_form and item.form_key:
                pinned.setdefault(item.form_key, item.form_version)
        return pinned
