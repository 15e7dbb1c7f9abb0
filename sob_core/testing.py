"""pytest plugin with fixtures for sob and its plugins: ``app``, ``client``, ``runner``, ``login``.

Also ``make_app(...)`` for a test that builds apps of its own (another plugin list, other settings)
and ``login_as(client, person)`` that signs anyone in without a login provider.

Installed with sob-core (entry point ``pytest11``), so third-party plugin authors get the same
fixtures. The database is SQLite by default; set ``SOB_TEST_DATABASE_URL`` to a PostgreSQL URL
to run against PostgreSQL (each xdist worker gets a database of its own, created when missing).
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
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

    app = create_app(app_config(sob_database_url, tmp_path_factory.mktemp("instance")))
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


#: the environment a test app is configured from (``config.from_environment`` writes the config)
TEST_ENVIRONMENT: dict[str, str] = {
    "SOB_SECRET_KEY": "test-secret-key-not-for-production",
    "SOB_DEMO": "1",
    "SOB_ENV": "development",  # no Secure cookies: the test client speaks plain http
    "SOB_BASE_URL": "http://localhost",
}


def app_config(url: str, instance: Any, **extra: Any) -> dict[str, Any]:
    """The configuration of a test app on database ``url``: the environment's config, isolated."""
    from .config import from_environment

    environment = dict(TEST_ENVIRONMENT, DATABASE_URL=url, SOB_QUEUE_PREFIX=f"sobtest-{_worker()}")
    config = from_environment(Path(str(instance)), environment)
    config.update(TESTING=True, SOB_IGNORE_ENVIRONMENT=True)
    if url.startswith("postgresql"):
        # Tests build many apps and drop them; with a pool their idle connections would only be
        # closed by the garbage collector (a ResourceWarning). NullPool closes each on check-in.
        from sqlalchemy.pool import NullPool

        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": NullPool}
    config.update(extra)
    return config


#: the old private name, kept so branches written against it still merge; use ``app_config``
_config = app_config


