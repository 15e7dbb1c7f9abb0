"""The citizen's side: the start page's programmes and bookmarks."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BindParameter, Select, bindparam, delete, or_, select
from sqlalchemy.orm import Session, joinedload

from ..content import filled
from ..models import (
    Bookmark,
    Citizen,
    Enrollment,
    EnrollmentModule,
    FormAssignment,
    ItemProgress,
    ProgramVersion,
)
from ._rows import _content, _insert_ignoring_conflict, changed_rows
from .errors import EnrollmentError
from .lifecycle import ONGOING, eligible_open_programs, held_back_for_region
from .progress import accessible_item


def toggle_bookmark(session: Session, enrollment: Enrollment, item_key: str) -> bool:
    """Bookmark a content item, or remove the bookmark; True when it is now bookmarked."""
    if _content(enrollment).find_item(item_key) is None:
        raise EnrollmentError("unknown_item", f"the program has no item {item_key!r}")
    removed = session.execute(
        delete(Bookmark).where(
            Bookmark.enrollment_id == enrollment.id, Bookmark.item_key == item_key
        )
    )
    if changed_rows(removed):
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
    hidden_items: set[tuple[int, str]]  # (enrollment id, item key) hidden or still locked
    #: an open programme limited to regions would fit her, but her region is not registered
    region_unknown: bool = False


@functools.cache
def _ongoing_statement() -> Select:
    """``ongoing``'s statement, built once; the citizen is bound at execution."""
    return (
        select(Enrollment)
        .options(joinedload(Enrollment.program_version))
        .where(
            Enrollment.citizen_id == bindparam("citizen"),
            Enrollment.status.in_(ONGOING),
            Enrollment.program_version_id.is_not(None),
        )
        .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
    )


@functools.cache
def _start_statements() -> tuple[Select, Select, Select]:
    """``citizen_start``'s hidden modules, hidden items and bookmarks statements, built once;
    the enrollments' ids are bound at execution (an expanding IN)."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    hidden_modules = select(EnrollmentModule.enrollment_id, EnrollmentModule.module_key).where(
        EnrollmentModule.enrollment_id.in_(ids),
        or_(EnrollmentModule.hidden.is_(True), EnrollmentModule.state == "locked"),
    )
    hidden_items = select(ItemProgress.enrollment_id, ItemProgress.item_key).where(
        ItemProgress.enrollment_id.in_(ids), ItemProgress.hidden.is_(True)
    )
    bookmarks = (
        select(Bookmark)
        .where(Bookmark.enrollment_id.in_(ids))
        .order_by(Bookmark.created_at, Bookmark.id)
    )
    return hidden_modules, hidden_items, bookmarks


def ongoing(session: Session, citizen_id: int) -> list[Enrollment]:
    """The citizen's active and maintenance enrollments of a program, newest first."""
    return list(session.scalars(_ongoing_statement(), {"citizen": citizen_id}))


def citizen_start(session: Session, citizen: Citizen, now: datetime) -> CitizenStart:
    """Everything the citizen's start page shows about programs, in a fixed number of queries."""
    enrollments = ongoing(session, citizen.id)
    by_id = {e.id: e for e in enrollments}
    hidden: set[tuple[int, str]] = set()
    modules_statement, items_statement, bookmarks_statement = _start_statements()
    params = {"ids": list(by_id)}
    if by_id:
        # Modules staff hid, and modules still locked: nothing of theirs is the citizen's yet.
        hidden_modules = session.execute(modules_statement, params).all()
        for enrollment_id, module_key in hidden_modules:
            for module in _content(by_id[enrollment_id]).modules:
                if module.key == module_key:
                    hidden.update((enrollment_id, i.key) for i in module.items)
        hidden.update(session.execute(items_statement, params).all())
    marks: list[BookmarkView] = []
    if by_id:
        for mark in session.scalars(bookmarks_statement, params):
            if (mark.enrollment_id, mark.item_key) in hidden:
                continue
            content = _content(by_id[mark.enrollment_id])
            found = content.find_item(mark.item_key)
            if found is None:
                continue
            marks.append(
                BookmarkView(
                    enrollment_id=mark.enrollment_id,
                    item_key=mark.item_key,
                    title=filled(found[1].title) or {"sv": mark.item_key},
                    program=filled(content.name),
                )
            )
    return CitizenStart(
        ongoing=enrollments,
        available=eligible_open_programs(session, citizen, now),
        bookmarks=marks,
        hidden_items=hidden,
        region_unknown=held_back_for_region(session, citizen, now),
    )


def assignment_available(session: Session, assignment: FormAssignment) -> bool:
    """Whether the citizen may open and answer this form assignment now.

    The one server-side decision every citizen route about a form asks (``accessible_item`` is
    the same decision for a content item): a closed assignment is gone; a programme's form
    item (``item_key`` set) follows its item, so a form in a module or item staff hid, or in a
    module still locked, is not there; a form staff sent as an extra measurement (no item key)
    is always there while open. Nothing is deleted: a saved draft waits in the database and is
    usable again once the item is shown or its module opens.
    """
    if assignment.status == "closed":
        return False
    if assignment.enrollment_id is None or assignment.item_key is None:
        return True
    enrollment = session.get(Enrollment, assignment.enrollment_id)
    if enrollment is None or enrollment.status not in ONGOING:
        return False
    return accessible_item(session, enrollment, assignment.item_key) is not None
