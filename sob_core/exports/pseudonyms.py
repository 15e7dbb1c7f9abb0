"""Keyed pseudonyms and date shifts for pseudonymised exports.

A pseudonym is an HMAC-SHA256 of the personnummer under the installation's secret key, so the
same person has the same pseudonym in every export of the installation (exports can be joined)
and nobody without the key can compute it from a personnummer. Each person's dates move by one
keyed offset of 1-180 days, earlier or later, the same in every export, so intervals within a
person stay true while calendar dates do not point at her.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MAX_SHIFT_DAYS = 180


def _digest(secret: str, purpose: str, value: str) -> bytes:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Pseudonymiser:
    secret: str

    def person(self, personnummer: str) -> str:
        """The person's pseudonym: 20 hex digits prefixed ``p-``."""
        return "p-" + _digest(self.secret, "sob-export-person", personnummer).hex()[:20]

    def enrollment(self, enrollment_id: int) -> str:
        return "e-" + _digest(self.secret, "sob-export-enrollment", str(enrollment_id)).hex()[:16]

    def response(self, response_id: int) -> str:
        return "r-" + _digest(self.secret, "sob-export-response", str(response_id)).hex()[:16]

    def shift(self, personnummer: str) -> timedelta:
        """The person's date offset: never zero, at most ``MAX_SHIFT_DAYS`` either way."""
        number = int.from_bytes(_digest(self.secret, "sob-export-shift", personnummer)[:4], "big")
        days = number % MAX_SHIFT_DAYS + 1
        return timedelta(days=days if number & 1 << 31 else -days)


def shift_date_text(text: str, offset: timedelta) -> str:
    """A stored ``YYYY-MM-DD`` answer moved by ``offset`` (anything else unchanged)."""
    try:
        return (date.fromisoformat(text) + offset).isoformat()
    except (TypeError, ValueError):
        return text


def shift_moment(moment: datetime | None, offset: timedelta) -> datetime | None:
    return None if moment is None else moment + offset
