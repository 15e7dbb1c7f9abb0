"""What the staff's patient page reads, as plain values: the views only render them.

Each function runs a fixed number of queries, whatever the enrollment holds, so the page's query
count stays flat (``tests/test_query_counts.py``).

The care-unit boundary lives here: staff read only what a citizen gave within an enrollment at
their active care unit (a response's assignment -> its enrollment -> the enrollment's care unit),
never the citizen's data from other units. Every staff read of an enrollment, a response, its
results or its events takes the care unit's id and goes through ``unit_enrollment``,
``given_at_unit`` or ``unit_response``; the results package uses ``given_at_unit`` for series.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, literal, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    Enrollment,
    EnrollmentEvent,
    FormAssignment,
    FormResponse,
    FormVersion,
    Result,
    Staff,
)
from ._rows import _content
from .overview import Overview, compute_overview
from .progress import load_state
from .timeline import timeline

# The citizen's own doings, for "Händelser"; a module the system completes because the citizen
# finished its last item counts as theirs.
CITIZEN_KINDS = ("content_opened", "form_submitted", "module_completed", "started")


class OutsideCareUnit(LookupError):
    """A staff read asked for an enrollment of another care unit (a view forgot ``unit_enrollment``)."""


def unit_enrollment(session: Session, enrollment_id: int, care_unit_id: int) -> Enrollment | None:
    """The enrollment if it is one of the care unit's, else None (another unit's is as missing)."""
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.care_unit_id != care_unit_id:
        return None
    return enrollment


def _check_unit(enrollment: Enrollment, care_unit_id: int) -> None:
    if enrollment.care_unit_id != care_unit_id:
        raise OutsideCareUnit(f"enrollment {enrollment.id} is not at care unit {care_unit_id}")


def given_at_unit(citizen_id: int, care_unit_id: int) -> Select[int]:
    """The ids of the citizen's responses given within any of her enrollments at the care unit.

    Ongoing and ended enrollments alike: a unit keeps seeing what was given to it earlier. A
    response outside every enrollment, or in another unit's, is not among them. Used as a
    subquery (``FormResponse.id.in_(...)``, ``Result.response_id.in_(...)``).
    """
    return _given_at(citizen_id, care_unit_id)


@functools.cache
def given_at_unit_bound() -> Select[int]:
    """``given_at_unit`` built once, with the citizen bound as ``given_citizen`` and the care unit
    as ``given_unit`` (the caller passes both at execution)."""
    citizen: BindParameter[int] = bindparam("given_citizen")
    return _given_at(citizen, bindparam("given_unit"))


def _given_at(citizen: Any, care_unit: Any) -> Select[int]:
    """``given_at_unit``'s statement over values or bound parameters alike."""
    return (
        select(FormResponse.id)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .join(Enrollment, Enrollment.id == FormAssignment.enrollment_id)
        .where(
            FormResponse.citizen_id == citizen,
            Enrollment.citizen_id == citizen,
            Enrollment.care_unit_id == care_unit,
        )
    )


def unit_response(
    session: Session, enrollment: Enrollment, response_id: int, care_unit_id: int
) -> FormResponse | None:
    """A submitted response of the enrollment's citizen given at the care unit, else None.

    The enrollment must be the unit's own (``OutsideCareUnit`` otherwise); the response may come
    from any of the citizen's enrollments at that unit, never from another unit's.
    """
    _check_unit(enrollment, care_unit_id)
    return session.scalar(
        select(FormResponse).where(
            FormResponse.id == response_id,
            FormResponse.status == "submitted",
            FormResponse.id.in_(given_at_unit(enrollment.citizen_id, care_unit_id)),
        )
    )


@dataclass(frozen=True)
class StaffOverview:
    """The overview with nothing hidden (staff see all), and the keys hidden from the citizen."""

    overview: Overview
    hidden: set[str]


@dataclass(frozen=True)
class AssignedForms:
    """The enrollment's form assignments, newest first, and the submitted response of each."""

    assignments: list[FormAssignment]
    responses: dict[int, FormResponse]  # assignment id -> its submitted response


@dataclass(frozen=True)
class EventNames:
    """Names the events of a timeline refer to by id."""

    staff: dict[int, str]  # staff id -> name
    forms: dict[int, dict[str, str]]  # form version id -> title (local text)


def staff_overview(session: Session, enrollment: Enrollment, at: datetime) -> StaffOverview:
    """The enrollment's overview at ``at`` as staff see it (hidden modules and items included)."""
    states, progress, hidden, titles = load_state(session, enrollment)
    overview = compute_overview(
        _content(enrollment),
        started_at=enrollment.started_at,
        module_states=states,
        item_progress=progress,
        now=at,
        form_titles=titles,
    )
    return StaffOverview(overview=overview, hidden=hidden)


