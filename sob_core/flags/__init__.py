"""Flags (flaggor): rules per programme, raised by listeners and by the tick, handled as cases.

See ``docs/flags.md``. ``cases`` raises, clears and handles a flag (``raise_flag``, ``clear``,
``acknowledge``, ``assign``, ``resolve``, ``dismiss``); ``listeners`` raise the flags of results,
missed forms, activity values and staff reminders from the internal events; ``timed`` those of
inactivity and unanswered messages from the tick; ``queries`` lists them for staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .. import events
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from .cases import (
    CLOSED,
    MAX_NOTE,
    OPEN,
    STATUSES,
    TriageError,
    acknowledge,
    assign,
    clear,
    close,
    dismiss,
    raise_flag,
    resolve,
    unit_colleagues,
)
from .listeners import (
    on_activity_value_recorded,
    on_occurrences_closed,
    on_result_recorded,
    on_staff_reminder_due,
)
from .rules import DEFAULT_RULES
from .timed import inactivity, unanswered, version_rules


def tick(session: Session, now: datetime, settings: Mapping[str, Any]) -> int:
    """Raise the time-based flags (inactivity, unanswered messages) and clear those that no
    longer hold; staff reminders come from ``events.staff_reminder_due``."""
    versions = version_rules(session)  # the programme versions' rules, read once for both
    return inactivity(session, now, versions) + unanswered(session, now, versions)


# Core wiring: connected once, when the package is imported, with strong references.
events.result_recorded.connect(on_result_recorded, weak=False)
events.occurrences_closed.connect(on_occurrences_closed, weak=False)
events.activity_value_recorded.connect(on_activity_value_recorded, weak=False)
events.staff_reminder_due.connect(on_staff_reminder_due, weak=False)

__all__ = [
    "CLOSED",
    "DEFAULT_RULES",
    "MAX_NOTE",
    "OPEN",
    "STATUSES",
    "TriageError",
    "acknowledge",
    "assign",
    "clear",
    "close",
    "dismiss",
    "raise_flag",
    "resolve",
    "tick",
    "unit_colleagues",
]
