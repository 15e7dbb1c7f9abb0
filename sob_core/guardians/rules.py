"""Who a guardian may act for: the wards any source names who are under 13 today.

Age comes from the child's personnummer (``identity.personnummer``), never from a source, and is
decided again on every request (``may_act_for``): the day a child turns 13 the access is over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..guardian_types import GuardianshipSource
from ..identity import personnummer
from ..models import Citizen

#: a guardian acts for a child until the child's 13th birthday
AGE_LIMIT = 13


@dataclass(frozen=True)
class Child:
    """A ward the guardian may act for today."""

    personnummer: str  # 12 digits
    name: str
    age: int
    sources: tuple[str, ...]  # the keys of the sources that name her

    @property
    def formatted(self) -> str:
        return f"{self.personnummer[:8]}-{self.personnummer[8:]}"


@dataclass(frozen=True)
class Wards:
    children: tuple[Child, ...]
    #: keys of sources that failed to answer (their wards are missing from ``children``)
    failed: tuple[str, ...] = ()


def young_enough(number: str, today: date) -> personnummer.IdentityNumber | None:
    """The parsed number when its holder is under ``AGE_LIMIT`` today, else None."""
    try:
        parsed = personnummer.parse(number, today)
    except personnummer.InvalidPersonnummer:
        return None
    return parsed if parsed.age_on(today) < AGE_LIMIT else None


def children_of(
    session: Session,
    sources: Iterable[GuardianshipSource],
    guardian_personnummer: str,
    today: date,
    config: Mapping[str, Any],
) -> Wards:
    """The guardian's wards under 13 today, from every source, one entry per child."""
    found: dict[str, Child] = {}
    failed: list[str] = []
    for source in sources:
        try:
            wards = list(source.wards(session, guardian_personnummer, config))
        except Exception:  # a register that is down lists nobody; the others still answer
            failed.append(source.key)
            continue
        for ward in wards:
            parsed = young_enough(getattr(ward, "personnummer", ""), today)
            if parsed is None or parsed.number == guardian_personnummer:
                continue
            name = str(getattr(ward, "name", "") or "")
            known = found.get(parsed.number)
            if known is None:
                found[parsed.number] = Child(
                    parsed.number, name, parsed.age_on(today), (source.key,)
                )
            elif source.key not in known.sources:
                found[parsed.number] = Child(
                    known.personnummer,
                    known.name or name,
                    known.age,
                    (*known.sources, source.key),
                )
    children = sorted(found.values(), key=lambda c: (c.name.casefold(), c.personnummer))
    return Wards(tuple(children), tuple(failed))


def may_act_for(
    session: Session,
    sources: Iterable[GuardianshipSource],
    guardian_personnummer: str,
    child_personnummer: str,
    today: date,
    config: Mapping[str, Any],
) -> bool:
    """Whether the guardian may act for this child today (under 13 and named by a source)."""
    if young_enough(child_personnummer, today) is None:
        return False
    wards = children_of(session, sources, guardian_personnummer, today, config)
    return any(child.personnummer == child_personnummer for child in wards.children)


def child_citizen(session: Session, child: Child) -> Citizen:
    """The child's citizen row, registered (name from the source) the first time she is chosen."""
    citizen = session.scalar(select(Citizen).where(Citizen.personnummer == child.personnummer))
    if citizen is not None:
        return citizen
    parsed = personnummer.parse(child.personnummer)
    citizen = Citizen(
        personnummer=parsed.number,
        name=child.name or parsed.formatted,
        birth_date=parsed.birth_date,
        legal_sex=parsed.legal_sex,
        coordination_number=parsed.coordination,
    )
    session.add(citizen)
    session.flush()
    return citizen
