"""`sob run` without Redis: the periodic jobs run in a daemon thread of the serving process.

With ``REDIS_URL`` set, `sob cron` and RQ workers do this work; in tests (``SOB_ENV=testing`` or
``app.testing``) nothing runs by itself. The thread calls each job of ``jobs.tasks.PERIODIC`` on
its interval, each call in an app context of its own, so the demo opens batteries and sends
reminders while `make run` serves it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo
from flask.cli import run_command as flask_run
from flask.helpers import get_debug_flag

Periodic = Iterable[tuple[Callable[[], Any], str, int]]


def wanted(app: Flask) -> bool:
    """Whether this app runs the periodic jobs in-process: no Redis, not a test."""
    if app.testing or os.environ.get("SOB_ENV") == "testing":
        return False
    if str(app.config.get("SOB_ENV") or "") == "testing":
        return False
    return not app.config.get("REDIS_URL")


def run_due(app: Flask, periodic: Periodic, last: dict[str, float], now: float) -> list[str]:
    """Call each job whose interval has passed since its last call; the names of those called."""
    from ..extensions import db, scoped

    called = []
    for func, _queue, interval in periodic:
        if now - last.get(func.__name__, -float(interval)) < interval:
            continue
        last[func.__name__] = now
        called.append(func.__name__)
        with app.app_context():
            try:
                func()
            except Exception:  # logged; the next round tries again
                db.session.rollback()
                app.logger.exception("periodic job %s failed", func.__name__)
            finally:
                scoped().remove()
    return called


def start(app: Flask, periodic: Periodic | None = None, pause: float = 1.0):
    """Start the daemon thread (when ``wanted``); the thread and its stop event, or None."""
    if not wanted(app):
        return None
    if periodic is None:
        from ..jobs.tasks import PERIODIC

        periodic = PERIODIC
    jobs = list(periodic)
    stop = threading.Event()

    def loop() -> None:
        last: dict[str, float] = {}
        while not stop.is_set():
            run_due(app, jobs, last, time.monotonic())
            stop.wait(pause)

    thread = threading.Thread(target=loop, name="sob-periodic", daemon=True)
    thread.start()
    app.logger.info("no REDIS_URL: the periodic jobs run in this process")
    return thread, stop


def _run(**kwargs: Any) -> Any:
    ctx = click.get_current_context()
    reload = kwargs.get("reload")
    reloading = get_debug_flag() if reload is None else reload
    # With the reloader the serving process is the child (WERKZEUG_RUN_MAIN); not its watcher.
    if not reloading or os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        start(ctx.ensure_object(ScriptInfo).load_app())
    return ctx.invoke(flask_run, **kwargs)


#: Flask's `run` with the same options, starting the in-process periodic jobs first
run_command = click.Command(
    "run",
    params=list(flask_run.params),
    callback=_run,
    help=(flask_run.help or "") + "\n\nWithout REDIS_URL the periodic jobs run in-process.",
    short_help=flask_run.short_help,
)
