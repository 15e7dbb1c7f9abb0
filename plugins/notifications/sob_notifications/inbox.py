"""The in-app inbox: a notice is shown inside the service from the notification table.

Nothing leaves the platform, so ``send`` has nothing to transmit: it only lets the outbox mark the
row as delivered. The core lists a person's inbox notifications from the ``notification`` table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sob_core import Notice, NotificationChannel, hookimpl

KEY = "inbox"


def send(notice: Notice, config: Mapping[str, Any]) -> str:
    """Mark the notice delivered; the row itself is what the inbox shows."""
    return KEY


CHANNEL = NotificationChannel(
    key=KEY,
    label={"sv": "Inkorg i tjänsten", "en": "Inbox in the service"},
    send=send,
    carries_health_data=False,
    local=True,  # written as delivered: no job, no attempt (half of all notices need none)
)


@hookimpl
def sob_notification_channels() -> list[NotificationChannel]:
    return [CHANNEL]
