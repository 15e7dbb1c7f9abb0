"""`sob db`: Flask-Migrate's command group, imported (with Alembic) only when it is used.

The app names the group without importing it, so starting the app (a web worker, `sob run`, any
other command) loads no Alembic. Running `sob db ...`, or asking for its help, hands over to
Flask-Migrate's own group: its options, sub-commands and help are exactly Flask-Migrate's.
"""

from __future__ import annotations

from typing import Any

import click

#: Flask-Migrate's own one-line help of the group (what `sob --help` lists)
HELP = "Perform database migrations."


def _group() -> click.Group:
    from flask_migrate.cli import db

    return db


class MigrationsGroup(click.Group):
    """A stand-in for ``flask_migrate.cli.db`` that becomes it when it is invoked."""

    def __init__(self, name: str = "db") -> None:
        super().__init__(name, help=HELP)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The context's command is Flask-Migrate's group: the parent group invokes that one.
        return _group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return _group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _group().get_command(ctx, cmd_name)
