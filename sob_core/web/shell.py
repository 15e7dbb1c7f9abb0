"""The web shell: front page, language switch, error pages, login manager."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from ..extensions import db, login_manager
from ..models import Citizen, Staff
from . import converters
from .access import ACTING_KEY, acting_citizen, public

#: what a browser's form sends; every POST of sob is a form (no JSON endpoints)
FORM_TYPES = frozenset({"", "application/x-www-form-urlencoded", "multipart/form-data"})

ROLE_LABELS = {
    "permission_admin": lazy_gettext("Permission administrator"),
    "citizen_admin": lazy_gettext("Citizen administrator"),
    "publisher": lazy_gettext("Publisher"),
    "therapist": lazy_gettext("Therapist"),
    "data_admin": lazy_gettext("Data administrator"),
    "designer": lazy_gettext("Designer"),
}


def role_label(role: str) -> str:
    """A role's name in the user's language (the key itself for a role sob does not know)."""
    return str(ROLE_LABELS.get(role, role))


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login or a language switch.

    Foreign are: absolute URLs, scheme-relative ``//host``, anything with a backslash (browsers
    read ``/\\host`` as ``//host``) and anything with a control character or space, which
    browsers strip or which would split the ``Location`` header.
    """
    if not target or len(target) > 2048 or not target.startswith("/"):
        return default
    if "\\" in target or any(ord(c) < 0x21 or 0x7F <= ord(c) < 0xA0 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
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
def healthz():
    """For the load balancer: 200 ``ok`` when this server answers and reaches its database, else
    503. One ``SELECT 1``; no session row, no audit event, no template."""
    from sqlalchemy import text

    from ..extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the database is down or unreachable: take this server out
        db.session.rollback()
        return (
            "database unreachable\n",
            503,
            {"Content-Type": "text/plain", "Cache-Control": "no-store"},
        )
    return "ok\n", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}


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
    if person is None or not person.is_active:
        return None
    if isinstance(person, Citizen) and session.get(ACTING_KEY) is not None:
        return acting_citizen(person)  # a guardian acting for a child sees the child's pages
    return person


def refuse_nul_characters() -> None:
    """A NUL character in the path, query or form is refused with 400 before any view reads it.

    No text a person types contains one, and PostgreSQL text cannot store it (a DataError, 500).
    """
    values = [request.path, *request.args.values()]
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += request.form.values()
    if any("\x00" in value for value in values):
        raise BadRequest()


def refuse_non_form_bodies() -> None:
    """A body that is not a form (JSON, XML …) is refused with 415 before any view reads it.

    Flask-WTF reads a JSON body as form data, and a JSON list or string there ends in a 500.
    Runs before the CSRF check, so anonymous requests get the same clear page.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype not in FORM_TYPES:
        raise UnsupportedMediaType()


def handle_error(error: HTTPException):
    titles = {
        400: _("The request could not be understood"),
        415: _("This kind of request is not accepted here"),
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
    converters.init_app(app)
    # first of all before_request functions: no view, guard or CSRF check reads a non-form body
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_non_form_bodies)
    app.before_request_funcs[None].insert(1, refuse_nul_characters)
    app.add_url_rule("/", "index", index)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.jinja_env.globals["role_label"] = role_label
    app.add_url_rule("/lang/<lang>", "set_language", set_language)
    from ..identity import sessions
    from .auth.store import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface()  # the cookie holds only a session id
    sessions.register_events()
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    for code in (400, 403, 404, 405, 413, 415, 500):
        app.register_error_handler(code, handle_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, lambda e: handle_error(e))
