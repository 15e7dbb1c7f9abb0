"""The care unit's patient lists ("Mina", "Alla", "Avslutade").

Plain functions over a session and plain values (no Flask), so tests call them directly. One
listing is two SQL statements whatever the number of patients: a count, and one page query that
picks the page's enrollments in a CTE and counts their open flags (per kind) and their unread
messages in grouped subqueries.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from ...content.flag_rules import KINDS as FLAG_KINDS
from ...content.schema import as_local_text
from ...flags.queries import open_counts
from ...messaging import unread_by_enrollment
from ...models import (
    Citizen,
    Enrollment,
    Program,
    ProgramVersion,
)
from ...types import LocalText

VIEWS = ("mine", "all", "ended")
SORTS = ("name", "start", "active")
PAGE_SIZE = 25
#: the longest search text; a longer one is refused with a message, never cut
MAX_SEARCH = 100
ONGOING = ("active", "maintenance")


@dataclass(frozen=True)
class ListQuery:
    """What the staff member asked for: which list, sorted how, searched for what, which page."""

    view: str = "all"
    sort: str = "name"
    descending: bool = False
    search: str = ""
    page: int = 1
    #: a search text over ``MAX_SEARCH`` characters: not searched for, shown back with a message
    refused_search: str = ""

    @classmethod
    def from_args(cls, args: Any, default_view: str = "all") -> ListQuery:
        """Read a query from request arguments, falling back to defaults for anything unknown."""
        view = args.get("view", default_view)
        sort = args.get("sort", "name")
        search = (args.get("q") or "").strip()
        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            view=view if view in VIEWS else default_view,
            sort=sort if sort in SORTS else "name",
            descending=args.get("dir") == "desc",
            search="" if len(search) > MAX_SEARCH else search,
            page=page,
            refused_search=search[:10_000] if len(search) > MAX_SEARCH else "",
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """URL arguments for this query with some changed (for sort and page links)."""
        values = {
            "view": self.view,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "q": self.search,
            "page": self.page,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


@dataclass(frozen=True)
class PatientRow:
    enrollment_id: int
    citizen_id: int
    name: str
    personnummer: str  # 12 digits
    status: str
    started_at: datetime
    last_active_at: datetime | None
    therapist_id: int | None
    program_name: LocalText | None
    program_key: str | None
    version_label: str | None
    flags: int
    unread_messages: int = 0  # the patient's messages no one in the care team has read
    #: open flags per kind (only kinds with any), in ``FLAG_KINDS`` order
    flag_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def formatted_personnummer(self) -> str:
        return f"{self.personnummer[:8]}-{self.personnummer[8:]}"


@dataclass(frozen=True)
class PatientPage:
    query: ListQuery
    rows: list[PatientRow]
    total: int
    page: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _local_text(value: Any) -> LocalText | None:
    """A program's name (a local text: every write normalises it), or None without a program."""
    return as_local_text(value) or None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_patterns(search: str) -> tuple[str, tuple[str, ...]]:
    """The LIKE patterns of a search: ("digits", one) for a personnummer (any run of its digits,
    dash optional), ("name", the usual casings) for a name (any part), ("", ()) for none."""
    if not search:
        return "", ()
    digits = re.sub(r"[\s-]", "", search)
    if digits.isdigit():
        return "digits", (f"%{_like_escape(digits)}%",)
    # SQLite folds case for ASCII letters only, so "åsa" would miss "Åsa": try the usual casings
    # too. PostgreSQL's ILIKE folds every letter and treats the extra patterns as duplicates.
    casings = {search, search.lower(), search.capitalize(), search.title()}
    return "name", tuple(f"%{_like_escape(text)}%" for text in sorted(casings))


def _search_filter(kind: str, patterns: int) -> ColumnElement[bool] | None:
    """The search's condition, its patterns bound as ``pattern_0`` … ``pattern_<n-1>``."""
    if kind == "digits":
        return Citizen.personnummer.like(bindparam("pattern_0"), escape="\\")
    if kind == "name":
        return or_(
            *(Citizen.name.ilike(bindparam(f"pattern_{n}"), escape="\\") for n in range(patterns))
        )
    return None


def _filters(view: str, search: tuple[str, int]) -> list[Any]:
    """The list's conditions; the unit and the staff member bound as ``unit`` and ``staff``."""
    filters: list[Any] = [Enrollment.care_unit_id == bindparam("unit")]
    if view == "ended":
        filters.append(Enrollment.status == "ended")
    else:
        filters.append(Enrollment.status.in_(ONGOING))
    if view == "mine":
        filters.append(Enrollment.therapist_id == bindparam("staff"))
    condition = _search_filter(*search)
    if condition is not None:
        filters.append(condition)
    return filters


