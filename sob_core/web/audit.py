"""Audit helpers for views: fill in the actor, unit and address from the request."""

from __future__ import annotations

from typing import Any

from flask import request, session

from .. import audit
from ..extensions import db, scoped
from .access import actor


def audit_citizen(action: str, what: str, citizen_id: int, **detail: Any) -> None:
    """Record that the signed-in person read or changed a citizen's data, and commit it.

    Called by every view that shows a citizen's data to staff, before the data is rendered.
    The commit keeps what the request has loaded (no expiry): the page goes on rendering the rows
    it read a moment ago in this request, instead of reading each of them again.
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


def commit_keeping_loaded() -> None:
    """Commit (the audit events of a read) without expiring what the request has loaded.

    The page shows what it read and audited; expiring it would make rendering read every row
    again, one statement each (the start page's 200 open flags: 200 SELECTs; the patient page its
    staff member, roles, citizen and enrollment).
    """
    current = scoped()()
    expire = current.expire_on_commit
    current.expire_on_commit = False
    try:
        current.commit()
    finally:
        current.expire_on_commit = expire
