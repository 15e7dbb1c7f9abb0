"""Scoring of submitted responses: results rows from a response, and scoring all of them again.

Results own scoring: ``forms.submit`` calls ``score`` once a response is submitted, and the CLI
calls ``recompute`` after a scale plugin was fixed. ``score`` sends ``events.result_recorded``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..forms.answers import payloads
from ..forms.definitions import form_info
from ..models import Citizen, Form, FormResponse, FormVersion, Result
from ..plugins import PluginHost
from . import compute_results


def citizen_context(citizen: Citizen, on: date | None = None) -> dict[str, Any]:
    """What a scale may know of the citizen when scoring (sex and age on ``on``)."""
    on = on or datetime.now(UTC).date()
    born = citizen.birth_date
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return {"sex": citizen.legal_sex, "age": age}


def score(session: Session, host: PluginHost, response: FormResponse) -> list[Result]:
    """(Re)compute and store the results of a submitted response."""
    version = response.form_version
    citizen = session.get(Citizen, response.citizen_id)
    if citizen is None or response.submitted_at is None:
        raise ValueError(f"response {response.id} is not a citizen's submitted answer")
    context = citizen_context(citizen, response.submitted_at.date())
    computed = compute_results(host, form_info(version), payloads(response), context)
    visible = {
        r["key"]: bool(r.get("citizen_visible")) for r in version.definition.get("results", [])
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


def recompute(session: Session, host: PluginHost, form_key: str | None = None) -> int:
    """Score every submitted response again (after a scale plugin was fixed)."""
    query = select(FormResponse).where(FormResponse.status == "submitted")
    if form_key:
        query = query.join(FormVersion).join(Form).where(Form.key == form_key)
    count = 0
    for response in session.scalars(query):
        score(session, host, response)
        count += 1
    session.commit()
    return count
