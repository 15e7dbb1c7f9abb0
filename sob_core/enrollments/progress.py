"""The citizen's progress: opening modules, items opened and done, staff decisions on modules.

Time is always a parameter (``now``, timezone-aware), so tests can simulate days passing. A
submitted form reaches this module through the ``response_submitted`` signal (``events``), so
forms never import enrollments.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.orm import Session

from .. import events
from ..content import Item, Module, filled
from ..content.schema import as_local_text
from ..models import (
    Enrollment,
    EnrollmentEvent,
    EnrollmentModule,
    FormAssignment,
    FormResponse,
    FormVersion,
    ItemProgress,
)
from ._rows import (
    _change_module,
    _content,
    _ensure_module_rows,
    _insert_ignoring_conflict,
    _module_rows,
    _state,
    _update_if,
)
from .assignments import _assign_forms
from .clock import _aware
from .errors import EnrollmentError
from .overview import Overview, compute_overview
from .unlocking import ItemState, ModuleState, unlock_times


def record_event(
    session: Session,
    enrollment: Enrollment,
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    *,
    module_key: str | None = None,
    item_key: str | None = None,
    detail: Mapping[str, Any] | None = None,
    citizen_visible: bool = True,
    now: datetime | None = None,
) -> EnrollmentEvent:
    """Add one event to the enrollment's timeline."""
    event = EnrollmentEvent(
        enrollment_id=enrollment.id,
        at=_aware(now) if now is not None else datetime.now(UTC),
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        module_key=module_key,
        item_key=item_key,
        detail=dict(detail or {}),
        citizen_visible=citizen_visible,
    )
    session.add(event)
    return event


def refresh(session: Session, enrollment: Enrollment, now: datetime) -> list[str]:
    """Open the modules whose rules allow it at ``now``; the keys of the modules it opened.

    Idempotent: a second call at the same time changes nothing and records nothing.
    """
    now = _aware(now)
    if enrollment.status == "ended" or enrollment.program_version_id is None:
        return []
    content = _content(enrollment)
    rows = _ensure_module_rows(session, enrollment, content)
    states = {key: _state(row) for key, row in rows.items()}
    opening = unlock_times(content, started_at=enrollment.started_at, states=states, now=now)
    opened: list[str] = []
    for key, when in opening.items():
        if _change_module(session, rows[key], ("locked",), state="open", opened_at=when):
            record_event(
                session, enrollment, "module_opened", "system", None, module_key=key, now=when
            )
            opened.append(key)
    if opened:
        _assign_forms(session, enrollment, content, opened, now)
        for key in opened:
            _module_opened(session, enrollment, key, opening[key])
    return opened


def _module_opened(session: Session, enrollment: Enrollment, module_key: str, at: datetime) -> None:
    events.module_opened.send(
        session,
        enrollment_id=enrollment.id,
        citizen_id=enrollment.citizen_id,
        module_key=module_key,
        at=at,
    )


@functools.cache
def _load_state_statements() -> tuple[Select, Select]:
    """``load_state``'s item progress and form statements, built once; the enrollment is bound."""
    enrollment: BindParameter[int] = bindparam("enrollment")
    progress = select(ItemProgress).where(ItemProgress.enrollment_id == enrollment)
    started = (
        select(FormResponse.id).where(FormResponse.assignment_id == FormAssignment.id).exists()
    )
    forms = (
        select(
            FormAssignment.id,
            FormAssignment.item_key,
            FormAssignment.status,
            FormVersion.title,
            started,
        )
        .join(FormVersion, FormAssignment.form_version_id == FormVersion.id)
        .where(FormAssignment.enrollment_id == enrollment, FormAssignment.item_key.is_not(None))
        .order_by(FormAssignment.id)
    )
    return progress, forms


def load_state(
    session: Session, enrollment: Enrollment
) -> tuple[dict[str, ModuleState], dict[str, ItemState], set[str], dict[str, dict[str, str]]]:
    """Module states, item progress, hidden keys and form titles, in three queries."""
    modules = _module_rows(session, enrollment)
    states = {key: _state(row) for key, row in modules.items()}
    hidden = {key for key, row in modules.items() if row.hidden}
    progress: dict[str, dict[str, Any]] = {}
    progress_statement, forms_statement = _load_state_statements()
    params = {"enrollment": enrollment.id}
    for row in session.scalars(progress_statement, params):
        progress[row.item_key] = {
            "opened": row.first_opened_at is not None,
            "done": row.done_at is not None,
        }
        if row.hidden:
            hidden.add(row.item_key)
    titles: dict[str, dict[str, str]] = {}
    forms = session.execute(forms_statement, params).all()
    for assignment_id, item_key, status, title, has_response in forms:
        entry = progress.setdefault(item_key, {"opened": False, "done": False})
        entry["assignment_id"] = assignment_id
        entry["fillable"] = status in ("open", "done")
        entry["draft"] = bool(has_response)
        entry["done"] = entry["done"] or status == "done"
        titles[item_key] = filled(as_local_text(title))
    return states, {k: ItemState(**v) for k, v in progress.items()}, hidden, titles


