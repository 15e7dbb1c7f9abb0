"""Permission administration: who holds which of the six roles at a care unit.

A permission administrator (behörighetsadministratör) of a unit grants and revokes the roles
at that unit, and adds staff new to the platform by HSA-id and name. The rules, each a coded
``PermissionsError``:

* only a permission administrator *of that unit* changes its roles (``not_permission_admin``);
  the regional administrator's appointment of a unit's first one passes ``by_region_admin``
  (its caller has checked the region, see ``sob_core.regions``);
* the last permission administrator of a unit cannot be removed, not even by herself
  (``last_permission_admin``); concurrent revokes are serialised by a lock on the unit's row;
* every change is an audit event in the caller's transaction: ``change``/``role_assignment``
  with ``{"staff_id", "hsa_id", "role", "change": "grant"|"revoke"}`` at the unit, and
  ``create``/``staff`` with ``{"staff_id", "hsa_id"}`` for a new staff member.

The caller commits (or rolls back on an error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..access_rules import ROLES
from ..models import AuditEvent, CareUnit, RoleAssignment, Staff
from .queries import (
    SINGLE_ROLES,
    StaffRoles,
    find_staff,
    role_counts,
    staff_roles,
    thin_roles,
    unit_staff,
    works_elsewhere,
)

#: an HSA-id: a country code, the organisation's ten digits, a dash and up to 31 letters/digits
HSA_ID = re.compile(r"^[A-Z]{2}\d{10}-[A-Za-z0-9]{1,31}$")
MAX_NAME = 200


class PermissionsError(ValueError):
    """A permission change that is not allowed; ``code`` names why, for a translated message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def clean_hsa_id(text: str) -> str:
    """The HSA-id as stored (spaces taken out, letters of the prefix upper case); or ``bad_hsa_id``."""
    value = "".join((text or "").split())
    if len(value) > 2:
        value = value[:2].upper() + value[2:]
    if not HSA_ID.match(value):
        raise PermissionsError("bad_hsa_id", f"not an HSA-id: {text!r}")
    return value


def is_permission_admin(session: Session, staff_id: int, care_unit_id: int) -> bool:
    return _holds(session, staff_id, care_unit_id, "permission_admin")


def _holds(session: Session, staff_id: int, care_unit_id: int, role: str) -> bool:
    return (
        session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.staff_id == staff_id,
                RoleAssignment.care_unit_id == care_unit_id,
                RoleAssignment.role == role,
            )
        )
        is not None
    )


def _check_actor(
    session: Session, actor_id: int, care_unit_id: int, by_region_admin: bool = False
) -> None:
    if by_region_admin:
        return
    if not is_permission_admin(session, actor_id, care_unit_id):
        raise PermissionsError(
            "not_permission_admin", "only a permission administrator of the unit changes its roles"
        )


def add_staff(
    session: Session,
    *,
    hsa_id: str,
    name: str,
    actor_id: int,
    care_unit_id: int | None = None,
    by_region_admin: bool = False,
) -> Staff:
    """Add a staff member new to the platform. With ``care_unit_id`` the actor must be that
    unit's permission administrator, and the audit event is the unit's; without it (the
    regional administrator) the caller has checked who may."""
    hsa = clean_hsa_id(hsa_id)
    clean_name = " ".join((name or "").split())
    if not clean_name:
        raise PermissionsError("no_name", "a staff member needs a name")
    if len(clean_name) > MAX_NAME:
        raise PermissionsError("name_too_long", f"a name has at most {MAX_NAME} characters")
    if care_unit_id is not None:
        _unit(session, care_unit_id)
        _check_actor(session, actor_id, care_unit_id, by_region_admin)
    if session.scalar(select(Staff.id).where(Staff.hsa_id == hsa)) is not None:
        raise PermissionsError("staff_exists", f"{hsa} is already on the platform")
    staff = Staff(hsa_id=hsa, name=clean_name, active=True)
    session.add(staff)
    session.flush()
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="create",
        what="staff",
        care_unit_id=care_unit_id,
        detail={"staff_id": staff.id, "hsa_id": staff.hsa_id},
    )
    return staff


def _unit(session: Session, care_unit_id: int, lock: bool = False) -> CareUnit:
    query = select(CareUnit).where(CareUnit.id == care_unit_id)
    if lock:
        # Serialises role changes at one unit (PostgreSQL; SQLite writes one at a time anyway),
        # so two administrators revoking each other cannot both pass the "last one" check.
        query = query.with_for_update()
    unit = session.scalar(query)
    if unit is None:
        raise PermissionsError("unknown_unit", f"no care unit {care_unit_id}")
    return unit


