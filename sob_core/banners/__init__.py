"""Information banners (informationsbanderoll): a care unit's notice to its citizens.

A citizen administrator of the unit writes a banner (Swedish text, optional English), with a
first and a last day. It shows on the citizen pages of the unit's enrollments on those days
(inclusive), reckoned in the unit's time zone, and is gone the day after its last day. Every
change is an audit event (``banner``) in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import Banner, CareUnit

MAX_TEXT = 500


class BannerError(ValueError):
    """A banner that cannot be saved; ``code`` names why, for a translated message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BannerInput:
    """What a citizen administrator writes: the texts and the days."""

    text_sv: str
    text_en: str
    starts_on: date | None
    ends_on: date | None


def unit_today(unit: CareUnit, now: datetime) -> date:
    """Today in the unit's time zone (Europe/Stockholm when the zone is unknown)."""
    try:
        zone = ZoneInfo(unit.time_zone or "Europe/Stockholm")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("Europe/Stockholm")
    return now.astimezone(zone).date()


def _clean(value: BannerInput, today: date) -> tuple[dict[str, str], date, date]:
    sv = " ".join((value.text_sv or "").split())
    en = " ".join((value.text_en or "").split())
    if not sv:
        raise BannerError("no_text", "a banner needs a Swedish text")
    if len(sv) > MAX_TEXT or len(en) > MAX_TEXT:
        raise BannerError("text_too_long", f"a banner text has at most {MAX_TEXT} characters")
    if value.starts_on is None or value.ends_on is None:
        raise BannerError("no_dates", "a banner needs a first and a last day")
    if value.ends_on < value.starts_on:
        raise BannerError("ends_before_start", "the last day is before the first")
    if value.ends_on < today:
        raise BannerError("already_over", "the last day has passed")
    text = {"sv": sv, **({"en": en} if en else {})}
    return text, value.starts_on, value.ends_on


def _audit(session: Session, banner: Banner, action: str, actor_id: int) -> None:
    audit.record(
        session,
        actor_kind="staff",
        actor_id=actor_id,
        action=action,
        what="banner",
        care_unit_id=banner.care_unit_id,
        detail={
            "banner_id": banner.id,
            "starts_on": banner.starts_on.isoformat(),
            "ends_on": banner.ends_on.isoformat(),
        },
    )


def _unit(session: Session, care_unit_id: int) -> CareUnit:
    unit = session.get(CareUnit, care_unit_id)
    if unit is None:
        raise BannerError("unknown_unit", f"no care unit {care_unit_id}")
    return unit


def create(
    session: Session,
    *,
    care_unit_id: int,
    value: BannerInput,
    actor_id: int,
    now: datetime | None = None,
) -> Banner:
    """A new banner of the unit."""
    unit = _unit(session, care_unit_id)
    now = now or datetime.now(UTC)
    text, starts_on, ends_on = _clean(value, unit_today(unit, now))
    banner = Banner(
        care_unit_id=unit.id,
        text=text,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(banner)
    session.flush()
    _audit(session, banner, "create", actor_id)
    return banner


def unit_banner(session: Session, banner_id: int, care_unit_id: int) -> Banner | None:
    """The unit's banner; another unit's answers like a missing one."""
    banner = session.get(Banner, banner_id)
    return banner if banner is not None and banner.care_unit_id == care_unit_id else None


def update(
    session: Session,
    banner: Banner,
    *,
    value: BannerInput,
    actor_id: int,
    now: datetime | None = None,
) -> None:
    now = now or datetime.now(UTC)
    text, starts_on, ends_on = _clean(value, unit_today(_unit(session, banner.care_unit_id), now))
    banner.text, banner.starts_on, banner.ends_on = text, starts_on, ends_on
    banner.updated_at = now
    session.flush()
    _audit(session, banner, "change", actor_id)


def remove(session: Session, banner: Banner, *, actor_id: int) -> None:
    _audit(session, banner, "delete", actor_id)
    session.delete(banner)
    session.flush()


def of_unit(session: Session, care_unit_id: int) -> list[Banner]:
    """Every banner of the unit, the latest first day first."""
    return list(
        session.scalars(
            select(Banner)
            .where(Banner.care_unit_id == care_unit_id)
            .order_by(Banner.starts_on.desc(), Banner.id.desc())
        )
    )


def state(banner: Banner, today: date) -> str:
    """``"coming"``, ``"showing"`` or ``"over"`` on ``today``."""
    if today < banner.starts_on:
        return "coming"
    return "showing" if today <= banner.ends_on else "over"


@functools.cache
def _showing_statements() -> tuple[Select, Select]:
    """``showing``'s units and candidates statements, built once; the units' ids (an expanding
    IN) and the candidates' day window are bound at execution."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    units = select(CareUnit).where(CareUnit.id.in_(ids))
    candidates = (
        select(Banner)
        .where(
            Banner.care_unit_id.in_(ids),
            Banner.ends_on >= bindparam("ends_from", type_=Banner.ends_on.type),
            Banner.starts_on <= bindparam("starts_until", type_=Banner.starts_on.type),
        )
        .order_by(Banner.starts_on, Banner.id)
    )
    return units, candidates


def showing(
    session: Session, care_unit_ids: Iterable[int], now: datetime, *, hidden: Iterable[int] = ()
) -> list[Banner]:
    """The banners shown now at these units (each unit's own today), less those ``hidden``.

    One statement for the candidates (last day not before yesterday anywhere on earth's
    calendars, first day not after tomorrow), then each unit's today decides.
    """
    ids = sorted(set(care_unit_ids))
    if not ids:
        return []
    skip = set(hidden)
    units_statement, candidates_statement = _showing_statements()
    units: Mapping[int, CareUnit] = {
        u.id: u for u in session.scalars(units_statement, {"ids": ids})
    }
    utc_today = now.astimezone(UTC).date()
    candidates = session.scalars(
        candidates_statement,
        {
            "ids": ids,
            "ends_from": date.fromordinal(utc_today.toordinal() - 1),
            "starts_until": date.fromordinal(utc_today.toordinal() + 1),
        },
    )
    return [
        banner
        for banner in candidates
        if banner.id not in skip
        and state(banner, unit_today(units[banner.care_unit_id], now)) == "showing"
    ]


def as_input(banner: Banner) -> dict[str, Any]:
    """A banner as the edit form's data."""
    return {
        "text_sv": banner.text.get("sv", ""),
        "text_en": banner.text.get("en", ""),
        "starts_on": banner.starts_on,
        "ends_on": banner.ends_on,
    }


__all__ = [
    "MAX_TEXT",
    "BannerError",
    "BannerInput",
    "as_input",
    "create",
    "of_unit",
    "remove",
    "showing",
    "state",
    "unit_banner",
    "unit_today",
    "update",
]
