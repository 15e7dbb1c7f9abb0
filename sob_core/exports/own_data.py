"""A citizen's own data as one document: her details and, per enrollment, what every domain
package exports of it (``<pkg>.exporting.export_enrollment``). The web layer shows it as a
printable page and offers it as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import activity, batteries, enrollments, forms, messaging, reminders, results
from ..models import Citizen, Enrollment, NoticePreference
from ..models._types import utcnow
from ..plugins import Registry

FORMAT = "sob-own-data/1"
#: the packages whose records make up an enrollment in the document, in the document's order
EXPORTERS = (
    enrollments.exporting,
    forms.exporting,
    results.exporting,
    messaging.exporting,
    batteries.exporting,
    reminders.exporting,
    activity.exporting,
)


def citizen_document(
    session: Session, citizen_id: int, *, lang: str, registry: Registry | None = None
) -> dict[str, Any]:
    """Everything the citizen gave and received, enrollment by enrollment (newest first)."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        raise LookupError(citizen_id)
    preference = session.scalar(
        select(NoticePreference).where(
            NoticePreference.person_kind == "citizen", NoticePreference.person_id == citizen_id
        )
    )
    ids = session.scalars(
        select(Enrollment.id)
        .where(Enrollment.citizen_id == citizen_id)
        .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
    ).all()
    document_enrollments = []
    for enrollment_id in ids:
        part: dict[str, Any] = {}
        for module in EXPORTERS:
            if module is forms.exporting:
                part.update(
                    forms.exporting.export_enrollment(
                        session, enrollment_id, lang=lang, registry=registry
                    )
                )
            else:
                part.update(module.export_enrollment(session, enrollment_id, lang=lang))
        document_enrollments.append(part)
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(timespec="seconds"),
        "language": lang,
        "citizen": {
            "name": citizen.name,
            "personnummer": citizen.formatted_personnummer,
            "coordination_number": citizen.coordination_number,
            "birth_date": citizen.birth_date.isoformat(),
            "email": citizen.email,
            "mobile": citizen.phone,
            "home_region_code": citizen.home_region_code,
            "registered_at": citizen.created_at.isoformat(timespec="seconds"),
            "notices": {
                "channels": list(preference.channels) if preference else [],
                "language": preference.language if preference else "sv",
            },
        },
        "enrollments": document_enrollments,
    }
