"""The Flask side of server-side sessions: a ``SessionInterface`` over the ``user_session`` table.

Why our own small table rather than Flask-Session: ``make run`` needs no Redis, several app
servers share sessions through the one PostgreSQL they already use, and revocation (logout,
deactivation, role removal) is a plain indexed DELETE in the domain (``sob_core.identity.sessions``)
that an ORM event can run inside the same transaction as the change that causes it.

The cookie holds only a random 256-bit id; the row holds a hash of it and the session data
(serialized with Flask's own tagged JSON, so flashes and ``Markup`` survive). An anonymous visitor
gets a row only when something is stored (a CSRF token, a flash, a language); a plain GET of a
page that stores nothing writes nothing. Each request costs one indexed SELECT; the last-seen time
is written at most once a minute (``sessions.TOUCH_INTERVAL``). Writes go through the request's
database session (one connection per request, no second SQLite writer to wait for) and commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from ...extensions import db
from ...identity import sessions
from ...models._types import utcnow

_serializer = TaggedJSONSerializer()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session dict of one request, remembering the id it came with and what it held."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        token: str | None = None,
        loaded: sessions.Loaded | None = None,
    ) -> None:
        def on_update(_: object) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.loaded = loaded
        self.rotate = False
        self.modified = False

    def regenerate(self) -> None:
        """Give this session a new id at the end of the request; the old id stops working."""
        self.rotate = True
        self.modified = True


def lifetimes(config: dict[str, Any] | Any) -> sessions.Lifetimes:
    return sessions.Lifetimes(
        citizen_idle=timedelta(minutes=float(config.get("SOB_SESSION_IDLE_MINUTES", 30))),
        staff_idle=timedelta(minutes=float(config.get("SOB_STAFF_SESSION_IDLE_MINUTES", 60))),
        absolute=timedelta(hours=float(config.get("SOB_SESSION_LIFETIME_HOURS", 12))),
    )


def _person(data: dict[str, Any]) -> tuple[str, int] | None:
    """Whose session this is, from Flask-Login's ``_user_id`` ("staff:3")."""
    kind, _, raw = str(data.get("_user_id", "")).partition(":")
    if kind in ("staff", "citizen") and raw.isdigit():
        return kind, int(raw)
    return None


class DatabaseSessionInterface(SessionInterface):
    """Sessions in the database; ``now`` is replaceable so tests control the clock."""

    now: Callable[[], datetime] = staticmethod(utcnow)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if token:
            row = sessions.load(db.session, token, self.now())
            if row is not None:
                try:
                    data = _serializer.loads(row.data)
                except ValueError:
                    data = {}
                return ServerSession(data, token, sessions.Loaded.of(row))
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        now = self.now()
        if response.status_code >= 400:
            # The session is committed through the request's own database session: an error
            # response's unsaved work must not ride along (teardown would have discarded it).
            db.session.rollback()
        data = dict(session)
        if not data:
            if session.token:  # emptied (e.g. signed out): the row and the cookie go
                sessions.revoke(db.session, session.token)
                db.session.commit()
                response.delete_cookie(name, domain=domain, path=path)
            return
        serialized = _serializer.dumps(data)
        person = _person(data)
        limits = lifetimes(app.config)
        token = session.token
        if session.loaded is not None and not session.rotate:
            written = sessions.save(db.session, session.loaded, serialized, person, now, limits)
            if written is None:
                return  # nothing changed and the last-seen time is fresh: no write, no cookie
            if not written:  # revoked while this request ran: it stays ended
                db.session.commit()
                response.delete_cookie(name, domain=domain, path=path)
                return
        else:
            if token:
                sessions.revoke(db.session, token)
            token = sessions.create(db.session, serialized, person, now, limits)
        db.session.commit()
        assert token is not None  # a loaded session came with its id
        response.vary.add("Cookie")
        response.set_cookie(
            name,
            token,
            domain=domain,
            path=path,
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app),
        )


def current_token(session: SessionMixin) -> str | None:
    return session.token if isinstance(session, ServerSession) else None


def regenerate(session: SessionMixin) -> None:
    if isinstance(session, ServerSession):
        session.regenerate()
