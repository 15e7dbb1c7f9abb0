"""Flags as staff see them: an enrollment's flags, the unit's open flags, counts for a list."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from ..content.flag_rules import KINDS
from ..models import Citizen, Enrollment, Flag
from .cases import OPEN

#: how many closed flags the patient page shows under the open ones
CLOSED_SHOWN = 20
#: the longest list of the start page
UNIT_LIMIT = 200


@functools.cache
def _enrollment_flags_statements() -> tuple[Select, Select]:
    """``enrollment_flags``'s two statements, built once; the enrollment is bound at execution."""
    enrollment: BindParameter[int] = bindparam("enrollment")
    ordered = (Flag.severity.desc(), Flag.raised_at.desc(), Flag.id.desc())
    open_rows = (
        select(Flag)
        .where(Flag.enrollment_id == enrollment, Flag.status.in_(OPEN))
        .order_by(*ordered)
    )
    closed = (
        select(Flag)
        .where(Flag.enrollment_id == enrollment, Flag.status.not_in(OPEN))
        .order_by(Flag.closed_at.desc(), Flag.id.desc())
        .limit(CLOSED_SHOWN)
    )
    return open_rows, closed


def enrollment_flags(session: Session, enrollment_id: int) -> list[Flag]:
    """Open flags (most serious, newest first), then the latest closed ones: two queries."""
    open_statement, closed_statement = _enrollment_flags_statements()
    params = {"enrollment": enrollment_id}
    open_rows = session.scalars(open_statement, params).all()
    closed = session.scalars(closed_statement, params).all()
    return [*open_rows, *closed]


@dataclass(frozen=True)
class UnitFlag:
    flag: Flag
    citizen_name: str
    therapist_id: int | None


def unit_open_flags(
    session: Session,
    care_unit_id: int,
    *,
    kind: str | None = None,
    status: str | None = None,
    assigned_to: int | None = None,
    limit: int = UNIT_LIMIT,
) -> list[UnitFlag]:
    """The unit's open flags (new and acknowledged), most serious and newest first: one query."""
    statuses = (status,) if status in OPEN else OPEN
    query = (
        select(Flag, Citizen.name, Enrollment.therapist_id)
        .join(Enrollment, Enrollment.id == Flag.enrollment_id)
        .join(Citizen, Citizen.id == Flag.citizen_id)
        .where(Flag.care_unit_id == care_unit_id, Flag.status.in_(statuses))
    )
    if kind:
        query = query.where(Flag.kind == kind)
    if assigned_to is not None:
        query = query.where(Flag.assigned_to_id == assigned_to)
    query = query.order_by(Flag.severity.desc(), Flag.raised_at.desc(), Flag.id.desc()).limit(limit)
    return [UnitFlag(flag, name, therapist) for flag, name, therapist in session.execute(query)]


def open_counts(enrollment_ids: Any) -> Any:
    """Per enrollment in ``enrollment_ids`` (a select of ids): its open flags in total and per
    kind (columns ``flags`` and ``kind_<kind>``), as one grouped statement to join."""
    columns = [
        func.sum(case((Flag.kind == kind, 1), else_=0)).label(f"kind_{kind}") for kind in KINDS
    ]
    return (
        select(
            Flag.enrollment_id.label("enrollment_id"), func.count(Flag.id).label("flags"), *columns
        )
        .where(Flag.enrollment_id.in_(enrollment_ids), Flag.status.in_(OPEN))
        .group_by(Flag.enrollment_id)
    )
