"""The patient page's staff reminders ("ring upp efter semestern").

``panel(enrollment)`` gives what ``_staff_reminder_panel.html`` shows on the Hantera tab.
"""

from __future__ import annotations

from ...models import Enrollment


def panel(enrollment: Enrollment) -> dict:
    return {}
