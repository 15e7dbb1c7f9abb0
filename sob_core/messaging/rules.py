"""Who may write where, and the shape of a message's text."""

from __future__ import annotations

import re

from ..content import content_of
from ..models import Enrollment
from .errors import MessagingError

MAX_BODY = 10_000
MAX_SUBJECT = 200
KINDS = ("citizen", "staff")


def enabled(enrollment: Enrollment) -> bool:
    """The designer switched messaging on in the programme version of the enrollment."""
    version = enrollment.program_version
    return version is not None and content_of(version).messaging


def writable(enrollment: Enrollment) -> bool:
    """Messages can be written: messaging is on and the enrollment has not ended."""
    return enabled(enrollment) and enrollment.status != "ended"


def check_writable(enrollment: Enrollment) -> None:
    if not enabled(enrollment):
        raise MessagingError("disabled")
    if enrollment.status == "ended":
        raise MessagingError("ended")


def clean_body(text: str | None) -> str:
    """Plain text: line ends normalised, trailing space and surrounding blank lines removed."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
    if not text.strip():
        raise MessagingError("empty")
    if len(text) > MAX_BODY:
        raise MessagingError("too_long")
    return text


def clean_subject(text: str | None) -> str:
    subject = " ".join((text or "").split())
    if not subject:
        raise MessagingError("no_subject")
    if len(subject) > MAX_SUBJECT:
        raise MessagingError("subject_too_long")
    return subject


def paragraphs(text: str) -> list[list[str]]:
    """A plain text as paragraphs (split at blank lines) of lines, for rendering escaped."""
    return [block.split("\n") for block in re.split(r"\n\s*\n", text.strip()) if block.strip()]
