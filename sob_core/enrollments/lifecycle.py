"""An enrollment's life: registering the citizen, starting (by staff or the citizen), maintenance,
a change of therapist and the end; and who may start an open programme themselves."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import Session

from .. import events
from ..content import content_of
from ..identity import personnummer as pnr
from ..models import (
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentModule,
    FormAssignment,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Region,
    RoleAssignment,
    Staff,
)
from ._rows import _update_if
from .assignments import pinned_forms
from .clock import _aware, local_date
from .errors import EnrollmentError
from .progress import record_event, refresh

ONGOING = ("active", "maintenance")


def is_eligible(
    eligibility: Mapping[str, Any] | None, *, sex: str, age: int, region_codes: Iterable[str]
) -> bool:
    """Does a citizen of this sex, age and these regions meet an open program's eligibility?"""
    rules = eligibility or {}
    regions = set(rules.get("regions") or ())
    if regions and not regions & set(region_codes):
        return False
    if rules.get("sex") and rules["sex"] != sex:
        return False
    if rules.get("min_age") is not None and age < int(rules["min_age"]):
        return False
    return not (rules.get("max_age") is not None and age > int(rules["max_age"]))


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def register_citizen(
    session: Session, personnummer: str, name: str, *, home_region_code: str | None = None
) -> Citizen:
    """Find a citizen by personnummer, or register one (birth date and legal sex from the number).

    ``home_region_code`` is the region she is registered in (folkbokförd); given, it is recorded
    for a found citizen too (the latest registration wins), left out, a found citizen keeps hers.
    Raises ``InvalidPersonnummer`` for an invalid number, ``EnrollmentError("unknown_region")``
    for a region code that is not in the region table.
    """
    parsed = pnr.parse(personnummer)
    citizen = session.scalar(select(Citizen).where(Citizen.personnummer == parsed.number))
    if citizen is not None:
        if home_region_code:
            set_home_region(session, citizen, home_region_code)
        return citizen
    name = (name or "").strip()
    if not name:
        raise EnrollmentError("name_required", "a name is needed to register a new citizen")
    citizen = Citizen(
        personnummer=parsed.number,
        name=name[:200],
        birth_date=parsed.birth_date,
        legal_sex=parsed.legal_sex,
        coordination_number=parsed.coordination,
    )
    session.add(citizen)
    session.flush()
    if home_region_code:
        set_home_region(session, citizen, home_region_code)
    return citizen


def _is_therapist_at(session: Session, staff_id: int, care_unit_id: int) -> bool:
    return (
        session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.staff_id == staff_id,
                RoleAssignment.care_unit_id == care_unit_id,
                RoleAssignment.role == "therapist",
            )
        )
        is not None
    )


def start(
    session: Session,
    *,
    citizen_id: int,
    program_version_id: int,
    care_unit_id: int,
    therapist_id: int | None,
    started_by_id: int | None,
    now: datetime,
) -> Enrollment:
    """Start a published program version for a citizen at a care unit.

    A staff start (``started_by_id`` given) needs the program in the unit's catalogue; a citizen
    starting an open program themselves goes through ``self_start``. A citizen has at most one
    ongoing enrollment of a program at a care unit; one at another unit is neither refused nor
    mentioned (a unit learns nothing of the citizen's care elsewhere).
    """
    now = _aware(now)
    version = session.get(ProgramVersion, program_version_id)
    if version is None or version.status != "published":
        raise EnrollmentError("not_published", "only a published program version can be started")
    if session.get(Citizen, citizen_id) is None:
        raise EnrollmentError("unknown_citizen", "no such citizen")
    if started_by_id is not None:
        allowed = session.scalar(
            select(ProgramCatalogue.id).where(
                ProgramCatalogue.program_id == version.program_id,
                ProgramCatalogue.care_unit_id == care_unit_id,
            )
        )
        if allowed is None:
            raise EnrollmentError(
                "not_in_catalogue", "the program is not in the care unit's catalogue"
            )
    if therapist_id is not None and not _is_therapist_at(session, therapist_id, care_unit_id):
        raise EnrollmentError(
            "unknown_therapist", "the responsible therapist does not work as one at the care unit"
        )
    duplicate = session.scalar(
        select(Enrollment.id)
        .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
        .where(
            Enrollment.citizen_id == citizen_id,
            Enrollment.care_unit_id == care_unit_id,
            ProgramVersion.program_id == version.program_id,
            Enrollment.status != "ended",
        )
    )
    if duplicate is not None:
        raise EnrollmentError(
            "already_enrolled",
            "the citizen already has an ongoing enrollment of this program at the care unit",
        )
    missing = [
        key for key, form in pinned_forms(session, content_of(version)).items() if form is None
    ]
    if missing:
        raise EnrollmentError(
            "unknown_form", f"the forms of these items do not exist: {', '.join(missing)}"
        )
    enrollment = Enrollment(
        citizen_id=citizen_id,
        care_unit_id=care_unit_id,
        therapist_id=therapist_id,
        status="active",
        started_at=now,
        program_version_id=version.id,
        started_by_id=started_by_id,
        hide_progress=False,
    )
    session.add(enrollment)
    session.flush()
    for module in content_of(version).modules:
        session.add(
            EnrollmentModule(enrollment_id=enrollment.id, module_key=module.key, state="locked")
        )
    record_event(
        session,
        enrollment,
        "started",
        "staff" if started_by_id is not None else "citizen",
        started_by_id if started_by_id is not None else citizen_id,
        detail={
            "version": version.label,
            "program_version_id": version.id,
            "care_unit_id": care_unit_id,
            "therapist_id": therapist_id,
        },
        now=now,
    )
    session.flush()
    refresh(session, enrollment, now)
    events.enrollment_started.send(
        session,
        enrollment_id=enrollment.id,
        citizen_id=citizen_id,
        care_unit_id=care_unit_id,
        program_version_id=version.id,
        started_by_id=started_by_id,
    )
    return enrollment


