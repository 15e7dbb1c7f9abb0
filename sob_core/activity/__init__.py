"""Activity plans (aktivitetsplan): a patient's registrations with targets, and their values.

A therapist builds one plan per enrollment (``ActivityPlan``): instructions and registrations
(``ActivityRegistration``: a heading, a unit from ``UNITS``, optional target min/max, whether a
value outside the targets flags the therapist, whether the results show to staff and/or the
citizen, whether it is required). The citizen registers dated values (``ActivityValue``); each
save carries a submission key, so sending the same form twice stores the values once.

Every new value sends ``events.activity_value_recorded`` inside the saving transaction
(``flags`` raises a flag when the registration asks for one and the value is outside).

This package never imports flask: callers pass the session and ``now`` (timezone-aware UTC).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import events
from ..models import (
    ActivityPlan,
    ActivityRegistration,
    ActivityValue,
    Enrollment,
)
from ..models.followup import DEFAULT_TIME_ZONE
from . import exporting as exporting
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)

#: The units a registration may use (the seed's fixed list), in the order they are offered.
UNITS = ("cm", "km", "meter", "m", "kg", "mmHg", "mmol/l", "timmar", "minuter", "st", "ggr")
#: At most this many registrations in one plan (removed ones not counted).
MAX_REGISTRATIONS = 20
MAX_HEADING = 200
MAX_INSTRUCTIONS = 10000
#: Values (and targets) must lie within ±LIMIT and have at most DECIMALS decimals.
LIMIT = 1_000_000.0
DECIMALS = 2

_KEY = re.compile(r"^[A-Za-z0-9-]{8,40}$")  # no LIKE wildcards (see ``record``)
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class ActivityError(ValueError):
    """Refused input: ``code`` names the reason, ``field`` the input it belongs to."""

    def __init__(self, code: str, field: str = "", **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


# --- numbers and dates ---------------------------------------------------------------------------


def parse_number(text: Any, field: str = "value") -> float | None:
    """A number typed by a person: decimal comma or point, spaces ignored; None when empty.

    Raises ``ActivityError`` ("not_a_number", "too_many_decimals", "out_of_range").
    """
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        raw = repr(float(text))
    else:
        raw = re.sub(r"[\s\u00a0\u202f]", "", str(text))
    if not raw:
        return None
    raw = raw.replace("\u2212", "-")
    if not _NUMBER.match(raw):
        raise ActivityError("not_a_number", field)
    normalised = raw.replace(",", ".")
    fraction = normalised.partition(".")[2]
    if len(fraction.rstrip("0")) > DECIMALS:
        raise ActivityError("too_many_decimals", field, decimals=DECIMALS)
    number = float(normalised)
    if not math.isfinite(number) or abs(number) > LIMIT:
        raise ActivityError("out_of_range", field, limit=int(LIMIT))
    return number


def unit_zone(session: Session, enrollment: Enrollment) -> ZoneInfo:
    """The time zone of the enrollment's care unit (Europe/Stockholm when unknown)."""
    unit = enrollment.care_unit  # kept on the enrollment: read once a request, not once a call
    name = (unit.time_zone if unit is not None else None) or DEFAULT_TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def local_today(session: Session, enrollment: Enrollment, now: datetime) -> date:
    """Today in the care unit's zone."""
    return now.astimezone(unit_zone(session, enrollment)).date()


def first_day(session: Session, enrollment: Enrollment) -> date:
    """The local day the enrollment started: the earliest day a value may be registered for."""
    return enrollment.started_at.astimezone(unit_zone(session, enrollment)).date()


def outside(registration: ActivityRegistration, value: float) -> bool:
    """The value is below the registration's target min or above its target max."""
    low, high = registration.target_min, registration.target_max
    return (low is not None and value < low) or (high is not None and value > high)


# --- the plan ------------------------------------------------------------------------------------


def plan_of(session: Session, enrollment_id: int) -> ActivityPlan | None:
    return session.scalar(select(ActivityPlan).where(ActivityPlan.enrollment_id == enrollment_id))


def ensure_plan(
    session: Session, enrollment: Enrollment, staff_id: int | None, now: datetime
) -> ActivityPlan:
    """The enrollment's plan, created empty the first time."""
    plan = plan_of(session, enrollment.id)
    if plan is None:
        plan = ActivityPlan(
            enrollment_id=enrollment.id,
            instructions="",
            created_at=now,
            updated_at=now,
            updated_by_id=staff_id,
        )
        session.add(plan)
        session.flush()
    return plan


