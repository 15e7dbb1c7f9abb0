"""Server-side sessions: create, load, touch, rotate, revoke and purge (no Flask here).

The web layer (``sob_core.web.auth.store``) keeps only a random id in the cookie and calls these
functions; everything that ends a session lives here so that an admin page, a CLI command or an
ORM event can end sessions without a request. Deactivating a staff member, removing one of their
roles or deleting them ends all their sessions through the ORM events registered by
``register_events`` (so no code path that changes ``Staff.active`` can forget it); bulk
``UPDATE``/``DELETE`` statements bypass the ORM and must call ``revoke_person`` themselves.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Select, bindparam, delete, event, inspect, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Mapper, Session

from ..models import RoleAssignment, Staff
from ..models.sessions import UserSession

#: random bytes in a session id: 256 bits, far above the 128 a guess must beat
TOKEN_BYTES = 32
#: a session's last-seen time is written at most this often, so reads stay reads
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lives: idle timeout per audience and an absolute lifetime."""

    citizen_idle: timedelta
    staff_idle: timedelta
    absolute: timedelta

    def idle_for(self, person_kind: str | None) -> timedelta:
        return self.staff_idle if person_kind == "staff" else self.citizen_idle

    def expires_at(self, row: UserSession) -> datetime:
        return min(
            row.last_seen_at + self.idle_for(row.person_kind), row.created_at + self.absolute
        )


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored for a session id: its SHA-256 (the id itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _load_statement() -> Select:
    """``load``'s statement, built once; the token's hash is bound at execution."""
    return select(UserSession).where(UserSession.token_hash == bindparam("hash"))


def load(db: Session, token: str, now: datetime) -> UserSession | None:
    """The live session for a cookie's id (one indexed SELECT), or None when unknown or expired."""
    if not token or len(token) > 128:
        return None
    row = db.scalar(_load_statement(), {"hash": token_hash(token)})
    if row is None or row.expires_at <= now:
        return None
    return row


def create(
    db: Session,
    data: str,
    person: tuple[str, int] | None,
    now: datetime,
    lifetimes: Lifetimes,
) -> str:
    """Store a new session and return its id (for the cookie)."""
    token = new_token()
    row = UserSession(
        token_hash=token_hash(token),
        person_kind=person[0] if person else None,
        person_id=person[1] if person else None,
        data=data,
        created_at=now,
        last_seen_at=now,
    )
    row.expires_at = lifetimes.expires_at(row)
    db.add(row)
    return token


@dataclass(frozen=True)
class Loaded:
    """What a request remembers of its session row (plain values: the row may expire)."""

    id: int
    data: str
    person_kind: str | None
    person_id: int | None
    created_at: datetime
    last_seen_at: datetime

    @classmethod
    def of(cls, row: UserSession) -> Loaded:
        return cls(
            row.id, row.data, row.person_kind, row.person_id, row.created_at, row.last_seen_at
        )


def save(
    db: Session,
    loaded: Loaded,
    data: str,
    person: tuple[str, int] | None,
    now: datetime,
    lifetimes: Lifetimes,
) -> bool | None:
    """Write new data and/or a new last-seen time to a loaded session.

    None when nothing needed writing (unchanged, last-seen fresh); False when the row is gone
    (revoked during the request: it is not brought back); True when written.
    """
    kind, person_id = person if person else (None, None)
    changed = data != loaded.data or (kind, person_id) != (loaded.person_kind, loaded.person_id)
    if not changed and now - loaded.last_seen_at < TOUCH_INTERVAL:
        return None
    expires = min(now + lifetimes.idle_for(kind), loaded.created_at + lifetimes.absolute)
    result = db.execute(
        sa_update(UserSession)
        .where(UserSession.id == loaded.id)
        .values(
            data=data, person_kind=kind, person_id=person_id, last_seen_at=now, expires_at=expires
        )
    )
    return bool(getattr(result, "rowcount", 0))


def revoke(db: Session, token: str) -> None:
    """End one session (logout)."""
    db.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def revoke_person(db: Session | Connection, person_kind: str, person_id: int) -> None:
    """End every session of a person (deactivation, role removal, a citizen admin's "log out")."""
    db.execute(
        delete(UserSession).where(
            UserSession.person_kind == person_kind, UserSession.person_id == person_id
        )
    )


def purge_expired(db: Session, now: datetime) -> int:
    """Delete sessions past their expiry (the periodic tick); returns how many."""
    result = db.execute(delete(UserSession).where(UserSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def deactivate_staff(db: Session, staff: Staff) -> None:
    """Set a staff member inactive; the ORM event ends their sessions at the flush."""
    staff.active = False
    db.flush()


def remove_role(db: Session, assignment: RoleAssignment) -> None:
    """Remove one role assignment; the ORM event ends the staff member's sessions at the flush."""
    db.delete(assignment)
    db.flush()


def _staff_updated(mapper: Mapper[Staff], connection: Connection, target: Staff) -> None:
    # The old value may be unknown (expired after a commit): any change to False counts.
    if inspect(target).attrs.active.history.has_changes() and not target.active:
        revoke_person(connection, "staff", target.id)


def _staff_deleted(mapper: Mapper[Staff], connection: Connection, target: Staff) -> None:
    revoke_person(connection, "staff", target.id)


def _role_deleted(
    mapper: Mapper[RoleAssignment], connection: Connection, target: RoleAssignment
) -> None:
    revoke_person(connection, "staff", target.staff_id)


def register_events() -> None:
    """Listen for deactivation, deletion and role removal (idempotent)."""
    for target, name, listener in (
        (Staff, "after_update", _staff_updated),
        (Staff, "after_delete", _staff_deleted),
        (RoleAssignment, "after_delete", _role_deleted),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
