"""The plugin manager: loads the ``sob`` entry points, honours the block list, registers what loaded.

One ``PluginHost`` is built per app by ``create_app`` and kept in ``app.extensions["sob"]``; code
running in an app context reaches it, typed, with ``current_host()``.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .guardian_types import GuardianshipSource
from .types import (
    LoginProvider,
    NotificationChannel,
    PluginContractError,
    QuestionType,
    Scale,
    Setting,
)

log = logging.getLogger(__name__)
GROUP = hookspecs.PROJECT
#: the owner named for what the core itself registers
BUILTIN = "sob_core"


class PluginLoadError(RuntimeError):
    """A plugin could not be loaded; the message names it."""


@dataclass
class PluginInfo:
    name: str  # the entry-point name: what `sob plugins` lists and what a region blocks
    module: str
    distribution: str
    version: str
    hooks: list[str] = field(default_factory=list)


@dataclass
class Registry:
    """What the registration hooks returned, by key, with the plugin that registered each."""

    question_types: dict[str, QuestionType] = field(default_factory=dict)
    scales: dict[str, Scale] = field(default_factory=dict)
    channels: dict[str, NotificationChannel] = field(default_factory=dict)
    login_providers: dict[str, LoginProvider] = field(default_factory=dict)
    guardianship_sources: dict[str, GuardianshipSource] = field(default_factory=dict)
    settings: dict[str, Setting] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)


_REGISTRATIONS: tuple[tuple[str, str, str, type[Any]], ...] = (
    ("sob_question_types", "question_types", "question type", QuestionType),
    ("sob_scales", "scales", "scale", Scale),
    ("sob_notification_channels", "channels", "notification channel", NotificationChannel),
    ("sob_login_providers", "login_providers", "login provider", LoginProvider),
    (
        "sob_guardianship_sources",
        "guardianship_sources",
        "guardianship source",
        GuardianshipSource,
    ),
    ("sob_settings", "settings", "setting", Setting),
)


def _key(obj: Any) -> str:
    if isinstance(obj, Scale):
        return obj.id
    if isinstance(obj, Setting):
        return obj.name
    return str(obj.key)


class PluginHost:
    def __init__(self, trace: bool = False) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.registry = Registry()
        if trace:
            self.pm.trace.root.setwriter(lambda message: log.info("hook %s", message.rstrip()))
            self.pm.enable_tracing()

    @property
    def hook(self) -> Any:
        return self.pm.hook

    # -- loading ----------------------------------------------------------------------------

    def load_entry_points(self, disabled: Iterable[str] = ()) -> None:
        blocked = set(disabled)
        for name in blocked:
            self.pm.set_blocked(name)
        #: name and version of each distribution: its metadata is read once, not per entry point
        described: dict[Any, tuple[str, str]] = {}
        for ep in sorted(entry_points(group=GROUP), key=lambda ep: ep.name):
            if ep.name in blocked:
                log.info("plugin %s is disabled by SOB_DISABLED_PLUGINS", ep.name)
                continue
            if ep.name in self.plugins:
                raise PluginLoadError(
                    f"two plugins are registered under the entry-point name {ep.name!r}: "
                    f"{self.plugins[ep.name].module} and {ep.value}"
                )
            try:
                module = ep.load()
            except Exception as error:
                raise PluginLoadError(
                    f"plugin {ep.name!r} ({ep.value}) could not be imported: {error}"
                ) from error
            dist = ep.dist
            if dist is not None and dist not in described:
                metadata = dist.metadata
                described[dist] = (metadata["Name"], metadata["Version"])
            self._register(ep.name, module, *described.get(dist, ("?", "?")))

    def load_modules(self, plugins: Sequence[tuple[str, str | ModuleType]]) -> None:
        """Load an explicit list of ``(name, module or dotted path)``, as tests do."""
        for name, target in plugins:
            try:
                module = importlib.import_module(target) if isinstance(target, str) else target
            except Exception as error:
                raise PluginLoadError(f"plugin {name!r} could not be imported: {error}") from error
            self._register(name, module, "(explicit)", "")

    def _register(self, name: str, module: Any, distribution: str, version: str) -> None:
        try:
            self.pm.register(module, name=name)
        except ValueError as error:
            raise PluginLoadError(f"plugin {name!r} could not be registered: {error}") from error
        hooks = sorted(impl.name for impl in self.pm.get_hookcallers(module) or [])
        self.plugins[name] = PluginInfo(
            name=name,
            module=getattr(module, "__name__", str(module)),
            distribution=distribution,
            version=version,
            hooks=hooks,
        )

    # -- checking and collecting -------------------------------------------------------------

    def check(self) -> None:
        """Fail on unknown hooks, then collect and validate every registration."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            plugin = self.pm.get_name(error.plugin) if error.plugin else "?"
            raise PluginLoadError(f"plugin {plugin!r}: {error}") from error
        self.collect()

    def collect(self) -> None:
        """(Re)build the registry from the registration hooks, validating what they return.

        Called by ``check`` at start-up, and again when a plugin is registered later (tests).
        """
        for stale in vars(self.registry).values():
            stale.clear()  # in place: whoever holds the registry sees the new registrations
        self._builtins()
        for hook_name, attribute, kind, cls in _REGISTRATIONS:
            table: dict[str, Any] = getattr(self.registry, attribute)
            caller = getattr(self.pm.hook, hook_name)
            for impl in caller.get_hookimpls():
                plugin = impl.plugin_name
                try:
                    returned = impl.function()
                except Exception as error:
                    raise PluginLoadError(
                        f"plugin {plugin!r} failed in {hook_name}: {error}"
                    ) from error
                for obj in returned or ():
                    if not isinstance(obj, cls):
                        raise PluginLoadError(
                            f"plugin {plugin!r}: {hook_name} must return {cls.__name__} objects, "
                            f"got {type(obj).__name__}"
                        )
                    try:
                        obj.validate()
                    except PluginContractError as error:
                        raise PluginLoadError(f"plugin {plugin!r}: {error}") from error
                    key = _key(obj)
                    owner = self.registry.owners.get((kind, key))
                    if owner is not None:
                        raise PluginLoadError(
                            f"{kind} {key!r} is claimed by two plugins: {owner!r} and {plugin!r}"
                        )
                    self.registry.owners[(kind, key)] = plugin
                    table[key] = obj

    def _builtins(self) -> None:
        """What the core registers like a plugin would: its table of guardianships."""
        from .guardians.table import TABLE_SOURCE

        self.registry.guardianship_sources[TABLE_SOURCE.key] = TABLE_SOURCE
        self.registry.owners[("guardianship source", TABLE_SOURCE.key)] = BUILTIN

    def owner(self, kind: str, key: str) -> str | None:
        return self.registry.owners.get((kind, key))

    def plugin_root(self, name: str) -> Path | None:
        """The folder of a plugin's package, where its templates/ and static/ live."""
        module = self.pm.get_plugin(name)
        if module is None:
            return None
        package = getattr(module, "__package__", None) or getattr(module, "__name__", "")
        parent = sys.modules.get(package) if package else None
        paths = list(getattr(parent, "__path__", None) or [])
        if paths:
            return Path(paths[0])
        file = getattr(module, "__file__", None)
        return Path(file).parent if file else None


def current_host() -> PluginHost:
    """The plugin host of the current app (needs an app context)."""
    from flask import current_app

    host = current_app.extensions["sob"]
    assert isinstance(host, PluginHost)  # noqa: S101  (a wrong object here is a host bug)
    return host