def registrations(
    session: Session, plan: ActivityPlan | None, *, include_removed: bool = False
) -> list[ActivityRegistration]:
    """The plan's registrations in their order (removed ones only when asked for)."""
    if plan is None:
        return []
    query = select(ActivityRegistration).where(ActivityRegistration.plan_id == plan.id)
    if not include_removed:
        query = query.where(ActivityRegistration.removed_at.is_(None))
    return list(
        session.scalars(query.order_by(ActivityRegistration.position, ActivityRegistration.id))
    )


def registration_of(
    session: Session, plan: ActivityPlan | None, registration_id: int
) -> ActivityRegistration | None:
    """One of the plan's (not removed) registrations; None for anything else."""
    if plan is None:
        return None
    found = session.get(ActivityRegistration, registration_id)
    if found is None or found.plan_id != plan.id or found.removed_at is not None:
        return None
    return found


def save_instructions(
    session: Session, plan: ActivityPlan, text: str, staff_id: int | None, now: datetime
) -> None:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_INSTRUCTIONS:
        raise ActivityError("too_long", "instructions", max=MAX_INSTRUCTIONS)
    plan.instructions = text
    plan.updated_at = now
    plan.updated_by_id = staff_id


@dataclass(frozen=True)
class RegistrationSpec:
    """What a therapist sets on a registration (checked by ``check``)."""

    heading: str
    unit: str
    target_min: float | None = None
    target_max: float | None = None
    flag_outside: bool = False
    show_staff: bool = True
    show_citizen: bool = True
    required: bool = False

    def check(self) -> RegistrationSpec:
        heading = " ".join((self.heading or "").split())
        if not heading:
            raise ActivityError("heading_missing", "heading")
        if len(heading) > MAX_HEADING:
            raise ActivityError("too_long", "heading", max=MAX_HEADING)
        if self.unit not in UNITS:
            raise ActivityError("unknown_unit", "unit")
        for name in ("target_min", "target_max"):
            value = getattr(self, name)
            if value is not None:
                parse_number(value, name)
        low, high = self.target_min, self.target_max
        if low is not None and high is not None and low > high:
            raise ActivityError("min_above_max", "target_max")
        if self.flag_outside and low is None and high is None:
            raise ActivityError("flag_needs_target", "flag_outside")
        if not (self.show_staff or self.show_citizen):
            raise ActivityError("shown_to_nobody", "show_staff")
        return RegistrationSpec(
            heading,
            self.unit,
            low,
            high,
            self.flag_outside,
            self.show_staff,
            self.show_citizen,
            self.required,
        )


def _apply(registration: ActivityRegistration, spec: RegistrationSpec) -> None:
    registration.heading = spec.heading
    registration.unit = spec.unit
    registration.target_min = spec.target_min
    registration.target_max = spec.target_max
    registration.flag_outside = spec.flag_outside
    registration.show_staff = spec.show_staff
    registration.show_citizen = spec.show_citizen
    registration.required = spec.required


def add_registration(
    session: Session,
    plan: ActivityPlan,
    spec: RegistrationSpec,
    staff_id: int | None,
    now: datetime,
) -> ActivityRegistration:
    spec = spec.check()
    current = registrations(session, plan)
    if len(current) >= MAX_REGISTRATIONS:
        raise ActivityError("too_many", "heading", max=MAX_REGISTRATIONS)
    registration = ActivityRegistration(
        plan_id=plan.id, position=max((r.position for r in current), default=0) + 1
    )
    _apply(registration, spec)
    session.add(registration)
    plan.updated_at = now
    plan.updated_by_id = staff_id
    session.flush()
    return registration


def update_registration(
    session: Session,
    plan: ActivityPlan,
    registration: ActivityRegistration,
    spec: RegistrationSpec,
    staff_id: int | None,
    now: datetime,
) -> None:
    _apply(registration, spec.check())
    plan.updated_at = now
    plan.updated_by_id = staff_id


def remove_registration(
    session: Session,
    plan: ActivityPlan,
    registration: ActivityRegistration,
    staff_id: int | None,
    now: datetime,
) -> None:
    """Take a registration out of the plan; its values are kept (and still exported)."""
    registration.removed_at = now
    plan.updated_at = now
    plan.updated_by_id = staff_id


# --- the citizen's values ------------------------------------------------------------------------


