"""What the permission administrator reads: the unit's staff and roles, searches, thin roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..access_rules import ROLES
from ..models import RoleAssignment, Staff

#: the roles the rule "at least two people in each role" leaves out (seed: "utom designer & utgivare")
SINGLE_ROLES = frozenset({"designer", "publisher"})
#: the least number of people in each other role, by the seed's rule
AT_LEAST = 2


@dataclass(frozen=True)
class StaffRoles:
    """A staff member and the roles held at one unit (in ``ROLES`` order; empty: none there)."""

    staff: Staff
    roles: tuple[str, ...]


def _roles_of(session: Session, care_unit_id: int, staff_ids: list[int]) -> dict[int, set[str]]:
    held: dict[int, set[str]] = {}
    if not staff_ids:
        return held
    for staff_id, role in session.execute(
        select(RoleAssignment.staff_id, RoleAssignment.role).where(
            RoleAssignment.care_unit_id == care_unit_id, RoleAssignment.staff_id.in_(staff_ids)
        )
    ):
        held.setdefault(staff_id, set()).add(role)
    return held


def _ordered(roles: set[str]) -> tuple[str, ...]:
    return tuple(role for role in ROLES if role in roles)


def unit_staff(session: Session, care_unit_id: int, query: str = "") -> list[StaffRoles]:
    """Staff holding a role at the unit, by name; ``query`` narrows to a part of the name or
    HSA-id (case-insensitive). Two statements, however many staff."""
    text = " ".join((query or "").split())
    at_unit = select(RoleAssignment.staff_id).where(RoleAssignment.care_unit_id == care_unit_id)
    statement = select(Staff).where(Staff.id.in_(at_unit))
    if text:
        pattern = f"%{_escape(text.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Staff.name).like(pattern, escape="\\"),
                func.lower(Staff.hsa_id).like(pattern, escape="\\"),
            )
        )
    people = list(session.scalars(statement.order_by(Staff.name, Staff.id)))
    held = _roles_of(session, care_unit_id, [p.id for p in people])
    return [StaffRoles(p, _ordered(held.get(p.id, set()))) for p in people]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_staff(
    session: Session, care_unit_id: int, query: str
) -> tuple[list[StaffRoles], StaffRoles | None]:
    """The unit's staff matching ``query``, and a staff member of another unit (or of none)
    whose HSA-id is exactly ``query``: someone elsewhere is found by HSA-id only, never by a
    part of a name, so a unit's administrators cannot browse the platform's staff."""
    found = unit_staff(session, care_unit_id, query)
    exact = "".join((query or "").split())
    elsewhere: StaffRoles | None = None
    if exact and not any(row.staff.hsa_id.lower() == exact.lower() for row in found):
        staff = session.scalar(select(Staff).where(func.lower(Staff.hsa_id) == exact.lower()))
        if staff is not None:
            elsewhere = StaffRoles(staff, ())
    return found, elsewhere


def staff_roles(session: Session, care_unit_id: int, staff_id: int) -> tuple[str, ...]:
    """The roles ``staff_id`` holds at the unit."""
    return _ordered(_roles_of(session, care_unit_id, [staff_id]).get(staff_id, set()))


def works_elsewhere(session: Session, staff_id: int) -> bool:
    """Whether ``staff_id`` holds any role at any care unit (new staff hold none yet)."""
    return (
        session.scalar(
            select(RoleAssignment.id).where(RoleAssignment.staff_id == staff_id).limit(1)
        )
        is not None
    )


def role_counts(session: Session, care_unit_id: int) -> dict[str, int]:
    """How many people hold each role at the unit (every role, zero included)."""
    counts = dict.fromkeys(ROLES, 0)
    for role, number in session.execute(
        select(RoleAssignment.role, func.count(RoleAssignment.id))
        .where(RoleAssignment.care_unit_id == care_unit_id)
        .group_by(RoleAssignment.role)
    ):
        if role in counts:
            counts[role] = int(number)
    return counts


def thin_roles(session: Session, care_unit_id: int) -> dict[str, int]:
    """Roles held by fewer than two people at the unit (designer and publisher left out)."""
    return {
        role: number
        for role, number in role_counts(session, care_unit_id).items()
        if role not in SINGLE_ROLES and number < AT_LEAST
    }
