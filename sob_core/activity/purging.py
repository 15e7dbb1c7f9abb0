"""Purge one enrollment's activity plan: values, registrations, then the plan. After
``flags.purging`` (a flag points at a value)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import ActivityPlan, ActivityRegistration, ActivityValue

PURGED_TABLES: tuple[str, ...] = ("activity_value", "activity_registration", "activity_plan")


def purge_enrollment(session: Session, enrollment_id: int) -> dict[str, int]:
    """Delete the enrollment's activity rows, children first; {table: rows deleted}."""
    plans = select(ActivityPlan.id).where(ActivityPlan.enrollment_id == enrollment_id)
    registrations = select(ActivityRegistration.id).where(ActivityRegistration.plan_id.in_(plans))
    counts = {}
    for table, statement in (
        (
            "activity_value",
            delete(ActivityValue).where(
                (ActivityValue.enrollment_id == enrollment_id)
                | ActivityValue.registration_id.in_(registrations)
            ),
        ),
        (
            "activity_registration",
            delete(ActivityRegistration).where(ActivityRegistration.plan_id.in_(plans)),
        ),
        ("activity_plan", delete(ActivityPlan).where(ActivityPlan.enrollment_id == enrollment_id)),
    ):
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[table] = int(getattr(result, "rowcount", 0) or 0)
    return counts
