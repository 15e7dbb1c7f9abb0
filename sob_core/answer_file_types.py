"""What a question answered by a file accepts (``QuestionType.file_rules``): part of the plugin
contract, kept apart from ``types`` so each module stays small. Imports nothing of the host.

``file_rules(spec)``, set only by a type whose answer is a file, returns the question's
``FileRules``. The host then receives the file itself (the type never sees bytes): it reads
the upload posted under the field's name (the form is posted as multipart), checks it
against the rules, stores it as a media file, and sets the field's ``data`` to the answer
file's description, ``{"media_id", "filename", "content_type", "size", "sha256", "sha1"}``
(``sha1`` base64, as FHIR's ``Attachment.hash``), before ``clean`` is called. Posted without
a new file, ``data`` is the draft's file the page showed (the host's hidden ``<name>:kept``
names it); with ``<name>:remove`` posted, None.
On the page the host also sets the field's ``file_url`` (where that file is downloaded).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: The content types the host receives as answer files (a question type with ``file_rules``),
#: with the file name extensions each goes by. The host checks an upload's extension and first
#: bytes against these (``sob_core.media``), whatever else the question allows.
ANSWER_FILE_TYPES: Mapping[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}


def content_type_matches(content_type: str, pattern: str) -> bool:
    """Whether ``content_type`` is what ``pattern`` names: ``image/png``, or ``image/*``."""
    kind, _, sub = pattern.lower().partition("/")
    have_kind, _, have_sub = content_type.lower().partition("/")
    return kind == have_kind and sub in ("*", have_sub)


@dataclass(frozen=True)
class FileRules:
    """What a question whose answer is a file accepts (``QuestionType.file_rules``).

    ``content_types`` are patterns (``image/png``, ``image/*``); empty allows every type of
    ``ANSWER_FILE_TYPES``. ``max_bytes`` is the question's size limit; the host also applies its
    own (``SOB_MAX_UPLOAD_MB``), whichever is smaller.
    """

    content_types: tuple[str, ...] = ()
    max_bytes: int | None = None

    def accepted(self) -> tuple[str, ...]:
        """The content types of ``ANSWER_FILE_TYPES`` the question takes, in that order."""
        return tuple(
            known
            for known in ANSWER_FILE_TYPES
            if not self.content_types
            or any(content_type_matches(known, p) for p in self.content_types)
        )

    def extensions(self) -> tuple[str, ...]:
        return tuple(ext for known in self.accepted() for ext in ANSWER_FILE_TYPES[known])