def _target(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise PermissionsError("unknown_staff", f"no staff member {staff_id}")
    return staff


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise PermissionsError("unknown_role", f"no role {role!r}")


def _audit_change(
    session: Session,
    actor_id: int,
    staff: Staff,
    care_unit_id: int,
    role: str,
    change: str,
    by_region_admin: bool,
) -> None:
    detail = {"staff_id": staff.id, "hsa_id": staff.hsa_id, "role": role, "change": change}
    if by_region_admin:
        detail["by"] = "region_admin"
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action="change",
        what="role_assignment",
        care_unit_id=care_unit_id,
        detail=detail,
    )


def grant(
    session: Session,
    *,
    actor_id: int,
    staff_id: int,
    care_unit_id: int,
    role: str,
    now: datetime | None = None,
    by_region_admin: bool = False,
) -> bool:
    """Give ``staff_id`` the role at the unit; False when it is held already (nothing changes)."""
    _check_role(role)
    _unit(session, care_unit_id, lock=True)
    _check_actor(session, actor_id, care_unit_id, by_region_admin)
    staff = _target(session, staff_id)
    if _holds(session, staff_id, care_unit_id, role):
        return False
    session.add(
        RoleAssignment(
            staff_id=staff_id,
            care_unit_id=care_unit_id,
            role=role,
            granted_by_id=actor_id,
            granted_at=now or datetime.now(UTC),
        )
    )
    session.flush()
    session.expire(staff, ["roles"])
    _audit_change(session, actor_id, staff, care_unit_id, role, "grant", by_region_admin)
    return True


def revoke(
    session: Session,
    *,
    actor_id: int,
    staff_id: int,
    care_unit_id: int,
    role: str,
    now: datetime | None = None,
) -> bool:
    """Take the role at the unit from ``staff_id``; False when it was not held.

    The unit's last permission administrator keeps the role (``last_permission_admin``).
    """
    _check_role(role)
    _unit(session, care_unit_id, lock=True)
    _check_actor(session, actor_id, care_unit_id)
    staff = _target(session, staff_id)
    if not _holds(session, staff_id, care_unit_id, role):
        return False
    if role == "permission_admin" and role_counts(session, care_unit_id)["permission_admin"] < 2:
        raise PermissionsError(
            "last_permission_admin", "the last permission administrator of a unit stays"
        )
    session.execute(
        delete(RoleAssignment)
        .where(
            RoleAssignment.staff_id == staff_id,
            RoleAssignment.care_unit_id == care_unit_id,
            RoleAssignment.role == role,
        )
        .execution_options(synchronize_session=False)
    )
    if role == "permission_admin" and role_counts(session, care_unit_id)["permission_admin"] < 1:
        # a concurrent revoke got past the check first: never leave the unit without one
        raise PermissionsError(
            "last_permission_admin", "the last permission administrator of a unit stays"
        )
    session.expire(staff, ["roles"])
    _audit_change(session, actor_id, staff, care_unit_id, role, "revoke", False)
    return True


def set_roles(
    session: Session,
    *,
    actor_id: int,
    staff_id: int,
    care_unit_id: int,
    roles: Iterable[str],
    now: datetime | None = None,
) -> tuple[list[str], list[str]]:
    """Make ``roles`` exactly what ``staff_id`` holds at the unit: (granted, revoked).

    Grants come first, so handing the permission administrator role on and giving up one's
    own in one step works. On an error nothing is kept only if the caller rolls back.
    """
    wanted = set(roles)
    for role in sorted(wanted):
        _check_role(role)
    held = set(staff_roles(session, care_unit_id, staff_id))
    granted = [
        role
        for role in ROLES
        if role in wanted - held
        and grant(
            session,
            actor_id=actor_id,
            staff_id=staff_id,
            care_unit_id=care_unit_id,
            role=role,
            now=now,
        )
    ]
    revoked = [
        role
        for role in ROLES
        if role in held - wanted
        and revoke(
            session,
            actor_id=actor_id,
            staff_id=staff_id,
            care_unit_id=care_unit_id,
            role=role,
            now=now,
        )
    ]
    return granted, revoked


def role_log(
    session: Session, care_unit_id: int, *, limit: int = 50, offset: int = 0
) -> list[AuditEvent]:
    """The unit's role changes and staff added at it, newest first (from the audit log)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.care_unit_id == care_unit_id,
                or_(
                    AuditEvent.what == "role_assignment",
                    (AuditEvent.what == "staff") & (AuditEvent.action == "create"),
                ),
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def role_log_count(session: Session, care_unit_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.care_unit_id == care_unit_id,
                or_(
                    AuditEvent.what == "role_assignment",
                    (AuditEvent.what == "staff") & (AuditEvent.action == "create"),
                ),
            )
        )
        or 0
    )


__all__ = [
    "HSA_ID",
    "MAX_NAME",
    "SINGLE_ROLES",
    "PermissionsError",
    "StaffRoles",
    "add_staff",
    "clean_hsa_id",
    "find_staff",
    "grant",
    "is_permission_admin",
    "revoke",
    "role_counts",
    "role_log",
    "role_log_count",
    "set_roles",
    "staff_roles",
    "thin_roles",
    "unit_staff",
    "works_elsewhere",
]
