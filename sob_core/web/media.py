"""Uploaded media files, served to the people allowed to see them.

Staff see a file when they hold designer, publisher, therapist or citizen administrator at any of
their care units (media carry no health data: they are program content). A citizen sees a file only
when one of their own enrollments runs a program version that uses it, or a form version she was
given shows it on a question. Everyone else gets 404, as if the file did not exist. A citizen's answer file (``answer_file``)
is never served here, to anyone: ``web/answer_files`` serves it with the response it answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user
from sqlalchemy import select

from .. import media as media_service
from ..extensions import db
from ..forms.question_media import media_ids as question_media_ids
from ..models import Enrollment, FormAssignment, FormVersion, MediaFile, ProgramVersion
from ..programs import media_ids
from .access import require

bp = Blueprint("media", __name__)
bp.record_once(lambda state: media_service.init_app(state.app))

STAFF_ROLES = {"designer", "publisher", "therapist", "citizen_admin"}


@runtime_checkable
class _OnDisk(Protocol):
    """A storage that can name the file holding a key (``LocalStorage``), not only open it."""

    def path(self, key: str) -> Path: ...


def current_storage() -> media_service.Storage:
    """The storage of the app handling the request: what views pass to the media service."""
    return media_service.get_storage(current_app)


def current_max_upload_bytes() -> int:
    """The upload size limit of the app handling the request."""
    return media_service.max_upload_bytes(current_app.config)


def may_see(media_id: int) -> bool:
    if current_user.audience == "staff":
        return any(role.role in STAFF_ROLES for role in current_user.roles)
    if current_user.audience == "citizen":
        contents = db.session.scalars(
            select(ProgramVersion.content)
            .join(Enrollment, Enrollment.program_version_id == ProgramVersion.id)
            .where(Enrollment.citizen_id == current_user.id)
        )
        if any(media_id in media_ids(content or {}) for content in contents):
            return True
        given = select(FormAssignment.form_version_id).where(
            FormAssignment.citizen_id == current_user.id
        )
        definitions = db.session.scalars(
            select(FormVersion.definition).where(FormVersion.id.in_(given))
        )
        return any(media_id in question_media_ids(d or {}) for d in definitions)
    return False


@bp.route("/media/<id:media_id>")
@require("any")
def file(media_id: int):
    media = db.session.get(MediaFile, media_id)
    # a citizen's answer file is health data: served only with its response (answer_files)
    if media is None or media.answer_file or not may_see(media_id):
        abort(404)
    return send_media(media, as_attachment=False)


def send_media(media: MediaFile, *, as_attachment: bool, filename: str | None = None):
    """The stored bytes of ``media`` as a response (404 when the storage has lost them),
    named ``filename`` (the file's own name by default)."""
    storage = current_storage()
    source: Path | BinaryIO
    try:
        if isinstance(storage, _OnDisk):  # a file on disk: send it as one (ranges, sendfile)
            source = storage.path(media.storage_key)
            if not source.is_file():
                abort(404)
        else:
            source = storage.open(media.storage_key)
    except KeyError:
        abort(404)
    response = send_file(
        source,
        mimetype=media.content_type,
        download_name=filename or media.filename,
        as_attachment=as_attachment,
        conditional=True,
        etag=media.sha256,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.public = False
    return response
