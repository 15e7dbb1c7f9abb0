"""Settings: read from the environment when an app is created, never at import time."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from .types import LANGUAGES

TRUE = {"1", "true", "yes", "on"}

#: every environment variable sob reads, with its default and meaning (the README's table)
SETTINGS: dict[str, tuple[str, str]] = {
    "SOB_SECRET_KEY": (
        "generated into instance/secret_key",
        "Key that signs sessions and CSRF tokens.",
    ),
    "DATABASE_URL": (
        "sqlite:///instance/sob.sqlite3",
        "SQLAlchemy URL; postgresql+psycopg://... for PostgreSQL.",
    ),
    "REDIS_URL": (
        "(unset: jobs run in-process)",
        "Redis for RQ jobs, e.g. redis://127.0.0.1:6379/0.",
    ),
    "SOB_QUEUE_PREFIX": (
        "sob",
        "Prefix of RQ queue names, so several installations share a Redis.",
    ),
    "SOB_DISABLED_PLUGINS": (
        "(empty)",
        "Comma-separated entry-point names of plugins not to load.",
    ),
    "SOB_DEMO": (
        "0",
        "1 turns on demo mode: the demo login provider and `sob demo`. Never in production.",
    ),
    "SOB_ENV": ("production", "`development` relaxes Secure cookies for http://127.0.0.1."),
    "SOB_TRACE_HOOKS": ("0", "1 logs every plugin hook call with its arguments and results."),
    "SOB_DEFAULT_LOCALE": ("sv", "Default language of the user interface (sv or en)."),
    "SOB_LOGIN_MAX_FAILURES": ("5", "Failed password attempts before a staff account is locked."),
    "SOB_LOGIN_LOCK_MINUTES": ("15", "How long a locked staff account stays locked."),
    "SOB_SMTP_HOST": ("(unset)", "SMTP server for the e-mail notification channel."),
    "SOB_SMTP_PORT": ("25", "SMTP port."),
    "SOB_MAIL_FROM": ("no-reply@sob.invalid", "Sender address of notification e-mails."),
    "SOB_BASE_URL": (
        "http://127.0.0.1:5000",
        "Public address of the service, used in notification links.",
    ),
}


def _secret_key(instance_path: Path) -> str:
    key = os.environ.get("SOB_SECRET_KEY")
    if key:
        return key
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: Path) -> dict[str, Any]:
    env = os.environ
    development = env.get("SOB_ENV", "production") == "development"
    upload_mb = float(env.get("SOB_MAX_UPLOAD_MB", "200"))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'sob.sqlite3'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SOB_QUEUE_PREFIX": env.get("SOB_QUEUE_PREFIX", "sob"),
        "SOB_DISABLED_PLUGINS": [
            name.strip() for name in env.get("SOB_DISABLED_PLUGINS", "").split(",") if name.strip()
        ],
        "SOB_DEMO": env.get("SOB_DEMO", "0").lower() in TRUE,
        "SOB_TRACE_HOOKS": env.get("SOB_TRACE_HOOKS", "0").lower() in TRUE,
        "BABEL_DEFAULT_LOCALE": env.get("SOB_DEFAULT_LOCALE", "sv"),
        "SOB_LOGIN_MAX_FAILURES": int(env.get("SOB_LOGIN_MAX_FAILURES", "5")),
        "SOB_LOGIN_LOCK_MINUTES": int(env.get("SOB_LOGIN_LOCK_MINUTES", "15")),
        "SOB_SMTP_HOST": env.get("SOB_SMTP_HOST") or None,
        "SOB_SMTP_PORT": int(env.get("SOB_SMTP_PORT", "25")),
        "SOB_MAIL_FROM": env.get("SOB_MAIL_FROM", "no-reply@sob.invalid"),
        "SOB_BASE_URL": env.get("SOB_BASE_URL", "http://127.0.0.1:5000"),
        "SOB_UPLOAD_DIR": env.get("SOB_UPLOAD_DIR") or str(instance_path / "uploads"),
        "SOB_MAX_UPLOAD_MB": upload_mb,
        # Program import files carry media in base64 (a third larger), plus the content itself.
        "MAX_CONTENT_LENGTH": int((upload_mb * 1.4 + 16) * 1024 * 1024),
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
    }


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
