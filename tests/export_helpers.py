"""Data for the export tests: the demo set plus a form of every kind of answer in the demo's
ended enrollment (Ahmed Karimi's at Psykiatrimottagning Centrum)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    Form,
    FormAssignment,
    FormResponse,
    FormVersion,
    Staff,
)

UNIT = "SE2321000131-E000000000101"
OTHER_UNIT = "SE2321000016-E000000000201"
DATA_ADMIN = "SE2321000131-P000000000014"  # Erik Holm: permission_admin, data_admin at UNIT
OTHER_DATA_ADMIN = "SE2321000016-P000000000022"  # Lena Björk: data_admin at OTHER_UNIT
THERAPIST = "SE2321000131-P000000000011"  # Tommy Skjulsvik: therapist only
AHMED = "197809232577"
JOHN = "198503142393"

QUESTIONS = [
    {
        "key": "mood",
        "type": "single_choice",
        "label": {"sv": "Hur mår du?", "en": "How are you?"},
        "config": {
            "options": [
                {"value": "good", "label": {"sv": "Bra", "en": "Good"}},
                {"value": "bad", "label": {"sv": "Dåligt", "en": "Bad"}},
            ]
        },
        "required": True,
    },
    {
        "key": "topics",
        "type": "multiple_choice",
        "label": {"sv": "Vad vill du prata om?"},
        "config": {
            "options": [
                {"value": "sleep", "label": {"sv": "Sömn"}},
                {"value": "work", "label": {"sv": "Arbete"}},
                {"value": "worry", "label": {"sv": "Oro"}},
            ]
        },
        "required": True,
    },
    {
        "key": "note",
        "type": "short_text",
        "label": {"sv": "Något mer?"},
        "config": {"max_length": 200},
        "required": False,
    },
    {
        "key": "since",
        "type": "date",
        "label": {"sv": "Sedan när?"},
        "config": {},
        "required": True,
    },
    {
        "key": "bad_nights",
        "type": "number",
        "label": {"sv": "Hur många dåliga nätter?"},
        "config": {"decimals": 0},
        "required": False,
        "show_if": {"question": "mood", "equals": "bad"},
    },
]
NOTE = "Jag heter Ahmed och bor på Storgatan 1"


def person(model, **where):
    return db.session.scalar(select(model).filter_by(**where))


def unit(hsa_id: str = UNIT) -> CareUnit:
    return person(CareUnit, hsa_id=hsa_id)


def ended_enrollment() -> Enrollment:
    citizen = person(Citizen, personnummer=AHMED)
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.citizen_id == citizen.id, Enrollment.status == "ended")
    )
    assert enrollment is not None
    return enrollment


def add_rich_response(
    enrollment: Enrollment | None = None, answers: dict | None = None
) -> FormResponse:
    """A submitted response to a form of five kinds of question in ``enrollment``."""
    enrollment = enrollment or ended_enrollment()
    form = person(Form, key="export-test")
    if form is None:
        form = Form(key="export-test")
        db.session.add(form)
        db.session.flush()
        db.session.add(
            FormVersion(
                form_id=form.id,
                version=1,
                title={"sv": "Exporttest"},
                definition={"questions": QUESTIONS, "results": []},
            )
        )
        db.session.flush()
    version = db.session.scalar(select(FormVersion).where(FormVersion.form_id == form.id))
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=version.id,
        status="done",
    )
    db.session.add(assignment)
    db.session.flush()
    stored = answers or {
        "mood": "good",
        "topics": ["sleep", "worry"],
        "note": NOTE,
        "since": "2026-03-05",
    }
    types = {q["key"]: q["type"] for q in QUESTIONS}
    response = FormResponse(
        form_version_id=version.id,
        citizen_id=enrollment.citizen_id,
        assignment_id=assignment.id,
        status="submitted",
        submission_key=uuid.uuid4().hex,
        answers={key: {"type": types[key], "value": value} for key, value in stored.items()},
        submitted_at=_noon_of_day(enrollment, 3),
    )
    db.session.add(response)
    db.session.commit()
    return response


def _noon_of_day(enrollment: Enrollment, day: int) -> datetime:
    """Noon, the unit's time, of the enrollment's ``day``: the same local day at any hour the
    suite runs (a fixed offset from the start crosses midnight when started late in the evening)."""
    zone = ZoneInfo("Europe/Stockholm")
    first = enrollment.started_at.astimezone(zone).date()
    return datetime.combine(first + timedelta(days=day), time(12), tzinfo=zone).astimezone(UTC)


def staff(hsa_id: str) -> Staff:
    return person(Staff, hsa_id=hsa_id)


NOW = datetime.now(UTC)
