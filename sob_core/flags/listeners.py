"""The flags raised by listeners on the internal events (see ``sob_core.events``).

``result_recorded``: band, threshold, critical item and change rules on the response's results;
a later result of the same key that no longer meets the rule clears the flag. ``occurrences_closed``
with status ``missed``: missed forms. ``activity_value_recorded``: a value outside the
registration's targets when the therapist asked for a flag. ``staff_reminder_due``: the staff
reminder's day has come.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..models import (
    ActivityRegistration,
    ActivityValue,
    BatteryOccurrence,
    Enrollment,
    Flag,
    FormAssignment,
    FormResponse,
    Result,
    StaffReminder,
)
from . import rules as flag_rules
from .cases import clear, raise_flag


def _now(at: Any = None) -> datetime:
    if isinstance(at, datetime):
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _key(enrollment_id: int, rule: Mapping[str, Any], *parts: Any) -> str:
    return ":".join(["e" + str(enrollment_id), str(rule["key"]), *map(str, parts)])[:200]


def _first_result(session: Session, enrollment_id: int, key: str) -> Result | None:
    return session.scalars(
        select(Result)
        .join(FormResponse, FormResponse.id == Result.response_id)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .where(FormAssignment.enrollment_id == enrollment_id, Result.key == key)
        .order_by(Result.at, Result.id)
        .limit(1)
    ).first()


def _later_exists(session: Session, enrollment_id: int, result: Result) -> bool:
    """A result of the same key in this enrollment after ``result`` (it is then history)."""
    later = session.scalar(
        select(func.count(Result.id))
        .join(FormResponse, FormResponse.id == Result.response_id)
        .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
        .where(
            FormAssignment.enrollment_id == enrollment_id,
            Result.key == result.key,
            Result.at > result.at,
        )
    )
    return bool(later)


def _band(rule: Mapping[str, Any], result: Result) -> tuple[bool, dict[str, Any]]:
    hit = result.band is not None and result.band in (rule.get("bands") or ())
    return hit, {"bands": list(rule.get("bands") or ()), "band": result.band}


def _threshold(rule: Mapping[str, Any], result: Result) -> tuple[bool, dict[str, Any]]:
    above, below = rule.get("above"), rule.get("below")
    value = result.value
    hit = value is not None and (
        (above is not None and value >= above) or (below is not None and value <= below)
    )
    return hit, {"above": above, "below": below}


def _change(
    session: Session, enrollment_id: int, rule: Mapping[str, Any], result: Result
) -> tuple[bool, dict[str, Any]]:
    first = _first_result(session, enrollment_id, result.key)
    if first is None or first.id == result.id or first.value is None or result.value is None:
        return False, {}
    change = result.value - first.value
    amount = float(rule.get("amount") or 0)
    direction = rule.get("direction", "any")
    hit = (
        (direction == "up" and change >= amount)
        or (direction == "down" and -change >= amount)
        or (direction == "any" and abs(change) >= amount)
    )
    return hit, {
        "amount": amount,
        "direction": direction,
        "first_value": first.value,
        "first_at": first.at.isoformat() if first.at else None,
        "change": change,
    }


def _critical(
    session: Session,
    enrollment: Enrollment,
    rule: Mapping[str, Any],
    results: list[Result],
    response: FormResponse,
    now: datetime,
) -> None:
    """One flag per (scale, slug) raised by the response; the scale's other slugs cleared."""
    by_scale: dict[str, list[Result]] = {}
    for result in results:
        by_scale.setdefault(result.key.partition(".")[0], []).append(result)
    for scale_id, rows in by_scale.items():
        if rule.get("scale", "all") not in ("all", scale_id):
            continue
        if any(_later_exists(session, enrollment.id, row) for row in rows):
            continue
        raised: dict[str, Result] = {}
        for row in rows:
            for slug in row.flags or ():
                raised.setdefault(slug, row)
        prefix = _key(enrollment.id, rule, scale_id, "")
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        held = session.scalars(
            select(Flag.active_key).where(Flag.active_key.like(escaped + "%", escape="\\"))
        ).all()
        for key in held:
            if key and key[len(prefix) :] not in raised:
                clear(session, key, now)
        for slug, row in raised.items():
            raise_flag(
                session,
                enrollment=enrollment,
                rule_key=str(rule["key"]),
                kind="critical_item",
                severity=int(rule.get("severity", 3)),
                reason={
                    "rule": rule["key"],
                    "scale": scale_id,
                    "slug": slug,
                    "result_key": row.key,
                    "value": row.value,
                    "band": row.band,
                    "at": row.at.isoformat() if row.at else None,
                },
                active_key=_key(enrollment.id, rule, scale_id, slug),
                now=now,
                response_id=response.id,
                result_id=row.id,
            )


