"""Database helpers shared by the enrollment services: changes that happen exactly once.

Every state change that the timeline shows is made with a conditional UPDATE (or an INSERT that
ignores conflicts) and its event is recorded only by the request whose change took effect, so an
event is recorded once even when two processes refresh the same enrollment at the same moment.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..content import ProgramContent, content_of
from ..models import (
    Enrollment,
    EnrollmentModule,
    ProgramVersion,
)
from .errors import EnrollmentError
from .unlocking import ModuleState


def _insert_ignoring_conflict(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """INSERT a row unless a unique constraint already holds one; True when it was inserted."""
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(model).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - other databases: a savepoint does the same
        from sqlalchemy.exc import IntegrityError

        try:
            with session.begin_nested():
                session.add(model(**values))
            return True
        except IntegrityError:
            return False
    return bool(changed_rows(session.execute(statement)))


def changed_rows(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE changed (its result is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount


def _module_rows(session: Session, enrollment: Enrollment) -> dict[str, EnrollmentModule]:
    rows = session.scalars(
        select(EnrollmentModule).where(EnrollmentModule.enrollment_id == enrollment.id)
    ).all()
    return {row.module_key: row for row in rows}


def _ensure_module_rows(
    session: Session, enrollment: Enrollment, content: ProgramContent
) -> dict[str, EnrollmentModule]:
    rows = _module_rows(session, enrollment)
    missing = [m.key for m in content.modules if m.key not in rows]
    if missing:
        for key in missing:
            _insert_ignoring_conflict(
                session,
                EnrollmentModule,
                {"enrollment_id": enrollment.id, "module_key": key, "state": "locked"},
            )
        rows = _module_rows(session, enrollment)
    return rows


def _state(row: EnrollmentModule) -> ModuleState:
    return ModuleState(
        state=row.state,
        opened_at=row.opened_at,
        completed_at=row.completed_at,
        hidden=row.hidden,
        activated=row.activated_by_id is not None,
    )


def _update_if(session: Session, row: Any, condition: Any, **values: Any) -> bool:
    """UPDATE ``row`` to ``values`` only while ``condition`` holds; True for the request that did.

    A conditional UPDATE is how a change (and its event) happens once across processes.
    """
    model = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not changed_rows(result):
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)  # the row in the database holds these now
    return True


def _change_module(
    session: Session, row: EnrollmentModule, from_states: tuple[str, ...], **values: Any
) -> bool:
    """Move a module on only if it is still in one of ``from_states``; True when it moved."""
    return _update_if(session, row, EnrollmentModule.state.in_(from_states), **values)


def _version(enrollment: Enrollment) -> ProgramVersion:
    version = enrollment.program_version
    if version is None:
        raise EnrollmentError("no_program", "the enrollment has no program version")
    return version


def _content(enrollment: Enrollment) -> ProgramContent:
    """The typed content of the enrollment's version (parsed once per loaded version)."""
    return content_of(_version(enrollment))
