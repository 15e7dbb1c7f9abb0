"""What the FHIR import tests share: import a Questionnaire, send its form to a demo citizen,
post her page, read what was stored."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.models import Citizen, Enrollment, FormResponse, Staff
from sob_core.testing import csrf_from, login_as

JOHN = "198503142393"  # John Doe, a demo citizen
TOMMY = "SE2321000131-P000000000011"  # Tommy Skjulsvik, his therapist


def registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def import_resource(app: Any, resource: dict[str, Any]) -> Any:
    """Import a copy of ``resource`` (the import may not change the caller's) and commit."""
    version = fhir.import_questionnaire(db.session, registry(app), json.loads(json.dumps(resource)))
    db.session.commit()
    return version


def assigned(app: Any, client: Any, resource: dict[str, Any]) -> Any:
    """Import ``resource``, send its form to John in his enrollment and sign him in on ``client``."""
    version = import_resource(app, resource)
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    login_as(client, citizen)
    return assignment


def post_page(
    client: Any, assignment: Any, page: str, action: str = "submit", **fields: Any
) -> Any:
    """Post the form ``page`` shows, with its CSRF token and submission key, ``action`` and
    ``fields``."""
    data = {
        "csrf_token": csrf_from(page),
        "submission_key": page.split('name="submission_key" value="')[1].split('"')[0],
        "action": action,
        **fields,
    }
    return client.post(f"/citizen/forms/{assignment.id}", data=data)


def question_block(page: str, key: str) -> str:
    """The opening tag of question ``key``'s block on a form page."""
    start = page.index(f'id="question-{key}"')
    return page[start : page.index(">", start) + 1]


def stored(assignment: Any) -> tuple[str, dict[str, Any]]:
    """The status and the stored answers (payloads) of the assignment's response."""
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    db.session.refresh(response)
    return response.status, forms.payloads(response)
