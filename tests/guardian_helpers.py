"""Shared by the guardian tests: children of a given age, a guardianship, an enrollment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from sob_core import enrollments
from sob_core.enrollments.clock import local_date
from sob_core.extensions import db
from sob_core.identity.personnummer import luhn_digit
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    Guardianship,
    ProgramCatalogue,
    ProgramVersion,
    Staff,
)

JOHN = "198503142393"  # a demo citizen, here a guardian
ELIN = "199207012486"  # another demo citizen
ANNA = "SE2321000131-P000000000012"  # citizen administrator at unit 1
KARIN = "SE2321000016-P000000000023"  # citizen administrator at unit 2


def number_born(born: date, serial: str = "238") -> str:
    """A valid personnummer of someone born on ``born``."""
    check = luhn_digit(born.strftime("%y%m%d") + serial)
    return f"{born:%Y%m%d}{serial}{check}"


def years_ago(years: int, days: int = 0) -> date:
    """The day ``years`` (and ``days``) before today, Swedish time as the service counts ages
    (the machine's date is a day behind between midnight in Stockholm and midnight UTC)."""
    today = local_date(datetime.now(UTC))
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day + timedelta(days=days)


def units() -> tuple[CareUnit, CareUnit]:
    first, second = db.session.scalars(select(CareUnit).order_by(CareUnit.id)).all()[:2]
    return first, second


def staff(hsa: str) -> Staff:
    found = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa))
    assert found is not None
    return found


def citizen(number: str) -> Citizen:
    found = db.session.scalar(select(Citizen).where(Citizen.personnummer == number))
    assert found is not None
    return found


def child(name: str, born: date, serial: str = "238") -> Citizen:
    from sob_core.identity import personnummer

    parsed = personnummer.parse(number_born(born, serial))
    row = Citizen(
        personnummer=parsed.number,
        name=name,
        birth_date=parsed.birth_date,
        legal_sex=parsed.legal_sex,
    )
    db.session.add(row)
    db.session.commit()
    return row


def guardianship(guardian: str, kid: Citizen, unit_id: int | None = None) -> Guardianship:
    row = Guardianship(
        guardian_personnummer=guardian, child_id=kid.id, care_unit_id=unit_id or units()[0].id
    )
    db.session.add(row)
    db.session.commit()
    return row


def enroll(kid: Citizen) -> Enrollment:
    """The child in a published programme of unit 1's catalogue, started by its therapist."""
    unit = units()[0]
    version = db.session.scalar(
        select(ProgramVersion)
        .join(ProgramCatalogue, ProgramCatalogue.program_id == ProgramVersion.program_id)
        .where(ProgramCatalogue.care_unit_id == unit.id, ProgramVersion.status == "published")
        .order_by(ProgramVersion.id)
    )
    assert version is not None
    tommy = staff("SE2321000131-P000000000011")
    enrollment = enrollments.start(
        db.session,
        citizen_id=kid.id,
        program_version_id=version.id,
        care_unit_id=unit.id,
        therapist_id=tommy.id,
        started_by_id=tommy.id,
        now=datetime.now(UTC) - timedelta(days=2),
    )
    db.session.commit()
    return enrollment
