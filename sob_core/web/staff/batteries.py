"""The patient page's measurement batteries: running schedules, extra measurement, scheduling.

``panel(enrollment)`` gives what ``_battery_panel.html`` shows on the Hantera tab.
"""

from __future__ import annotations

from ...models import Enrollment


def panel(enrollment: Enrollment) -> dict:
    return {}
