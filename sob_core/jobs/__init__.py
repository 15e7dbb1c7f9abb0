"""Queues and ``enqueue()``: the one place that decides where background work runs.

With ``REDIS_URL`` set a job goes to RQ once the database transaction that asked for it commits
(the connection is passed explicitly and jobs take ids). Without it the job runs in-process, also
after the commit, in an app context of its own. Either way the database row that describes the work
is written first, so a lost job is found again by the periodic tick.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..extensions import db, scoped

log = logging.getLogger(__name__)

QUEUES = ("default", "notifications")
_PENDING = "sob_pending_jobs"


#: RQ's time limit of a job in seconds, and the jobs allowed longer (an export writes a file of
#: any size: its progress is committed page by page, and a job killed at its limit is failed)
JOB_TIMEOUT = 300
JOB_TIMEOUTS = {"sob_core.jobs.tasks.run_export": 4 * 3600}


def queue_name(app: Flask, name: str) -> str:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {QUEUES}")
    return f"{app.config['SOB_QUEUE_PREFIX']}-{name}"


def redis_connection(app: Flask):
    """The app's Redis connection, made on first use (never at import)."""
    conn = app.extensions.get("sob_redis")
    if conn is None and app.config.get("REDIS_URL"):
        from redis import Redis

        # Short timeouts: a commit must never hang on an unreachable Redis (the row is kept anyway).
        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        app.extensions["sob_redis"] = conn
    return conn


def enqueue(func: Callable[..., Any] | str, *args: int | str, queue: str = "default") -> None:
    """Run ``func(*args)`` in the background after the current transaction commits.

    ``args`` are ids and plain values, never ORM objects. Without a pending transaction the job is
    dispatched at the next commit of the session, so call this before ``db.session.commit()``.
    """
    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    for arg in args:
        if not isinstance(arg, int | str):
            raise TypeError(f"jobs take ids and plain values, not {type(arg).__name__}")
    queue_name(current_app, queue)
    session = scoped()()
    # Remember the savepoint (if any) the job was asked for in: rolling it back drops the job.
    savepoint = session.get_nested_transaction()
    session.info.setdefault(_PENDING, []).append((path, args, queue, savepoint))


def resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    if not module.startswith("sob_core.jobs."):
        raise ValueError(f"{path} is not a sob job")
    return getattr(importlib.import_module(module), name)


def run(path: str, *args: Any) -> Any:
    """Entry point of every job in a worker: resolve and call inside an app context."""
    from flask import has_app_context

    if has_app_context():
        return resolve(path)(*args)
    from ..app import create_app

    app = create_app()
    with app.app_context():
        return resolve(path)(*args)


def _dispatch(app: Flask, jobs: list[tuple[str, tuple, str]]) -> None:
    conn = redis_connection(app)
    for path, args, queue in jobs:
        if conn is not None:
            from rq import Queue

            try:
                Queue(queue_name(app, queue), connection=conn).enqueue(
                    run, path, *args, job_timeout=JOB_TIMEOUTS.get(path, JOB_TIMEOUT)
                )
            except Exception:  # Redis down: the row stays pending, the tick finds it again
                log.exception("could not queue %s%r; the periodic tick will retry", path, args)
            continue
        with app.app_context():
            try:
                resolve(path)(*args)
            except Exception:
                db.session.rollback()
                log.exception(
                    "in-process job %s%r failed; the periodic tick will retry", path, args
                )


_DISPATCH = "sob_core.jobs.tasks.dispatch_notifications"
#: how many outbox rows one dispatch job carries (``SOB_DISPATCH_BATCH`` overrides it)
DISPATCH_BATCH = 100


def dispatch_batch(config: Any) -> int:
    """``SOB_DISPATCH_BATCH`` (a whole number from 1), else ``DISPATCH_BATCH``."""
    value = config.get("SOB_DISPATCH_BATCH")
    try:
        number = int(value) if value not in (None, "") else DISPATCH_BATCH
    except (TypeError, ValueError):
        return DISPATCH_BATCH
    return number if number >= 1 else DISPATCH_BATCH


def batches(ids: list[int], size: int) -> list[str]:
    """The ids as comma-separated strings of at most ``size`` each (jobs take plain values)."""
    return [",".join(str(i) for i in ids[at : at + size]) for at in range(0, len(ids), size)]


def _before_commit(session: Session) -> None:
    """Outbox rows that ``sob_core.notifications`` wrote for dispatch become jobs of this commit,
    ``DISPATCH_BATCH`` rows a job."""
    from flask import has_app_context

    from ..notifications import DISPATCH_KEY

    ids = session.info.pop(DISPATCH_KEY, None)
    if ids:
        size = dispatch_batch(current_app.config) if has_app_context() else DISPATCH_BATCH
        pending = session.info.setdefault(_PENDING, [])
        pending.extend(
            (_DISPATCH, (chunk,), "notifications", None)
            for chunk in batches(list(dict.fromkeys(ids)), size)
        )


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint was released; the transaction goes on
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        from flask import has_app_context

        jobs = [(path, args, queue) for path, args, queue, _ in pending]
        if not has_app_context():
            log.error("jobs %r were queued outside an app context and are dropped", jobs)
            return
        # Flask annotates current_app as the Flask it proxies, so the proxy's own method is unknown
        _dispatch(current_app._get_current_object(), jobs)  # type: ignore[attr-defined]


def _inside(transaction: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        from ..notifications import DISPATCH_KEY

        session.info.pop(DISPATCH_KEY, None)  # a savepoint's rows are still flushed: kept
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if not previous.nested:
        session.info.pop(_PENDING, None)
        return
    # Only a savepoint was rolled back: drop the jobs asked for inside it, keep the others.
    session.info[_PENDING] = [job for job in pending if not _inside(job[3], previous)]


def init_app(app: Flask) -> None:
    # Listeners on the Session class serve every app; adding them once keeps tests that build
    # many apps from stacking duplicates.
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    app.extensions["sob_jobs"] = {"queues": [queue_name(app, q) for q in QUEUES]}
