"""An enrollment's own records for an export: the enrollment, its modules, content progress,
bookmarks and the citizen's part of the timeline (what the citizen was given and did)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content import content_of
from ..models import Bookmark, Enrollment, EnrollmentEvent, EnrollmentModule, ItemProgress, Staff
from ..types import local
from .timeline import STAFF_ONLY_EVENTS

EXPORTED_TABLES: tuple[str, ...] = (
    "enrollment",
    "enrollment_module",
    "item_progress",
    "bookmark",
    "enrollment_event",
)


def iso(moment: date | datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def export_enrollment(session: Session, enrollment_id: int, *, lang: str) -> dict[str, Any]:
    """The enrollment's records as JSON-able values; texts in ``lang`` (Swedish where missing).

    Staff-only timeline events (hiding and showing content) are left out, as on her own pages.
    """
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        return {}
    version = enrollment.program_version
    content = content_of(version) if version is not None else None
    titles: dict[str, str] = {}
    if content is not None:
        for module in content.modules:
            titles[module.key] = local(module.title, lang)
            for item in module.items:
                titles[item.key] = local(item.title, lang)
    therapist = session.get(Staff, enrollment.therapist_id) if enrollment.therapist_id else None
    modules = session.scalars(
        select(EnrollmentModule)
        .where(EnrollmentModule.enrollment_id == enrollment_id)
        .order_by(EnrollmentModule.id)
    )
    progress = session.scalars(
        select(ItemProgress)
        .where(ItemProgress.enrollment_id == enrollment_id)
        .order_by(ItemProgress.id)
    )
    bookmarks = session.scalars(
        select(Bookmark).where(Bookmark.enrollment_id == enrollment_id).order_by(Bookmark.id)
    )
    events = session.scalars(
        select(EnrollmentEvent)
        .where(
            EnrollmentEvent.enrollment_id == enrollment_id,
            EnrollmentEvent.citizen_visible.is_(True),
            EnrollmentEvent.kind.not_in(STAFF_ONLY_EVENTS),
        )
        .order_by(EnrollmentEvent.at, EnrollmentEvent.id)
    )
    return {
        "enrollment": {
            "id": enrollment.id,
            "program": local(content.name, lang) if content is not None else "",
            "program_version": version.label if version is not None else None,
            "care_unit": enrollment.care_unit.name if enrollment.care_unit else "",
            "therapist": therapist.name if therapist is not None else None,
            "status": enrollment.status,
            "started_at": iso(enrollment.started_at),
            "maintenance_at": iso(enrollment.maintenance_at),
            "ended_at": iso(enrollment.ended_at),
            "welcome": local(enrollment.welcome, lang) if enrollment.welcome else "",
        },
        "modules": [
            {
                "module": row.module_key,
                "title": titles.get(row.module_key, row.module_key),
                "state": row.state,
                "opened_at": iso(row.opened_at),
                "completed_at": iso(row.completed_at),
            }
            for row in modules
            if not row.hidden
        ],
        "content_progress": [
            {
                "item": row.item_key,
                "title": titles.get(row.item_key, row.item_key),
                "first_opened_at": iso(row.first_opened_at),
                "done_at": iso(row.done_at),
            }
            for row in progress
            if not row.hidden
        ],
        "bookmarks": [
            {
                "item": row.item_key,
                "title": titles.get(row.item_key, row.item_key),
                "created_at": iso(row.created_at),
            }
            for row in bookmarks
        ],
        "events": [
            {
                "at": iso(row.at),
                "kind": row.kind,
                "by": row.actor_kind,
                "module": row.module_key,
                "item": row.item_key,
            }
            for row in events
        ],
    }
