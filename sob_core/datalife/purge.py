"""Purging one enrollment: every domain package's ``purging.purge_enrollment`` in FK order.

The order below deletes children before parents, so PostgreSQL's foreign keys (and SQLite's,
when enforced) never see a dangling row: media first (it reads the enrollment's answers),
then notices (they read conversation and staff-reminder ids), flags (they point at responses,
results, messages, occurrences, staff reminders and values), reminders, results, responses
and assignments, batteries, messaging, activity, holds and notices, and the enrollment last.

A dry run is the real purge inside a SAVEPOINT that is rolled back: what it lists is exactly
what the purge would delete. The purge writes a ``PurgeRecord`` (tables and counts, the keyed
pseudonym, the rule, when, who) and an audit event; the audit log itself is never purged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from .. import (
    activity,
    audit,
    batteries,
    enrollments,
    flags,
    forms,
    media,
    messaging,
    notifications,
    reminders,
    results,
)
from ..models import Enrollment, PurgeRecord
from . import purging as own
from .errors import DatalifeError
from .retention import check_purgeable

#: the per-package purges, in the order they run (children before parents)
PURGERS: tuple[ModuleType, ...] = (
    media.purging,
    notifications.purging,
    flags.purging,
    reminders.purging,
    results.purging,
    forms.purging,
    batteries.purging,
    messaging.purging,
    activity.purging,
    own,
    enrollments.purging,
)


def purged_tables() -> set[str]:
    """Every table some package's purge deletes from."""
    return {table for module in PURGERS for table in module.PURGED_TABLES}


def pseudonym(secret: str, enrollment_id: int) -> str:
    """The enrollment's keyed pseudonym: HMAC-SHA256 of its id with the app's secret."""
    message = f"sob-enrollment:{enrollment_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _run(session: Session, enrollment_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for module in PURGERS:
        for table, count in module.purge_enrollment(session, enrollment_id).items():
            counts[table] = counts.get(table, 0) + count
    return counts


def dry_run(session: Session, enrollment_id: int) -> dict[str, int]:
    """{table: rows a purge would delete} (tables with rows only), nothing deleted."""
    if session.get(Enrollment, enrollment_id) is None:
        raise DatalifeError("not_found")
    session.flush()
    nested = session.begin_nested()
    try:
        counts = _run(session, enrollment_id)
    finally:
        nested.rollback()
        media.purging.take_purged_keys(session)  # nothing was removed: forget the keys
        session.expire_all()
    return {table: count for table, count in sorted(counts.items()) if count}


@dataclass(frozen=True)
class PurgeOutcome:
    record: PurgeRecord
    tables: dict[str, int]
    #: storage keys of the media files to remove after the commit (``media.purging.remove_files``)
    media_keys: list[str] = field(default_factory=list)


def purge(
    session: Session,
    enrollment_id: int,
    *,
    secret: str,
    rule: str,
    actor_kind: str,
    actor_id: int | None,
    now: datetime,
) -> PurgeOutcome:
    """Delete everything of the enrollment, write the purge record and the audit event.

    The caller has checked that the purge is allowed (``check_purgeable``), commits, and then
    removes the media files' bytes.
    """
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise DatalifeError("not_found")
    citizen_id, unit_id = enrollment.citizen_id, enrollment.care_unit_id
    program_id = enrollment.program_version.program_id if enrollment.program_version else None
    session.flush()
    counts = _run(session, enrollment_id)
    session.expire_all()
    tables = {table: count for table, count in sorted(counts.items()) if count}
    record = PurgeRecord(
        pseudonym=pseudonym(secret, enrollment_id),
        care_unit_id=unit_id,
        program_id=program_id,
        rule=rule,
        tables=tables,
        media_files=tables.get("media_file", 0),
        purged_at=now,
        actor_kind=actor_kind,
        actor_id=actor_id,
    )
    session.add(record)
    audit.record(
        session,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action="purge",
        what="enrollment",
        citizen_id=citizen_id,
        care_unit_id=unit_id,
        detail={"pseudonym": record.pseudonym, "rule": rule, "tables": tables},
    )
    session.flush()
    return PurgeOutcome(record, tables, media.purging.take_purged_keys(session))


def purge_due(
    session: Session,
    enrollment_id: int,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    secret: str,
    actor_kind: str,
    actor_id: int | None,
    care_unit_id: int | None = None,
) -> PurgeOutcome:
    """Purge the enrollment if it may go now (told, notice period passed, due, not held);
    else a coded ``DatalifeError``. The rule is ``retention:<days>``."""
    row = check_purgeable(
        session, enrollment_id, now=now, settings=settings, care_unit_id=care_unit_id
    )
    return purge(
        session,
        enrollment_id,
        secret=secret,
        rule=f"retention:{row.retention_days}",
        actor_kind=actor_kind,
        actor_id=actor_id,
        now=now,
    )