def overview(
    session: Session, enrollment: Enrollment, now: datetime, *, citizen_view: bool = True
) -> Overview:
    """The overview of an enrollment at ``now``; staff pass ``citizen_view=False`` to see all."""
    states, progress, hidden, titles = load_state(session, enrollment)
    return compute_overview(
        _content(enrollment),
        started_at=enrollment.started_at,
        module_states=states,
        item_progress=progress,
        now=now,
        hidden=hidden if citizen_view else (),
        form_titles=titles,
    )


def accessible_item(
    session: Session, enrollment: Enrollment, item_key: str
) -> tuple[Module, Item] | None:
    """The (module, item) if the citizen may open it now: its module open or done, nothing hidden."""
    if enrollment.status == "ended" or enrollment.program_version_id is None:
        return None
    found = _content(enrollment).find_item(item_key)
    if found is None:
        return None
    module, item = found
    row = session.scalar(
        select(EnrollmentModule).where(
            EnrollmentModule.enrollment_id == enrollment.id,
            EnrollmentModule.module_key == module.key,
        )
    )
    if row is None or row.hidden or row.state not in ("open", "done"):
        return None
    item_hidden = session.scalar(
        select(ItemProgress.hidden).where(
            ItemProgress.enrollment_id == enrollment.id, ItemProgress.item_key == item_key
        )
    )
    return None if item_hidden else (module, item)


def _progress_row(session: Session, enrollment: Enrollment, item_key: str) -> ItemProgress:
    _insert_ignoring_conflict(
        session,
        ItemProgress,
        {"enrollment_id": enrollment.id, "item_key": item_key, "hidden": False},
    )
    return session.scalars(
        select(ItemProgress)
        .where(ItemProgress.enrollment_id == enrollment.id, ItemProgress.item_key == item_key)
        .execution_options(populate_existing=True)
    ).one()


def _set_once(session: Session, row: ItemProgress, column: str, now: datetime) -> bool:
    """Set ``first_opened_at`` or ``done_at`` if still empty; True for the request that set it."""
    return _update_if(session, row, getattr(ItemProgress, column).is_(None), **{column: now})


def open_item(
    session: Session, enrollment: Enrollment, item_key: str, now: datetime, actor: str = "citizen"
) -> bool:
    """The citizen opened a content item: ``content_opened`` once; True the first time.

    A text or media item is done when opened (and its module when all its items are); a form
    item is done when its response is submitted. Only the citizen's own opening counts.
    """
    now = _aware(now)
    found = accessible_item(session, enrollment, item_key)
    if found is None:
        raise EnrollmentError("not_available", "the item is not available")
    if actor != "citizen":
        return False
    module, item = found
    row = _progress_row(session, enrollment, item_key)
    first = _set_once(session, row, "first_opened_at", now)
    if first:
        record_event(
            session,
            enrollment,
            "content_opened",
            "citizen",
            enrollment.citizen_id,
            module_key=module.key,
            item_key=item_key,
            now=now,
        )
    if not item.is_form and _set_once(session, row, "done_at", now):
        _complete_if_all_done(session, enrollment, module, now)
    return first


def _complete_if_all_done(
    session: Session, enrollment: Enrollment, module: Module, now: datetime
) -> bool:
    keys = [i.key for i in module.items]
    if not keys:
        return False
    rows = {
        r.item_key: r
        for r in session.scalars(
            select(ItemProgress).where(
                ItemProgress.enrollment_id == enrollment.id, ItemProgress.item_key.in_(keys)
            )
        )
    }
    visible = [k for k in keys if not (k in rows and rows[k].hidden)]
    if not visible or any(k not in rows or rows[k].done_at is None for k in visible):
        return False
    return complete_module(session, enrollment, module.key, "system", None, now)


