"""Who administers a region, and appointing a care unit's first permission administrator."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..models import CareUnit, Region, RegionAdmin, RoleAssignment, Staff
from ..models._types import utcnow
from .errors import RegionError

#: an HSA-id: SE, the organisation number (ten digits), a hyphen, then up to 31 characters
HSA_ID_RE = re.compile(r"^SE[0-9]{10}-[A-Za-z0-9]{1,31}$")
MAX_NAME = 200


def clean_hsa_id(value: str | None) -> str:
    hsa_id = (value or "").strip().upper()
    if not HSA_ID_RE.fullmatch(hsa_id):
        raise RegionError("bad_hsa_id", value=(value or "").strip() or "''")
    return hsa_id


def clean_name(value: str | None) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise RegionError("name_required")
    if len(name) > MAX_NAME:
        raise RegionError("name_too_long", max=MAX_NAME)
    return name


def region_ids_of(session: Session, staff_id: int) -> set[int]:
    """The regions the staff member is regional administrator of."""
    return set(
        session.scalars(select(RegionAdmin.region_id).where(RegionAdmin.staff_id == staff_id))
    )


def regions_of(session: Session, staff_id: int) -> list[Region]:
    return list(
        session.scalars(
            select(Region)
            .join(RegionAdmin, RegionAdmin.region_id == Region.id)
            .where(RegionAdmin.staff_id == staff_id)
            .order_by(Region.name)
        )
    )


def make_region_admin(
    session: Session, *, staff_id: int, region_id: int, actor_id: int | None = None
) -> bool:
    """Make a staff member regional administrator of a region (the demo, operators); True if new."""
    held = session.scalar(
        select(RegionAdmin.id).where(
            RegionAdmin.staff_id == staff_id, RegionAdmin.region_id == region_id
        )
    )
    if held is not None:
        return False
    session.add(RegionAdmin(staff_id=staff_id, region_id=region_id, granted_by_id=actor_id))
    session.flush()
    return True


def unit_in_region(session: Session, region_id: int, care_unit_id: int) -> CareUnit:
    """The care unit, if it is in the region; ``RegionError`` otherwise (ids from a URL)."""
    unit = session.get(CareUnit, care_unit_id)
    if unit is None:
        raise RegionError("unknown_unit")
    if unit.region_id != region_id:
        raise RegionError("not_your_region")
    return unit


def find_or_add_staff(session: Session, *, hsa_id: str, name: str | None, actor_id: int) -> Staff:
    """The staff member with this HSA-id, or a new one (audited as action "create", "staff")."""
    hsa_id = clean_hsa_id(hsa_id)
    staff = session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))
    if staff is not None:
        return staff
    if session.scalar(select(CareUnit.id).where(CareUnit.hsa_id == hsa_id)) is not None:
        raise RegionError("staff_hsa_is_unit", hsa_id=hsa_id)
    staff = Staff(hsa_id=hsa_id, name=clean_name(name))
    session.add(staff)
    session.flush()
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="create",
        what="staff",
        detail={"staff_id": staff.id, "hsa_id": staff.hsa_id},
    )
    return staff


def appoint_permission_admin(
    session: Session,
    *,
    region_id: int,
    care_unit_id: int,
    hsa_id: str,
    name: str | None,
    actor_id: int,
    now: datetime | None = None,
) -> RoleAssignment:
    """Appoint a care unit's first permission administrator (adding the person if new).

    Only a unit of the region without a permission administrator: from then on its permission
    administrators grant roles there. Audited like every role change (what="role_assignment").
    """
    unit = unit_in_region(session, region_id, care_unit_id)
    existing = session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.care_unit_id == unit.id, RoleAssignment.role == "permission_admin"
        )
    )
    if existing is not None:
        raise RegionError("has_permission_admin", unit=unit.name)
    staff = find_or_add_staff(session, hsa_id=hsa_id, name=name, actor_id=actor_id)
    assignment = RoleAssignment(
        staff_id=staff.id,
        care_unit_id=unit.id,
        role="permission_admin",
        granted_by_id=actor_id,
        granted_at=now or utcnow(),
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="change",
        what="role_assignment",
        care_unit_id=unit.id,
        detail={
            "staff_id": staff.id,
            "hsa_id": staff.hsa_id,
            "role": "permission_admin",
            "change": "grant",
        },
    )
    return assignment
