"""Counting the SQL statements a piece of work sends (the scheduler benchmark's tick)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class StatementCounter:
    """Counts SQL statements sent to the database (each executemany counts once)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1

    def during(self, action: Callable[[], Any]) -> int:
        before = self.count
        action()
        return self.count - before
