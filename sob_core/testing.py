"""pytest plugin with fixtures for sob and its plugins: ``app``, ``client``, ``runner``, ``login``.

Installed with sob-core (entry point ``pytest11``), so third-party plugin authors get the same
fixtures. The database is SQLite by default; set ``SOB_TEST_DATABASE_URL`` to a PostgreSQL URL
to run against PostgreSQL (each xdist worker gets a database of its own, created when missing).
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url(base: str) -> str:
    """A database of this worker's own on the server of ``base``, created when missing."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database or 'sob_test'}_{_worker()}"
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session")
def sob_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    base = os.environ.get("SOB_TEST_DATABASE_URL")
    if base:
        return _postgres_url(base)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sob-test.sqlite3'}"


@pytest.fixture(scope="session")
def _sob_schema(sob_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build the schema once per session with the real migrations."""
    from flask_migrate import downgrade, upgrade

    from .app import create_app

    app = create_app(_config(sob_database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from .extensions import db

        # Start from nothing: a previous run on a kept PostgreSQL may have left tables behind.
        db.metadata.drop_all(db.engine)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        _ = downgrade  # kept importable for migration tests
        db.engine.dispose()  # no connection outlives the set-up (PostgreSQL would warn)
    return sob_database_url


def _config(url: str, instance: Any, **extra: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SOB_IGNORE_ENVIRONMENT": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "SOB_DEMO": True,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "REDIS_URL": None,
        "SOB_QUEUE_PREFIX": f"sobtest-{_worker()}",
        "SOB_DISABLED_PLUGINS": [],
        "SOB_TRACE_HOOKS": False,
        "BABEL_DEFAULT_LOCALE": "sv",
        "SOB_LOGIN_MAX_FAILURES": 5,
        "SOB_LOGIN_LOCK_MINUTES": 15,
        "SOB_SMTP_HOST": None,
        "SOB_SMTP_PORT": 25,
        "SOB_MAIL_FROM": "no-reply@sob.invalid",
        "SOB_BASE_URL": "http://localhost",
        "SOB_UPLOAD_DIR": str(Path(str(instance)) / "uploads"),
        "SOB_MAX_UPLOAD_MB": 200.0,
    }
    if url.startswith("postgresql"):
        # Tests build many apps and drop them; with a pool their idle connections would only be
        # closed by the garbage collector (a ResourceWarning). NullPool closes each on check-in.
        from sqlalchemy.pool import NullPool

        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": NullPool}
    config.update(extra)
    return config


def _empty_tables(db) -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def sob_config() -> dict[str, Any]:
    """Override in a test module (or parametrize) to change the app's configuration."""
    return {}


@pytest.fixture
def app(_sob_schema: str, sob_config: dict[str, Any], tmp_path) -> Iterator[Any]:
    """A sob app on the test database, emptied after the test."""
    from .app import create_app
    from .extensions import db

    application = create_app(_config(_sob_schema, tmp_path, **sob_config))
    with application.app_context():
        yield application
        db.session.remove()
        _empty_tables(db)
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in a context of its own, like a real server.

    The ``app`` fixture keeps an app context pushed for the test body; without this, requests
    would share that context's ``g`` and database session, which no real request ever does.
    """

    def open(self, *args: Any, **kwargs: Any):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo_data(app) -> None:
    """Load the demo data set."""
    from .demo import loader
    from .extensions import db

    loader.load(db.session, app.extensions["sob"])


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


@pytest.fixture
def login(client, demo_data):
    """``login("staff", hsa_id)`` / ``login("citizen", personnummer)`` through the demo provider."""

    def do_login(audience: str, identifier: str, unit_id: int | None = None):
        page = client.get(f"/auth/demo/?audience={audience}")
        assert page.status_code == 200, page.status_code
        response = client.post(
            "/auth/demo/",
            data={
                "csrf_token": csrf_from(page.get_data(as_text=True)),
                "identifier": identifier,
                "audience": audience,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if unit_id is not None:
            with client.session_transaction() as session:
                session["care_unit_id"] = unit_id
        return response

    return do_login


@pytest.fixture
def register_plugin(app):
    """Register a throwaway plugin object on the app's plugin manager; unregistered afterwards."""
    host = app.extensions["sob"]
    names: list[str] = []

    def do_register(plugin: Any, name: str) -> None:
        host.pm.register(plugin, name=name)
        names.append(name)

    yield do_register
    for name in names:
        host.pm.unregister(name=name)
