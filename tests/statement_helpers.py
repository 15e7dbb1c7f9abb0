"""Counting the SQL statements a piece of work sends (the query-count tests share it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

from sqlalchemy import event

from sob_core.extensions import db
from sob_core.identity import sessions


@contextmanager
def counting(parameters: bool = False) -> Iterator[list[Any]]:
    """The statements sent on the app's engine while the block runs, in order; with
    ``parameters`` each as ``(statement on one line, repr of its parameters)``.

    The session row's once-a-minute touch (``sessions.TOUCH_INTERVAL``) is held off while the
    block runs: whether a minute has passed since the warming request depends on how fast the
    machine is, not on the code being counted (on a loaded CI machine it once added one UPDATE
    to two of nine patient-list requests)."""
    statements: list[Any] = []

    def seen(conn, cursor, statement, sent, context, executemany) -> None:
        statements.append((" ".join(statement.split()), repr(sent)) if parameters else statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with mock.patch.object(sessions, "TOUCH_INTERVAL", timedelta.max):
            yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