def form_submitted(
    session: Session,
    assignment: FormAssignment,
    response: FormResponse,
    now: datetime | None = None,
) -> None:
    """A response to an assignment of an enrollment was submitted: ``form_submitted``, and a
    program form item (and perhaps its module) becomes done."""
    enrollment = session.get(Enrollment, assignment.enrollment_id)
    if enrollment is None:
        return
    now = now or response.submitted_at or datetime.now(UTC)
    module = None
    if assignment.item_key and enrollment.program_version_id is not None:
        found = _content(enrollment).find_item(assignment.item_key)
        module = found[0] if found else None
    record_event(
        session,
        enrollment,
        "form_submitted",
        "citizen",
        response.citizen_id,
        module_key=module.key if module else None,
        item_key=assignment.item_key,
        detail={
            "response_id": response.id,
            "assignment_id": assignment.id,
            "form_version_id": response.form_version_id,
        },
        now=now,
    )
    enrollment.last_active_at = now
    if module is not None and assignment.item_key:
        row = _progress_row(session, enrollment, assignment.item_key)
        _set_once(session, row, "first_opened_at", now)
        if _set_once(session, row, "done_at", now):
            _complete_if_all_done(session, enrollment, module, now)


def _module_row(session: Session, enrollment: Enrollment, module_key: str) -> EnrollmentModule:
    content = _content(enrollment)
    if module_key not in {m.key for m in content.modules}:
        raise EnrollmentError("unknown_module", f"the program has no module {module_key!r}")
    return _ensure_module_rows(session, enrollment, content)[module_key]


def complete_module(
    session: Session,
    enrollment: Enrollment,
    module_key: str,
    actor_kind: str,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Set a module done ("Sätt till avklarad"); ``module_completed`` once. True if it changed.

    The modules that open after it open at once.
    """
    now = _aware(now)
    row = _module_row(session, enrollment, module_key)
    values: dict[str, Any] = {"state": "done", "completed_at": now}
    was_locked = row.opened_at is None
    if was_locked:
        values["opened_at"] = now
    if not _change_module(session, row, ("locked", "open"), **values):
        return False
    if was_locked:  # set done without being opened first: it opened now, too
        _module_opened(session, enrollment, module_key, now)
    record_event(
        session,
        enrollment,
        "module_completed",
        actor_kind,
        actor_id,
        module_key=module_key,
        now=now,
    )
    refresh(session, enrollment, now)
    return True


def activate_module(
    session: Session, enrollment: Enrollment, module_key: str, actor_id: int, now: datetime
) -> bool:
    """Staff open a locked module (by_therapist, or ahead of its rule): ``module_activated``."""
    now = _aware(now)
    row = _module_row(session, enrollment, module_key)
    if not _change_module(
        session, row, ("locked",), state="open", opened_at=now, activated_by_id=actor_id
    ):
        return False
    record_event(
        session, enrollment, "module_activated", "staff", actor_id, module_key=module_key, now=now
    )
    _assign_forms(session, enrollment, _content(enrollment), [module_key], now)
    _module_opened(session, enrollment, module_key, now)
    return True


def set_module_hidden(
    session: Session,
    enrollment: Enrollment,
    module_key: str,
    hidden: bool,
    actor_id: int,
    now: datetime,
) -> bool:
    """Hide a module from the citizen (or show it again); True if it changed."""
    row = _module_row(session, enrollment, module_key)
    if not _update_if(session, row, EnrollmentModule.hidden != hidden, hidden=hidden):
        return False
    record_event(
        session,
        enrollment,
        "module_hidden" if hidden else "module_shown",
        "staff",
        actor_id,
        module_key=module_key,
        citizen_visible=False,
        now=_aware(now),
    )
    if not hidden:
        refresh(session, enrollment, now)
    return True


def set_item_hidden(
    session: Session,
    enrollment: Enrollment,
    item_key: str,
    hidden: bool,
    actor_id: int,
    now: datetime,
) -> bool:
    """Hide a content item or form from the citizen (or show it again); True if it changed."""
    found = _content(enrollment).find_item(item_key)
    if found is None:
        raise EnrollmentError("unknown_item", f"the program has no item {item_key!r}")
    row = _progress_row(session, enrollment, item_key)
    if not _update_if(session, row, ItemProgress.hidden != hidden, hidden=hidden):
        return False
    record_event(
        session,
        enrollment,
        "item_hidden" if hidden else "item_shown",
        "staff",
        actor_id,
        module_key=found[0].key,
        item_key=item_key,
        citizen_visible=False,
        now=_aware(now),
    )
    return True


def on_response_submitted(
    session: Session, *, response_id: int, assignment_id: int | None, **_: Any
) -> None:
    """Listener of ``events.response_submitted``: an enrollment's form was submitted."""
    if assignment_id is None:
        return
    assignment = session.get(FormAssignment, assignment_id)
    if assignment is None or assignment.enrollment_id is None:
        return
    response = session.get(FormResponse, response_id)
    if response is not None:
        form_submitted(session, assignment, response)
