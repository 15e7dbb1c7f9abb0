"""Coded export errors: English by ``str()``, translated by the web layer."""

from __future__ import annotations

MESSAGES = {
    "format": "Choose CSV or FHIR.",
    "program": "There are no ended enrollments of that programme at your care unit.",
}


class ExportError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES.get(code, code))
        self.code = code
