"""The catalogue: which care units may use a program, and what a unit may start.

What is offered for a new enrollment is the latest *published* version of a program in a unit's
catalogue (and, for an open program, that version's eligibility). A retired version (status
``retired``, which the immutability guard allows alongside ``published``) is taken out of the
catalogue: nothing new starts on it, while enrollments already on it keep it and go on as before.
Retiring the latest version makes the latest still published one (``drafts.latest_published``)
the offered one; with none, the program is offered nowhere until a version is listed or
published again.

The regional administrator may decide instead (``sob_core.regions``): the newest
``ProgramActivation`` of a (unit, program) pins the offered version (kept while it is
published; retired, nothing is offered) or deactivates the program there. A unit without an
activation of a program keeps the default above; a deactivated care unit offers nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from ..models import (
    CareUnit,
    Enrollment,
    Program,
    ProgramActivation,
    ProgramCatalogue,
    ProgramVersion,
)
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


def latest_activations(session: Session, care_unit_id: int) -> dict[int, ProgramActivation]:
    """The newest activation row of each program at the unit (program id -> row)."""
    rows = session.scalars(
        select(ProgramActivation)
        .where(ProgramActivation.care_unit_id == care_unit_id)
        .order_by(ProgramActivation.id)
        .options(joinedload(ProgramActivation.program_version).joinedload(ProgramVersion.program))
    ).all()
    return {row.program_id: row for row in rows}  # ordered by id: the last one wins


def available_versions(session: Session, care_unit_id: int) -> list[ProgramVersion]:
    """The version of each program in the unit's catalogue that the unit offers (one query).

    The latest published one, unless the regional administrator activated a version (offered
    while published) or deactivated the program at the unit; nothing at a deactivated unit.
    """
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
    newest = (
        select(
            ProgramActivation.program_id.label("program_id"),
            func.max(ProgramActivation.id).label("id"),
        )
        .where(ProgramActivation.care_unit_id == care_unit_id)
        .group_by(ProgramActivation.program_id)
        .subquery()
    )
    decided = aliased(ProgramActivation)
    versions = session.scalars(
        select(ProgramVersion)
        .join(
            ProgramCatalogue,
            and_(
                ProgramCatalogue.program_id == ProgramVersion.program_id,
                ProgramCatalogue.care_unit_id == care_unit_id,
            ),
        )
        .join(CareUnit, and_(CareUnit.id == care_unit_id, CareUnit.active.is_(True)))
        .outerjoin(ranked, ranked.c.id == ProgramVersion.id)
        .outerjoin(newest, newest.c.program_id == ProgramVersion.program_id)
        .outerjoin(decided, decided.id == newest.c.id)
        .where(
            ProgramVersion.status == "published",
            or_(
                and_(decided.id.is_(None), ranked.c.rank == 1),
                and_(decided.status == "active", decided.program_version_id == ProgramVersion.id),
            ),
        )
        .options(joinedload(ProgramVersion.program))
    ).all()
    return sorted(versions, key=lambda v: (local(v.content.get("name")).casefold(), v.program.key))


def offered_version(session: Session, care_unit_id: int, program_id: int) -> ProgramVersion | None:
    """The version of the program the unit offers for a new enrollment, or None."""
    return next(
        (v for v in available_versions(session, care_unit_id) if v.program_id == program_id), None
    )


def ongoing_on(session: Session, version: ProgramVersion) -> int:
    """How many enrollments (not ended) are on this version."""
    return (
        session.scalar(
            select(func.count(Enrollment.id)).where(
                Enrollment.program_version_id == version.id, Enrollment.status != "ended"
            )
        )
        or 0
    )


def retire(session: Session, version: ProgramVersion) -> None:
    """Take a published version out of the catalogue: no new enrollment starts on it."""
    if version.status != "published":
        raise ProgramCodedError("not_retirable", label=version.label)
    version.status = "retired"
    session.flush()


def relist(session: Session, version: ProgramVersion) -> None:
    """Put a retired version back in the catalogue (published again, its number unchanged)."""
    if version.status != "retired":
        raise ProgramCodedError("not_retired", label=version.label)
    version.status = "published"
    session.flush()