def check_results(
    session: Session,
    response_id: int,
    result_ids: list[int],
    now: datetime,
) -> None:
    """The result rules of the response's enrollment over its results: raise or clear."""
    response = session.get(FormResponse, response_id)
    if response is None or response.assignment_id is None:
        return
    assignment = session.get(FormAssignment, response.assignment_id)
    enrollment = session.get(Enrollment, assignment.enrollment_id) if assignment else None
    if enrollment is None or enrollment.status == "ended":
        return
    results = list(session.scalars(select(Result).where(Result.id.in_(result_ids or [-1]))))
    if not results:
        return
    rules = flag_rules.for_enrollment(session, enrollment)
    for rule in flag_rules.of_kind(rules, "critical_item"):
        _critical(session, enrollment, rule, results, response, now)
    for rule in flag_rules.of_kind(rules, "band", "threshold", "change"):
        for result in results:
            if not flag_rules.matches(result.key, str(rule.get("result_key", ""))):
                continue
            if _later_exists(session, enrollment.id, result):
                continue  # an older response scored again: the latest one decides
            kind = rule["kind"]
            if kind == "band":
                hit, extra = _band(rule, result)
            elif kind == "threshold":
                hit, extra = _threshold(rule, result)
            else:
                hit, extra = _change(session, enrollment.id, rule, result)
            key = _key(enrollment.id, rule, result.key)
            if not hit:
                clear(session, key, now)
                continue
            raise_flag(
                session,
                enrollment=enrollment,
                rule_key=str(rule["key"]),
                kind=kind,
                severity=int(rule.get("severity", 2)),
                reason={
                    "rule": rule["key"],
                    "result_key": result.key,
                    "value": result.value,
                    "band": result.band,
                    "at": result.at.isoformat() if result.at else None,
                    **extra,
                },
                active_key=key,
                now=now,
                response_id=response.id,
                result_id=result.id,
            )


def check_missed(session: Session, occurrence_id: int, now: datetime) -> None:
    check_missed_many(session, [occurrence_id], now)


def check_missed_many(session: Session, occurrence_ids: list[int], now: datetime) -> None:
    """Missed forms: the batch's occurrences, schedules and enrollments read in two queries,
    then a flag for each (``raise_flag``, which raises an active key only once)."""
    if not occurrence_ids:
        return
    occurrences = session.scalars(
        select(BatteryOccurrence)
        .where(BatteryOccurrence.id.in_(sorted(set(occurrence_ids))))
        .options(joinedload(BatteryOccurrence.schedule))
        .order_by(BatteryOccurrence.id)
    ).all()
    wanted = sorted({occurrence.enrollment_id for occurrence in occurrences})
    enrollments = {
        e.id: e for e in session.scalars(select(Enrollment).where(Enrollment.id.in_(wanted)))
    }
    rules: dict[int | None, list[Mapping[str, Any]]] = {}
    for occurrence in occurrences:
        enrollment = enrollments.get(occurrence.enrollment_id)
        if enrollment is None or enrollment.status == "ended":
            continue
        if enrollment.program_version_id not in rules:
            rules[enrollment.program_version_id] = flag_rules.of_kind(
                flag_rules.for_enrollment(session, enrollment), "missed_form"
            )
        _missed(session, occurrence, enrollment, rules[enrollment.program_version_id], now)


