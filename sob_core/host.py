"""Binds the plugin host to an app: plugins, their templates and static files, login providers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader

from .plugins import PluginHost
from .web.access import Rule, declare


def init_app(app: Flask) -> None:
    host = PluginHost(trace=app.config.get("SOB_TRACE_HOOKS", False))
    explicit = app.config.get("SOB_PLUGINS")
    if explicit is None:
        host.load_entry_points(app.config.get("SOB_DISABLED_PLUGINS", ()))
    else:
        disabled = set(app.config.get("SOB_DISABLED_PLUGINS", ()))
        host.load_modules([(name, mod) for name, mod in explicit if name not in disabled])
    host.check()
    app.extensions["sob"] = host

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
        app.jinja_loader = ChoiceLoader([app.jinja_loader, *map(FileSystemLoader, template_dirs)])
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

    # Login providers: each mounted at /auth/<key>/ when it is available for this app.
    mounted = {}
    for key, provider in host.registry.login_providers.items():
        if not provider.available(app):
            continue
        app.register_blueprint(provider.blueprint, url_prefix=f"/auth/{key}")
        mounted[key] = provider
    app.extensions["sob_login_providers"] = mounted
