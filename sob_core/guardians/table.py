"""The core's own guardianship source: the ``guardianship`` table the citizen administrator keeps.

Registered by the plugin host like a built-in (key ``table``, owner ``sob_core``), next to any
source a region's plugin adds. Every change is audit-logged here, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..guardian_types import GuardianshipSource, Ward
from ..identity import personnummer
from ..models import Citizen, Guardianship
from .rules import AGE_LIMIT, Child, child_citizen

MAX_NAME = 200


class GuardianError(ValueError):
    """A guardianship that cannot be written; ``code`` says why (the view words it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _wards(session: Any, guardian_personnummer: str, config: Mapping[str, Any]) -> Sequence[Ward]:
    rows = session.execute(
        select(Citizen.personnummer, Citizen.name)
        .join(Guardianship, Guardianship.child_id == Citizen.id)
        .where(Guardianship.guardian_personnummer == guardian_personnummer)
    )
    return [Ward(number, name) for number, name in rows]


TABLE_SOURCE = GuardianshipSource(
    key="table",
    label={
        "sv": "Vårdnadshavare som invånaradministratören lagt in",
        "en": "Guardians the citizen administrator entered",
    },
    wards=_wards,
)


def of_unit(session: Session, care_unit_id: int) -> list[Guardianship]:
    """The guardianships the unit's citizen administrators entered, by child."""
    return list(
        session.scalars(
            select(Guardianship)
            .join(Citizen, Citizen.id == Guardianship.child_id)
            .where(Guardianship.care_unit_id == care_unit_id)
            .order_by(Citizen.name, Guardianship.guardian_personnummer)
        )
    )


def unit_guardianship(
    session: Session, guardianship_id: int, care_unit_id: int
) -> Guardianship | None:
    row = session.get(Guardianship, guardianship_id)
    return row if row is not None and row.care_unit_id == care_unit_id else None


def add(
    session: Session,
    *,
    guardian: str,
    child: str,
    child_name: str,
    care_unit_id: int,
    actor_id: int,
    today: date,
    ip: str | None = None,
) -> Guardianship:
    """Record that ``guardian`` is a guardian of ``child`` (both personnummer texts).

    The child is registered as a citizen when new (``child_name`` is then needed); a child of 13
    or more is refused, since the guardian could never act for her.
    """
    try:
        guardian_number = personnummer.parse(guardian, today)
    except personnummer.InvalidPersonnummer as error:
        raise GuardianError("bad_guardian") from error
    try:
        child_number = personnummer.parse(child, today)
    except personnummer.InvalidPersonnummer as error:
        raise GuardianError("bad_child") from error
    if guardian_number.number == child_number.number:
        raise GuardianError("same_person")
    if child_number.age_on(today) >= AGE_LIMIT:
        raise GuardianError("too_old")
    name = " ".join(child_name.split())
    if len(name) > MAX_NAME:
        raise GuardianError("name_too_long")
    citizen = session.scalar(select(Citizen).where(Citizen.personnummer == child_number.number))
    if citizen is None:
        if not name:
            raise GuardianError("no_name")
        citizen = child_citizen(session, Child(child_number.number, name, 0, ()))
    exists = session.scalar(
        select(Guardianship.id).where(
            Guardianship.guardian_personnummer == guardian_number.number,
            Guardianship.child_id == citizen.id,
        )
    )
    if exists is not None:
        raise GuardianError("already")
    row = Guardianship(
        guardian_personnummer=guardian_number.number,
        child_id=citizen.id,
        care_unit_id=care_unit_id,
        created_by_id=actor_id,
    )
    session.add(row)
    session.flush()
    _audit(session, "create", row, actor_id, ip)
    return row


def remove(session: Session, row: Guardianship, *, actor_id: int, ip: str | None = None) -> None:
    _audit(session, "delete", row, actor_id, ip)
    session.delete(row)
    session.flush()


def _audit(session: Session, action: str, row: Guardianship, actor_id: int, ip: str | None) -> None:
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action=action,
        what="guardianship",
        citizen_id=row.child_id,
        care_unit_id=row.care_unit_id,
        detail={"guardianship_id": row.id, "guardian": row.guardian_personnummer},
        ip=ip,
    )
