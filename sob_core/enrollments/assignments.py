"""Form assignments of an enrollment: the forms a programme pins, handed out as modules open,
and the forms staff send a patient themselves."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, selectinload

from ..content import ProgramContent, as_content
from ..models import (
    Enrollment,
    Form,
    FormAssignment,
    FormVersion,
)
from .errors import EnrollmentError

log = logging.getLogger(__name__)


def pinned_forms(
    session: Session,
    content: ProgramContent | Mapping[str, Any] | None,
    module_keys: Iterable[str] | None = None,
) -> dict[str, FormVersion | None]:
    """item key -> the pinned form version of each form item (None when it does not exist)."""
    wanted = set(module_keys) if module_keys is not None else None
    items = [
        item
        for module in as_content(content).modules
        if wanted is None or module.key in wanted
        for item in module.items
        if item.is_form
    ]
    keys = {str(item.form_key) for item in items if item.form_key}
    versions: dict[tuple[str, int], FormVersion] = {}
    latest: dict[str, FormVersion] = {}
    if keys:
        for version, key in session.execute(
            select(FormVersion, Form.key).join(Form).where(Form.key.in_(keys))
        ).all():
            versions[(key, version.version)] = version
            if key not in latest or latest[key].version < version.version:
                latest[key] = version
    pinned: dict[str, FormVersion | None] = {}
    for item in items:
        key = str(item.form_key or "")
        number = item.get("form_version")
        try:
            pinned[item.key] = (
                latest.get(key) if number in (None, "") else versions.get((key, int(number)))
            )
        except (TypeError, ValueError):
            pinned[item.key] = None
    return pinned


def _assign_forms(
    session: Session,
    enrollment: Enrollment,
    content: ProgramContent,
    module_keys: Iterable[str],
    now: datetime,
) -> list[FormAssignment]:
    module_keys = list(module_keys)
    pinned = pinned_forms(session, content, module_keys)
    if not pinned:
        return []
    existing = set(
        session.scalars(
            select(FormAssignment.item_key).where(
                FormAssignment.enrollment_id == enrollment.id,
                FormAssignment.item_key.in_(list(pinned)),
            )
        )
    )
    created = []
    for item_key, version in pinned.items():
        if item_key in existing:
            continue
        if version is None:
            log.warning("enrollment %s: form item %s has no form version", enrollment.id, item_key)
            continue
        assignment = FormAssignment(
            citizen_id=enrollment.citizen_id,
            enrollment_id=enrollment.id,
            form_version_id=version.id,
            item_key=item_key,
            status="open",
            assigned_at=now,
        )
        session.add(assignment)
        created.append(assignment)
    session.flush()
    return created


def send_form(
    session: Session, enrollment: Enrollment, form: Form, assigned_by_id: int
) -> FormAssignment:
    """Staff send the latest version of ``form`` to the enrollment's citizen (an extra measurement).

    An ended enrollment can no longer be changed; the caller audits and commits.
    """
    if enrollment.status == "ended":
        raise EnrollmentError("ended", "the enrollment has ended and can no longer be changed")
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=form.latest.id,
        assigned_by_id=assigned_by_id,
    )
    session.add(assignment)
    return assignment


@functools.cache
def _open_for_citizen_statement() -> Select:
    """``open_for_citizen``'s statement, built once; the citizen is bound at execution."""
    return (
        select(FormAssignment)
        .options(selectinload(FormAssignment.form_version))
        .where(FormAssignment.citizen_id == bindparam("citizen"), FormAssignment.status == "open")
        .order_by(FormAssignment.assigned_at)
    )


def open_for_citizen(
    session: Session, citizen_id: int, hidden_items: Iterable[tuple[int, str]] = ()
) -> list[FormAssignment]:
    """The citizen's open form assignments, oldest first, without those staff hid for now.

    ``hidden_items`` holds (enrollment id, item key) pairs, as ``CitizenStart.hidden_items``.
    """
    hidden = set(hidden_items)
    return [
        assignment
        for assignment in session.scalars(_open_for_citizen_statement(), {"citizen": citizen_id})
        # A form staff hid for this citizen is not theirs to fill in just now.
        if (assignment.enrollment_id, assignment.item_key) not in hidden
    ]
