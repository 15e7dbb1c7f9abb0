"""Audit helpers for views: fill in the actor, unit and address from the request."""

from __future__ import annotations

from typing import Any

from flask import request, session

from .. import audit
from ..extensions import commit_keeping_loaded, db
from .access import actor


def audit_citizen(action: str, what: str, citizen_id: int, **detail: Any) -> None:
    """Record that the signed-in person read or changed a citizen's data, and commit it.

    Called by every view that shows a citizen's data to staff, before the data is rendered.
    The commit keeps what the request has loaded (``extensions.commit_keeping_loaded``).
    """
    actor_kind, actor_id = actor()
    audit.record(
        db.session,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        what=what,
        citizen_id=citizen_id,
        care_unit_id=session.get("care_unit_id") if actor_kind == "staff" else None,
        detail=detail,
        ip=request.remote_addr,
    )
    commit_keeping_loaded()
