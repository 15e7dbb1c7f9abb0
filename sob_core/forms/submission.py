"""Drafts and submission: a citizen's response to an assignment, saved and then submitted.

Submitting sends ``events.response_submitted`` (the enrollment's progress listens to it), then
scores the response through ``results.pipeline``. Forms never import enrollments.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..models import FormAssignment, FormResponse
from ..plugins import PluginHost
from .answers import store_answers


def open_response(session: Session, assignment: FormAssignment) -> FormResponse:
    """The citizen's draft for an assignment, created on first use."""
    response = session.scalar(
        select(FormResponse)
        .where(FormResponse.assignment_id == assignment.id)
        .order_by(FormResponse.id.desc())
    )
    if response is None:
        response = FormResponse(
            form_version_id=assignment.form_version_id,
            citizen_id=assignment.citizen_id,
            assignment_id=assignment.id,
            submission_key=secrets.token_urlsafe(24),
            answers={},
        )
        session.add(response)
        session.flush()
    return response


def submit(
    session: Session,
    host: PluginHost,
    response: FormResponse,
    values: Mapping[str, Any],
) -> FormResponse:
    """Freeze the answers, score them and close the assignment. Submitting twice changes nothing."""
    if response.status == "submitted":
        return response
    version = response.form_version
    store_answers(response, version, values)
    response.status = "submitted"
    response.submitted_at = datetime.now(UTC)
    if response.assignment_id is not None:
        assignment = session.get(FormAssignment, response.assignment_id)
        if assignment is not None:  # the foreign key keeps it; a check, not an assumption
            assignment.status = "done"
    events.response_submitted.send(
        session,
        response_id=response.id,
        assignment_id=response.assignment_id,
        citizen_id=response.citizen_id,
        form_version_id=response.form_version_id,
    )
    # imported here, not at the top: results imports forms (own_results), so a top-level import
    # would fail whenever `sob_core.results` is imported before `sob_core.forms`
    from ..results import pipeline

    pipeline.score(session, host, response)
    return response
