"""Reminders (påminnelser): to the citizen about open forms, and staff reminders on a patient."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


def tick(
    session: Session, now: datetime, channels: Mapping[str, Any], settings: Mapping[str, Any]
) -> int:
    """Send the reminders that are due and still wanted."""
    return 0
