"""E-mail: the core's generic notice in the recipient's language, as plain text over SMTP.

The channel leaves the platform, so it never carries health data: it sends only the subject and
body the core hands it (which say that something waits in the service, never what) and the link.

Settings (declared with ``sob_settings``, read by the core from the environment and passed to
``send``):

- ``SOB_SMTP_HOST`` — the SMTP relay; without it every send fails, so the outbox retries and then
  marks the notification failed.
- ``SOB_SMTP_PORT`` — its port (default 25).
- ``SOB_MAIL_FROM`` — the sender address.
- ``SOB_BASE_URL`` — a core setting: the public address of the service, put before a link that
  is a path.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urljoin, urlsplit

from sob_core import Notice, NotificationChannel, Setting, hookimpl

KEY = "email"
DEFAULT_PORT = 25
DEFAULT_SENDER = "no-reply@sob.invalid"
TIMEOUT = 30  # seconds for connecting to and talking with the relay


class EmailChannelError(RuntimeError):
    """An e-mail could not be sent; the outbox records the message and retries."""


class SmtpNotConfigured(EmailChannelError):
    pass


class NoEmailAddress(EmailChannelError):
    pass


def _languages(text: Mapping[str, str], language: str = "sv") -> list[str]:
    """The text in the recipient's language (Swedish when it has none in that language)."""
    value = (text.get(language) or text.get("sv") or "").strip()
    return [value] if value else []


def absolute_link(link: str, base_url: str | None) -> str:
    """The notice's link as an absolute http(s) address, or "" when there is none to give."""
    link = (link or "").strip()
    if not link:
        return ""
    if base_url:
        link = urljoin(base_url.rstrip("/") + "/", link)
    return link if urlsplit(link).scheme in ("http", "https") else ""


def compose(notice: Notice, config: Mapping[str, Any]) -> EmailMessage:
    """Build the message for ``notice``; raises ``EmailChannelError`` when it has no address."""
    recipient = (notice.address.get("email") or "").strip()
    if not recipient:
        raise NoEmailAddress(f"{notice.recipient_kind} {notice.recipient_id} has no e-mail address")
    if "@" not in recipient or any(ch.isspace() for ch in recipient):
        raise NoEmailAddress(
            f"{notice.recipient_kind} {notice.recipient_id} has an invalid e-mail address"
        )
    sender = config.get("SOB_MAIL_FROM") or DEFAULT_SENDER
    paragraphs = _languages(notice.body, notice.language)
    link = absolute_link(notice.link, config.get("SOB_BASE_URL"))
    if link:
        paragraphs.append(link)

    message = EmailMessage()
    message["Subject"] = " ".join(_languages(notice.subject, notice.language))
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(usegmt=True)
    domain = sender.rpartition("@")[2] or None
    # The same Message-ID on every retry of a notice, so a copy sent twice (a worker that died
    # after the relay accepted it) is recognisably the same message.
    message["Message-ID"] = (
        f"<{notice.reference}@{domain}>"
        if notice.reference and domain
        else make_msgid(domain=domain)
    )
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n\n".join(paragraphs) + "\n", cte="quoted-printable")
    # after set_content, which clears every Content-* header
    message["Content-Language"] = notice.language if notice.language in notice.body else "sv"
    return message


def _relay(config: Mapping[str, Any]) -> tuple[str, int]:
    host = config.get("SOB_SMTP_HOST")
    if not host:
        raise SmtpNotConfigured("the e-mail channel needs SOB_SMTP_HOST (no SMTP server is set)")
    try:
        port = int(config.get("SOB_SMTP_PORT") or DEFAULT_PORT)
    except (TypeError, ValueError) as error:
        raise SmtpNotConfigured(
            f"SOB_SMTP_PORT must be a port number, not {config.get('SOB_SMTP_PORT')!r}"
        ) from error
    return str(host), port


def _transmit(smtp: smtplib.SMTP, message: EmailMessage, notice: Notice, relay: str) -> None:
    try:
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = sorted({code for code, _ in error.recipients.values()})
        raise EmailChannelError(
            f"SMTP server {relay} refused the recipient of "
            f"{notice.recipient_kind} {notice.recipient_id} (codes {codes})"
        ) from error


def send(notice: Notice, config: Mapping[str, Any]) -> str:
    """Send one notice over a connection of its own; returns the Message-ID. Raises so that the
    outbox retries."""
    host, port = _relay(config)
    message = compose(notice, config)
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT) as smtp:
            _transmit(smtp, message, notice, f"{host}:{port}")
    except EmailChannelError:
        raise
    except (smtplib.SMTPException, OSError) as error:
        raise EmailChannelError(f"SMTP server {host}:{port}: {error}") from error
    return str(message["Message-ID"])


class SmtpSession:
    """One SMTP connection for a batch of notices (``NotificationChannel.session``).

    Connects on the first send. A send that fails on the connection (the server hung up, a
    timeout) closes it, so the next notice connects again; a connection that the server closed
    while idle is opened again once before giving up, since nothing was accepted on it.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        #: how many connections were opened (for the tests and the benchmark)
        self.connections = 0

    def __enter__(self) -> Callable[[Notice], str]:
        return self.send

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connect(self, host: str, port: int) -> smtplib.SMTP:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
        self.connections += 1
        self.smtp = smtp
        return smtp

    def send(self, notice: Notice) -> str:
        host, port = _relay(self.config)
        message = compose(notice, self.config)
        relay = f"{host}:{port}"
        try:
            reused = self.smtp is not None
            smtp = self.smtp or self._connect(host, port)
            try:
                _transmit(smtp, message, notice, relay)
            except smtplib.SMTPServerDisconnected:
                self.close()
                if not reused:
                    raise
                _transmit(self._connect(host, port), message, notice, relay)
        except EmailChannelError:
            raise
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise EmailChannelError(f"SMTP server {relay}: {error}") from error
        return str(message["Message-ID"])


CHANNEL = NotificationChannel(
    key=KEY,
    label={"sv": "E-post", "en": "E-mail"},
    send=send,
    session=SmtpSession,
    carries_health_data=False,
    config_keys=("SOB_SMTP_HOST", "SOB_SMTP_PORT", "SOB_MAIL_FROM", "SOB_BASE_URL"),
)


SETTINGS = (
    Setting(
        "SOB_SMTP_HOST",
        None,
        "SMTP server of the e-mail notification channel.",
        shown_default="(unset)",
    ),
    Setting("SOB_SMTP_PORT", DEFAULT_PORT, "Port of the SMTP server.", int, str(DEFAULT_PORT)),
    Setting("SOB_MAIL_FROM", DEFAULT_SENDER, "Sender address of notification e-mails."),
)


@hookimpl
def sob_notification_channels() -> list[NotificationChannel]:
    return [CHANNEL]


@hookimpl
def sob_settings() -> tuple[Setting, ...]:
    return SETTINGS