def _change_status(
    session: Session, enrollment: Enrollment, from_states: tuple[str, ...], **values: Any
) -> bool:
    return _update_if(session, enrollment, Enrollment.status.in_(from_states), **values)


def end(
    session: Session, enrollment: Enrollment, actor_kind: str, actor_id: int | None, now: datetime
) -> bool:
    """End the enrollment (avsluta): ``ended`` once; its open form assignments close."""
    now = _aware(now)
    if not _change_status(session, enrollment, ONGOING, status="ended", ended_at=now):
        return False
    session.execute(
        update(FormAssignment)
        .where(FormAssignment.enrollment_id == enrollment.id, FormAssignment.status == "open")
        .values(status="closed")
        .execution_options(synchronize_session="fetch")
    )
    record_event(session, enrollment, "ended", actor_kind, actor_id, now=now)
    events.enrollment_ended.send(
        session,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        actor_kind=actor_kind,
        actor_id=actor_id,
    )
    return True


def to_maintenance(
    session: Session, enrollment: Enrollment, actor_kind: str, actor_id: int | None, now: datetime
) -> bool:
    """Move an active enrollment to its maintenance phase (vidmakthåll): ``maintenance`` once."""
    now = _aware(now)
    if not _change_status(
        session, enrollment, ("active",), status="maintenance", maintenance_at=now
    ):
        return False
    record_event(session, enrollment, "maintenance", actor_kind, actor_id, now=now)
    events.enrollment_changed.send(
        session,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        change="maintenance",
        actor_id=actor_id,
    )
    return True


def change_therapist(
    session: Session, enrollment: Enrollment, therapist_id: int, actor_id: int, now: datetime
) -> bool:
    """Make another therapist at the enrollment's care unit responsible."""
    if enrollment.therapist_id == therapist_id:
        return False
    if not _is_therapist_at(session, therapist_id, enrollment.care_unit_id):
        raise EnrollmentError(
            "unknown_therapist", "the new therapist does not work as one at the care unit"
        )
    previous = enrollment.therapist_id
    enrollment.therapist_id = therapist_id
    record_event(
        session,
        enrollment,
        "therapist_changed",
        "staff",
        actor_id,
        detail={"from": previous, "to": therapist_id},
        now=_aware(now),
    )
    events.enrollment_changed.send(
        session,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        change="therapist",
        actor_id=actor_id,
    )
    return True


def citizen_region_codes(session: Session, citizen_id: int) -> set[str]:
    """The region the citizen is registered in (folkbokförd), as a set: empty when unknown.

    The region is the one staff registered (``Citizen.home_region_code``), never guessed from
    where she has been treated. An open program limited to regions is offered only to a citizen
    registered in one of them; one without a region list is offered to everyone.
    """
    code = session.scalar(_region_code_statement(), {"citizen": citizen_id})
    return {code} if code else set()


@functools.cache
def _region_code_statement() -> Select:
    """``citizen_region_codes``'s statement, built once; the citizen is bound at execution."""
    return select(Citizen.home_region_code).where(Citizen.id == bindparam("citizen"))


def set_home_region(session: Session, citizen: Citizen, code: str | None) -> bool:
    """Register the region the citizen is registered in (None: unknown); True when it changed.

    Raises ``EnrollmentError("unknown_region")`` for a code that is not in the region table.
    """
    code = (code or "").strip() or None
    if code is not None and session.scalar(select(Region.id).where(Region.code == code)) is None:
        raise EnrollmentError("unknown_region", f"there is no region with the code {code!r}")
    if citizen.home_region_code == code:
        return False
    citizen.home_region_code = code
    session.flush()
    return True


@functools.cache
def _open_candidates_statement() -> Select:
    """``_open_candidates``'s statement, built once (nothing in it varies per request)."""
    open_programs = select(ProgramVersion.program_id).where(
        ProgramVersion.status == "published", ProgramVersion.is_open.is_(True)
    )
    return (
        select(ProgramVersion)
        .join(Program, Program.id == ProgramVersion.program_id)
        .join(CareUnit, CareUnit.id == Program.owner_care_unit_id)
        .where(ProgramVersion.status == "published", ProgramVersion.program_id.in_(open_programs))
        .where(CareUnit.active.is_(True))  # a deactivated owner unit offers nothing
        .order_by(ProgramVersion.program_id, ProgramVersion.major, ProgramVersion.minor)
    )


