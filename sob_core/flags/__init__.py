"""Flags (flaggor): rules per programme, raised by listeners and by the tick, handled as cases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


def tick(session: Session, now: datetime, settings: Mapping[str, Any]) -> int:
    """Raise the time-based flags (inactivity, unanswered messages, staff reminders)."""
    return 0
