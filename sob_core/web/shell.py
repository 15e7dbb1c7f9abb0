"""The web shell: front page, language switch, error pages, login manager."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..extensions import db, login_manager
from ..models import Citizen, Staff
from .access import public

ROLE_LABELS = {
    "permission_admin": lazy_gettext("Permission administrator"),
    "citizen_admin": lazy_gettext("Citizen administrator"),
    "publisher": lazy_gettext("Publisher"),
    "therapist": lazy_gettext("Therapist"),
    "data_admin": lazy_gettext("Data administrator"),
    "designer": lazy_gettext("Designer"),
}


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login or a language switch."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def start_page_for(user) -> str:
    if user.audience == "citizen":
        return url_for("citizen.start")
    return url_for("staff.start")


@public
def index():
    if current_user.is_authenticated:
        return redirect(start_page_for(current_user))
    return render_template("sob_core/index.html")


@public
def plotly_js():
    """plotly.js from the installed plotly package: never a CDN."""
    from importlib.resources import files

    from flask import send_file

    path = files("plotly") / "package_data" / "plotly.min.js"
    return send_file(str(path), mimetype="text/javascript", max_age=86400)


@public
def set_language(lang: str):
    if lang in ("sv", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next"), url_for("index")))


def load_user(user_id: str):
    kind, _, raw = user_id.partition(":")
    if not raw.isdigit():
        return None
    person: Staff | Citizen | None = None
    if kind == "staff" and session.get("audience") == "staff":
        person = db.session.get(Staff, int(raw))
    elif kind == "citizen" and session.get("audience") == "citizen":
        person = db.session.get(Citizen, int(raw))
    # Checked on every request: a person set inactive is anonymous from their next request on.
    return person if person is not None and person.is_active else None


def handle_error(error: HTTPException):
    titles = {
        400: _("The request could not be understood"),
        403: _("You do not have access to this page"),
        404: _("The page could not be found"),
        405: _("That is not possible here"),
        413: _("The file is too large"),
        500: _("Something went wrong"),
    }
    code = error.code or 500
    return (
        render_template("sob_core/error.html", code=code, title=titles.get(code, titles[500])),
        code,
    )


def handle_unexpected(error: Exception):
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=error)
    db.session.rollback()
    from werkzeug.exceptions import InternalServerError

    return handle_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.add_url_rule("/", "index", index)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    app.add_url_rule("/lang/<lang>", "set_language", set_language)
    app.add_url_rule("/vendor/plotly.min.js", "plotly_js", plotly_js)
    from ..identity import sessions
    from .auth.store import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface()  # the cookie holds only a session id
    sessions.register_events()
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, handle_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, lambda e: handle_error(e))
