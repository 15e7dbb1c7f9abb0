"""The Flask extensions, created unbound; ``create_app`` binds them to each app."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, cast

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy, with ``session`` typed as the ``Session`` it proxies.

    ``db.session`` is a ``scoped_session`` that forwards every call to the request's ``Session``;
    the domain takes a plain ``Session`` parameter, and views pass ``db.session``.
    """

    session: Session  # type: ignore[assignment]


db = _SQLAlchemy(model_class=Base)


def scoped() -> scoped_session[Session]:
    """``db.session`` as what it is, the scoped proxy: for ``remove()`` and the Session itself.

    The cast undoes the annotation above (Flask-SQLAlchemy creates a ``scoped_session``); only the
    few places that manage the session's scope need it.
    """
    return cast("scoped_session[Session]", db.session)


def commit_keeping_loaded() -> None:
    """Commit the request's session without expiring what it has loaded.

    For a commit in the middle of a page (the audit event of a staff read, the citizen's last
    activity, a new draft): the page goes on with the rows it read a moment ago in this request
    instead of reading each of them again, one statement each (the start page's 200 open flags:
    200 SELECTs; the patient page its staff member, roles, citizen and enrollment). Not for a
    commit after which the request needs what another transaction may have changed meanwhile.
    """
    current = scoped()()
    expire = current.expire_on_commit
    current.expire_on_commit = False
    try:
        current.commit()
    finally:
        current.expire_on_commit = expire


#: the Alembic environment and the revisions (``sob db ...``)
MIGRATIONS = Path(__file__).parent / "migrations"


class Migrations:
    """What Flask-Migrate reads from ``app.extensions["migrate"]``, with Flask-Migrate not imported.

    Flask-Migrate (and with it Alembic, a third of a second of imports) is needed only by the
    ``sob db`` commands and by whoever runs the migrations (``flask_migrate.upgrade()`` in an app
    context, as the tests do). They all reach it through this entry: its ``migrate`` is the
    ``Migrate`` object they read the Alembic configuration from, made on first use. sob's
    ``migrations/env.py`` reads ``db``.
    """

    def __init__(self, database: SQLAlchemy, directory: Path = MIGRATIONS) -> None:
        self.db = database
        self.directory = str(directory)

    @cached_property
    def migrate(self) -> Any:
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory)

    @property
    def configure_args(self) -> dict[str, Any]:
        """Flask-Migrate's options for Alembic's ``context.configure`` (type comparison, batch)."""
        return dict(self.migrate.alembic_ctx_kwargs)

    @property
    def metadata(self) -> MetaData:
        return self.db.metadata


csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
