"""Shared set-up of the flags tests: a programme with flag rules, an enrollment, a scored result.

The tests send the internal events themselves (``result_recorded``, ``occurrence_closed``, ...):
the packages that send them are built elsewhere, and the signal is the interface.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from sob_core import enrollments, events
from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    Form,
    FormAssignment,
    FormResponse,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Result,
    Staff,
)

TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
ANNA = "SE2321000131-P000000000012"  # therapist and citizen administrator at unit 1
JOHAN = "SE2321000016-P000000000021"  # therapist at unit 2
JOHN = "198503142393"

CONTENT: dict[str, Any] = {
    "name": {"sv": "Flaggat program"},
    "recommended_days": 21,
    "modules": [
        {
            "key": "m1",
            "title": "Modul 1",
            "recommended_days": 7,
            "unlock": {"rule": "at_start", "days": None},
            "items": [{"key": "m1-text", "kind": "text", "title": "Text 1", "body": "<p/>"}],
        }
    ],
}


def unit() -> int:
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()


def staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def program_version(rules: list[dict[str, Any]] | None, key: str = "flagged") -> ProgramVersion:
    """A published programme at unit 1 with ``rules`` as its flag rules (None: none)."""
    program = Program(key=key, kind="treatment", owner_care_unit_id=unit())
    db.session.add(program)
    db.session.flush()
    content = dict(CONTENT)
    if rules is not None:
        content["flag_rules"] = rules
    version = ProgramVersion(
        program_id=program.id, major=1, minor=0, status="published", content=content
    )
    db.session.add(version)
    db.session.add(ProgramCatalogue(program_id=program.id, care_unit_id=unit()))
    db.session.commit()
    return version


def enroll(
    version: ProgramVersion, personnummer: str = JOHN, started: datetime | None = None
) -> Enrollment:
    citizen = db.session.scalar(select(Citizen.id).where(Citizen.personnummer == personnummer))
    enrollment = enrollments.start(
        db.session,
        citizen_id=citizen,
        program_version_id=version.id,
        care_unit_id=unit(),
        therapist_id=staff(TOMMY).id,
        started_by_id=staff(TOMMY).id,
        now=started or datetime.now(UTC) - timedelta(days=1),
    )
    db.session.commit()
    return enrollment


_counter = [0]


def scored(
    enrollment: Enrollment,
    key: str = "phq-9.total",
    value: float | None = 12,
    band: str | None = "moderate",
    flags: list[str] | None = None,
    at: datetime | None = None,
    answers: dict[str, Any] | None = None,
) -> Result:
    """A submitted PHQ-9 of the enrollment with one result, announced as scoring does."""
    _counter[0] += 1
    form = db.session.scalar(select(Form).where(Form.key == "phq-9"))
    at = at or datetime.now(UTC)
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=form.latest.id,
        status="done",
    )
    db.session.add(assignment)
    db.session.flush()
    response = FormResponse(
        form_version_id=form.latest.id,
        citizen_id=enrollment.citizen_id,
        assignment_id=assignment.id,
        status="submitted",
        submission_key=f"flag-helper-{enrollment.id}-{_counter[0]}",
        answers=answers or {},
        submitted_at=at,
    )
    db.session.add(response)
    db.session.flush()
    result = Result(
        response_id=response.id,
        citizen_id=enrollment.citizen_id,
        form_id=form.id,
        key=key,
        value=value,
        band=band,
        flags=flags or [],
        at=at,
    )
    db.session.add(result)
    db.session.flush()
    events.result_recorded.send(
        db.session,
        response_id=response.id,
        citizen_id=enrollment.citizen_id,
        result_ids=[result.id],
    )
    db.session.commit()
    return result
