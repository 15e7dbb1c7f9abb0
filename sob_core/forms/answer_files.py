"""Answer files: a citizen's file given as the answer to a question (``QuestionType.file_rules``).

The host receives the file, not the question type: ``receive`` checks it with the media checks
(the name's extension and the first bytes must agree, within the question's types and the
smaller of the question's and the host's size limit) and keeps it through the media storage as a
``MediaFile`` marked ``answer_file``, so it is never served as content. The answer stores only
the file's description (``describe``): the bytes never enter the answers JSON. The media purge
(``media.purging``) removes a purged enrollment's answer files, since its answers name them by
``media_id``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..answer_file_types import FileRules
from ..media import storage as media_storage
from ..media.purging import named_media
from ..models import FormResponse, FormVersion, MediaFile
from ..plugins import Registry
from ..types import QuestionSpec
from . import repeating
from .definitions import specs


def file_questions(version: FormVersion, registry: Registry) -> Iterator[tuple[QuestionSpec, Any]]:
    """The questions of ``version`` whose answer is a file, with their ``FileRules``."""
    for spec in specs(version):
        qtype = registry.question_types.get(spec.type)
        if qtype is not None and qtype.file_rules is not None:
            yield spec, qtype.file_rules(spec)


def takes_files(version: FormVersion, registry: Registry) -> bool:
    """Whether the form has a question answered by a file (its page posts multipart)."""
    return next(file_questions(version, registry), None) is not None


def field_names(version: FormVersion, registry: Registry, counts: Mapping[str, int]) -> dict:
    """``{field name: (spec, rules)}`` of the file questions on a page; one per repetition of a
    question in a repeating group (``<key>@<n>``), ``counts[group]`` of them."""
    inside = repeating.repeated_questions(version.definition)
    names: dict[str, tuple[QuestionSpec, FileRules]] = {}
    for spec, rules in file_questions(version, registry):
        if spec.key not in inside:
            names[spec.key] = (spec, rules)
            continue
        for number in range(1, counts.get(inside[spec.key], 1) + 1):
            names[repeating.field_name(spec.key, number)] = (spec, rules)
    return names


def stored_file(answers: Mapping[str, Any], name: str) -> Any:
    """The answer file a draft keeps under a field name (``<key>`` or ``<key>@<n>``), or None."""
    key, _sep, number = name.partition("@")
    value = answers.get(key)
    if not number:
        return value
    if isinstance(value, list) and number.isdigit() and 0 < int(number) <= len(value):
        return value[int(number) - 1]
    return None


def allowed_types(rules: FileRules) -> list[media_storage.MediaType]:
    return [media_storage.BY_CONTENT_TYPE[t] for t in rules.accepted()]


def limit(rules: FileRules, host_max_bytes: int) -> int:
    """The size limit of a question's file: the question's, never above the host's."""
    return min(rules.max_bytes or host_max_bytes, host_max_bytes)


def receive(
    session: Session,
    storage: media_storage.Storage,
    data: bytes,
    filename: str,
    rules: FileRules,
    host_max_bytes: int,
) -> dict[str, Any]:
    """Check and keep an uploaded answer file; its description (the payload), or ``UploadError``."""
    media_type = media_storage.check_upload_as(
        data, filename, allowed_types(rules), limit(rules, host_max_bytes)
    )
    media = media_storage.store_media(
        session, storage, data, filename=filename, media_type=media_type, answer_file=True
    )
    return describe(media, data, filename)


def describe(media: MediaFile, data: bytes, filename: str) -> dict[str, Any]:
    """What the answer stores of a file (each upload has a row of its own, ``store_media``)."""
    return {
        "media_id": media.id,
        "filename": media_storage.clean_filename(filename),
        "content_type": media.content_type,
        "size": media.size,
        "sha256": media.sha256,
        # FHIR R4 Attachment.hash: the base64 SHA-1 of the data
        "sha1": base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode(),
    }


def named_file(response: FormResponse, media_id: int) -> Mapping[str, Any] | None:
    """The answer file ``media_id`` of the response's answers (its description), or None when
    the response names no such file: then it is not that response's file to give."""
    stack: list[Any] = [response.answers or {}]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            if item.get("media_id") == media_id and isinstance(item.get("filename"), str):
                return item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def files_of(stored: Any) -> list[Mapping[str, Any]]:
    """The answer files of one stored answer (``{"type", "value"}``): none, one, or one per
    repetition of a repeating group."""
    value = stored.get("value") if isinstance(stored, Mapping) else None
    values = value if isinstance(value, list) else [value]
    return [
        v
        for v in values
        if isinstance(v, Mapping)
        and isinstance(v.get("media_id"), int)
        and isinstance(v.get("filename"), str)
    ]


def discard(session: Session, media_ids: set[int], citizen_id: int) -> list[str]:
    """Delete the answer files none of the citizen's responses names any more (a draft's file
    replaced or removed); their storage keys, for the caller to remove after the commit. An
    answer file is hers alone (stored privately, ``store_media``), so only her responses are
    read; one of them still naming it, or a content file (``answer_file`` false), stays."""
    rows = [
        row
        for row in session.scalars(select(MediaFile).where(MediaFile.id.in_(media_ids)))
        if row.answer_file
    ]
    left = {row.id for row in rows}
    if not left:
        return []
    statement = (
        select(FormResponse.answers)
        .where(FormResponse.citizen_id == citizen_id)
        .execution_options(yield_per=500)
    )
    with session.execute(statement) as result:
        for (answers,) in result:
            left -= named_media(answers)
            if not left:
                return []
    keys = [row.storage_key for row in rows if row.id in left]
    session.execute(
        delete(MediaFile).where(MediaFile.id.in_(left)).execution_options(synchronize_session=False)
    )
    return keys
