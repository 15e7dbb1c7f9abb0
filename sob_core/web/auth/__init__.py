"""Signing in and out. Providers (plugins) verify people; the core turns that into a session.

Staff and citizens never share a session: signing in clears whatever session there was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ... import audit
from ...extensions import db, scoped
from ...identity import personnummer, sessions
from ...models import Citizen, Staff
from ...types import ASSURANCE_LEVELS, AUDIENCES, VerifiedIdentity
from ..access import public, require
from ..shell import safe_next, start_page_for
from .store import current_token, regenerate

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: where a sign-in continues; not "next", which Flask-Login's strong session protection drops
NEXT_KEY = "login_next"


class LogoutForm(FlaskForm):
    pass


def minimum_assurance(config: Mapping[str, Any], audience: str) -> str:
    """The lowest assurance level a login of ``audience`` needs ("" when any will do).

    ``SOB_CITIZEN_MIN_ASSURANCE`` / ``SOB_STAFF_MIN_ASSURANCE`` when set ("none" lets any in);
    unset, loa3 (BankID, Freja eID Plus, SITHS), except in demo mode and development.
    """
    configured = str(config.get(f"SOB_{audience.upper()}_MIN_ASSURANCE") or "")
    if configured:
        return "" if configured == "none" else configured
    relaxed = bool(config.get("SOB_DEMO")) or config.get("SOB_ENV") == "development"
    return "" if relaxed else "loa3"


def assurance_enough(level: str, minimum: str) -> bool:
    """Whether ``level`` is at least ``minimum``; an unknown level never is, unless none is asked."""
    if not minimum:
        return True
    if level not in ASSURANCE_LEVELS or minimum not in ASSURANCE_LEVELS:
        return False
    return ASSURANCE_LEVELS.index(level) >= ASSURANCE_LEVELS.index(minimum)


#: why a verified login is refused, per audience, when its level is below the minimum
def _too_low(audience: str) -> str:
    if audience == "citizen":
        return _(
            "This login does not have the assurance level this service requires. "
            "Sign in with BankID or Freja eID Plus."
        )
    return _(
        "This login does not have the assurance level this service requires for staff. "
        "Sign in with your SITHS card."
    )


@bp.route("/login")
@public
def login() -> ResponseReturnValue:
    providers = current_app.extensions["sob_login_providers"]
    by_audience = {
        audience: [
            p
            for p in providers.values()
            if audience in p.audiences
            and p.offers(current_app, audience)
            and assurance_enough(p.assurance, minimum_assurance(current_app.config, audience))
        ]
        for audience in AUDIENCES
    }
    next_url = safe_next(request.args.get("next"), "")
    if next_url:
        session[NEXT_KEY] = next_url
    return render_template(
        "sob_core/auth/login.html", by_audience=by_audience, next_url=next_url or None
    )


@bp.route("/logout", methods=["POST"])
@require("any")
def logout() -> ResponseReturnValue:
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    _record(current_user.audience, current_user.id, "logout")
    db.session.commit()
    held = dict(session)  # what the provider's single logout may need (e.g. its ID token)
    token = current_token(session)
    if token:
        sessions.revoke(db.session, token)  # this session's id is dead, copied cookies too
        db.session.commit()
    logout_user()
    session.clear()
    regenerate(session)  # the flash below goes into a new session with a new id
    flash(_("You are signed out."), "info")
    provider = current_app.extensions["sob_login_providers"].get(str(held.get("provider", "")))
    # Signed out here already; the provider's single logout (if any) ends its session too.
    target = provider.logout(held) if provider is not None and provider.logout else None
    return redirect(target or "/")


def _record(kind: str, person_id: int, action: str, **detail: object) -> None:
    audit.record(
        scoped()(),  # the request's session itself, not its scoped proxy
        actor_kind=kind,
        actor_id=person_id,
        action=action,
        what="session",
        citizen_id=person_id if kind == "citizen" else None,
        detail=detail,
        ip=request.remote_addr,
    )


def find_person(identity: VerifiedIdentity) -> Staff | Citizen | None:
    if identity.audience == "staff":
        return db.session.scalar(select(Staff).where(Staff.hsa_id == identity.identifier))
    number = personnummer.parse(identity.identifier)
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == number.number))
    if citizen is None:
        # A verified e-identification is enough to open the citizen's own pages.
        citizen = Citizen(
            personnummer=number.number,
            name=identity.name or number.formatted,
            birth_date=number.birth_date,
            legal_sex=number.legal_sex,
            coordination_number=number.coordination,
        )
        db.session.add(citizen)
        db.session.flush()
    return citizen


def complete_login(identity: VerifiedIdentity, next_url: str | None = None) -> ResponseReturnValue:
    """Start a session for a verified identity and send them on.

    ``next_url`` is what the provider's form carried (a hidden field); without it, the page the
    login was started from. Only same-site paths are followed (``safe_next``).
    """
    if identity.audience not in AUDIENCES:
        abort(400)
    if identity.provider not in current_app.extensions["sob_login_providers"]:
        abort(403)
    if not assurance_enough(
        identity.assurance, minimum_assurance(current_app.config, identity.audience)
    ):
        flash(_too_low(identity.audience), "error")
        return redirect("/auth/login")
    try:
        person = find_person(identity)
    except personnummer.InvalidPersonnummer:
        flash(_("The personal identity number from the login is not valid."), "error")
        return redirect("/auth/login")
    if person is None and identity.audience == "staff":
        flash(
            _(
                "You are not registered as staff on this platform. The permission "
                "administrator of your care unit adds staff members."
            ),
            "error",
        )
        return redirect("/auth/login")
    if person is None or not person.is_active:
        flash(_("There is no active account for this login."), "error")
        return redirect("/auth/login")
    next_url = next_url or session.get(NEXT_KEY, "")
    start_session(person, identity)
    _record(identity.audience, person.id, "login", provider=identity.provider)
    db.session.commit()
    return redirect(safe_next(next_url, start_page_for(person)))


def start_session(person: Staff | Citizen, identity: VerifiedIdentity) -> None:
    """Replace the session with a signed-in one for ``person`` (also ``testing.login_as``)."""
    lang = session.get("lang")
    session.clear()  # a fresh session: never carry one audience's session into another's
    regenerate(session)  # and a new id: a cookie from before the sign-in no longer works
    if lang:
        session["lang"] = lang
    session["audience"] = identity.audience
    session["provider"] = identity.provider
    session["assurance"] = identity.assurance
    if isinstance(person, Staff):
        units = sorted({r.care_unit_id for r in person.roles})
        if len(units) == 1:
            session["care_unit_id"] = units[0]
    login_user(person)
