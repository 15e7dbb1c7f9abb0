"""Purge the media files only one enrollment used.

Staff upload media for programme content and form questions; those are shared and never
purged with an enrollment. A media file belongs to an enrollment's data when the enrollment's
rows name it (a ``media_id`` or ``captions_media_id`` anywhere in its responses' answers, its
events' details or its welcome text, e.g. a question type whose answer is a file). It is purged
only when nothing else names it: no programme version, form version or form draft, and no
other enrollment's or response's data. Run this first (it reads the enrollment's rows).

The rows go in the purge's transaction; the bytes are removed from the storage only after the
commit (``remove_files``), so a purge that is rolled back loses no file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import (
    Enrollment,
    EnrollmentEvent,
    FormAssignment,
    FormDraft,
    FormResponse,
    FormVersion,
    MediaFile,
    ProgramVersion,
)
from .storage import Storage

PURGED_TABLES: tuple[str, ...] = ("media_file",)
#: where in ``Session.info`` the purge leaves the storage keys to remove after the commit
KEYS_INFO = "sob_purged_media_keys"
MEDIA_KEYS = ("media_id", "captions_media_id")


def named_media(value: Any) -> set[int]:
    """Every media id a JSON value names under ``media_id``/``captions_media_id``, at any depth."""
    found: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, inner in item.items():
                if key in MEDIA_KEYS and isinstance(inner, int) and not isinstance(inner, bool):
                    found.add(inner)
                else:
                    stack.append(inner)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def _enrollment_values(session: Session, enrollment_id: int) -> Iterator[Any]:
    assignments = select(FormAssignment.id).where(FormAssignment.enrollment_id == enrollment_id)
    yield from session.scalars(
        select(FormResponse.answers).where(FormResponse.assignment_id.in_(assignments))
    )
    yield from session.scalars(
        select(EnrollmentEvent.detail).where(EnrollmentEvent.enrollment_id == enrollment_id)
    )
    yield from session.scalars(select(Enrollment.welcome).where(Enrollment.id == enrollment_id))


def _other_statements(enrollment_id: int) -> list[Any]:
    """Everything else that may name a media file."""
    mine = select(FormAssignment.id).where(FormAssignment.enrollment_id == enrollment_id)
    return [
        select(ProgramVersion.content),
        select(FormVersion.definition),
        select(FormDraft.definition),
        select(FormResponse.answers).where(
            FormResponse.assignment_id.is_(None) | FormResponse.assignment_id.not_in(mine)
        ),
        select(EnrollmentEvent.detail).where(EnrollmentEvent.enrollment_id != enrollment_id),
        select(Enrollment.welcome).where(Enrollment.id != enrollment_id),
    ]


def only_used_by(session: Session, enrollment_id: int) -> set[int]:
    """The ids of the media files that this enrollment's data names and nothing else does."""
    candidates: set[int] = set()
    for value in _enrollment_values(session, enrollment_id):
        candidates |= named_media(value)
    if not candidates:
        return set()
    for statement in _other_statements(enrollment_id):
        # read in batches (a server-side cursor on PostgreSQL), closed even when left early
        with session.execute(statement.execution_options(yield_per=500)) as result:
            for (value,) in result:
                candidates -= named_media(value)
                if not candidates:
                    return set()
    return set(session.scalars(select(MediaFile.id).where(MediaFile.id.in_(candidates))))


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the rows of the media only this enrollment used; their keys wait in
    ``session.info[KEYS_INFO]`` for ``remove_files`` after the commit."""
    ids = only_used_by(session, enrollment_id)
    if not ids:
        return {"media_file": 0}
    keys = list(session.scalars(select(MediaFile.storage_key).where(MediaFile.id.in_(ids))))
    result = session.execute(
        delete(MediaFile).where(MediaFile.id.in_(ids)).execution_options(synchronize_session=False)
    )
    session.info.setdefault(KEYS_INFO, []).extend(keys)
    return {"media_file": int(getattr(result, "rowcount", 0) or 0)}


def take_purged_keys(session: Session) -> list[str]:
    """The storage keys purges in this session left behind (and forget them)."""
    return list(session.info.pop(KEYS_INFO, []))


def remove_files(storage: Storage, keys: Iterable[str]) -> int:
    """Remove the bytes of purged media files from the storage; how many keys."""
    count = 0
    for key in keys:
        storage.delete(key)
        count += 1
    return count
