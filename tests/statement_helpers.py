"""Counting the SQL statements a piece of work sends (the query-count tests share it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from sob_core.extensions import db


@contextmanager
def counting() -> Iterator[list[str]]:
    """The statements sent on the app's engine while the block runs, in order."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
