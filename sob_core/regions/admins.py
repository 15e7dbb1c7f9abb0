"""Who administers a region, and appointing a care unit's first permission administrator."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import permissions
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


#: the permission package's refusals of a new staff member, as the region pages word them
_STAFF_CODES = {
    "bad_hsa_id": "bad_hsa_id",
    "no_name": "name_required",
    "name_too_long": "name_too_long",
}


def find_or_add_staff(session: Session, *, hsa_id: str, name: str | None, actor_id: int) -> Staff:
    """The staff member with this HSA-id, or a new one (``permissions.add_staff``: audited as
    action "create", "staff")."""
    hsa_id = clean_hsa_id(hsa_id)
    staff = session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))
    if staff is not None:
        return staff
    if session.scalar(select(CareUnit.id).where(CareUnit.hsa_id == hsa_id)) is not None:
        raise RegionError("staff_hsa_is_unit", hsa_id=hsa_id)
    try:
        return permissions.add_staff(
            session, hsa_id=hsa_id, name=name or "", actor_id=actor_id, by_region_admin=True
        )
    except permissions.PermissionsError as refused:
        if refused.code not in _STAFF_CODES:
            raise
        raise RegionError(_STAFF_CODES[refused.code], value=hsa_id, max=MAX_NAME) from refused


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
    administrators grant roles there. The grant is ``permissions.grant`` on the regional
    administrator's authority, audited like every role change (what="role_assignment").
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
    permissions.grant(
        session,
        actor_id=actor_id,
        staff_id=staff.id,
        care_unit_id=unit.id,
        role="permission_admin",
        now=now or utcnow(),
        by_region_admin=True,
    )
    return session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.staff_id == staff.id,
            RoleAssignment.care_unit_id == unit.id,
            RoleAssignment.role == "permission_admin",
        )
    ).one()