def _order(query: ListQuery, name: Any, started_at: Any, last_active_at: Any, enrollment_id: Any):
    def direction(column: Any) -> Any:
        return column.desc() if query.descending else column.asc()

    if query.sort == "start":
        return [direction(started_at), direction(enrollment_id)]
    if query.sort == "active":
        # Never-active patients come last in either direction (portable NULLS LAST).
        return [last_active_at.is_(None), direction(last_active_at), direction(enrollment_id)]
    return [direction(name), direction(enrollment_id)]


@functools.lru_cache(maxsize=128)
def _statements(shape: ListQuery, search: tuple[str, int]) -> tuple[Select, Select]:
    """The count and the page statement of one shape of list (which list, sorted how, what kind
    of search), built once per process: what varies between requests of a shape (the unit, the
    staff member, the search's patterns and the page's offset) is bound at execution.

    Building these in Python cost more than running them; a shape is a handful of values, so
    the cache stays small (3 lists x 3 sorts x 2 directions x the search kinds)."""
    filters = _filters(shape.view, search)
    order = _order(
        shape, Citizen.name, Enrollment.started_at, Enrollment.last_active_at, Enrollment.id
    )
    count = (
        select(func.count(Enrollment.id))
        .select_from(Enrollment)
        .join(Citizen, Citizen.id == Enrollment.citizen_id)
        .where(and_(*filters))
    )
    chosen = (
        select(
            Enrollment.id.label("id"),
            Enrollment.citizen_id.label("citizen_id"),
        )
        .join(Citizen, Citizen.id == Enrollment.citizen_id)
        .where(and_(*filters))
        .order_by(*order)
        .limit(PAGE_SIZE)
        .offset(bindparam("offset", type_=Integer))
        .cte("page")
    )
    # The page's open flags (Flag cases), in total and per kind: one grouped subquery.
    flagged = open_counts(select(chosen.c.id)).subquery("flagged")
    unread = unread_by_enrollment("staff", 0, select(chosen.c.id)).subquery("unread")
    page = (
        select(
            Enrollment.id,
            Enrollment.citizen_id,
            Citizen.name,
            Citizen.personnummer,
            Enrollment.status,
            Enrollment.started_at,
            Enrollment.last_active_at,
            Enrollment.therapist_id,
            ProgramVersion.content["name"].label("program_name"),
            Program.key.label("program_key"),
            ProgramVersion.major,
            ProgramVersion.minor,
            func.coalesce(flagged.c.flags, 0).label("flags"),
            *(flagged.c[f"kind_{kind}"] for kind in FLAG_KINDS),
            func.coalesce(unread.c.unread, 0).label("unread_messages"),
        )
        .select_from(Enrollment)
        .join(chosen, chosen.c.id == Enrollment.id)
        .join(Citizen, Citizen.id == Enrollment.citizen_id)
        .outerjoin(ProgramVersion, ProgramVersion.id == Enrollment.program_version_id)
        .outerjoin(Program, Program.id == ProgramVersion.program_id)
        .outerjoin(flagged, flagged.c.enrollment_id == Enrollment.id)
        .outerjoin(unread, unread.c.enrollment_id == Enrollment.id)
        .order_by(*order)
    )
    return count, page


def patient_page(
    session: Session, *, care_unit_id: int, staff_id: int | None, query: ListQuery
) -> PatientPage:
    """One page of the unit's patients as ``query`` asks: a count and one page query."""
    kind, patterns = _search_patterns(query.search)
    shape = ListQuery(view=query.view, sort=query.sort, descending=query.descending)
    count, statement = _statements(shape, (kind, len(patterns)))
    params: dict[str, Any] = {"unit": care_unit_id, "staff": staff_id}
    params.update((f"pattern_{n}", pattern) for n, pattern in enumerate(patterns))
    total = int(session.scalar(count, params) or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query.page, pages)
    if total == 0:
        return PatientPage(query=query, rows=[], total=0, page=1, pages=1)
    params["offset"] = (page - 1) * PAGE_SIZE
    rows = [
        PatientRow(
            enrollment_id=row.id,
            citizen_id=row.citizen_id,
            name=row.name,
            personnummer=row.personnummer,
            status=row.status,
            started_at=row.started_at,
            last_active_at=row.last_active_at,
            therapist_id=row.therapist_id,
            program_name=_local_text(row.program_name),
            program_key=row.program_key,
            version_label=f"{row.major}.{row.minor}" if row.major is not None else None,
            flags=int(row.flags or 0),
            flag_kinds={
                kind: int(row._mapping[f"kind_{kind}"] or 0)
                for kind in FLAG_KINDS
                if row._mapping[f"kind_{kind}"]
            },
            unread_messages=int(row.unread_messages or 0),
        )
        for row in session.execute(statement, params)
    ]
    return PatientPage(query=query, rows=rows, total=total, page=page, pages=pages)
