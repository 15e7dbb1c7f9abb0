"""The Flask extensions, created unbound; ``create_app`` binds them to each app."""

from __future__ import annotations

from typing import cast

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
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


migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
