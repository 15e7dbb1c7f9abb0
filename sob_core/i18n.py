"""Swedish first, English second: locale choice and the language switch."""

from __future__ import annotations

from flask import Flask, has_request_context, session
from flask_babel import get_locale

from .extensions import babel
from .types import local


def select_locale() -> str:
    languages = ("sv", "en")
    # Outside a request (CLI, jobs) there is no session: the default language applies.
    chosen = session.get("lang") if has_request_context() else None
    if chosen in languages:
        return chosen
    from flask import current_app

    return current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "sv"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["local"] = local
    app.jinja_env.filters["local"] = lambda text: local(text, current_language())
