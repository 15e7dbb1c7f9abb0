"""Internal signals (``sob_core.events``): each fires once with its payload, nothing is swallowed,
and forms announce a submission instead of calling into enrollments."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import test_enrollments as setup
from blinker import Signal
from sqlalchemy import select

import sob_core
from sob_core import enrollments, events, forms
from sob_core.extensions import db
from sob_core.models import Enrollment, FormAssignment, Result

# The enrollment tests' world: two units, staff, two citizens and a published programme.
world = setup.world
program = setup.program
JOHN, TOMMY, ANNA = setup.JOHN, setup.TOMMY, setup.ANNA
citizen, day, staff, start = setup.citizen, setup.day, setup.staff, setup.start


@contextmanager
def caught(signal: Signal) -> Iterator[list[tuple[object, dict]]]:
    """Record every send of ``signal`` as (sender, keyword arguments) while the block runs."""
    sent: list[tuple[object, dict]] = []

    def listener(sender: object, **kwargs: object) -> None:
        sent.append((sender, kwargs))

    signal.connect(listener)
    try:
        yield sent
    finally:
        signal.disconnect(listener)


def test_the_documented_signals_exist():
    assert set(events.__all__) == {
        "response_submitted",
        "result_recorded",
        "enrollment_started",
        "enrollment_ended",
        "enrollment_changed",
        "module_opened",
        "occurrence_opened",
        "occurrences_opened",
        "occurrence_closed",
        "occurrences_closed",
        "activity_value_recorded",
        "staff_reminder_due",
        "flag_raised",
    }
    for name in events.__all__:
        assert f"``{name}``" in events.__doc__  # each one says who sends it, with what


def test_enrollment_started_fires_once_with_ids(program):
    with caught(events.enrollment_started) as sent:
        enrollment = start(program)
    assert len(sent) == 1
    sender, payload = sent[0]
    assert sender is db.session
    assert payload == {
        "enrollment_id": enrollment.id,
        "citizen_id": citizen(JOHN).id,
        "care_unit_id": enrollment.care_unit_id,
        "program_version_id": program.id,
        "started_by_id": staff(TOMMY).id,
    }


def test_enrollment_ended_fires_once_only_for_the_change_that_took_effect(program):
    enrollment = start(program)
    tommy = staff(TOMMY).id
    with caught(events.enrollment_ended) as sent:
        assert enrollments.end(db.session, enrollment, "staff", tommy, day(40))
        assert not enrollments.end(db.session, enrollment, "staff", tommy, day(41))
    assert sent == [
        (
            db.session,
            {
                "enrollment_id": enrollment.id,
                "citizen_id": enrollment.citizen_id,
                "actor_kind": "staff",
                "actor_id": tommy,
            },
        )
    ]


def test_enrollment_changed_fires_for_maintenance_and_therapist(program):
    enrollment = start(program)
    tommy = staff(TOMMY).id
    anna = staff(ANNA).id
    with caught(events.enrollment_changed) as sent:
        assert enrollments.to_maintenance(db.session, enrollment, "staff", tommy, day(30))
        assert not enrollments.to_maintenance(db.session, enrollment, "staff", tommy, day(31))
        assert enrollments.change_therapist(db.session, enrollment, anna, tommy, day(31))
    assert [payload["change"] for _, payload in sent] == ["maintenance", "therapist"]
    assert all(payload["enrollment_id"] == enrollment.id for _, payload in sent)


def test_response_submitted_and_result_recorded_fire_once_per_submission(app, program):
    enrollment = start(program)
    host = app.extensions["sob"]
    assignment = db.session.scalar(select(FormAssignment).where(FormAssignment.item_key == "m1-i2"))
    response = forms.open_response(db.session, assignment)
    with caught(events.response_submitted) as submitted, caught(events.result_recorded) as scored:
        forms.submit(db.session, host, response, {"hours": 7})
        forms.submit(db.session, host, response, {"hours": 7})  # a second submit changes nothing
    assert submitted == [
        (
            db.session,
            {
                "response_id": response.id,
                "assignment_id": assignment.id,
                "citizen_id": enrollment.citizen_id,
                "form_version_id": response.form_version_id,
            },
        )
    ]
    assert len(scored) == 1
    sender, payload = scored[0]
    rows = db.session.scalars(select(Result).where(Result.response_id == response.id)).all()
    assert sender is db.session
    assert payload == {
        "response_id": response.id,
        "citizen_id": enrollment.citizen_id,
        "result_ids": [row.id for row in rows],
    }


def test_a_listeners_exception_reaches_the_sender(program):
    class Broken(RuntimeError):
        pass

    def listener(sender: object, **kwargs: object) -> None:
        raise Broken("a listener failed")

    events.enrollment_started.connect(listener)
    try:
        with pytest.raises(Broken):
            start(program)
    finally:
        events.enrollment_started.disconnect(listener)
    db.session.rollback()
    assert db.session.scalar(select(Enrollment.id)) is None  # nothing half-done is committed


def _imported_modules(package: Path) -> set[str]:
    """Every module a package's files import, as written (relative imports keep their dots)."""
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                names.add(module)
                names.update(f"{module}.{alias.name}".lstrip(".") for alias in node.names)
    return names


def test_forms_do_not_import_enrollments_or_flask():
    imported = _imported_modules(Path(sob_core.__file__).parent / "forms")
    assert not {name for name in imported if "enrollments" in name}
    assert not {name for name in imported if name.split(".")[0] in ("flask", "flask_wtf")}
