"""One `sob cron` leads: a Redis lock with an expiry, so several cron processes may run for
availability and only one of them queues the periodic jobs.

The leader holds ``<SOB_QUEUE_PREFIX>-cron-leader`` (``SET NX PX``, value a token of its own) and
renews it every ``RENEW`` seconds; the others try to take it on the same beat. A leader that dies
stops renewing and a standby leads within ``TTL`` seconds. Renewal and release check the token
(a Lua script each), so a process that lost the lock (paused longer than ``TTL``) never extends or
deletes the new leader's.

This only keeps the periodic jobs from being queued twice a minute; it is not what makes them
safe. Every move of the work itself is a conditional UPDATE (an occurrence ``planned`` → ``open``,
a reminder ``planned`` → ``sent``, a notice ``pending`` → ``sending``), so two copies of a job
running at once (a slow tick overlapping the next, a lock lost during a pause) still open each
occurrence and send each reminder once.
"""

from __future__ import annotations

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