def build_app(
    database_url: str,
    instance: Any,
    plugins: Sequence[tuple[str, str | ModuleType]] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Flask:
    """A sob app for tests on ``database_url`` (already migrated, see ``_sob_schema``).

    ``plugins`` is an explicit list of ``(name, module or dotted path)`` instead of the installed
    entry points; ``config`` overrides single settings.
    """
    from .app import create_app

    extra = dict(config or {})
    if plugins is not None:
        extra["SOB_PLUGINS"] = list(plugins)
    return create_app(app_config(database_url, instance, **extra))


@pytest.fixture(scope="session")
def sob_playwright() -> Iterator[Any]:
    """One Playwright (sync API) per test process, for every browser fixture of host and plugins.

    Playwright's sync API cannot run twice at once in one thread, so browser fixtures launch
    their Chromium from this one instead of starting their own. Without Playwright the browser
    tests are skipped, unless ``SOB_REQUIRE_BROWSER=1``: then they fail.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - the test extra installs it
        reason = f"Playwright is not installed ({error})"
        if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (SOB_REQUIRE_BROWSER=1, so the browser tests must run)")
        pytest.skip(f"{reason}; browser tests skipped")
    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()


@pytest.fixture
def make_app(_sob_schema: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """``make_app(plugins=[...], config={...})``: more apps on the test database for one test.

    Each app's tables are emptied and its engine disposed after the test.
    """
    from .extensions import db, scoped

    made: list[Flask] = []

    def make(
        plugins: Sequence[tuple[str, str | ModuleType]] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> Flask:
        made.append(build_app(_sob_schema, tmp_path, plugins, config))
        return made[-1]

    yield make
    for application in made:
        with application.app_context():
            scoped().remove()
            _empty_tables(db)
            db.engine.dispose()


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
    from .extensions import db, scoped

    application = build_app(_sob_schema, tmp_path, config=sob_config)
    with application.app_context():
        yield application
        scoped().remove()
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


#: the demo set as loaded once per test process: {key: [(table name, rows), ...]}
_DEMO_SNAPSHOTS: dict[tuple[Any, ...], list[tuple[str, list[dict[str, Any]]]]] = {}


def _demo_key(app: Flask) -> tuple[Any, ...]:
    """What the loaded demo depends on: the installed plugins (the loader reads nothing else of
    the app) and the day (the demo's stages count days back from today, Stockholm time)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    registry = app.extensions["sob"].registry
    parts = (registry.question_types, registry.scales, registry.channels, registry.login_providers)
    installed = tuple(tuple(sorted(part)) for part in parts)
    return (datetime.now(ZoneInfo("Europe/Stockholm")).date(), installed)


def _snapshot(db: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    with db.engine.connect() as conn:
        return [
            (table.name, [dict(row._mapping) for row in conn.execute(table.select())])
            for table in db.metadata.sorted_tables
        ]


def _restore(db: Any, snapshot: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Put the snapshot's rows back into the (emptied) tables, keeping their ids; on PostgreSQL
    the id sequences are moved past them so that later inserts do not collide."""
    from sqlalchemy import text

    tables = db.metadata.tables
    with db.engine.begin() as conn:
        for name, rows in snapshot:
            if rows:
                conn.execute(tables[name].insert(), rows)
        if conn.dialect.name == "postgresql":
            for name, rows in snapshot:
                if rows and "id" in tables[name].c:
                    conn.execute(
                        text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :highest)"),
                        {"table": name, "highest": max(row["id"] for row in rows)},
                    )


@pytest.fixture
def demo_data(app) -> None:
    """The demo data set, as ``sob demo`` loads it.

    The first test of a process that asks for it loads it through the demo loader; later tests
    with the same plugins and settings get the same rows copied back in (the expensive load
    happens once per process, not once per test).
    """
    from .demo import loader
    from .extensions import db

    key = _demo_key(app)
    snapshot = _DEMO_SNAPSHOTS.get(key)
    if snapshot is None:
        loader.load(db.session, app.extensions["sob"])
        db.session.commit()
        _DEMO_SNAPSHOTS[key] = _snapshot(db)
    else:
        _restore(db, snapshot)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def login_as(client: FlaskClient, person: Any, unit_id: int | None = None) -> None:
    """Sign ``person`` (a ``Staff`` or ``Citizen``) in on ``client`` with a server-side session.

    The session is written by the same code ``complete_login`` uses, so it holds exactly what a
    real sign-in leaves there (and gets a new id, as a sign-in does); no login provider is
    involved. The client's cookie holds only the new session's id.
    """
    import flask

    from .models import Staff
    from .types import VerifiedIdentity
    from .web.auth import start_session

    audience = "staff" if isinstance(person, Staff) else "citizen"
    identifier = person.hsa_id if isinstance(person, Staff) else person.personnummer
    identity = VerifiedIdentity(audience, identifier, provider="test", assurance="test")
    app = client.application
    with client.session_transaction() as stored:
        # Same remote address and user agent as the client, for Flask-Login's session identifier.
        with app.test_request_context(environ_base=client.environ_base):
            flask.session.update(stored)
            start_session(person, identity)
            signed_in = dict(flask.session)
        stored.clear()
        stored.update(signed_in)
        if unit_id is not None:
            stored["care_unit_id"] = unit_id
        regenerate = getattr(stored, "regenerate", None)
        if regenerate is not None:
            regenerate()  # save_session stores it under a new id, as a real sign-in does


@pytest.fixture
def login(client: FlaskClient, demo_data: None) -> Callable[..., None]:
    """``login("staff", hsa_id)`` / ``login("citizen", personnummer)``: sign a demo person in."""
    from sqlalchemy import select

    from .extensions import db
    from .identity import personnummer
    from .models import Citizen, Staff

    def do_login(audience: str, identifier: str, unit_id: int | None = None) -> None:
        person: Staff | Citizen | None
        if audience == "staff":
            person = db.session.scalar(select(Staff).where(Staff.hsa_id == identifier))
        else:
            number = personnummer.parse(identifier).number
            person = db.session.scalar(select(Citizen).where(Citizen.personnummer == number))
        assert person is not None, f"no {audience} {identifier} in the demo data"
        login_as(client, person, unit_id)

    return do_login


@pytest.fixture
def register_plugin(app: Flask) -> Iterator[Callable[[Any, str], None]]:
    """Register a throwaway plugin on the app's host, rebuilding the registry; undone afterwards.

    Registration hooks (question types, scales, channels, settings, login providers) take effect
    as if the plugin had been installed when the app was created.
    """
    from .host import apply_settings, mount_login_providers
    from .plugins import current_host

    host = current_host()
    names: list[str] = []

    def do_register(plugin: Any, name: str) -> None:
        host.pm.register(plugin, name=name)
        names.append(name)
        host.check()
        apply_settings(app, host)
        mount_login_providers(app, host)

    yield do_register
    for name in names:
        host.pm.unregister(name=name)
    host.collect()
