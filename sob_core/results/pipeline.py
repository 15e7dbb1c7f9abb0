"""Scoring of submitted responses: results rows from a response, and scoring all of them again.

Results own scoring: ``forms.submit`` calls ``score`` once a response is submitted, and the CLI
calls ``recompute`` after a scale plugin was fixed. ``score`` sends ``events.result_recorded``.

When scoring fails (a scale or result plugin raises, a scale refuses the answers), the response
stays submitted and nothing of it is lost: the failure is logged and recorded on the response
(``scoring_error``, ``scoring_failed_at``), staff see it, and a later ``recompute`` that succeeds
stores the results and clears it. Results of an earlier successful scoring are kept meanwhile.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..forms import own_results
from ..forms.answers import payloads
from ..forms.definitions import form_info
from ..models import (
    Citizen,
    Enrollment,
    Form,
    FormAssignment,
    FormResponse,
    FormVersion,
    Result,
)
from ..plugins import PluginHost
from ..types import ComputedResult
from . import compute_results, subscale_band_label
from .series import subscale_for

log = logging.getLogger(__name__)

#: room for the recorded reason of a failure (``FormResponse.scoring_error``)
ERROR_LENGTH = 1000


def citizen_context(citizen: Citizen, on: date | None = None) -> dict[str, Any]:
    """What a scale may know of the citizen when scoring (sex and age on ``on``)."""
    on = on or datetime.now(UTC).date()
    born = citizen.birth_date
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return {"sex": citizen.legal_sex, "age": age}


def score(session: Session, host: PluginHost, response: FormResponse) -> list[Result]:
    """(Re)compute and store the results of a submitted response.

    A failure of the plugins computing them is recorded on the response and logged, and an empty
    list returned (see the module docstring); anything else, such as the database, raises.
    """
    version = response.form_version
    citizen = session.get(Citizen, response.citizen_id)
    if citizen is None or response.submitted_at is None:
        raise ValueError(f"response {response.id} is not a citizen's submitted answer")
    context = citizen_context(citizen, response.submitted_at.date())
    try:
        computed = compute_results(host, form_info(version), payloads(response), context)
    except Exception as error:  # a plugin's bug: recorded and logged, never lost nor swallowed
        log.exception("scoring response %s (form version %s) failed", response.id, version.id)
        # No NUL: PostgreSQL text cannot hold one, and a plugin's message may carry anything.
        reason = f"{type(error).__name__}: {error}".replace("\x00", "").strip()
        response.scoring_error = reason[:ERROR_LENGTH]
        response.scoring_failed_at = datetime.now(UTC)
        session.flush()
        return []
    response.scoring_error = None
    response.scoring_failed_at = None
    visible = {
        (
            own_results.stored_key(version.form.key, r["key"])
            if own_results.is_own(r)
            else r["key"]
        ): bool(r.get("citizen_visible"))
        for r in version.definition.get("results", [])
    }
    for old in list(response.results):
        session.delete(old)
    session.flush()
    rows = []
    for item in computed:
        value = item.value
        rows.append(
            Result(
                response=response,
                citizen_id=response.citizen_id,
                form_id=version.form_id,
                key=item.key,
                value=None if value is None else float(value),
                band=item.band,
                band_label=_band_label(host, version.definition, item, context),
                flags=list(item.flags),
                citizen_visible=visible.get(item.key, False),
                at=response.submitted_at,
            )
        )
    session.add_all(rows)
    session.flush()
    events.result_recorded.send(
        session,
        response_id=response.id,
        citizen_id=response.citizen_id,
        result_ids=[row.id for row in rows],
    )
    return rows


def _band_label(
    host: PluginHost, definition: dict[str, Any], item: ComputedResult, context: dict[str, Any]
) -> dict[str, str] | None:
    """The label of a computed result's band, kept with the stored result (None: no band).

    From the result itself, else the form's own result definition, else the installed subscale
    of that key: so the band is named even after the scale's plugin is uninstalled.
    """
    if not item.band:
        return None
    if item.band_label:
        return dict(item.band_label)
    for defined in definition.get("results", []):
        if defined.get("key") == item.key:
            for band in defined.get("bands") or ():
                if isinstance(band, dict) and band.get("slug") == item.band and band.get("label"):
                    return dict(band["label"])
    sub = subscale_for(host.registry, item.key)
    label = subscale_band_label(sub, item.band, context) if sub is not None else {}
    return label or None


def recompute(session: Session, host: PluginHost, form_key: str | None = None) -> int:
    """Score every submitted response again (after a scale plugin was fixed).

    Fills in the responses whose scoring failed before and clears their failure; one that fails
    again keeps its recorded failure (``failed_responses`` counts them).
    """
    query = select(FormResponse).where(FormResponse.status == "submitted")
    if form_key:
        query = query.join(FormVersion).join(Form).where(Form.key == form_key)
    count = 0
    for response in session.scalars(query):
        score(session, host, response)
        count += 1
    session.commit()
    return count


def failed_responses(
    session: Session,
    citizen_id: int | None = None,
    form_key: str | None = None,
    care_unit_id: int | None = None,
) -> list[FormResponse]:
    """Submitted responses whose scoring failed and is not yet filled in, oldest first.

    ``care_unit_id`` keeps those given within that unit's enrollments (what its staff may read).
    """
    query = select(FormResponse).where(
        FormResponse.status == "submitted", FormResponse.scoring_failed_at.is_not(None)
    )
    if citizen_id is not None:
        query = query.where(FormResponse.citizen_id == citizen_id)
    if care_unit_id is not None:
        query = (
            query.join(FormAssignment, FormResponse.assignment_id == FormAssignment.id)
            .join(Enrollment, FormAssignment.enrollment_id == Enrollment.id)
            .where(Enrollment.care_unit_id == care_unit_id)
        )
    if form_key:
        query = query.join(FormVersion).join(Form).where(Form.key == form_key)
    return list(session.scalars(query.order_by(FormResponse.submitted_at, FormResponse.id)))
