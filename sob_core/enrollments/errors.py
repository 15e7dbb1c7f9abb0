"""The one error the enrollment services raise, with a code the web layer translates."""

from __future__ import annotations


class EnrollmentError(ValueError):
    """An enrollment action that is not allowed; ``code`` names why, for a translated message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
