"""SMS through 46elks' HTTP API: the core's generic notice in the recipient's language.

``POST {SOB_46ELKS_API_URL}`` (default ``https://api.46elks.com/a1/sms``) with the form fields
``from``, ``to``, ``message`` and ``whendelivered`` (the notice's delivery-report address), HTTP
Basic auth with the API username and password; the answer is JSON with the message's ``id`` and
``status``. 46elks later POSTs ``id``, ``status`` (delivered/failed) and ``delivered`` to the
report address, which the core checks (a secret token in the address) and records.

Like e-mail, the channel leaves the service and so never carries health data: the message says
only that something waits, and links to the service.

Settings (``sob_settings``): ``SOB_46ELKS_API_URL``, ``SOB_46ELKS_USERNAME``,
``SOB_46ELKS_PASSWORD`` and ``SOB_SMS_SENDER``.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from sob_core import Notice, NotificationChannel, Setting, hookimpl

from .email import absolute_link

KEY = "sms"
DEFAULT_API_URL = "https://api.46elks.com/a1/sms"
DEFAULT_SENDER = "SoB"
TIMEOUT = 30
_E164 = re.compile(r"\+[1-9]\d{7,14}")
_SENDER = re.compile(r"[A-Za-z][A-Za-z0-9]{1,10}|\+[1-9]\d{7,14}")


class SmsChannelError(RuntimeError):
    """An SMS could not be handed to the gateway; the outbox records it and retries."""


class SmsNotConfigured(SmsChannelError):
    pass


class NoMobileNumber(SmsChannelError):
    pass


def text(notice: Notice, config: Mapping[str, Any]) -> str:
    """The message: the generic body in the recipient's language, and the link."""
    lang = notice.language if notice.language in notice.body else "sv"
    body = (notice.body.get(lang) or notice.body.get("sv") or "").strip()
    link = absolute_link(notice.link, config.get("SOB_BASE_URL"))
    return f"{body}\n{link}" if link else body


def compose(notice: Notice, config: Mapping[str, Any]) -> dict[str, str]:
    """The form fields of the request; raises ``SmsChannelError`` without a usable number."""
    number = (notice.address.get("phone") or "").strip()
    if not number:
        raise NoMobileNumber(f"{notice.recipient_kind} {notice.recipient_id} has no mobile number")
    if not _E164.fullmatch(number):
        raise NoMobileNumber(
            f"{notice.recipient_kind} {notice.recipient_id} has a number not in E.164 form"
        )
    sender = config.get("SOB_SMS_SENDER") or DEFAULT_SENDER
    if not _SENDER.fullmatch(sender):
        raise SmsNotConfigured(
            "SOB_SMS_SENDER must be 2-11 letters and digits starting with a letter, or a number"
        )
    fields = {"from": sender, "to": number, "message": text(notice, config)}
    if notice.report_url.startswith(("https://", "http://")):
        fields["whendelivered"] = notice.report_url
    return fields


def send(notice: Notice, config: Mapping[str, Any]) -> str:
    """Hand one SMS to 46elks; returns its id. Raises so that the outbox retries."""
    username = config.get("SOB_46ELKS_USERNAME")
    password = config.get("SOB_46ELKS_PASSWORD")
    if not username or not password:
        raise SmsNotConfigured("the SMS channel needs SOB_46ELKS_USERNAME and SOB_46ELKS_PASSWORD")
    url = config.get("SOB_46ELKS_API_URL") or DEFAULT_API_URL
    if not str(url).startswith(("https://", "http://")):
        raise SmsNotConfigured("SOB_46ELKS_API_URL must be an http(s) address")
    data = urlencode(compose(notice, config)).encode()
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked above)
        url,
        data=data,
        method="POST",
        headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            payload = response.read(65536)
    except urllib.error.HTTPError as error:
        # The answer may quote the number: only the status code is kept.
        error.close()
        raise SmsChannelError(f"the SMS gateway answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SmsChannelError(f"the SMS gateway could not be reached: {reason}") from None
    try:
        answer = json.loads(payload)
    except ValueError:
        raise SmsChannelError("the SMS gateway's answer was not JSON") from None
    ref = str(answer.get("id") or "") if isinstance(answer, dict) else ""
    if not ref:
        raise SmsChannelError("the SMS gateway's answer had no message id")
    if answer.get("status") == "failed":
        raise SmsChannelError(f"the SMS gateway refused the message {ref}")
    return ref


CHANNEL = NotificationChannel(
    key=KEY,
    label={"sv": "SMS", "en": "Text message (SMS)"},
    send=send,
    carries_health_data=False,
    config_keys=(
        "SOB_46ELKS_API_URL",
        "SOB_46ELKS_USERNAME",
        "SOB_46ELKS_PASSWORD",
        "SOB_SMS_SENDER",
        "SOB_BASE_URL",
    ),
    delivery_reports=True,
    quiet_hours=True,
)

SETTINGS = (
    Setting("SOB_46ELKS_API_URL", DEFAULT_API_URL, "46elks' SMS endpoint (POST /a1/sms)."),
    Setting(
        "SOB_46ELKS_USERNAME", None, "API username of the 46elks account.", shown_default="(unset)"
    ),
    Setting(
        "SOB_46ELKS_PASSWORD", None, "API password of the 46elks account.", shown_default="(unset)"
    ),
    Setting("SOB_SMS_SENDER", DEFAULT_SENDER, "Sender name of notice SMS (2-11 letters/digits)."),
)


@hookimpl
def sob_notification_channels() -> list[NotificationChannel]:
    return [CHANNEL]


@hookimpl
def sob_settings() -> tuple[Setting, ...]:
    return SETTINGS
