"""Benchmark-only: the number of SQL statements a request made, in a response header.

Off unless ``SOB_BENCH_COUNT_STATEMENTS`` is set, which the configuration refuses outside
``SOB_ENV=development``. The count is taken around the whole WSGI call, so it includes what the
session store and ``after_request`` write (the header goes out when the response starts, after
Flask has finished the request; only teardown comes later, and it does not run SQL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from sqlalchemy import event

from .. import config as sob_config
from ..extensions import db

HEADER = "X-Sob-Statements"


class StatementCounting:
    """WSGI middleware: counts the statements each request sends (one per executemany)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app
        self.local = threading.local()

    def seen(self, *args: Any) -> None:
        self.local.count = getattr(self.local, "count", 0) + 1

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.local.count = 0

        def counted_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            headers.append((HEADER, str(self.local.count)))
            return start_response(status, headers, *rest)

        return self.wsgi_app(environ, counted_start)


def init_app(app: Flask) -> None:
    if not app.config.get("SOB_BENCH_COUNT_STATEMENTS"):
        return
    if app.config.get("SOB_ENV", "production") != "development":
        raise ValueError(sob_config.BENCH_ONLY)
    counting = StatementCounting(app.wsgi_app)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counting.seen)
    app.wsgi_app = counting  # type: ignore[method-assign]
