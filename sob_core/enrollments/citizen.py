"""The citizen's side: the start page's programmes and bookmarks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from ..models import (
    Bookmark,
    Citizen,
    Enrollment,
    EnrollmentModule,
    ItemProgress,
    ProgramVersion,
)
from ._rows import _insert_ignoring_conflict, _version
from .content import items_of, local_text, locate_item, modules_of
from .errors import EnrollmentError
from .lifecycle import ONGOING, eligible_open_programs


def toggle_bookmark(session: Session, enrollment: Enrollment, item_key: str) -> bool:
    """Bookmark a content item, or remove the bookmark; True when it is now bookmarked."""
    if locate_item(_version(enrollment).content, item_key) is None:
        raise EnrollmentError("unknown_item", f"the program has no item {item_key!r}")
    removed = session.execute(
        delete(Bookmark).where(
            Bookmark.enrollment_id == enrollment.id, Bookmark.item_key == item_key
        )
    )
    if removed.rowcount:
        return False
    _insert_ignoring_conflict(
        session,
        Bookmark,
        {"enrollment_id": enrollment.id, "item_key": item_key, "created_at": datetime.now(UTC)},
    )
    return True


def is_bookmarked(session: Session, enrollment: Enrollment, item_key: str) -> bool:
    return (
        session.scalar(
            select(Bookmark.id).where(
                Bookmark.enrollment_id == enrollment.id, Bookmark.item_key == item_key
            )
        )
        is not None
    )


@dataclass(frozen=True)
class BookmarkView:
    enrollment_id: int
    item_key: str
    title: dict[str, str]
    program: dict[str, str]


@dataclass(frozen=True)
class CitizenStart:
    ongoing: list[Enrollment]
    available: list[ProgramVersion]
    bookmarks: list[BookmarkView]
    hidden_items: set[tuple[int, str]]  # (enrollment id, item key) the citizen must not see


def ongoing(session: Session, citizen_id: int) -> list[Enrollment]:
    """The citizen's active and maintenance enrollments of a program, newest first."""
    return list(
        session.scalars(
            select(Enrollment)
            .options(joinedload(Enrollment.program_version))
            .where(
                Enrollment.citizen_id == citizen_id,
                Enrollment.status.in_(ONGOING),
                Enrollment.program_version_id.is_not(None),
            )
            .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
        )
    )


def citizen_start(session: Session, citizen: Citizen, now: datetime) -> CitizenStart:
    """Everything the citizen's start page shows about programs, in a fixed number of queries."""
    enrollments = ongoing(session, citizen.id)
    by_id = {e.id: e for e in enrollments}
    hidden: set[tuple[int, str]] = set()
    if by_id:
        hidden_modules = session.execute(
            select(EnrollmentModule.enrollment_id, EnrollmentModule.module_key).where(
                EnrollmentModule.enrollment_id.in_(list(by_id)), EnrollmentModule.hidden.is_(True)
            )
        ).all()
        for enrollment_id, module_key in hidden_modules:
            for module in modules_of(by_id[enrollment_id].program_version.content):
                if module["key"] == module_key:
                    hidden.update((enrollment_id, i["key"]) for i in items_of(module))
        hidden.update(
            session.execute(
                select(ItemProgress.enrollment_id, ItemProgress.item_key).where(
                    ItemProgress.enrollment_id.in_(list(by_id)), ItemProgress.hidden.is_(True)
                )
            ).all()
        )
    marks: list[BookmarkView] = []
    if by_id:
        for mark in session.scalars(
            select(Bookmark)
            .where(Bookmark.enrollment_id.in_(list(by_id)))
            .order_by(Bookmark.created_at, Bookmark.id)
        ):
            if (mark.enrollment_id, mark.item_key) in hidden:
                continue
            content = by_id[mark.enrollment_id].program_version.content
            found = locate_item(content, mark.item_key)
            if found is None:
                continue
            marks.append(
                BookmarkView(
                    enrollment_id=mark.enrollment_id,
                    item_key=mark.item_key,
                    title=local_text(found[1].get("title")) or {"sv": mark.item_key},
                    program=local_text(content.get("name")),
                )
            )
    return CitizenStart(
        ongoing=enrollments,
        available=eligible_open_programs(session, citizen, now),
        bookmarks=marks,
        hidden_items=hidden,
    )