@functools.cache
def _enrolled_programs_statement() -> Select:
    """The programmes a citizen is enrolled in (not ended), built once; the citizen is bound."""
    return (
        select(ProgramVersion.program_id)
        .join(Enrollment, Enrollment.program_version_id == ProgramVersion.id)
        .where(Enrollment.citizen_id == bindparam("citizen"), Enrollment.status != "ended")
    )


def _open_candidates(session: Session) -> list[ProgramVersion]:
    """The latest published version of each program, when that version is open."""
    versions = session.scalars(_open_candidates_statement()).all()
    latest: dict[int, ProgramVersion] = {}
    for version in versions:
        latest[version.program_id] = version  # ordered: the last one is the newest
    return [v for v in latest.values() if v.is_open]


def eligible_open_programs(
    session: Session, citizen: Citizen, now: datetime, *, include_enrolled: bool = False
) -> list[ProgramVersion]:
    """The latest published version of each open program the citizen may start themselves.

    Eligibility: the region she is registered in (see ``citizen_region_codes``), legal sex and
    age from the personnummer. A retired version is not published: it is never offered.
    Programs the citizen is already enrolled in (not ended) are left out unless asked for.
    """
    candidates = _open_candidates(session)
    if not candidates:
        return []
    enrolled: set[int] = set()
    if not include_enrolled:
        enrolled = set(session.scalars(_enrolled_programs_statement(), {"citizen": citizen.id}))
    regions = citizen_region_codes(session, citizen.id)
    age = age_on(citizen.birth_date, local_date(now))
    return [
        version
        for version in candidates
        if version.program_id not in enrolled
        and is_eligible(version.eligibility, sex=citizen.legal_sex, age=age, region_codes=regions)
    ]


def held_back_for_region(session: Session, citizen: Citizen, now: datetime) -> bool:
    """Would an open program be offered if the service knew where the citizen is registered?

    True only for a citizen without a registered region, when some open program limited to
    regions fits her sex and age (so the start page can say why it is not offered).
    """
    if citizen.home_region_code:
        return False
    age = age_on(citizen.birth_date, local_date(now))
    for version in _open_candidates(session):
        rules = version.eligibility or {}
        if rules.get("regions") and is_eligible(
            {**rules, "regions": []}, sex=citizen.legal_sex, age=age, region_codes=()
        ):
            return True
    return False


def self_start(session: Session, citizen: Citizen, version_id: int, now: datetime) -> Enrollment:
    """A citizen starts an open program they are eligible for, at the program's owner unit."""
    eligible = eligible_open_programs(session, citizen, now, include_enrolled=True)
    version = next((v for v in eligible if v.id == version_id), None)
    if version is None:
        raise EnrollmentError("not_eligible", "the program is not open to this citizen")
    enrollment = start(
        session,
        citizen_id=citizen.id,
        program_version_id=version.id,
        care_unit_id=version.program.owner_care_unit_id,
        therapist_id=None,
        started_by_id=None,
        now=now,
    )
    enrollment.last_active_at = now
    return enrollment


def find_citizen(session: Session, personnummer: str) -> Citizen | None:
    """The registered citizen with this (normalised) personnummer, or None."""
    return session.scalar(select(Citizen).where(Citizen.personnummer == personnummer))


@dataclass(frozen=True)
class UnitLookup:
    """What starting an enrollment at a care unit learns from a personnummer.

    ``citizen`` is for the service (to start the enrollment and to audit the lookup), never for
    the page: a unit is told only ``known_here``, whether the citizen has or had an enrollment at
    that unit. A personnummer nobody registered and one registered only at other units answer
    alike (not known here: the form needs the name), so the page reveals nothing of other units.
    """

    citizen: Citizen | None
    known_here: bool


def lookup_for_unit(session: Session, personnummer: str, care_unit_id: int) -> UnitLookup:
    """Look a (normalised) personnummer up for starting an enrollment at ``care_unit_id``."""
    citizen = find_citizen(session, personnummer)
    known_here = citizen is not None and (
        session.scalar(
            select(Enrollment.id)
            .where(Enrollment.citizen_id == citizen.id, Enrollment.care_unit_id == care_unit_id)
            .limit(1)
        )
        is not None
    )
    return UnitLookup(citizen=citizen, known_here=known_here)


def therapists_at(session: Session, care_unit_id: int) -> list[Staff]:
    """Active staff holding the therapist role at the care unit, by name."""
    return list(
        session.scalars(
            select(Staff)
            .join(RoleAssignment, RoleAssignment.staff_id == Staff.id)
            .where(
                RoleAssignment.care_unit_id == care_unit_id,
                RoleAssignment.role == "therapist",
                Staff.active.is_(True),
            )
            .order_by(Staff.name, Staff.id)
        )
    )
