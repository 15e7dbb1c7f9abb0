"""`sob run` without Redis runs the periodic jobs in a daemon thread; not in tests, not with Redis."""

from __future__ import annotations

import threading

from sob_core.cli import main, periodic


def test_not_in_tests_and_not_with_redis(app, monkeypatch):
    assert app.testing
    assert not periodic.wanted(app)
    assert periodic.start(app) is None
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.delenv("SOB_ENV", raising=False)
    monkeypatch.setitem(app.config, "SOB_ENV", "development")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    assert not periodic.wanted(app)
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    assert periodic.wanted(app)
    monkeypatch.setenv("SOB_ENV", "testing")
    assert not periodic.wanted(app)


def test_each_job_runs_on_its_interval_in_an_app_context(app):
    from flask import current_app

    calls: list[str] = []

    def every_minute():
        calls.append(current_app.name)

    def hourly():
        raise RuntimeError("a failing job is logged and tried again next time")

    jobs = [(every_minute, "default", 60), (hourly, "default", 3600)]
    last: dict[str, float] = {}
    assert periodic.run_due(app, jobs, last, 1000.0) == ["every_minute", "hourly"]
    assert periodic.run_due(app, jobs, last, 1030.0) == []
    assert periodic.run_due(app, jobs, last, 1060.0) == ["every_minute"]
    assert periodic.run_due(app, jobs, last, 4600.0) == ["every_minute", "hourly"]
    assert calls == [app.name] * 3


def test_the_thread_runs_the_jobs(app, monkeypatch):
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.delenv("SOB_ENV", raising=False)
    monkeypatch.setitem(app.config, "SOB_ENV", "development")
    monkeypatch.setitem(app.config, "REDIS_URL", "")
    ran = threading.Event()
    started = periodic.start(app, [(ran.set, "default", 60)], pause=0.01)
    assert started is not None
    thread, stop = started
    try:
        assert thread.daemon and ran.wait(5)
    finally:
        stop.set()
        thread.join(5)


def test_sob_run_is_ours_with_flasks_options():
    command = main.commands["run"]
    assert command is periodic.run_command
    names = {p.name for p in command.params}
    assert {"host", "port", "reload"} <= names
    assert "schedule" in main.commands
