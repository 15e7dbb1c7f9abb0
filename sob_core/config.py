"""Settings: read from the environment when an app is created, never at import time."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .types import ASSURANCE_LEVELS, LANGUAGES, Setting

TRUE = {"1", "true", "yes", "on"}


def flag(text: str) -> bool:
    return text.lower() in TRUE


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def hour_range(text: str) -> str:
    """``21-08`` (two hours 0-23, not equal) or ``off``; anything else stops the app starting."""
    value = text.strip().lower()
    if value in ("off", "none"):
        return "off"
    start, sep, end = value.partition("-")
    if not (sep and start.isdigit() and end.isdigit()):
        raise ValueError(f"expected hours like 21-08 or off, not {text!r}")
    if not (0 <= int(start) <= 23 and 0 <= int(end) <= 23) or int(start) == int(end):
        raise ValueError(f"expected two different hours 0-23 like 21-08, not {text!r}")
    return f"{int(start):02d}-{int(end):02d}"


def assurance_level(text: str) -> str:
    """A minimum assurance level: one of ``ASSURANCE_LEVELS`` above "demo" (or "none")."""
    level = text.strip().lower()
    if level != "none" and level not in ASSURANCE_LEVELS[1:]:
        raise ValueError(f"not one of none, {', '.join(ASSURANCE_LEVELS[1:])}")
    return level


def bounded_int(low: int, high: int) -> Any:
    """A parser for a whole number from ``low`` to ``high``; anything else stops the app starting."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"expected a whole number {low}-{high}, not {text!r}") from None
        if not low <= value <= high:
            raise ValueError(f"expected a whole number {low}-{high}, not {text!r}")
        return value

    return parse


def positive_hours(text: str) -> float:
    value = float(text)
    if not 0 < value <= 24 * 90:
        raise ValueError(f"expected hours above 0 (at most 90 days), not {text!r}")
    return value


def _database_url(text: str) -> str:
    if text.startswith("postgresql://"):
        return "postgresql+psycopg://" + text.removeprefix("postgresql://")
    return text


#: every environment variable the core reads (plugins declare theirs with ``sob_settings``); the
#: README's settings table documents each, a test checks it
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SOB_SECRET_KEY",
        None,
        "Key that signs CSRF tokens (sessions are kept server-side).",
        shown_default="generated into instance/secret_key (development only)",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL; postgresql+psycopg://... for PostgreSQL.",
        _database_url,
        "sqlite:///instance/sob.sqlite3",
    ),
    Setting(
        "REDIS_URL",
        None,
        "Redis for RQ jobs, e.g. redis://127.0.0.1:6379/0.",
        shown_default="(unset: jobs run in-process)",
    ),
    Setting("SOB_QUEUE_PREFIX", "sob", "Prefix of RQ queue names, so installations share a Redis."),
    Setting(
        "SOB_DISABLED_PLUGINS",
        [],
        "Comma-separated entry-point names of plugins not to load.",
        names,
        "(empty)",
    ),
    Setting(
        "SOB_DEMO",
        False,
        "1 turns on demo mode: the demo login provider and `sob demo`. Never in production.",
        flag,
        "0",
    ),
    Setting(
        "SOB_CITIZEN_MIN_ASSURANCE",
        "",
        "Lowest assurance level (none, loa1 ... loa4) a citizen's login needs.",
        assurance_level,
        "loa3 (none in demo mode and development)",
    ),
    Setting(
        "SOB_STAFF_MIN_ASSURANCE",
        "",
        "Lowest assurance level (none, loa1 ... loa4) a staff member's login needs; "
        "loa2 lets password with TOTP in.",
        assurance_level,
        "loa3 (none in demo mode and development)",
    ),
    Setting("SOB_ENV", "production", "`development` relaxes Secure cookies for http://127.0.0.1."),
    Setting(
        "SOB_PROXY_HOPS",
        0,
        "How many reverse proxies (load balancers) stand in front of the app servers; their "
        "X-Forwarded-For/-Proto/-Host headers are trusted that many hops deep.",
        bounded_int(0, 5),
    ),
    Setting(
        "SOB_TRACE_HOOKS", False, "1 logs every plugin hook call with its arguments.", flag, "0"
    ),
    Setting("SOB_DEFAULT_LOCALE", "sv", "Default language of the user interface (sv or en)."),
    Setting(
        "SOB_BASE_URL",
        "http://127.0.0.1:5000",
        "Public address of the service, used in notification links.",
    ),
    Setting(
        "SOB_UPLOAD_DIR",
        None,
        "Folder for uploaded media (content-addressed by SHA-256).",
        shown_default="instance/uploads",
    ),
    Setting(
        "SOB_PURGE_NOTICE_DAYS",
        14,
        "Days the data administrators are told ahead of a purge; nothing is purged sooner.",
        bounded_int(0, 365),
        "14",
    ),
    Setting(
        "SOB_PURGE_HOUR",
        2,
        "Local hour the nightly purge runs in (-1: at every hourly run).",
        bounded_int(-1, 23),
        "2",
    ),
    Setting(
        "SOB_EXPORT_DIR",
        None,
        "Folder where export files are written until they are downloaded or expire.",
        shown_default="instance/exports",
    ),
    Setting(
        "SOB_EXPORT_KEEP_HOURS",
        24.0,
        "Hours a ready export stays downloadable before its file is deleted.",
        positive_hours,
        "24",
    ),
    Setting("SOB_MAX_UPLOAD_MB", 200.0, "Largest media file a designer may upload.", float, "200"),
    Setting(
        "SOB_SESSION_IDLE_MINUTES",
        30.0,
        "A citizen's (and an anonymous) session ends after this many minutes without a request.",
        float,
        "30",
    ),
    Setting(
        "SOB_STAFF_SESSION_IDLE_MINUTES",
        60.0,
        "A staff member's session ends after this many minutes without a request.",
        float,
        "60",
    ),
    Setting(
        "SOB_NOTICE_COALESCE_MINUTES",
        15.0,
        "At most one notice per conversation (coalescing key) and channel this often; more merge.",
        float,
        "15",
    ),
    Setting(
        "SOB_NOTICE_ACTIVE_MINUTES",
        5.0,
        "No e-mail or SMS notice to someone who made a request in the service this recently.",
        float,
        "5",
    ),
    Setting(
        "SOB_SMS_QUIET_HOURS",
        "21-08",
        "Local hours (start-end, or `off`) in which SMS notices wait until the end.",
        hour_range,
    ),
    Setting(
        "SOB_NOTICE_TIMEZONE",
        "Europe/Stockholm",
        "Time zone of the quiet hours and of the staff digest hour.",
    ),
    Setting(
        "SOB_STAFF_DIGEST_HOUR", 7, "Local hour after which staff get their daily digest.", int, "7"
    ),
    Setting(
        "SOB_SESSION_LIFETIME_HOURS",
        12.0,
        "Every session ends this many hours after sign-in, however active.",
        float,
        "12",
    ),
    Setting(
        "SOB_BENCH_COUNT_STATEMENTS",
        False,
        "1 adds a response header X-Sob-Statements (SQL statements of the request). "
        "Benchmarks only: refused unless SOB_ENV=development.",
        flag,
        "0",
    ),
)

