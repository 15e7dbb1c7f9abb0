"""Uploaded media: where the bytes live (a storage abstraction) and what may be uploaded.

A ``Storage`` keeps bytes under a key it chooses. ``LocalStorage`` (the default) is content-addressed:
the key is derived from the SHA-256 of the bytes, so storing the same file twice keeps one copy and a
key never names anything outside its root folder. Another backend (an object store, say) only has to
implement ``put``, ``open`` and ``delete``; ``init_app`` picks the one an app uses and keeps it in
``app.extensions["sob_storage"]``.

Uploads are checked twice: by file name extension and by the file's first bytes (its "magic"), so a
renamed executable is refused, and against a size limit (``SOB_MAX_UPLOAD_MB``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import MediaFile

EXTENSION_KEY = "sob_storage"
DEFAULT_MAX_UPLOAD_MB = 200


class UploadError(ValueError):
    """An upload that cannot be accepted; the message says why (in English, the view translates)."""

    def __init__(self, message: str, code: str = "invalid", **detail: Any) -> None:
        super().__init__(message)
        self.code = code  # "type", "size", "empty", "mismatch": lets views show their own text
        self.detail = detail


@runtime_checkable
class Storage(Protocol):
    """Where uploaded bytes are kept."""

    def put(self, data: bytes, content_type: str, *, private: bool = False) -> str:
        """Store ``data`` and return its key (at most 255 characters). Identical bytes may
        share a key; ``private`` ones (a citizen's answer file) get a key of their own that
        says nothing of the bytes, never shared with an earlier or a later upload."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the stored bytes; ``KeyError`` when there are none."""

    def delete(self, key: str) -> None:
        """Remove the bytes (no error when they are already gone)."""


_KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")


class LocalStorage:
    """Files in a local folder, named by the SHA-256 of their bytes: ``ab/abcdef...`` (a
    private file by the SHA-256 of a random salt and its bytes: the same shape, its own key)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        """The file of a key; refuses anything but a well-formed content address."""
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise KeyError(key)
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise KeyError(key)
        return path

    def put(self, data: bytes, content_type: str, *, private: bool = False) -> str:
        salt = secrets.token_bytes(32) if private else b""
        digest = hashlib.sha256(salt + data).hexdigest()
        key = f"{digest[:2]}/{digest}"
        path = self.path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def open(self, key: str) -> BinaryIO:
        path = self.path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.open("rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def init_app(app: Any) -> None:
    """Choose the app's storage: a local folder, ``SOB_UPLOAD_DIR`` or ``instance/uploads``."""
    if EXTENSION_KEY in app.extensions:
        return
    root = app.config.get("SOB_UPLOAD_DIR") or Path(app.instance_path) / "uploads"
    app.extensions[EXTENSION_KEY] = LocalStorage(root)


def get_storage(app: Any = None) -> Storage:
    """The storage ``init_app`` chose for ``app`` (chosen now when it has none yet).

    The web passes its app (``web.media.current_storage``). Leaving ``app`` out is only for the
    callers not yet given one (the programme export and import); it goes when they are.
    """
    app = _app(app)
    if EXTENSION_KEY not in app.extensions:
        init_app(app)
    return app.extensions[EXTENSION_KEY]


def max_upload_bytes(config: Mapping[str, Any] | None = None) -> int:
    """The upload size limit in bytes, from ``SOB_MAX_UPLOAD_MB`` of an app's ``config``.

    Fractions of a megabyte are allowed. ``config`` left out: as for ``get_storage``.
    """
    if config is None:
        config = _app(None).config
    megabytes = config.get("SOB_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)
    return int(float(megabytes) * 1024 * 1024)


def _app(app: Any) -> Any:
    """``app``, or for the callers that do not pass one yet the app of the context."""
    if app is not None:
        return app
    import flask  # transitional, see get_storage: the domain does not otherwise know Flask

    # Flask annotates current_app as the Flask it proxies, so the proxy's own method is unknown
    return flask.current_app._get_current_object()  # type: ignore[attr-defined]


# --- what may be uploaded ------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaType:
    """A content type sob accepts, its kind and the file name extensions it goes by."""

    content_type: str
    kind: str  # image / audio / video / captions
    extensions: tuple[str, ...]


MEDIA_TYPES: tuple[MediaType, ...] = (
    MediaType("image/jpeg", "image", (".jpg", ".jpeg")),
    MediaType("image/png", "image", (".png",)),
    MediaType("image/webp", "image", (".webp",)),
    MediaType("audio/mpeg", "audio", (".mp3",)),
    MediaType("audio/mp4", "audio", (".m4a",)),
    MediaType("audio/ogg", "audio", (".ogg", ".oga")),
    MediaType("video/mp4", "video", (".mp4", ".m4v")),
    MediaType("video/webm", "video", (".webm",)),
    MediaType("text/vtt", "captions", (".vtt",)),
    # a citizen's answer file (``types.ANSWER_FILE_TYPES``), never programme content
    MediaType("application/pdf", "document", (".pdf",)),
)
BY_CONTENT_TYPE = {t.content_type: t for t in MEDIA_TYPES}
KINDS = ("image", "audio", "video", "captions")


def extensions_for(kind: str) -> list[str]:
    """The file name extensions accepted for a kind of media (``image``, ``audio`` ...)."""
    return [ext for t in MEDIA_TYPES if t.kind == kind for ext in t.extensions]


def _is_iso_media(data: bytes) -> bool:  # MP4 / M4A: an ISO base media file starts with "ftyp"
    return len(data) >= 12 and data[4:8] == b"ftyp"


def _is_mp3(data: bytes) -> bool:
    if data.startswith(b"ID3"):
        return True
    return len(data) >= 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0


def _is_vtt(data: bytes) -> bool:
    text = data.removeprefix(b"\xef\xbb\xbf")
    if not (
        text.startswith(b"WEBVTT") and (len(text) == 6 or text[6:7] in (b" ", b"\t", b"\n", b"\r"))
    ):
        return False
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


MAGIC = {
    "image/jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "image/png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda d: len(d) >= 12 and d[:4] == b"RIFF" and d[8:12] == b"WEBP",
    "audio/mpeg": _is_mp3,
    "audio/mp4": _is_iso_media,
    "audio/ogg": lambda d: d.startswith(b"OggS"),
    "video/mp4": _is_iso_media,
    "video/webm": lambda d: d.startswith(b"\x1a\x45\xdf\xa3"),
    "text/vtt": _is_vtt,
    "application/pdf": lambda d: d.startswith(b"%PDF-"),
}


def clean_filename(filename: str | None) -> str:
    """The last path part of an uploaded name, without control characters, at most 255 long."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 16 else name[:255]
    return name or "file"


def check_upload(data: bytes, filename: str, kind: str | None, max_bytes: int) -> MediaType:
    """The media type of an upload, or ``UploadError``: extension and first bytes must agree."""
    allowed = [t for t in MEDIA_TYPES if kind is None or t.kind == kind]
    return check_upload_as(data, filename, allowed, max_bytes)


def check_upload_as(
    data: bytes, filename: str, allowed: list[MediaType], max_bytes: int
) -> MediaType:
    """Like ``check_upload``, for the media types ``allowed`` (a question's answer file)."""
    if not data:
        raise UploadError("the file is empty", "empty")
    if len(data) > max_bytes:
        raise UploadError(f"the file is larger than {max_bytes} bytes", "size", max_bytes=max_bytes)
    extension = os.path.splitext(filename.lower())[1]
    candidates = [t for t in allowed if extension in t.extensions]
    if not candidates:
        raise UploadError(
            f"files ending in {extension or '(nothing)'} are not accepted here; "
            f"use {', '.join(ext for t in allowed for ext in t.extensions)}",
            "type",
            allowed=[ext for t in allowed for ext in t.extensions],
        )
    media_type = candidates[0]
    if not MAGIC[media_type.content_type](data):
        raise UploadError(
            f"the file does not contain what its name says ({media_type.content_type})",
            "mismatch",
        )
    return media_type


def check_media_bytes(data: bytes, content_type: object, max_bytes: int) -> MediaType:
    """Like ``check_upload`` but for a declared content type (used when importing a program).

    The type comes from an import file, so it may be any JSON value; only a known one is accepted.
    """
    if not isinstance(content_type, str) or content_type not in BY_CONTENT_TYPE:
        raise UploadError(f"the content type {content_type!r} is not accepted", "type")
    media_type = BY_CONTENT_TYPE[content_type]
    if not data:
        raise UploadError("the file is empty", "empty")
    if len(data) > max_bytes:
        raise UploadError(f"the file is larger than {max_bytes} bytes", "size")
    if not MAGIC[content_type](data):
        raise UploadError(f"the file does not contain {content_type}", "mismatch")
    return media_type


def store_media(
    session: Session,
    storage: Storage,
    data: bytes,
    *,
    filename: str,
    media_type: MediaType,
    care_unit_id: int | None = None,
    uploaded_by_id: int | None = None,
    answer_file: bool = False,
) -> MediaFile:
    """Keep checked bytes and describe them in a ``MediaFile``; identical content shares one row.

    ``answer_file``: a citizen's answer to a question, never served as content (``web/media``).
    It is stored privately (``Storage.put``): a row and bytes of its own, whatever was uploaded
    before, so no upload can tell whether someone else gave the same file, and removing one
    citizen's file never touches another's."""
    digest = hashlib.sha256(data).hexdigest()
    key = storage.put(data, media_type.content_type, private=answer_file)
    existing = (
        None
        if answer_file
        else session.scalar(select(MediaFile).where(MediaFile.storage_key == key))
    )
    if existing is not None:
        return existing
    media = MediaFile(
        sha256=digest,
        filename=clean_filename(filename),
        content_type=media_type.content_type,
        size=len(data),
        storage_key=key,
        care_unit_id=care_unit_id,
        uploaded_by_id=uploaded_by_id,
        answer_file=answer_file,
    )
    session.add(media)
    session.flush()
    return media


def read_media(storage: Storage, media: MediaFile) -> bytes:
    """The stored bytes of ``media``; ``KeyError`` when the storage has lost them."""
    with storage.open(media.storage_key) as stream:
        return stream.read()
