"""Alembic environment for sob: runs inside the Flask app, on the app's engine and metadata."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

log = logging.getLogger("alembic.env")


def _render_item(type_, obj, autogen_context):
    # Migrations name plain SQLAlchemy types, never sob's own wrappers, so they stay importable.
    from sob_core.models._types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict:
    # Batch mode lets ALTER work on SQLite; compare_type catches column type drift.
    return {
        "target_metadata": current_app.extensions["migrate"].db.metadata,
        "render_as_batch": True,
        "compare_type": True,
        "render_item": _render_item,
    }


def run_offline() -> None:
    url = current_app.extensions["migrate"].db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    def skip_empty(ctx, revision, directives):
        if getattr(context.config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                log.info("no changes in schema detected")

    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        context.configure(
            connection=connection, process_revision_directives=skip_empty, **_options()
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
