"""Media: uploaded files and the storage they live in.

The service API, all in ``storage.py``: choose an app's storage (``init_app``, ``get_storage``),
check what may be uploaded (``check_upload``, ``check_media_bytes``, ``max_upload_bytes``), keep
checked bytes as a ``MediaFile`` (``store_media``) and read them back (``read_media``). Nothing here
knows the request: the web passes its app's storage and configuration (``web/media.py``).
"""

from __future__ import annotations

from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from .storage import (
    BY_CONTENT_TYPE,
    DEFAULT_MAX_UPLOAD_MB,
    KINDS,
    MEDIA_TYPES,
    LocalStorage,
    MediaType,
    Storage,
    UploadError,
    check_media_bytes,
    check_upload,
    check_upload_as,
    clean_filename,
    extensions_for,
    get_storage,
    init_app,
    max_upload_bytes,
    read_media,
    store_media,
)

__all__ = [
    "BY_CONTENT_TYPE",
    "DEFAULT_MAX_UPLOAD_MB",
    "KINDS",
    "MEDIA_TYPES",
    "LocalStorage",
    "MediaType",
    "Storage",
    "UploadError",
    "check_media_bytes",
    "check_upload",
    "check_upload_as",
    "clean_filename",
    "extensions_for",
    "get_storage",
    "init_app",
    "max_upload_bytes",
    "read_media",
    "store_media",
]
