"""The catalogue: which care units may use a program, and what a unit may start."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..models import CareUnit, Program, ProgramCatalogue, ProgramVersion
from ..types import local
from .errors import ProgramCodedError


def catalogue_unit_ids(session: Session, program: Program) -> set[int]:
    return set(
        session.scalars(
            select(ProgramCatalogue.care_unit_id).where(ProgramCatalogue.program_id == program.id)
        )
    )


def set_catalogue(session: Session, program: Program, care_unit_ids: Iterable[int]) -> None:
    """The care units that may use the program: exactly these."""
    wanted = set(care_unit_ids)
    if wanted:
        existing_units = set(session.scalars(select(CareUnit.id).where(CareUnit.id.in_(wanted))))
        if existing_units != wanted:
            raise ProgramCodedError("unknown_unit")
    rows = session.scalars(
        select(ProgramCatalogue).where(ProgramCatalogue.program_id == program.id)
    ).all()
    for row in rows:
        if row.care_unit_id not in wanted:
            session.delete(row)
    for unit_id in wanted - {row.care_unit_id for row in rows}:
        session.add(ProgramCatalogue(program_id=program.id, care_unit_id=unit_id))
    session.flush()


def available_versions(session: Session, care_unit_id: int) -> list[ProgramVersion]:
    """The latest published version of each program in the unit's catalogue (one query)."""
    ranked = (
        select(
            ProgramVersion.id.label("id"),
            func.row_number()
            .over(
                partition_by=ProgramVersion.program_id,
                order_by=(ProgramVersion.major.desc(), ProgramVersion.minor.desc()),
            )
            .label("rank"),
        )
        .join(ProgramCatalogue, ProgramCatalogue.program_id == ProgramVersion.program_id)
        .where(ProgramCatalogue.care_unit_id == care_unit_id, ProgramVersion.status == "published")
        .subquery()
    )
    versions = session.scalars(
        select(ProgramVersion)
        .join(ranked, ranked.c.id == ProgramVersion.id)
        .where(ranked.c.rank == 1)
        .options(joinedload(ProgramVersion.program))
    ).all()
    return sorted(versions, key=lambda v: (local(v.content.get("name")).casefold(), v.program.key))
