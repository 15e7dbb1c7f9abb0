"""Opening and expiring occurrences a batch at a time: the tick's work, set-based.

A batch of due occurrences is claimed by one conditional ``UPDATE … WHERE id IN (…) AND
status = 'planned' RETURNING …``: only the rows this statement changed go on, so two ticks
running at once never open (or expire) an occurrence twice. What follows is a fixed number of
statements whatever the batch's size: the schedules are read in one query, the form assignments
and the schedules' next occurrences are inserted with one executemany each, and the listeners get
the whole batch (``events.occurrences_opened``) besides one ``occurrence_opened`` per occurrence.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .. import events
from ..models import BatteryOccurrence, BatterySchedule, FormAssignment
from . import schedule as sched
from .service import (
    close_assignments,
    finish_schedules,
    latest_versions,
    next_wall,
    occurrence_values,
)

log = logging.getLogger(__name__)

#: what the claiming UPDATE returns of each occurrence it changed
_RETURNED = (
    BatteryOccurrence.id,
    BatteryOccurrence.schedule_id,
    BatteryOccurrence.enrollment_id,
    BatteryOccurrence.citizen_id,
    BatteryOccurrence.planned_local,
)


def _claim(session: Session, ids: Sequence[int], old: str, **values: Any) -> list[Any]:
    """Move the rows still ``old`` with one conditional UPDATE … RETURNING; the rows this call
    changed, in the order of ``ids``."""
    if not ids:
        return []
    rows: list[Any] = list(
        session.execute(
            update(BatteryOccurrence)
            .where(BatteryOccurrence.id.in_(list(ids)), BatteryOccurrence.status == old)
            .values(**values)
            .returning(*_RETURNED)
            .execution_options(synchronize_session=False)
        ).all()
    )
    place = {occurrence_id: index for index, occurrence_id in enumerate(ids)}
    rows.sort(key=lambda row: place.get(row.id, len(place)))
    # the occurrences already in the session are told what the UPDATE wrote
    for row in rows:
        loaded = session.identity_map.get(identity_key(BatteryOccurrence, row.id))
        if isinstance(loaded, BatteryOccurrence):
            for key, value in values.items():
                set_committed_value(loaded, key, value)
    return rows


def _schedules(session: Session, schedule_ids: set[int]) -> dict[int, Any]:
    columns = (
        BatterySchedule.id,
        BatterySchedule.form_keys,
        BatterySchedule.trigger,
        BatterySchedule.created_by_id,
        BatterySchedule.every_days,
        BatterySchedule.status,
        BatterySchedule.count,
        BatterySchedule.time_zone,
        BatterySchedule.due_days,
        BatterySchedule.expire_days,
    )
    query = select(*columns).where(BatterySchedule.id.in_(sorted(schedule_ids)))
    return {row.id: row for row in session.execute(query)}


def _written(session: Session, schedule_ids: list[int]) -> dict[int, list[int]]:
    """schedule id -> [highest number used, occurrences not cancelled], for many at once."""
    if not schedule_ids:
        return {}
    query = (
        select(
            BatteryOccurrence.schedule_id,
            func.coalesce(func.max(BatteryOccurrence.number), 0),
            func.count(BatteryOccurrence.id).filter(BatteryOccurrence.status != "cancelled"),
        )
        .where(BatteryOccurrence.schedule_id.in_(schedule_ids))
        .group_by(BatteryOccurrence.schedule_id)
    )
    out = {schedule_id: [0, 0] for schedule_id in schedule_ids}
    for schedule_id, top, kept in session.execute(query):
        out[schedule_id] = [int(top), int(kept)]
    return out


def _next_occurrences(
    session: Session, rows: list[Any], schedules: dict[int, Any], now: datetime
) -> list[dict[str, Any]]:
    """The next planned occurrence of each repeating schedule whose occurrence just opened."""
    repeating = [
        row
        for row in rows
        if schedules[row.schedule_id].every_days and schedules[row.schedule_id].status == "active"
    ]
    written = _written(session, sorted({row.schedule_id for row in repeating}))
    planned: list[dict[str, Any]] = []
    for row in repeating:
        schedule = schedules[row.schedule_id]
        top, kept = written[schedule.id]
        if schedule.count is not None and kept >= schedule.count:
            continue
        wall = sched.plus_days(sched.parse_local(row.planned_local), schedule.every_days)
        wall = next_wall(schedule, wall, now)
        planned.append(
            occurrence_values(schedule, row.enrollment_id, row.citizen_id, wall, top + 1)
        )
        written[schedule.id] = [top + 1, kept + 1]
    return planned


def open_many(
    session: Session,
    occurrence_ids: Sequence[int],
    now: datetime,
    versions: dict[str, int] | None = None,
) -> list[int]:
    """planned → open for a batch: hand out the forms, plan each schedule's next occurrence,
    send the signals. The ids this call opened (those another tick took are left out).

    ``versions`` caches form key -> latest version id.
    """
    rows = _claim(session, occurrence_ids, "planned", status="open", opened_at=now)
    if not rows:
        return []
    schedules = _schedules(session, {row.schedule_id for row in rows})
    cache = versions if versions is not None else {}
    keys = {str(key) for schedule in schedules.values() for key in schedule.form_keys or []}
    missing = sorted(key for key in keys if key not in cache)
    if missing:
        cache.update(latest_versions(session, missing))
    assignments: list[dict[str, Any]] = []
    for row in rows:
        schedule = schedules[row.schedule_id]
        for key in [str(k) for k in schedule.form_keys or []]:
            version_id = cache.get(key)
            if version_id is None:
                log.warning("battery schedule %s: there is no form %s", schedule.id, key)
                continue
            assignments.append(
                {
                    "citizen_id": row.citizen_id,
                    "enrollment_id": row.enrollment_id,
                    "form_version_id": version_id,
                    "assigned_by_id": schedule.created_by_id
                    if schedule.trigger == "extra"
                    else None,
                    "status": "open",
                    "item_key": None,
                    "assigned_at": now,
                    "occurrence_id": row.id,
                }
            )
    if assignments:
        session.execute(insert(FormAssignment), assignments)
    planned = _next_occurrences(session, rows, schedules, now)
    if planned:
        session.execute(insert(BatteryOccurrence), planned)
    opened = [row.id for row in rows]
    for row in rows:
        events.occurrence_opened.send(
            session,
            occurrence_id=row.id,
            enrollment_id=row.enrollment_id,
            citizen_id=row.citizen_id,
            at=now,
        )
    events.occurrences_opened.send(session, occurrence_ids=opened, at=now)
    return opened


def open_occurrence(
    session: Session, occurrence_id: int, now: datetime, versions: dict[str, int] | None = None
) -> bool:
    """planned → open: hand out the forms, plan the next one, send ``occurrence_opened`` (and
    ``occurrences_opened`` with this one). True for the caller whose UPDATE opened it."""
    return bool(open_many(session, [occurrence_id], now, versions))


def expire_many(session: Session, occurrence_ids: Sequence[int], now: datetime) -> list[int]:
    """open → missed for a batch: their open forms are taken back, finished schedules are done,
    ``occurrence_closed(status="missed")`` for each. The ids this call moved."""
    rows = _claim(session, occurrence_ids, "open", status="missed", closed_at=now)
    if not rows:
        return []
    moved = [row.id for row in rows]
    close_assignments(session, moved)
    finish_schedules(session, {row.schedule_id for row in rows})
    for row in rows:
        events.occurrence_closed.send(
            session,
            occurrence_id=row.id,
            enrollment_id=row.enrollment_id,
            citizen_id=row.citizen_id,
            status="missed",
            at=now,
        )
    events.occurrences_closed.send(session, occurrence_ids=moved, status="missed", at=now)
    return moved


def expire_occurrence(session: Session, occurrence_id: int, now: datetime) -> bool:
    """open → missed: its open forms are taken back; ``occurrence_closed(status="missed")``."""
    return bool(expire_many(session, [occurrence_id], now))
