"""What a care unit's data administrator may export: the ended enrollments at her unit.

The care-unit boundary holds for exports too: a unit exports what citizens gave within its own
enrollments, of any programme used there (its own programmes and those of other units in its
catalogue), never what was given at another unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..content import content_of
from ..models import Enrollment, FormAssignment, FormResponse, Program, ProgramVersion
from ..types import local


@dataclass(frozen=True)
class Exportable:
    program_id: int
    key: str
    name: str
    ended: int  # ended enrollments of the programme at the unit


def ended_enrollments(unit_id: int, program_id: int) -> Select:
    """The ids of the programme's ended enrollments at the unit (a subquery)."""
    return (
        select(Enrollment.id)
        .join(ProgramVersion, ProgramVersion.id == Enrollment.program_version_id)
        .where(
            Enrollment.care_unit_id == unit_id,
            Enrollment.status == "ended",
            ProgramVersion.program_id == program_id,
        )
    )


def exportable_programs(session: Session, unit_id: int, lang: str) -> list[Exportable]:
    """Programmes with ended enrollments at the unit, with how many, by name."""
    rows = session.execute(
        select(ProgramVersion.program_id, func.count(Enrollment.id), func.max(ProgramVersion.id))
        .join(Enrollment, Enrollment.program_version_id == ProgramVersion.id)
        .where(Enrollment.care_unit_id == unit_id, Enrollment.status == "ended")
        .group_by(ProgramVersion.program_id)
    ).all()
    out = []
    for program_id, count, version_id in rows:
        program = session.get(Program, program_id)
        version = session.get(ProgramVersion, version_id)
        if program is None or version is None:
            continue
        out.append(
            Exportable(program_id, program.key, local(content_of(version).name, lang), count)
        )
    return sorted(out, key=lambda e: (e.name.casefold(), e.key))


def submitted_responses(unit_id: int, program_id: int) -> Select:
    """The submitted responses given within those enrollments (a statement of response ids)."""
    return (
        select(FormResponse.id)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .where(
            FormAssignment.enrollment_id.in_(ended_enrollments(unit_id, program_id)),
            FormResponse.status == "submitted",
        )
    )