def check_key(submission_key: Any) -> str:
    if not isinstance(submission_key, str) or not _KEY.match(submission_key):
        raise ActivityError("bad_submission", "submission_key")
    return submission_key


def value_key(submission_key: str, registration_id: int) -> str:
    """The stored key of one value of a submission (a submission holds one value each)."""
    return f"{submission_key}:{registration_id}"


@dataclass
class Submission:
    """The outcome of ``record``: the values stored now, and whether the key was seen before."""

    values: list[ActivityValue] = field(default_factory=list)
    repeated: bool = False


def check_day(session: Session, enrollment: Enrollment, on_date: Any, now: datetime) -> date:
    if not isinstance(on_date, date) or isinstance(on_date, datetime):
        raise ActivityError("date_missing", "on_date")
    if on_date > local_today(session, enrollment, now):
        raise ActivityError("date_in_future", "on_date")
    start = first_day(session, enrollment)
    if on_date < start:
        raise ActivityError("date_before_start", "on_date", start=start.isoformat())
    return on_date


def record(
    session: Session,
    *,
    enrollment: Enrollment,
    on_date: date | None,
    values: Mapping[int, float | None],
    submission_key: str,
    now: datetime,
) -> Submission:
    """Store the citizen's values of one day (``values``: registration id → value or None).

    Idempotent: a submission key already stored stores nothing again (``repeated``). Checks the
    day (not in the future, not before the enrollment started), that every value belongs to the
    enrollment's plan, that each required registration has a value and that there is at least
    one; refuses with ``ActivityError``. Sends ``activity_value_recorded`` once per new value.
    """
    key = check_key(submission_key)
    existing = list(
        session.scalars(
            select(ActivityValue).where(
                ActivityValue.enrollment_id == enrollment.id,
                ActivityValue.submission_key.like(key + ":%"),
            )
        )
    )
    if existing:
        return Submission(existing, repeated=True)
    day = check_day(session, enrollment, on_date, now)
    plan = plan_of(session, enrollment.id)
    current = {r.id: r for r in registrations(session, plan)}
    for registration_id in values:
        if registration_id not in current:
            raise ActivityError("no_such_registration", f"value_{registration_id}")
    for registration in current.values():
        if registration.required and values.get(registration.id) is None:
            raise ActivityError("value_required", f"value_{registration.id}")
    given = [(current[rid], v) for rid, v in values.items() if v is not None]
    if not given:
        raise ActivityError("nothing_given", "values")
    rows = []
    try:
        with session.begin_nested():
            for registration, value in given:
                row = ActivityValue(
                    registration_id=registration.id,
                    enrollment_id=enrollment.id,
                    citizen_id=enrollment.citizen_id,
                    on_date=day,
                    value=parse_number(value, f"value_{registration.id}"),
                    submission_key=value_key(key, registration.id),
                    created_at=now,
                )
                session.add(row)
                rows.append(row)
            session.flush()
    except IntegrityError:
        # another request stored the same submission between our check and our insert
        again = session.scalars(
            select(ActivityValue).where(ActivityValue.submission_key.like(key + ":%"))
        )
        return Submission(list(again), repeated=True)
    for row in rows:
        events.activity_value_recorded.send(
            session,
            value_id=row.id,
            registration_id=row.registration_id,
            enrollment_id=enrollment.id,
            citizen_id=enrollment.citizen_id,
        )
    return Submission(rows)


def values_of(session: Session, registration_ids: Iterable[int]) -> dict[int, list[ActivityValue]]:
    """The values of each registration, oldest day first (one query)."""
    ids = list(registration_ids)
    out: dict[int, list[ActivityValue]] = {rid: [] for rid in ids}
    if not ids:
        return out
    rows = session.scalars(
        select(ActivityValue)
        .where(ActivityValue.registration_id.in_(ids))
        .order_by(ActivityValue.on_date, ActivityValue.id)
    )
    for row in rows:
        out[row.registration_id].append(row)
    return out


__all__ = [
    "LIMIT",
    "MAX_REGISTRATIONS",
    "UNITS",
    "ActivityError",
    "RegistrationSpec",
    "Submission",
    "add_registration",
    "check_day",
    "ensure_plan",
    "first_day",
    "local_today",
    "outside",
    "parse_number",
    "plan_of",
    "record",
    "registration_of",
    "registrations",
    "remove_registration",
    "save_instructions",
    "update_registration",
    "values_of",
]