#: settings stored in ``app.config`` under another name than their environment variable
CONFIG_NAMES = {
    "SOB_SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SOB_DEFAULT_LOCALE": "BABEL_DEFAULT_LOCALE",
}


BENCH_ONLY = (
    "setting SOB_BENCH_COUNT_STATEMENTS=1 is for benchmarks only: it needs SOB_ENV=development"
)


def _secret_key(instance_path: Path) -> str:
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(
    instance_path: Path, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The app configuration from ``environ`` (the process environment by default).

    The one place the configuration is written: tests and benchmarks pass an environment of
    their own instead of repeating the dictionary.
    """
    env = os.environ if environ is None else environ
    values = {setting.name: setting.read(env) for setting in SETTINGS}
    development = values["SOB_ENV"] == "development"
    if values["SOB_BENCH_COUNT_STATEMENTS"] and not development:
        raise ValueError(BENCH_ONLY)
    upload_mb = values["SOB_MAX_UPLOAD_MB"]
    config = {CONFIG_NAMES.get(name, name): value for name, value in values.items()}
    config.update(
        SECRET_KEY=values["SOB_SECRET_KEY"] or _secret_key(instance_path),
        SOB_SECRET_KEY_GENERATED=not values["SOB_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=values["DATABASE_URL"]
        or f"sqlite:///{instance_path / 'sob.sqlite3'}",
        SOB_UPLOAD_DIR=values["SOB_UPLOAD_DIR"] or str(instance_path / "uploads"),
        # Program import files carry media in base64 (a third larger), plus the content itself.
        MAX_CONTENT_LENGTH=int((upload_mb * 1.4 + 16) * 1024 * 1024),
        SESSION_COOKIE_SECURE=not development,
        REMEMBER_COOKIE_SECURE=not development,
    )
    return config


#: marks the keys the project's tests and benchmarks use: never accepted in production
PLACEHOLDER_KEY_MARK = "not-for-production"
#: the shortest ``SOB_SECRET_KEY`` production accepts
MIN_SECRET_KEY_LENGTH = 16
#: the environments where a missing key may be generated into the instance folder
RELAXED_ENVIRONMENTS = ("development", "testing")


class ConfigurationError(RuntimeError):
    """The settings do not allow the app to start; the message says which and what to do."""


def secret_key_problem(config: Mapping[str, Any]) -> str | None:
    """Why production must not start with this configuration's secret key, or None.

    Outside development and testing, ``SOB_SECRET_KEY`` must be set: a key generated into each
    server's own ``instance/secret_key`` differs between app servers, and a CSRF token signed by
    one would be refused by the others. A placeholder or short key is refused as well.
    """
    if config.get("TESTING") or str(config.get("SOB_ENV") or "") in RELAXED_ENVIRONMENTS:
        return None
    key = str(config.get("SECRET_KEY") or "")
    how = (
        "set SOB_SECRET_KEY to the same random value on every app server, worker and cron "
        """(e.g. python -c 'import secrets; print(secrets.token_hex(32))'), """
        "or SOB_ENV=development on a laptop"
    )
    if config.get("SOB_SECRET_KEY_GENERATED") or not key:
        return f"SOB_SECRET_KEY is not set and SOB_ENV is {config.get('SOB_ENV')!r}: {how}"
    if PLACEHOLDER_KEY_MARK in key:
        return f"SOB_SECRET_KEY is a placeholder for tests and benchmarks: {how}"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SOB_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters: {how}"
    return None


DEFAULTS: dict[str, Any] = {
    "SOB_PLUGINS": None,  # an explicit list of (name, module) for tests; None loads entry points
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "sob_session",
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 8,
    "WTF_CSRF_TIME_LIMIT": 60 * 60 * 8,
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
    "BABEL_TRANSLATION_DIRECTORIES": "translations",
    "SOB_LANGUAGES": LANGUAGES,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
}
