"""Attachment: the answer is a file the citizen uploads (a photo, a PDF).

The type never sees the bytes. It declares what the question accepts (``file_rules``); the host
receives the upload, checks its name and first bytes against those rules (and its own size limit),
stores it as a media file and hands ``clean`` the file's description, which is the payload:
``{"media_id", "filename", "content_type", "size", "sha256", "sha1"}`` (``sha1`` in base64, as
FHIR's ``Attachment.hash``). See ``QuestionType.file_rules`` and docs/hooks.md.

Configuration (both optional): ``content_types``, a list of content types or ``type/*`` patterns
(FHIR's ``mimeType`` extension, kept as written; none: every type the host receives), and
``max_bytes``, the largest file (FHIR's ``maxSize``, a decimal number of bytes; none: the
host's limit, at most ``DEFAULT_MAX_BYTES``). A question must accept at least one of the host's
types (``ANSWER_FILE_TYPES``): one the host cannot receive could never be answered.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from wtforms.utils import unset_value

from sob_core import (
    ANSWER_FILE_TYPES,
    FileRules,
    QuestionSpec,
    QuestionType,
    hookimpl,
)

from . import _fhir, _schema
from ._common import config_mapping, config_validator, is_number, nothing_answered, safe_display
from ._fields import QuestionField, field_factory
from ._messages import format_number, invalid, message

MIME_TYPE = _fhir.SD + "mimeType"
MAX_SIZE = _fhir.SD + "maxSize"
#: the limit of a question that names none (the host's own limit applies too)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MOST_TYPES = 50
#: a content type or a ``type/*`` pattern (RFC 6838 names), any letter case
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_PATTERN = re.compile(rf"^{_NAME}/(\*|{_NAME})$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
PAYLOAD_KEYS = ("media_id", "filename", "content_type", "size", "sha256", "sha1")


def _settings(config: Any, lang: str) -> tuple[tuple[str, ...], int | float | None]:
    """``(content type patterns, max_bytes or None)`` of a question's configuration."""
    config = config_mapping(config, lang)
    raw_types = config.get("content_types")
    patterns: tuple[str, ...] = ()
    if raw_types is not None:
        if (
            not isinstance(raw_types, list)
            or not raw_types
            or len(raw_types) > MOST_TYPES
            or not all(isinstance(p, str) and _PATTERN.match(p) for p in raw_types)
        ):
            raise invalid("cfg_file_types", lang, max=MOST_TYPES)
        patterns = tuple(raw_types)
        if not FileRules(patterns).accepted():
            raise invalid("cfg_file_types_none", lang, types=_type_names(tuple(ANSWER_FILE_TYPES)))
    limit = config.get("max_bytes")
    if limit is not None and (not is_number(limit) or limit < 1):
        raise invalid("cfg_at_least", lang, name="max_bytes", low=1)
    return patterns, limit


def _rules(config: Any, lang: str) -> FileRules:
    patterns, limit = _settings(config, lang)
    return FileRules(patterns, int(limit) if limit is not None else DEFAULT_MAX_BYTES)


def _type_names(content_types: tuple[str, ...]) -> str:
    """``JPG, PNG, PDF``: what the citizen reads, named by the files' extensions."""
    return ", ".join(ANSWER_FILE_TYPES[t][0].lstrip(".").upper() for t in content_types)


def size_text(size: int | float, lang: str) -> str:
    """``5 MB``, ``300 kB``, ``12 byte``: a size as a person reads it (1 MB = 1024 kB)."""
    if size >= 1024 * 1024:
        return f"{format_number(round(size / (1024 * 1024), 1), lang)} MB"
    if size >= 1024:
        return f"{format_number(round(size / 1024, 1), lang)} kB"
    return f"{int(size)} byte"


class AttachmentQuestionField(QuestionField):
    """A file input. The host sets ``data`` (the answer file or None) and ``file_url``; the
    posted form is never read here: a file field posts bytes, which are the host's to take."""

    file_url = ""

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)
        self.raw_data: list[Any] = []

    @property
    def accept(self) -> str:
        """The ``accept`` attribute: the extensions and content types the question takes."""
        rules: FileRules = self.settings
        return ",".join([*rules.extensions(), *rules.accepted()])

    @property
    def current(self) -> Mapping[str, Any] | None:
        data = self.data
        return data if isinstance(data, Mapping) and isinstance(data.get("filename"), str) else None


def _hint(rules: FileRules, lang: str) -> str:
    return message(
        "hint_file",
        lang,
        types=_type_names(rules.accepted()),
        size=size_text(rules.max_bytes or DEFAULT_MAX_BYTES, lang),
    )


