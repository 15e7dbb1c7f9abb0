"""The application factory. Nothing here runs at import time."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as sob_config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build a sob app: settings, extensions, plugins, blueprints — in that order."""
    app = Flask(__name__, instance_relative_config=True)
    instance = Path(app.instance_path)
    app.config.update(sob_config.DEFAULTS)
    ignore_environment = bool(test_config and test_config.get("SOB_IGNORE_ENVIRONMENT"))
    environ = {} if ignore_environment else os.environ
    if not ignore_environment:
        app.config.update(sob_config.from_environment(instance, environ))
    if test_config:
        app.config.update(test_config)
    problem = sob_config.secret_key_problem(app.config)
    if problem:
        raise sob_config.ConfigurationError(problem)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        instance.mkdir(parents=True, exist_ok=True)
    if not app.debug:
        logging.basicConfig(level=logging.INFO)
        # alembic announces each of its plugins at INFO on import: noise before every command
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from . import (  # noqa: F401  (each connects its listeners to the internal events)
        activity,
        batteries,
        enrollments,
        flags,
        models,  # (registers every table on the metadata)
        reminders,
    )
    from .extensions import Migrations, csrf, db

    # SQL in a log (SQLAlchemy's INFO, an error's text) never carries its values: they hold
    # personnummer, session data and login secrets. Its DEBUG would log every row read: at most
    # INFO, even when the installation's logging is DEBUG throughout.
    engine_log = logging.getLogger("sqlalchemy.engine")
    if engine_log.getEffectiveLevel() < logging.INFO:
        engine_log.setLevel(logging.INFO)
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine_options, "hide_parameters": True}
    db.init_app(app)
    app.extensions["migrate"] = Migrations(db)  # Flask-Migrate's entry; `sob db` is in cli
    csrf.init_app(app)

    from . import i18n, jobs, security
    from .web import access

    i18n.init_app(app)
    security.init_app(app)
    access.init_app(app)
    jobs.init_app(app)

    from . import host

    # plugins: load, check, collect, read their settings; templates and static by convention
    host.init_app(app, environ)

    from . import web

    web.init_app(app)

    from . import cli

    cli.init_app(app)
    hops = int(app.config.get("SOB_PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (audit, login throttling) and https from the load balancer.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    return app
