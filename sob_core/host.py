"""Binds the plugin host to an app: plugins, their settings, templates, static files, logins."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask, abort, send_from_directory
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader

from . import config as sob_config
from .plugins import PluginHost, PluginLoadError, current_host
from .web.access import Rule, declare

__all__ = ["apply_settings", "current_host", "init_app", "mount_login_providers"]


def init_app(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    host = PluginHost(trace=app.config.get("SOB_TRACE_HOOKS", False))
    explicit = app.config.get("SOB_PLUGINS")
    if explicit is None:
        host.load_entry_points(app.config.get("SOB_DISABLED_PLUGINS", ()))
    else:
        disabled = set(app.config.get("SOB_DISABLED_PLUGINS", ()))
        host.load_modules([(name, mod) for name, mod in explicit if name not in disabled])
    host.check()
    app.extensions["sob"] = host
    app.extensions["sob_environ"] = dict(environ or {})
    apply_settings(app, host)

    # Templates and static files by convention: <plugin package>/templates and /static.
    roots: dict[str, Path] = {}
    for name, info in host.plugins.items():
        root = host.plugin_root(name)
        if root is None:
            continue
        key = info.distribution if info.distribution != "(explicit)" else info.module.split(".")[0]
        roots.setdefault(key, Path(root))
    template_dirs = [str(p / "templates") for p in roots.values() if (p / "templates").is_dir()]
    if template_dirs:
        loaders: list[BaseLoader] = [app.jinja_loader] if app.jinja_loader else []
        app.jinja_loader = ChoiceLoader([*loaders, *map(FileSystemLoader, template_dirs)])
    app.extensions["sob_plugin_static"] = {
        key: p / "static" for key, p in roots.items() if (p / "static").is_dir()
    }

    def plugin_static(plugin: str, filename: str):
        folder = app.extensions["sob_plugin_static"].get(plugin)
        if folder is None:
            abort(404)
        return send_from_directory(folder, filename, max_age=3600)

    app.add_url_rule("/plugins/<plugin>/static/<path:filename>", "plugin_static", plugin_static)
    declare(app, "plugin_static", Rule("public"))
    declare(app, "static", Rule("public"))

    app.extensions["sob_login_providers"] = {}
    mount_login_providers(app, host)


def apply_settings(app: Flask, host: PluginHost) -> None:
    """Put each plugin setting in ``app.config`` under its name, read from the environment.

    A value the app's configuration already holds (a test's, a deployment's) wins; the
    environment is the one given to ``create_app`` (empty when it ignores the environment).
    """
    core = {setting.name for setting in sob_config.SETTINGS}
    environ = app.extensions.get("sob_environ", {})
    for name, setting in host.registry.settings.items():
        if name in core:
            owner = host.owner("setting", name)
            raise PluginLoadError(f"plugin {owner!r} declares the core setting {name}")
        if name not in app.config:
            try:
                app.config[name] = setting.read(environ)
            except ValueError as error:
                raise PluginLoadError(str(error)) from error


def mount_login_providers(app: Flask, host: PluginHost) -> None:
    """Mount each login provider at /auth/<key>/ when it is available for this app."""
    mounted = app.extensions["sob_login_providers"]
    for key, provider in host.registry.login_providers.items():
        if key in mounted or not provider.available(app):
            continue
        app.register_blueprint(provider.blueprint, url_prefix=f"/auth/{key}")
        mounted[key] = provider
