"""Activating programme versions at care units, as a minor or a major update, and deactivating.

* **Major update**: new enrollments at the unit start on the activated version; ongoing ones stay
  on the version they started on (as the public SoB manual has it: a major version runs beside
  the old one until the last ongoing enrollment of that one ends).
* **Minor update**: the same, and ongoing enrollments at the unit on an earlier version with the
  same major number are moved onto the activated one (a minor version only mends a published
  one, so the citizen goes on where she is). Module states are kept by module key; modules the
  new version adds start locked and open by their own rules; form items already assigned keep
  the form version they were assigned with. A minor update needs a version the unit offers now
  (by default or activated) with the same major number and no higher minor.
* **Deactivation**: the unit offers nothing of the programme; ongoing enrollments go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, enrollments, programs
from ..content import content_of
from ..models import (
    CareUnit,
    Enrollment,
    EnrollmentModule,
    Program,
    ProgramActivation,
    ProgramCatalogue,
    ProgramVersion,
)
from .admins import unit_in_region
from .errors import RegionError

KINDS = ("minor", "major")


def _supersede(session: Session, care_unit_id: int, program_id: int) -> None:
    for row in session.scalars(
        select(ProgramActivation).where(
            ProgramActivation.care_unit_id == care_unit_id,
            ProgramActivation.program_id == program_id,
            ProgramActivation.status == "active",
        )
    ):
        row.status = "superseded"


def _list_in_catalogue(session: Session, care_unit_id: int, program_id: int) -> None:
    listed = session.scalar(
        select(ProgramCatalogue.id).where(
            ProgramCatalogue.program_id == program_id,
            ProgramCatalogue.care_unit_id == care_unit_id,
        )
    )
    if listed is None:
        session.add(ProgramCatalogue(program_id=program_id, care_unit_id=care_unit_id))


def _move_ongoing(
    session: Session,
    unit: CareUnit,
    version: ProgramVersion,
    actor_id: int,
    now: datetime,
) -> int:
    """Move the unit's ongoing enrollments on earlier minors of the version's major onto it."""
    moving = session.scalars(
        select(Enrollment)
        .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
        .where(
            Enrollment.care_unit_id == unit.id,
            Enrollment.status.in_(enrollments.ONGOING),
            ProgramVersion.program_id == version.program_id,
            ProgramVersion.major == version.major,
            ProgramVersion.minor < version.minor,
        )
    ).all()
    keys = [module.key for module in content_of(version).modules]
    for enrollment in moving:
        before = enrollment.program_version
        enrollment.program_version_id = version.id
        held = set(
            session.scalars(
                select(EnrollmentModule.module_key).where(
                    EnrollmentModule.enrollment_id == enrollment.id
                )
            )
        )
        for key in keys:
            if key not in held:
                session.add(
                    EnrollmentModule(enrollment_id=enrollment.id, module_key=key, state="locked")
                )
        enrollments.record_event(
            session,
            enrollment,
            "version_changed",
            "staff",
            actor_id,
            detail={"from": before.label, "to": version.label, "program_version_id": version.id},
            citizen_visible=False,
            now=now,
        )
        session.flush()
        session.refresh(enrollment, ["program_version"])
        enrollments.refresh(session, enrollment, now)
    return len(moving)


def activate(
    session: Session,
    *,
    region_id: int,
    care_unit_id: int,
    program_version_id: int,
    kind: str,
    actor_id: int,
    now: datetime,
) -> ProgramActivation:
    """Make the unit offer this published version, as a minor or a major update (see above)."""
    unit = unit_in_region(session, region_id, care_unit_id)
    if not unit.active:
        raise RegionError("unit_inactive", unit=unit.name)
    if kind not in KINDS:
        raise RegionError("bad_kind")
    version = session.get(ProgramVersion, program_version_id)
    if version is None:
        raise RegionError("unknown_version")
    if version.status != "published":
        raise RegionError("not_published", label=version.label)
    decided = programs.latest_activations(session, unit.id).get(version.program_id)
    if (
        decided is not None
        and decided.status == "active"
        and decided.program_version_id == version.id
    ):
        raise RegionError("already_active", label=version.label, unit=unit.name)
    if kind == "minor":
        # the version offered now, by default or by an activation; a minor update never goes back
        current = programs.offered_version(session, unit.id, version.program_id)
        if current is None:
            raise RegionError("minor_needs_current", unit=unit.name)
        if current.major != version.major or (current.minor or 0) > (version.minor or 0):
            raise RegionError("minor_needs_same_major", label=version.label, current=current.label)
    _supersede(session, unit.id, version.program_id)
    _list_in_catalogue(session, unit.id, version.program_id)
    row = ProgramActivation(
        care_unit_id=unit.id,
        program_id=version.program_id,
        program_version_id=version.id,
        kind=kind,
        status="active",
        at=now,
        by_id=actor_id,
    )
    session.add(row)
    session.flush()
    if kind == "minor":
        row.moved = _move_ongoing(session, unit, version, actor_id, now)
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="change",
        what="program_activation",
        care_unit_id=unit.id,
        detail={
            "program_id": version.program_id,
            "program_version_id": version.id,
            "version": version.label,
            "kind": kind,
            "moved": row.moved,
        },
    )
    session.flush()
    return row


def deactivate(
    session: Session,
    *,
    region_id: int,
    care_unit_id: int,
    program_id: int,
    actor_id: int,
    now: datetime,
) -> ProgramActivation:
    """The unit offers nothing of the programme any more; ongoing enrollments go on."""
    unit = unit_in_region(session, region_id, care_unit_id)
    if programs.offered_version(session, unit.id, program_id) is None:
        raise RegionError("not_active", unit=unit.name)
    _supersede(session, unit.id, program_id)
    row = ProgramActivation(
        care_unit_id=unit.id,
        program_id=program_id,
        program_version_id=None,
        kind="deactivation",
        status="deactivated",
        at=now,
        by_id=actor_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="change",
        what="program_activation",
        care_unit_id=unit.id,
        detail={"program_id": program_id, "kind": "deactivation"},
    )
    return row


@dataclass(frozen=True)
class UnitProgramme:
    """One programme at one of the region's units, for the overview."""

    unit: CareUnit
    program: Program
    offered: ProgramVersion | None  # what a new enrollment starts on (None: not offered)
    decided_by: str  # "default" (latest published), "minor", "major" or "deactivation"
    ongoing: int  # the unit's ongoing enrollments of the programme, any version