@functools.cache
def _assigned_forms_statements() -> tuple[Select, Select]:
    """``assigned_forms``'s two statements, built once; the citizen, the enrollment and the
    assignments' ids (an expanding IN) are bound at execution."""
    assignments = (
        select(FormAssignment)
        .options(selectinload(FormAssignment.form_version))
        .where(
            FormAssignment.citizen_id == bindparam("citizen"),  # the indexed column first
            FormAssignment.enrollment_id == bindparam("enrollment"),
        )
        .order_by(FormAssignment.assigned_at.desc(), FormAssignment.id.desc())
    )
    responses = select(FormResponse).where(
        FormResponse.assignment_id.in_(bindparam("ids", expanding=True)),
        FormResponse.status == "submitted",
    )
    return assignments, responses


def assigned_forms(session: Session, enrollment: Enrollment, care_unit_id: int) -> AssignedForms:
    """Every form assignment of the unit's enrollment, with submitted responses, in two queries."""
    _check_unit(enrollment, care_unit_id)
    assignments_statement, responses_statement = _assigned_forms_statements()
    assignments = list(
        session.scalars(
            assignments_statement, {"citizen": enrollment.citizen_id, "enrollment": enrollment.id}
        ).all()
    )
    responses: dict[int, FormResponse] = {}
    if assignments:
        responses = {
            r.assignment_id: r
            for r in session.scalars(responses_statement, {"ids": [a.id for a in assignments]})
            if r.assignment_id is not None
        }
    return AssignedForms(assignments=assignments, responses=responses)


def citizen_events(
    session: Session, enrollment: Enrollment, care_unit_id: int
) -> list[EnrollmentEvent]:
    """The citizen's own doings on the unit's enrollment (``CITIZEN_KINDS``), newest first."""
    _check_unit(enrollment, care_unit_id)
    return list(
        session.scalars(
            select(EnrollmentEvent)
            .where(
                EnrollmentEvent.enrollment_id == enrollment.id,
                EnrollmentEvent.kind.in_(CITIZEN_KINDS),
                EnrollmentEvent.actor_kind.in_(("citizen", "system")),
            )
            .order_by(EnrollmentEvent.at.desc(), EnrollmentEvent.id.desc())
        )
    )


def staff_timeline(
    session: Session, enrollment: Enrollment, care_unit_id: int
) -> list[EnrollmentEvent]:
    """Every event of the unit's enrollment, in order (the staff's "Tidslinje")."""
    _check_unit(enrollment, care_unit_id)
    return timeline(session, enrollment, citizen_view=False)


def event_names(
    session: Session, staff_ids: Iterable[int], form_version_ids: Iterable[int]
) -> EventNames:
    """Staff names and form titles for the ids events mention; no query for an empty set."""
    staff_ids, form_version_ids = set(staff_ids), set(form_version_ids)
    names: dict[int, str] = {}
    if staff_ids:
        names = dict(
            session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids))).all()
        )
    titles: dict[int, dict[str, str]] = {}
    if form_version_ids:
        titles = dict(
            session.execute(
                select(FormVersion.id, FormVersion.title).where(
                    FormVersion.id.in_(form_version_ids)
                )
            ).all()
        )
    return EventNames(staff=names, forms=titles)


@dataclass(frozen=True)
class FlaggedResult:
    """A result of the enrollment that raised flags, with the response and form it came from."""

    result: Result
    response: FormResponse
    form_version: FormVersion


def flagged_results(session: Session, enrollment: Enrollment) -> list[FlaggedResult]:
    """The enrollment's flagged results, newest first, in one query.

    The same rows the patient list counts (``web/staff/listing.py``): results with at least one
    flag, of responses to the enrollment's own assignments. Every flag is active until triage
    (a later issue) lets staff acknowledge one.
    """
    rows = session.execute(
        select(Result, FormResponse, FormVersion)
        .join(FormResponse, FormResponse.id == Result.response_id)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .join(FormVersion, FormVersion.id == FormResponse.form_version_id)
        .where(
            Result.citizen_id == enrollment.citizen_id,
            FormAssignment.enrollment_id == enrollment.id,
            func.json_array_length(Result.flags) > literal(0),
        )
        .order_by(Result.at.desc(), Result.id.desc())
    )
    return [FlaggedResult(result, response, version) for result, response, version in rows]
