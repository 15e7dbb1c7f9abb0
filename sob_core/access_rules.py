"""Access declarations for views: the marks ``public`` and ``require`` put on a view function.

Part of the plugin contract (login providers mount blueprints whose views must declare access), so
this module imports nothing of the host: the decorators only mark the function, and the
enforcement (the ``before_request`` guard) lives in ``sob_core.web.access``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

#: every staff role; a staff member holds roles per care unit
ROLES = ("permission_admin", "citizen_admin", "publisher", "therapist", "data_admin", "designer")
AUDIENCES = ("any", "staff", "citizen")
ATTRIBUTE = "_sob_access"

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    audience: str  # "public", "any" (signed in), "staff", "citizen"
    #: staff: any of these at the active care unit; empty = any role
    roles: frozenset[str] = frozenset()
    unit_scoped: bool = False  # staff: needs an active care unit where they hold one of `roles`
    #: staff: regional administrator (vårdgivaradministratör) of some region; that role is held
    #: per region, not per unit, so it is not among ``roles`` and needs no active care unit
    region_admin: bool = False


def _mark(rule: Rule) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        setattr(view, ATTRIBUTE, rule)
        return view

    return decorate


def public(view: View) -> View:
    """Anyone may use this view, signed in or not."""
    return _mark(Rule("public"))(view)


def require(
    audience: str,
    roles: Iterable[str] = (),
    unit_scoped: bool = False,
    region_admin: bool = False,
) -> Callable[[View], View]:
    """Only this audience ("staff", "citizen" or "any"), and for staff one of ``roles``.

    ``region_admin=True``: staff who are regional administrator of a region (the view checks
    which region); it does not combine with unit roles.
    """
    wanted = frozenset(roles)
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    if wanted - set(ROLES):
        raise ValueError(f"unknown roles {sorted(wanted - set(ROLES))}")
    if wanted and audience != "staff":
        raise ValueError("only staff views take roles")
    if region_admin and (audience != "staff" or wanted or unit_scoped):
        raise ValueError("region_admin is a staff rule of its own, without unit roles")
    return _mark(Rule(audience, wanted, unit_scoped, region_admin))


def declared_rule(view: Callable[..., Any] | None) -> Rule | None:
    """The rule a view was marked with, or None."""
    return getattr(view, ATTRIBUTE, None)
