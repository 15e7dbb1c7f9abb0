"""The models and the migrations agree; the migrations run from nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sob_core.extensions import db


def test_models_match_migrations(app):
    # The test database was built by running the migrations (sob_core.testing._sob_schema).
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_db_check_command_finds_nothing_to_migrate(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
