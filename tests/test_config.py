"""Settings: one list drives the environment reading, and every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sob_core import config

ROOT = Path(__file__).resolve().parents[1]


def _documented() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", section, re.MULTILINE))


def test_every_core_and_plugin_setting_is_in_the_readme(app):
    plugin_settings = set(app.extensions["sob"].registry.settings)
    assert {"SOB_SMTP_HOST", "SOB_LOGIN_MAX_FAILURES"} <= plugin_settings  # the first-party ones
    declared = {setting.name for setting in config.SETTINGS} | plugin_settings
    assert declared - _documented() == set(), "settings missing from README.md's table"
    assert _documented() - declared == set(), "README.md documents settings nobody reads"


def test_plugin_settings_are_not_the_cores():
    core = {setting.name for setting in config.SETTINGS}
    for name in ("SOB_SMTP_HOST", "SOB_SMTP_PORT", "SOB_MAIL_FROM", "SOB_LOGIN_MAX_FAILURES"):
        assert name not in core
        assert name not in config.from_environment(Path("/nonexistent"), {"SOB_SECRET_KEY": "k"})


def test_from_environment_reads_every_declared_setting(tmp_path):
    environ = {
        "SOB_SECRET_KEY": "k" * 32,
        "DATABASE_URL": "postgresql://db.example/sob",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "SOB_QUEUE_PREFIX": "region",
        "SOB_DISABLED_PLUGINS": "email, demo_login,",
        "SOB_DEMO": "yes",
        "SOB_ENV": "development",
        "SOB_PROXY_HOPS": "1",
        "SOB_TRACE_HOOKS": "1",
        "SOB_DEFAULT_LOCALE": "en",
        "SOB_BASE_URL": "https://stod.example.se",
        "SOB_UPLOAD_DIR": str(tmp_path / "media"),
        "SOB_MAX_UPLOAD_MB": "10",
        "SOB_PURGE_NOTICE_DAYS": "30",
        "SOB_PURGE_HOUR": "-1",
        "SOB_EXPORT_DIR": str(tmp_path / "exports"),
        "SOB_EXPORT_KEEP_HOURS": "48",
        "SOB_SESSION_IDLE_MINUTES": "20",
        "SOB_STAFF_SESSION_IDLE_MINUTES": "45",
        "SOB_SESSION_LIFETIME_HOURS": "8",
        "SOB_NOTICE_COALESCE_MINUTES": "30",
        "SOB_NOTICE_ACTIVE_MINUTES": "2",
        "SOB_SMS_QUIET_HOURS": "22-07",
        "SOB_NOTICE_TIMEZONE": "Europe/Helsinki",
        "SOB_STAFF_DIGEST_HOUR": "6",
        "SOB_CITIZEN_MIN_ASSURANCE": "LOA3",
        "SOB_STAFF_MIN_ASSURANCE": "none",
        "SOB_BENCH_COUNT_STATEMENTS": "1",
    }
    assert set(environ) == {setting.name for setting in config.SETTINGS}
    found = config.from_environment(tmp_path, environ)
    assert found["SECRET_KEY"] == "k" * 32
    assert found["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/sob"
    assert found["REDIS_URL"] == "redis://127.0.0.1:6379/1"
    assert found["SOB_QUEUE_PREFIX"] == "region"
    assert found["SOB_DISABLED_PLUGINS"] == ["email", "demo_login"]
    assert found["SOB_DEMO"] is True and found["SOB_TRACE_HOOKS"] is True
    assert found["BABEL_DEFAULT_LOCALE"] == "en"
    assert found["SOB_BASE_URL"] == "https://stod.example.se"
    assert found["SOB_UPLOAD_DIR"] == str(tmp_path / "media")
    assert found["SOB_MAX_UPLOAD_MB"] == 10.0
    assert (found["SOB_PURGE_NOTICE_DAYS"], found["SOB_PURGE_HOUR"]) == (30, -1)
    assert found["SOB_EXPORT_DIR"] == str(tmp_path / "exports")
    assert found["SOB_EXPORT_KEEP_HOURS"] == 48.0
    assert found["MAX_CONTENT_LENGTH"] == int((10 * 1.4 + 16) * 1024 * 1024)
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["SOB_SESSION_IDLE_MINUTES"] == 20.0
    assert found["SOB_STAFF_SESSION_IDLE_MINUTES"] == 45.0
    assert found["SOB_SESSION_LIFETIME_HOURS"] == 8.0
    assert (found["SOB_NOTICE_COALESCE_MINUTES"], found["SOB_NOTICE_ACTIVE_MINUTES"]) == (30.0, 2.0)
    assert (found["SOB_SMS_QUIET_HOURS"], found["SOB_NOTICE_TIMEZONE"]) == (
        "22-07",
        "Europe/Helsinki",
    )
    assert found["SOB_STAFF_DIGEST_HOUR"] == 6
    assert found["SOB_PROXY_HOPS"] == 1 and found["SOB_SECRET_KEY_GENERATED"] is False
    assert (found["SOB_CITIZEN_MIN_ASSURANCE"], found["SOB_STAFF_MIN_ASSURANCE"]) == (
        "loa3",
        "none",
    )
    assert found["SOB_BENCH_COUNT_STATEMENTS"] is True


def test_defaults_when_nothing_is_set(tmp_path):
    found = config.from_environment(tmp_path, {})
    assert (tmp_path / "secret_key").read_text().strip() == found["SECRET_KEY"]
    assert found["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'sob.sqlite3'}"
    assert found["REDIS_URL"] is None
    assert found["SOB_DISABLED_PLUGINS"] == [] and found["SOB_DEMO"] is False
    assert found["SOB_UPLOAD_DIR"] == str(tmp_path / "uploads")
    assert found["SOB_MAX_UPLOAD_MB"] == 200.0
    assert found["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("SOB_PURGE_NOTICE_DAYS", "-1"),
        ("SOB_PURGE_NOTICE_DAYS", "two weeks"),
        ("SOB_PURGE_HOUR", "24"),
        ("SOB_PURGE_HOUR", "-2"),
        ("SOB_EXPORT_KEEP_HOURS", "0"),
        ("SOB_EXPORT_KEEP_HOURS", "soon"),
    ],
)
def test_a_bad_purge_or_export_setting_stops_the_app_naming_it(tmp_path, name, text):
    with pytest.raises(ValueError, match=name):
        config.from_environment(tmp_path, {"SOB_SECRET_KEY": "k", name: text})


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({}, "SOB_SECRET_KEY is not set"),
        ({"SOB_SECRET_KEY": "test-secret-key-not-for-production"}, "placeholder"),
        ({"SOB_SECRET_KEY": "short"}, "shorter than 16"),
    ],
)
def test_production_refuses_a_missing_placeholder_or_short_secret_key(tmp_path, environ, problem):
    from sob_core.app import create_app

    found = config.from_environment(tmp_path, environ)
    message = config.secret_key_problem(found)
    assert message is not None and problem in message and "every app server" in message
    # the app factory stops with that message (SOB_ENV is production by default)
    with pytest.raises(RuntimeError, match=problem):
        create_app({**found, "SOB_IGNORE_ENVIRONMENT": True})


def test_the_cli_says_what_is_wrong_with_the_key_in_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("SOB_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    sob = str(Path(sys.executable).with_name("sob"))
    result = subprocess.run([sob, "plugins"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: SOB_SECRET_KEY is not set")


def test_development_may_generate_the_key_production_accepts_a_real_one(tmp_path):
    assert (
        config.secret_key_problem(config.from_environment(tmp_path, {"SOB_ENV": "development"}))
        is None
    )
    real = config.from_environment(tmp_path, {"SOB_SECRET_KEY": "8f3a" * 16})
    assert config.secret_key_problem(real) is None


def test_statement_counting_is_off_by_default_and_refused_outside_development(tmp_path, client):
    from sob_core.web.statement_count import HEADER

    assert config.from_environment(tmp_path, {})["SOB_BENCH_COUNT_STATEMENTS"] is False
    assert HEADER not in client.get("/auth/demo/?audience=citizen").headers
    with pytest.raises(ValueError, match="SOB_BENCH_COUNT_STATEMENTS"):
        config.from_environment(tmp_path, {"SOB_BENCH_COUNT_STATEMENTS": "1"})
    development = {"SOB_BENCH_COUNT_STATEMENTS": "1", "SOB_ENV": "development"}
    assert config.from_environment(tmp_path, development)["SOB_BENCH_COUNT_STATEMENTS"] is True


def test_statement_counting_reports_the_requests_statements(make_app):
    from sqlalchemy import event

    from sob_core.extensions import db
    from sob_core.web.statement_count import HEADER

    counted = make_app(config={"SOB_BENCH_COUNT_STATEMENTS": True, "SOB_ENV": "development"})
    seen: list[str] = []
    with counted.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    response = counted.test_client().get("/auth/demo/?audience=citizen")
    assert response.status_code == 200
    assert int(response.headers[HEADER]) == len(seen) > 0
    with pytest.raises(ValueError, match="SOB_BENCH_COUNT_STATEMENTS"):
        make_app(config={"SOB_BENCH_COUNT_STATEMENTS": True, "SOB_ENV": "production"})