def _clean(spec: QuestionSpec, data: Any, lang: str) -> dict[str, Any] | None:
    rules = _rules(spec.config, lang)
    if data is None or data == "" or data == {}:
        return nothing_answered(spec, lang)
    if not isinstance(data, Mapping) or set(data) != set(PAYLOAD_KEYS):
        raise invalid("not_file", lang)
    media_id, size = data["media_id"], data["size"]
    filename, content_type = data["filename"], data["content_type"]
    if (
        not isinstance(media_id, int)
        or isinstance(media_id, bool)
        or media_id < 1
        or not isinstance(size, int)
        or isinstance(size, bool)
        or size < 1
        or not isinstance(filename, str)
        or not 0 < len(filename) <= 255
        or not isinstance(data["sha256"], str)
        or not _SHA256.match(data["sha256"])
        or not _is_sha1(data["sha1"])
    ):
        raise invalid("not_file", lang)
    if content_type not in rules.accepted():
        raise invalid("file_type", lang, types=_type_names(rules.accepted()))
    if rules.max_bytes is not None and size > rules.max_bytes:
        raise invalid("file_too_large", lang, size=size_text(rules.max_bytes, lang))
    return {key: data[key] for key in PAYLOAD_KEYS}


def _is_sha1(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return len(base64.b64decode(value, validate=True)) == 20
    except (binascii.Error, ValueError):
        return False


@safe_display
def _display(spec: QuestionSpec, payload: Any, lang: str) -> str:
    if isinstance(payload, Mapping) and isinstance(payload.get("filename"), str):
        size = payload.get("size")
        shown = size_text(size, lang) if isinstance(size, int) and size > 0 else ""
        return f"{payload['filename']} ({shown})" if shown else payload["filename"]
    return str(payload)


def _fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    patterns, limit = _settings(spec.config, lang)
    found = [_fhir.extension(MIME_TYPE, "Code", p) for p in patterns]
    if limit is not None:
        found.append(_fhir.extension(MAX_SIZE, "Decimal", limit))
    return {"extension": found} if found else {}


def _fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    """``valueAttachment`` without the bytes: the host adds where they are (``url``)."""
    if payload is None:
        return []
    if not isinstance(payload, Mapping) or not all(k in payload for k in PAYLOAD_KEYS):
        raise invalid(
            "fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key="attachment"
        )
    attachment = {
        "contentType": payload["content_type"],
        "title": payload["filename"],
        "size": payload["size"],
        "hash": payload["sha1"],
    }
    return [{"valueAttachment": attachment}]


def _from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, "attachment")
    config: dict[str, Any] = {}
    patterns = [e.get("valueCode") for e in _fhir.extensions(item, MIME_TYPE) if "valueCode" in e]
    if patterns:
        config["content_types"] = patterns
    limit = _fhir.extension_value(item, MAX_SIZE, "Decimal")
    if isinstance(limit, int) and not isinstance(limit, bool):
        config["max_bytes"] = limit  # kept as written (fhir_number gives a float for an int)
    elif limit is not None:
        config["max_bytes"] = _fhir.fhir_number(limit, "maxSize")
    _settings(config, _fhir.IMPORTING)  # refused, naming why, when it cannot be answered
    return config


def _file_rules(spec: QuestionSpec) -> FileRules:
    return _rules(spec.config, "sv")


ATTACHMENT = QuestionType(
    key="attachment",
    label={"sv": "Bifogad fil", "en": "Attached file"},
    make_field=field_factory(AttachmentQuestionField, _rules, _hint),
    clean=_clean,
    fhir_type="attachment",
    config_schema=_schema.config_schema(
        {
            "content_types": _schema.titled(
                {"type": "array", "items": {"type": "string"}, "maxItems": MOST_TYPES},
                "Tillåtna filtyper (till exempel image/* eller application/pdf)",
                "Allowed file types (for example image/* or application/pdf)",
            ),
            "max_bytes": _schema.titled(
                {"type": "number", "exclusiveMinimum": 0},
                "Största fil (byte)",
                "Largest file (bytes)",
            ),
        }
    ),
    validate_config=config_validator(_settings),
    display=_display,
    template="sob_questions/attachment.html",
    fhir_item=_fhir_item,
    fhir_answer=_fhir_answer,
    from_fhir=_from_fhir,
    fhir_matches=lambda item: _fhir.classify(item) == "attachment",
    file_rules=_file_rules,
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [ATTACHMENT]
