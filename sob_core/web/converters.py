"""URL converters: an id in a URL is a database id, 1..2^63-1, or the page does not exist.

Werkzeug's ``int`` converter takes any number of digits; an id above 2^63-1 then overflows
SQLite's and PostgreSQL's BIGINT and the request ends in a 500. ``<id:name>`` matches only ids
a database can hold, so a larger one is a plain 404.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

#: the largest value of a signed 64-bit integer (BIGINT on PostgreSQL, INTEGER on SQLite)
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """A positive database id: ``1`` to ``2**63 - 1``, digits only (no sign, no leading zero)."""

    regex = r"[1-9]\d{0,18}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def init_app(app: Flask) -> None:
    """Register ``<id:...>``; before any blueprint, since rules are parsed when registered."""
    app.url_map.converters["id"] = IdConverter
