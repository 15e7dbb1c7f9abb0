"""One `sob cron` leads: a Redis lock with an expiry, so several cron processes may run for
availability and only one of them queues the periodic jobs.

The leader holds ``<SOB_QUEUE_PREFIX>-cron-leader`` (``SET NX PX``, value a token of its own) and
renews it every ``RENEW`` seconds; the others try to take it on the same beat. A leader that dies
stops renewing and a standby leads within ``TTL`` seconds. Renewal and release check the token
(a Lua script each), so a process that lost the lock (paused longer than ``TTL``) never extends or
deletes the new leader's.

Without Redis, `sob cron` runs the jobs in its own process; on PostgreSQL it then holds a
session-level advisory lock (``DatabaseLeader``) on a connection of its own instead, so a second
`sob cron` (or a `sob cron --once` from a timer while one runs) waits or does nothing. SQLite has
no such lock: there, run one.

This only keeps the periodic jobs from being queued twice a minute; it is not what makes them
safe. Every move of the work itself is a conditional UPDATE (an occurrence ``planned`` → ``open``,
a reminder ``planned`` → ``sent``, a notice ``pending`` → ``sending``), so two copies of a job
running at once (a slow tick overlapping the next, a lock lost during a pause) still open each
occurrence and send each reminder once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from typing import Any

from flask import Flask
from rq.cron import CronScheduler

log = logging.getLogger(__name__)

#: seconds the lock lives without renewal, and how often the leader renews (and standbys try)
TTL = 30
RENEW = 10

_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def lock_key(app: Flask) -> str:
    return f"{app.config['SOB_QUEUE_PREFIX']}-cron-leader"


class Leader:
    """The cron leader lock on one Redis key."""

    def __init__(self, connection: Any, key: str, ttl: float = TTL) -> None:
        self.connection = connection
        self.key = key
        self.ttl_ms = int(ttl * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.leading = False

    def hold(self) -> bool:
        """Renew the lock if we lead, else try to take it; whether we lead now."""
        if self.leading:
            renewed = self.connection.eval(_RENEW, 1, self.key, self.token, self.ttl_ms)
            if not renewed:
                log.warning("cron %s lost the leader lock %s; standing by", self.token, self.key)
                self.leading = False
        if not self.leading and self.connection.set(self.key, self.token, nx=True, px=self.ttl_ms):
            log.info("cron %s leads (%s): it queues the periodic jobs", self.token, self.key)
            self.leading = True
        return self.leading

    def release(self) -> None:
        if self.leading:
            self.connection.eval(_RELEASE, 1, self.key, self.token)
            self.leading = False


class LeaderCronScheduler(CronScheduler):
    """RQ's cron scheduler that queues only while it holds the leader lock."""

    def __init__(self, connection: Any, leader: Leader, **kwargs: Any) -> None:
        super().__init__(connection=connection, **kwargs)
        self.leader = leader
        self._standing_by = False

    def enqueue_jobs(self) -> list:
        if not self.leader.hold():
            if not self._standing_by:
                log.info("cron %s stands by: another cron leads", self.leader.token)
                self._standing_by = True
            return []
        self._standing_by = False
        return super().enqueue_jobs()

    def calculate_sleep_interval(self) -> float:
        # wake at least every RENEW seconds: the leader renews, a standby is ready to take over
        return min(super().calculate_sleep_interval(), RENEW)

    def register_death(self, *args: Any, **kwargs: Any) -> Any:
        self.leader.release()  # a standby takes over at once, not after TTL
        return super().register_death(*args, **kwargs)


def advisory_key(name: str) -> int:
    """A signed 64-bit key for ``pg_try_advisory_lock`` from the lock's name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class DatabaseLeader:
    """The in-process cron's lock: a PostgreSQL advisory lock held on a connection of its own
    (autocommit, so it is never left idle in a transaction); always held on other databases."""

    def __init__(self, engine: Any, name: str) -> None:
        self.engine = engine
        self.key = advisory_key(name)
        self.connection: Any = None

    def hold(self) -> bool:
        from sqlalchemy import text

        if self.engine.dialect.name != "postgresql":
            return True
        try:
            if self.connection is not None:
                self.connection.execute(text("SELECT 1"))  # still ours while it is alive
                return True
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ).scalar()
        except Exception:  # the database went away: the lock with it; try again next round
            log.exception("cron: the advisory lock's connection failed")
            self.release()
            return False
        if not got:
            connection.close()
            return False
        log.info("cron %s leads (advisory lock %s)", os.getpid(), self.key)
        self.connection = connection
        return True

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()  # ends the session, and its advisory lock
            except Exception:
                log.debug("cron: closing the advisory lock's connection failed", exc_info=True)
            self.connection = None
