"""Measurement batteries (mätbatterier): schedules and occurrences of an enrollment, the tick."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def tick(session: Session, now: datetime) -> int:
    """Open the occurrences whose time has come and mark the expired ones missed."""
    return 0