def overview(session: Session, region_id: int) -> list[UnitProgramme]:
    """Every programme listed at or activated for each of the region's units."""
    units = session.scalars(
        select(CareUnit).where(CareUnit.region_id == region_id).order_by(CareUnit.name)
    ).all()
    ongoing = {
        (unit_id, program_id): count
        for unit_id, program_id, count in session.execute(
            select(Enrollment.care_unit_id, ProgramVersion.program_id, func.count(Enrollment.id))
            .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
            .join(CareUnit, Enrollment.care_unit_id == CareUnit.id)
            .where(CareUnit.region_id == region_id, Enrollment.status.in_(enrollments.ONGOING))
            .group_by(Enrollment.care_unit_id, ProgramVersion.program_id)
        )
    }
    rows: list[UnitProgramme] = []
    for unit in units:
        listed = set(
            session.scalars(
                select(ProgramCatalogue.program_id).where(ProgramCatalogue.care_unit_id == unit.id)
            )
        )
        decided = programs.latest_activations(session, unit.id)
        offered = (
            {v.program_id: v for v in programs.available_versions(session, unit.id)}
            if unit.active
            else {}
        )
        for program in session.scalars(
            select(Program).where(Program.id.in_(listed)).order_by(Program.key)
        ):
            row = decided.get(program.id)
            rows.append(
                UnitProgramme(
                    unit=unit,
                    program=program,
                    offered=offered.get(program.id),
                    decided_by=row.kind if row is not None else "default",
                    ongoing=ongoing.get((unit.id, program.id), 0),
                )
            )
    return rows


def activatable_versions(session: Session) -> list[ProgramVersion]:
    """Every published version of every programme, newest first within a programme."""
    return list(
        session.scalars(
            select(ProgramVersion)
            .join(Program, Program.id == ProgramVersion.program_id)
            .where(ProgramVersion.status == "published")
            .order_by(Program.key, ProgramVersion.major.desc(), ProgramVersion.minor.desc())
        )
    )