def _missed(
    session: Session,
    occurrence: BatteryOccurrence,
    enrollment: Enrollment,
    rules: list[Mapping[str, Any]],
    now: datetime,
) -> None:
    schedule = occurrence.schedule
    for rule in rules:
        wanted = rule.get("battery_keys") or []
        if wanted and (schedule is None or schedule.battery_key not in wanted):
            continue
        raise_flag(
            session,
            enrollment=enrollment,
            rule_key=str(rule["key"]),
            kind="missed_form",
            severity=int(rule.get("severity", 2)),
            reason={
                "rule": rule["key"],
                "battery_key": schedule.battery_key if schedule else None,
                "battery": dict(schedule.name or {}) if schedule else {},
                "form_keys": list(schedule.form_keys or []) if schedule else [],
                "planned_local": occurrence.planned_local,
                "expired_at": occurrence.expires_at.isoformat() if occurrence.expires_at else None,
            },
            active_key=_key(enrollment.id, rule, "occurrence", occurrence.id),
            now=now,
            occurrence_id=occurrence.id,
        )


def check_activity_value(session: Session, value_id: int, now: datetime) -> None:
    value = session.get(ActivityValue, value_id)
    if value is None:
        return
    registration = session.get(ActivityRegistration, value.registration_id)
    enrollment = session.get(Enrollment, value.enrollment_id)
    if registration is None or enrollment is None or not registration.flag_outside:
        return
    low, high = registration.target_min, registration.target_max
    outside = (low is not None and value.value < low) or (high is not None and value.value > high)
    for rule in flag_rules.of_kind(
        flag_rules.for_enrollment(session, enrollment), "activity_value"
    ):
        key = _key(enrollment.id, rule, "registration", registration.id)
        if not outside:
            clear(session, key, now)
            continue
        raise_flag(
            session,
            enrollment=enrollment,
            rule_key=str(rule["key"]),
            kind="activity_value",
            severity=int(rule.get("severity", 2)),
            reason={
                "rule": rule["key"],
                "heading": registration.heading,
                "unit": registration.unit,
                "value": value.value,
                "target_min": low,
                "target_max": high,
                "on_date": value.on_date.isoformat(),
            },
            active_key=key,
            now=now,
            activity_value_id=value.id,
        )


def check_staff_reminder(session: Session, staff_reminder_id: int, now: datetime) -> None:
    reminder = session.get(StaffReminder, staff_reminder_id)
    if reminder is None:
        return
    enrollment = session.get(Enrollment, reminder.enrollment_id)
    if enrollment is None:
        return
    for rule in flag_rules.of_kind(
        flag_rules.for_enrollment(session, enrollment), "staff_reminder"
    ):
        flag = raise_flag(
            session,
            enrollment=enrollment,
            rule_key=str(rule["key"]),
            kind="staff_reminder",
            severity=int(rule.get("severity", 2)),
            reason={
                "rule": rule["key"],
                "on_date": reminder.on_date.isoformat(),
                "note": reminder.note,
                "created_by_id": reminder.created_by_id,
            },
            active_key=_key(enrollment.id, rule, "reminder", reminder.id),
            now=now,
            staff_reminder_id=reminder.id,
        )
        if flag is not None:
            flag.assigned_to_id = reminder.created_by_id  # the one who wrote it follows it up


# --- the signal receivers: the blinker sender is the session ------------------------------------


def on_result_recorded(sender: Session, **kw: Any) -> None:
    check_results(sender, kw["response_id"], list(kw.get("result_ids") or []), _now())


def on_occurrences_closed(sender: Session, **kw: Any) -> None:
    if kw.get("status") == "missed":
        check_missed_many(sender, [int(i) for i in kw["occurrence_ids"]], _now(kw.get("at")))


def on_activity_value_recorded(sender: Session, **kw: Any) -> None:
    check_activity_value(sender, kw["value_id"], _now())


def on_staff_reminder_due(sender: Session, **kw: Any) -> None:
    check_staff_reminder(sender, kw["staff_reminder_id"], _now(kw.get("at")))
