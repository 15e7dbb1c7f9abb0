"""The web side of answer files (``forms.answer_files``): taking the uploads of a posted form
page, showing the attached file on the page, and sending a file to the people who may have it.

A citizen downloads a file of her own responses only (``citizen.answer_file``); staff one of a
response given at their care unit, each read audit-logged (``staff.answer_file``). Both are sent
as a download (``Content-Disposition: attachment``) with ``X-Content-Type-Options: nosniff``, never
cached by a shared cache, and anyone else gets 404, as if the file did not exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import abort, request, url_for
from flask_babel import gettext as _

from ..answer_file_types import ANSWER_FILE_TYPES, FileRules
from ..extensions import db
from ..forms import answer_files
from ..media import UploadError
from ..media.purging import named_media
from ..models import FormResponse, FormVersion, MediaFile
from ..plugins import Registry
from .media import current_max_upload_bytes, current_storage, send_media
from .numbers import file_size

REMOVE_SUFFIX = ":remove"
#: the hidden input naming the file the page showed (``forms/_question.html``)
KEPT_SUFFIX = ":kept"


def _shown_file(drafts: Mapping[str, Any], name: str, posted: Any = None) -> Any:
    """The draft's file the posted page showed at field ``name`` (named by ``<name>:kept``), or
    None. Only a file of this question in her own draft can be named, so a tampered id names
    nothing; a repetition removed on the page moved the later ones' inputs down, and their
    files with them."""
    kept = (request.form if posted is None else posted).get(name + KEPT_SUFFIX, "")
    if not kept.isdigit():
        return None
    key = name.partition("@")[0]
    for one in answer_files.files_of({"value": drafts.get(key)}):
        if one["media_id"] == int(kept):
            return one
    return None


def _names(rules: FileRules) -> str:
    """``JPG, PNG, PDF``: the accepted types by their first extension."""
    return ", ".join(ANSWER_FILE_TYPES[t][0].lstrip(".").upper() for t in rules.accepted())


def upload_message(error: UploadError, rules: FileRules, max_bytes: int) -> str:
    """What the citizen reads when her file is refused, Swedish first (the catalogue)."""
    if error.code == "size":
        return _("The file is too large. It may be at most %(size)s.", size=file_size(max_bytes))
    if error.code == "empty":
        return _("The file is empty. Choose another file.")
    if error.code == "mismatch":
        return _(
            "The file's content does not match its type. Choose a real %(types)s file.",
            types=_names(rules),
        )
    return _("This type of file is not allowed here. Use %(types)s.", types=_names(rules))


@dataclasses.dataclass
class Uploads:
    """What ``take_uploads`` did: refusals by field name, the question keys whose file was
    removed (the draft must not bring it back) and the ids of the files replaced or removed
    (``drop_files`` deletes them once the response no longer names them)."""

    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    removed: set[str] = dataclasses.field(default_factory=set)
    dropped: set[int] = dataclasses.field(default_factory=set)
    #: the files received in this post (one the answers do not keep, e.g. of a question skip
    #: logic hides, is dropped as well)
    received: set[int] = dataclasses.field(default_factory=set)


def take_uploads(
    version: FormVersion,
    registry: Registry,
    form: Any,
    response: FormResponse,
    counts: Mapping[str, int],
) -> Uploads:
    """Give each file question's field its answer before the answers are cleaned: a new file
    posted under its name (checked and stored), else none when ``<name>:remove`` is posted, else
    the draft's file the page showed (``<name>:kept``)."""
    done = Uploads()
    errors, removed = done.errors, done.removed
    saved = response.answers or {}
    drafts = {key: stored.get("value") for key, stored in saved.items()}
    host_max = current_max_upload_bytes()
    for name, (spec, rules) in answer_files.field_names(version, registry, counts).items():
        field = getattr(form, name, None)
        if field is None:
            continue
        previous = _shown_file(drafts, name)
        upload = request.files.get(name)
        if upload is not None and upload.filename:
            most = answer_files.limit(rules, host_max)
            data = upload.read(most + 1)
            try:
                field.data = answer_files.receive(
                    db.session, current_storage(), data, upload.filename, rules, host_max
                )
                done.received.add(field.data["media_id"])
            except UploadError as error:
                errors[name] = upload_message(error, rules, most)
                field.data = previous
                continue
        elif request.form.get(name + REMOVE_SUFFIX):
            field.data = None
            removed.add(spec.key)
        else:
            field.data = previous
            continue
        old_id = previous.get("media_id") if isinstance(previous, Mapping) else None
        if isinstance(old_id, int):
            done.dropped.add(old_id)
    return done


def drop_files(uploads: Uploads, response: FormResponse) -> None:
    """After the response is committed: delete the files it replaced or removed, or received
    and did not keep, that nothing names any more, their rows and then their bytes (a file must
    not outlive its answer). Nothing is read when the response names them all."""
    if not (uploads.dropped or uploads.received):
        return  # (before reading the response: after the commit that is a query)
    candidates = (uploads.dropped | uploads.received) - named_media(response.answers or {})
    if not candidates:
        return
    keys = answer_files.discard(db.session, candidates, response.citizen_id)
    db.session.commit()
    storage = current_storage()
    for key in keys:
        storage.delete(key)


def show_files(
    version: FormVersion,
    registry: Registry,
    form: Any,
    response: FormResponse,
    counts: Mapping[str, int],
    posted: Any = None,
) -> None:
    """Before a page is drawn: each file question's field shows its file (the draft's; on a
    post the one the page showed, unless removed: ``posted`` is the form as the page is drawn
    again, the request's by default) and where the citizen downloads it."""
    posted = request.form if posted is None else posted
    drafts = {key: stored.get("value") for key, stored in (response.answers or {}).items()}
    for name in answer_files.field_names(version, registry, counts):
        field = getattr(form, name, None)
        if field is None:
            continue
        if field.data is None and request.method != "POST":
            field.data = answer_files.stored_file(drafts, name)
        elif field.data is None and not posted.get(name + REMOVE_SUFFIX):
            field.data = _shown_file(drafts, name, posted)  # as the posted page had it
        data = field.data
        if isinstance(data, Mapping) and isinstance(data.get("media_id"), int):
            field.file_url = url_for(
                "citizen.answer_file", response_id=response.id, media_id=data["media_id"]
            )


def send_answer_file(response: FormResponse, media_id: int):
    """The file ``media_id`` of ``response`` as a download, or 404 when the response does not
    name it (the caller has decided the person may see the response)."""
    described = answer_files.named_file(response, media_id)
    media = db.session.get(MediaFile, media_id)
    if described is None or media is None:
        abort(404)
    sent = send_media(media, as_attachment=True, filename=str(described["filename"]))
    sent.cache_control.no_store = True
    return sent
