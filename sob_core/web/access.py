"""Deny-by-default authorization: every endpoint declares who may use it.

A view is decorated with ``public`` or ``require(audience, roles=..., unit_scoped=...)`` (they only
mark the function, see ``sob_core.access_rules``). The ``before_request`` guard here refuses any
endpoint without a declaration, so a new route that forgets one answers 403 (and the URL-map test
fails).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access_rules import ATTRIBUTE, Rule, declared_rule, public, require
from ..extensions import db
from ..models import Citizen, RegionAdmin

__all__ = [
    "ACTING_KEY",
    "ATTRIBUTE",
    "Rule",
    "acting_citizen",
    "active_unit_id",
    "actor",
    "declare",
    "guard",
    "has_role",
    "init_app",
    "public",
    "region_ids",
    "require",
    "rule_for",
    "staff_roles_at",
]


def declare(app: Flask, endpoint: str, rule: Rule) -> None:
    """Declare access for an endpoint whose view cannot carry an attribute (static files)."""
    app.extensions["sob_access"][endpoint] = rule


def rule_for(app: Flask, endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    declared = app.extensions["sob_access"].get(endpoint)
    if declared is not None:
        return declared
    return declared_rule(app.view_functions.get(endpoint))


def staff_roles_at(unit_id: int | None) -> set[str]:
    if unit_id is None or not current_user.is_authenticated or current_user.audience != "staff":
        return set()
    return {r.role for r in current_user.roles if r.care_unit_id == unit_id}


def active_unit_id() -> int | None:
    return session.get("care_unit_id")


def guard() -> Any:
    """The before_request check."""
    if request.endpoint is None:  # 404 / 405: let Flask answer
        return None
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule: denied", request.endpoint)
        abort(403)
    g.access_rule = rule
    if rule.audience == "public":
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if g.pop("sob_acting_ended", False):
        flash(_("Your access as guardian for the child has ended."), "info")
        return redirect(url_for("citizen.guardian_children"))
    if rule.audience == "any":
        return None
    if current_user.audience != rule.audience or session.get("audience") != rule.audience:
        abort(403)
    if rule.audience == "staff":
        _staff_state()
    if rule.region_admin:
        if not region_ids():
            abort(403)
        return None
    if rule.audience == "staff" and (rule.roles or rule.unit_scoped):
        unit_id = active_unit_id()
        held = staff_roles_at(unit_id)
        if not held:
            if rule.unit_scoped and unit_id is None:
                return redirect(url_for("staff.choose_unit", next=request.full_path.rstrip("?")))
            abort(403)
        if rule.roles and not (held & rule.roles):
            abort(403)
    return None


def region_ids() -> set[int]:
    """The regions the signed-in staff member is regional administrator of (once per request)."""
    if not current_user.is_authenticated or current_user.audience != "staff":
        return set()
    if "sob_region_ids" not in g:
        g.sob_region_ids = set(
            db.session.scalars(
                select(RegionAdmin.region_id).where(RegionAdmin.staff_id == current_user.id)
            )
        )
    return g.sob_region_ids


def _staff_state() -> None:
    """The active care unit's state, for every staff request, in one statement.

    A unit deactivated during the session is no longer the active one; the region's
    information messages are kept for the staff pages (``information_messages``), and whether
    the person is a regional administrator for the menu (``is_region_admin``).
    """
    from .. import regions
    from ..enrollments.clock import local_date

    g.sob_information = ()
    unit_id = active_unit_id()
    if unit_id is None:
        g.sob_region_admin = bool(region_ids())
        return
    state = regions.unit_state(db.session, unit_id, local_date(datetime.now(UTC)), current_user.id)
    if state is None or not state.active:
        session.pop("care_unit_id", None)
        g.sob_region_admin = bool(region_ids())
        return
    g.sob_information = state.messages
    g.sob_region_admin = state.region_admin


def information_messages() -> tuple[Any, ...]:
    """For the staff base template: the active unit's region's messages shown today."""
    return g.get("sob_information", ())


def has_role(*roles: str) -> bool:
    """For templates: does the signed-in staff member hold any of these at the active unit?"""
    held = staff_roles_at(active_unit_id())
    return bool(held & set(roles)) if roles else bool(held)


# --- guardians acting for a child ------------------------------------------------------------

#: the session key holding the id of the child a guardian acts for
ACTING_KEY = "acting_for"
#: the pages a guardian always sees as herself: signing out, choosing the child, switching back
AS_HERSELF = frozenset(
    {"auth.logout", "citizen.guardian_children", "citizen.guardian_act", "citizen.guardian_self"}
)


def acting_citizen(guardian: Citizen) -> Citizen:
    """Whose pages a signed-in citizen sees: the child she acts for while that holds, or herself.

    Called by the user loader on every request, so the day the child turns 13, or a source stops
    naming her, the access ends with the next request (``guard`` then says so). While acting,
    ``g.sob_guardian`` is the guardian: she is the actor (``actor``), the child the citizen.
    """
    from .. import guardians
    from ..enrollments.clock import local_date
    from ..plugins import current_host

    child_id = session.get(ACTING_KEY)
    if not isinstance(child_id, int):
        return guardian
    child = db.session.get(Citizen, child_id)
    registry = current_host().registry
    allowed = child is not None and guardians.may_act_for(
        db.session,
        registry.guardianship_sources.values(),
        guardian.personnummer,
        child.personnummer,
        local_date(datetime.now(UTC)),
        current_app.config,
    )
    if not allowed or child is None:
        session.pop(ACTING_KEY, None)
        g.sob_acting_ended = True
        return guardian
    g.sob_guardian = guardian
    if request.endpoint in AS_HERSELF:
        return guardian
    return child


def acting_guardian() -> Citizen | None:
    """The guardian acting for the signed-in child's pages, or None (for templates and views)."""
    return g.get("sob_guardian")


def actor() -> tuple[str, int | None]:
    """Who does what this request does, for the audit log: the guardian while she acts."""
    guardian = acting_guardian()
    if guardian is not None:
        return "citizen", guardian.id
    return getattr(current_user, "audience", "system"), getattr(current_user, "id", None)


def record_acting(response: Response) -> Response:
    """While a guardian acts for a child, every page she reads or form she sends is audited as
    hers on the child's behalf (a refused or failed request did nothing to record)."""
    from .. import audit

    guardian = acting_guardian()
    rule = g.get("access_rule")
    if guardian is None or rule is None or rule.audience not in ("citizen", "any"):
        return response
    if response.status_code >= 400 or request.endpoint in AS_HERSELF:
        return response
    child = current_user
    audit.record(
        db.session,
        actor_kind="citizen",
        actor_id=guardian.id,
        action="read" if request.method in ("GET", "HEAD") else "change",
        what=f"guardian:{request.endpoint}",
        citizen_id=child.id,
        detail={"on_behalf_of": child.id, "child": child.name, "path": request.path},
        ip=request.remote_addr,
    )
    db.session.commit()
    return response


def init_app(app: Flask) -> None:
    app.extensions["sob_access"] = {}
    app.before_request(guard)
    app.after_request(record_acting)
    app.jinja_env.globals["acting_guardian"] = acting_guardian
    app.jinja_env.globals["has_role"] = has_role
    app.jinja_env.globals["is_region_admin"] = lambda: bool(g.get("sob_region_admin"))
    app.jinja_env.globals["information_messages"] = information_messages
