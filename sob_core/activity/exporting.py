"""An enrollment's activity plan for an export: the instructions, what to register, her values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ActivityPlan, ActivityRegistration, ActivityValue

EXPORTED_TABLES: tuple[str, ...] = ("activity_plan", "activity_registration", "activity_value")


def export_enrollment(session: Session, enrollment_id: int, *, lang: str) -> dict[str, Any]:
    """The plan (None when the enrollment has none) with every registration and its values.

    Registrations the therapist removed are kept with ``removed_at``: their values are hers.
    """
    plan = session.scalar(select(ActivityPlan).where(ActivityPlan.enrollment_id == enrollment_id))
    if plan is None:
        return {"activity_plan": None}
    registrations = list(
        session.scalars(
            select(ActivityRegistration)
            .where(ActivityRegistration.plan_id == plan.id)
            .order_by(ActivityRegistration.position, ActivityRegistration.id)
        )
    )
    values: dict[int, list[dict[str, Any]]] = {r.id: [] for r in registrations}
    for value in session.scalars(
        select(ActivityValue)
        .where(ActivityValue.registration_id.in_(list(values)))
        .order_by(ActivityValue.on_date, ActivityValue.id)
    ):
        values[value.registration_id].append(
            {"on_date": value.on_date.isoformat(), "value": value.value}
        )
    return {
        "activity_plan": {
            "instructions": plan.instructions,
            "registrations": [
                {
                    "heading": r.heading,
                    "unit": r.unit,
                    "target_min": r.target_min,
                    "target_max": r.target_max,
                    "removed_at": r.removed_at.isoformat() if r.removed_at else None,
                    "values": values[r.id],
                }
                for r in registrations
            ],
        }
    }
