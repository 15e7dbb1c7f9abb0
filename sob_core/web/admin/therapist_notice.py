"""Change of therapist: the new responsible therapist is told (content-free, as chosen).

``enrollments.change_therapist`` sends ``enrollment_changed`` (change ``"therapist"``) in its
transaction; this listener writes a ``therapist_assigned`` notice to the new therapist through
``notifications.notify_staff`` (an e-mail at once, in the daily digest, or none, as the
therapist chose at /staff/settings). The notice names no patient, programme or unit: only a link.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context

from ... import events
from ...models import Enrollment


def tell_new_therapist(sender: Any, **kw: Any) -> None:
    if kw.get("change") != "therapist" or not has_app_context():
        return
    if "sob" not in current_app.extensions:
        return
    from ...notifications import notify_staff

    session = sender
    enrollment = session.get(Enrollment, kw["enrollment_id"])
    if enrollment is None or enrollment.therapist_id is None:
        return
    if enrollment.therapist_id == kw.get("actor_id"):
        return  # she made herself responsible: nothing to tell
    notify_staff(
        session,
        enrollment.therapist_id,
        "therapist_assigned",
        link=f"/staff/patients/{enrollment.id}",
        coalesce_key=f"therapist:{enrollment.id}",
        channels=current_app.extensions["sob"].registry.channels,
        settings=current_app.config,
        care_unit_id=enrollment.care_unit_id,
    )


events.enrollment_changed.connect(tell_new_therapist, weak=False)
