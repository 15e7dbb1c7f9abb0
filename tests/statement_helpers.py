"""Counting the SQL statements a piece of work sends (the query-count tests share it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from sob_core.extensions import db


@contextmanager
def counting(parameters: bool = False) -> Iterator[list[Any]]:
    """The statements sent on the app's engine while the block runs, in order; with
    ``parameters`` each as ``(statement on one line, repr of its parameters)``."""
    statements: list[Any] = []

    def seen(conn, cursor, statement, sent, context, executemany) -> None:
        statements.append((" ".join(statement.split()), repr(sent)) if parameters else statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
