"""Demo data: regions, care units, staff in every role, citizens. Loading twice changes nothing.

Only loaded by `sob demo`; the demo login provider lists these people and refuses to run when demo
mode is off.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import CareUnit, Citizen, Region, RoleAssignment, Staff
from . import personnummer

REGIONS = (("14", "Västra Götalandsregionen"), ("01", "Region Stockholm"))

CARE_UNITS = (
    ("14", "SE2321000131-E000000000101", "Psykiatrimottagning Centrum, Göteborg"),
    ("01", "SE2321000016-E000000000201", "Sömnmottagningen Södermalm"),
)

# (HSA-id, name, e-mail, roles at unit 1, roles at unit 2)
STAFF = (
    ("SE2321000131-P000000000011", "Tommy Skjulsvik", "tommy@example.invalid",
     ("therapist",), ()),
    ("SE2321000131-P000000000012", "Anna Berg", "anna@example.invalid",
     ("therapist", "citizen_admin"), ()),
    ("SE2321000131-P000000000013", "Maria Lind", None,
     ("permission_admin", "citizen_admin", "data_admin"), ("permission_admin",)),
    ("SE2321000131-P000000000014", "Erik Holm", None,
     ("permission_admin", "data_admin"), ()),
    ("SE2321000131-P000000000015", "Sara Ek", None, ("designer", "publisher"), ("designer",)),
    ("SE2321000016-P000000000021", "Johan Sund", None, (), ("therapist", "citizen_admin")),
    ("SE2321000016-P000000000022", "Lena Björk", None, (), ("therapist", "data_admin")),
    ("SE2321000016-P000000000023", "Karin Ström", None, (), ("permission_admin", "citizen_admin")),
    ("SE2321000016-P000000000024", "Olof Dahl", None, (), ("publisher", "data_admin")),
)

# (personnummer, name): test numbers with valid check digits
CITIZENS = (
    ("19850314-2393", "John Doe"),
    ("19920701-2486", "Elin Svensson"),
    ("19780923-2577", "Ahmed Karimi"),
    ("20010211-2687", "Linnea Johansson"),
)


def load() -> dict[str, int]:
    counts = {"regions": 0, "care units": 0, "staff": 0, "roles": 0, "citizens": 0}
    regions = {}
    for code, name in REGIONS:
        region = db.session.scalar(select(Region).where(Region.code == code))
        if region is None:
            region = Region(code=code, name=name)
            db.session.add(region)
            counts["regions"] += 1
        regions[code] = region
    units = []
    for code, hsa_id, name in CARE_UNITS:
        unit = db.session.scalar(select(CareUnit).where(CareUnit.hsa_id == hsa_id))
        if unit is None:
            unit = CareUnit(hsa_id=hsa_id, name=name, region=regions[code])
            db.session.add(unit)
            counts["care units"] += 1
        units.append(unit)
    db.session.flush()
    for hsa_id, name, email, first_roles, second_roles in STAFF:
        staff = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))
        if staff is None:
            staff = Staff(hsa_id=hsa_id, name=name, email=email)
            db.session.add(staff)
            db.session.flush()
            counts["staff"] += 1
        held = {(r.care_unit_id, r.role) for r in staff.roles}
        for unit, roles in ((units[0], first_roles), (units[1], second_roles)):
            for role in roles:
                if (unit.id, role) not in held:
                    staff.roles.append(RoleAssignment(care_unit_id=unit.id, role=role))
                    counts["roles"] += 1
    for number, name in CITIZENS:
        parsed = personnummer.parse(number)
        citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == parsed.number))
        if citizen is None:
            db.session.add(
                Citizen(
                    personnummer=parsed.number,
                    name=name,
                    birth_date=parsed.birth_date,
                    legal_sex=parsed.legal_sex,
                    coordination_number=parsed.coordination,
                )
            )
            counts["citizens"] += 1
    db.session.commit()
    return counts


def demo_people(audience: str) -> list[tuple[str, str, str]]:
    """The demo people present in the database: ``(identifier, name, description)``."""
    if audience == "staff":
        rows = db.session.scalars(
            select(Staff).where(Staff.hsa_id.in_([s[0] for s in STAFF])).order_by(Staff.name)
        )
        out = []
        for staff in rows:
            roles = sorted({r.role for r in staff.roles})
            out.append((staff.hsa_id, staff.name, ", ".join(roles)))
        return out
    numbers = [personnummer.parse(n).number for n, _ in CITIZENS]
    rows = db.session.scalars(
        select(Citizen).where(Citizen.personnummer.in_(numbers)).order_by(Citizen.name)
    )
    return [(c.personnummer, c.name, c.formatted_personnummer) for c in rows]
