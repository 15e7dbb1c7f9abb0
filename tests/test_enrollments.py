"""Enrollments: starting, unlock rules over simulated time, progress, events once, eligibility."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sob_core import enrollments, forms
from sob_core.enrollments import EnrollmentError, ItemState, ModuleState
from sob_core.extensions import db
from sob_core.identity.personnummer import InvalidPersonnummer
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    EnrollmentModule,
    Form,
    FormAssignment,
    FormVersion,
    ItemProgress,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Region,
    RoleAssignment,
    Staff,
)

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday morning, 10:00 in Sweden
JOHN = "198503142393"  # male, born 1985-03-14
ELIN = "199207012486"  # female, born 1992-07-01
TOMMY = "SE2321000131-P000000000011"  # therapist at the first unit
ANNA = "SE2321000131-P000000000012"  # therapist + citizen admin at the first unit
SARA = "SE2321000131-P000000000015"  # designer + publisher, no therapist role


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def text_item(key: str, title: str = "") -> dict:
    return {"key": key, "kind": "text", "title": {"sv": title or key}, "body": {"sv": "<p>Hej</p>"}}


def content(*, form_version: int | None = 1) -> dict:
    return {
        "name": {"sv": "Sömnbehandling", "en": "Sleep treatment"},
        "description": {"sv": "Behandling av sömnproblem."},
        "welcome": {"sv": "Välkommen till behandlingen."},
        "recommended_days": 28,
        "modules": [
            {
                "key": "m1",
                "title": {"sv": "Introduktion och sömnkunskap"},
                "recommended_days": 7,
                "unlock": {"rule": "at_start"},
                "items": [
                    text_item("m1-i1", "Välkommen"),
                    {
                        "key": "m1-i2",
                        "kind": "form",
                        "title": {"sv": "Sömndagbok"},
                        "form_key": "diary",
                        "form_version": form_version,
                    },
                ],
            },
            {
                "key": "m2",
                "title": {"sv": "Sömnrestriktion"},
                "recommended_days": 7,
                "unlock": {"rule": "after_previous"},
                "items": [
                    text_item("m2-i1"),
                    {"key": "m2-i2", "kind": "form", "form_key": "diary", "form_version": None},
                ],
            },
            {
                "key": "m3",
                "title": {"sv": "Tankar om sömn"},
                "recommended_days": 7,
                "unlock": {"rule": "days_after_start", "days": 14},
                "items": [text_item("m3-i1")],
            },
            {
                "key": "m4",
                "title": {"sv": "Repetition"},
                "recommended_days": 7,
                "unlock": {"rule": "by_therapist"},
                "items": [text_item("m4-i1")],
            },
        ],
    }


def make_form(key: str = "diary", versions: int = 2) -> list[FormVersion]:
    form = Form(key=key)
    db.session.add(form)
    db.session.flush()
    made = []
    for number in range(1, versions + 1):
        version = FormVersion(
            form=form,
            version=number,
            title={"sv": f"Sömndagbok v{number}"},
            intro={},
            definition={
                "questions": [
                    {"key": "hours", "type": "number", "label": {"sv": "Timmar"}, "config": {}}
                ],
                "results": [],
            },
        )
        db.session.add(version)
        made.append(version)
    db.session.flush()
    return made


def make_program(
    unit_id: int,
    body: dict | None = None,
    *,
    key: str = "sleep",
    status: str = "published",
    is_open: bool = False,
    eligibility: dict | None = None,
    catalogue: tuple[int, ...] | None = None,
) -> ProgramVersion:
    program = Program(key=key, kind="treatment", owner_care_unit_id=unit_id)
    db.session.add(program)
    db.session.flush()
    published = status != "draft"
    version = ProgramVersion(
        program_id=program.id,
        major=1 if published else None,
        minor=0 if published else None,
        status=status,
        content=body if body is not None else content(),
        is_open=is_open,
        eligibility=eligibility or {},
    )
    db.session.add(version)
    for care_unit_id in (unit_id,) if catalogue is None else catalogue:
        db.session.add(ProgramCatalogue(program_id=program.id, care_unit_id=care_unit_id))
    db.session.flush()
    return version


def citizen(number: str) -> Citizen:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == number))


def staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def units() -> list[int]:
    return list(db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)))


def start(version: ProgramVersion, who: str = JOHN, at: datetime = T0, **kw) -> Enrollment:
    unit = kw.pop("care_unit_id", units()[0])
    therapist = staff(TOMMY)
    return enrollments.start(
        db.session,
        citizen_id=citizen(who).id,
        program_version_id=version.id,
        care_unit_id=unit,
        therapist_id=kw.pop("therapist_id", therapist.id),
        started_by_id=kw.pop("started_by_id", therapist.id),
        now=at,
    )


def states(enrollment: Enrollment) -> dict[str, str]:
    rows = db.session.scalars(
        select(EnrollmentModule).where(EnrollmentModule.enrollment_id == enrollment.id)
    )
    return {row.module_key: row.state for row in rows}


def events(enrollment: Enrollment, kind: str | None = None) -> list[EnrollmentEvent]:
    query = select(EnrollmentEvent).where(EnrollmentEvent.enrollment_id == enrollment.id)
    if kind:
        query = query.where(EnrollmentEvent.kind == kind)
    return list(db.session.scalars(query.order_by(EnrollmentEvent.at, EnrollmentEvent.id)))


@pytest.fixture
def world(app) -> None:
    """Two care units in two regions, three staff members and two citizens (no demo data)."""
    vgr, sthlm = Region(code="14", name="Västra Götaland"), Region(code="01", name="Stockholm")
    first = CareUnit(hsa_id="HB-UNIT-1", name="Mottagning 1", region=vgr)
    second = CareUnit(hsa_id="HB-UNIT-2", name="Mottagning 2", region=sthlm)
    db.session.add_all([vgr, sthlm, first, second])
    db.session.flush()
    for hsa_id, name, roles in (
        (TOMMY, "Tommy Skjulsvik", ("therapist",)),
        (ANNA, "Anna Berg", ("therapist", "citizen_admin")),
        (SARA, "Sara Ek", ("designer", "publisher")),
    ):
        person = Staff(hsa_id=hsa_id, name=name)
        person.roles = [RoleAssignment(care_unit_id=first.id, role=role) for role in roles]
        db.session.add(person)
    enrollments.register_citizen(db.session, JOHN, "John Doe")
    enrollments.register_citizen(db.session, ELIN, "Elin Svensson")
    db.session.flush()


@pytest.fixture
def program(world) -> ProgramVersion:
    make_form()
    return make_program(units()[0])


# --- unlock rules --------------------------------------------------------------------------------


def test_unlock_rules_over_simulated_time(program):
    enrollment = start(program)
    assert states(enrollment) == {"m1": "open", "m2": "locked", "m3": "locked", "m4": "locked"}
    assert [e.kind for e in events(enrollment)] == ["started", "module_opened"]

    enrollments.refresh(db.session, enrollment, day(13))
    assert states(enrollment)["m3"] == "locked"
    # Day 14 begins at midnight in Sweden (23:00 UTC the evening before).
    assert enrollments.refresh(db.session, enrollment, day(13) + timedelta(hours=14, minutes=30))
    assert states(enrollment)["m3"] == "open"
    module = db.session.scalar(select(EnrollmentModule).where(EnrollmentModule.module_key == "m3"))
    assert enrollments.local_date(module.opened_at) == date(2024, 3, 18)

    # after_previous waits for the previous module to be done, however long it takes.
    enrollments.refresh(db.session, enrollment, day(60))
    assert states(enrollment)["m2"] == "locked"
    assert enrollments.complete_module(db.session, enrollment, "m1", "staff", 1, day(61))
    assert states(enrollment)["m2"] == "open"

    # by_therapist never opens by itself; staff activate it.
    enrollments.refresh(db.session, enrollment, day(400))
    assert states(enrollment)["m4"] == "locked"
    assert enrollments.activate_module(db.session, enrollment, "m4", staff(TOMMY).id, day(401))
    assert states(enrollment)["m4"] == "open"
    activated = events(enrollment, "module_activated")
    assert (
        len(activated) == 1 and activated[0].citizen_visible and activated[0].actor_kind == "staff"
    )
    assert not enrollments.activate_module(db.session, enrollment, "m4", staff(TOMMY).id, day(402))


def test_refresh_is_idempotent_and_records_each_event_once(program):
    enrollment = start(program)
    for _ in range(3):
        enrollments.refresh(db.session, enrollment, day(20))
    assert enrollments.refresh(db.session, enrollment, day(20)) == []
    opened = [e.module_key for e in events(enrollment, "module_opened")]
    assert opened == ["m1", "m3"]
    assert len(events(enrollment, "started")) == 1
    # The event carries the moment the rule allowed it, not the moment somebody looked.
    m3 = events(enrollment, "module_opened")[1]
    assert enrollments.local_date(m3.at) == date(2024, 3, 18)


def test_staff_decisions_stand(program):
    enrollment = start(program)
    enrollments.complete_module(db.session, enrollment, "m1", "staff", staff(TOMMY).id, day(1))
    assert not enrollments.complete_module(db.session, enrollment, "m1", "staff", 1, day(2))
    enrollments.refresh(db.session, enrollment, day(30))
    assert states(enrollment)["m1"] == "done"  # never reopened by a rule
    assert len(events(enrollment, "module_completed")) == 1


def test_a_hidden_module_neither_opens_nor_holds_back_the_next(world):
    make_form()
    body = content()
    body["modules"][2]["unlock"] = {"rule": "after_previous"}  # m3 after m2
    version = make_program(units()[0], body)
    enrollment = start(version)
    tommy = staff(TOMMY).id
    assert enrollments.set_module_hidden(db.session, enrollment, "m2", True, tommy, day(1))
    assert not enrollments.set_module_hidden(db.session, enrollment, "m2", True, tommy, day(1))
    enrollments.complete_module(db.session, enrollment, "m1", "citizen", None, day(2))
    assert states(enrollment)["m2"] == "locked"
    assert states(enrollment)["m3"] == "open"  # the module before the hidden one is done
    hidden = events(enrollment, "module_hidden")
    assert len(hidden) == 1 and not hidden[0].citizen_visible
    timeline = enrollments.timeline(db.session, enrollment, citizen_view=True)
    assert "module_hidden" not in {e.kind for e in timeline}
    staff_view = enrollments.timeline(db.session, enrollment, citizen_view=False)
    assert "module_hidden" in {e.kind for e in staff_view}
    assert [e.at for e in staff_view] == sorted(e.at for e in staff_view)


# --- starting ------------------------------------------------------------------------------------


def test_start_refuses_an_unpublished_version(world):
    make_form()
    draft = make_program(units()[0], status="draft")
    with pytest.raises(EnrollmentError) as error:
        start(draft)
    assert error.value.code == "not_published"


def test_a_staff_start_needs_the_program_in_the_units_catalogue(world):
    make_form()
    first, second = units()
    version = make_program(first, catalogue=(first,))
    with pytest.raises(EnrollmentError) as error:
        start(version, care_unit_id=second, therapist_id=None)
    assert error.value.code == "not_in_catalogue"


def test_start_refuses_a_second_ongoing_enrollment_of_the_same_program(program):
    first = start(program)
    with pytest.raises(EnrollmentError) as error:
        start(program, at=day(1))
    assert error.value.code == "already_enrolled"
    assert enrollments.end(db.session, first, "staff", staff(TOMMY).id, day(2))
    again = start(program, at=day(3))  # after the first has ended
    assert again.id != first.id


def test_the_duplicate_check_is_per_care_unit(program):
    first, second = units()
    db.session.add(ProgramCatalogue(program_id=program.program_id, care_unit_id=second))
    johan = Staff(hsa_id="SE2321000016-P000000000021", name="Johan Sund")
    johan.roles = [RoleAssignment(care_unit_id=second, role="therapist")]
    db.session.add(johan)
    db.session.flush()
    here = start(program)
    # The same program at another unit is allowed: that unit is told nothing of the first.
    there = start(program, care_unit_id=second, therapist_id=johan.id, started_by_id=johan.id)
    assert (here.care_unit_id, there.care_unit_id) == (first, second)
    with pytest.raises(EnrollmentError) as error:
        start(program, care_unit_id=second, therapist_id=johan.id, started_by_id=johan.id)
    assert error.value.code == "already_enrolled"


def test_lookup_for_unit_tells_only_whether_the_citizen_is_known_here(program):
    from sob_core.enrollments import lifecycle

    first, second = units()
    nobody = lifecycle.lookup_for_unit(db.session, "199001010017", first)
    assert nobody == lifecycle.UnitLookup(citizen=None, known_here=False)
    assert lifecycle.lookup_for_unit(db.session, JOHN, first).known_here is False  # registered
    enrollment = start(program)
    enrollments.end(db.session, enrollment, "staff", staff(TOMMY).id, day(1))
    known = lifecycle.lookup_for_unit(db.session, JOHN, first)
    assert known.known_here is True and known.citizen is citizen(JOHN)  # an ended one counts
    elsewhere = lifecycle.lookup_for_unit(db.session, JOHN, second)
    assert elsewhere.known_here is False and elsewhere.citizen is citizen(JOHN)


def test_start_refuses_a_therapist_without_the_role_at_the_unit(program):
    with pytest.raises(EnrollmentError) as error:
        start(program, therapist_id=staff(SARA).id)
    assert error.value.code == "unknown_therapist"


def test_start_refuses_a_program_whose_form_is_missing(world):
    version = make_program(units()[0])  # no "diary" form exists
    with pytest.raises(EnrollmentError) as error:
        start(version)
    assert error.value.code == "unknown_form"


def test_register_citizen_finds_or_creates(world):
    john = citizen(JOHN)
    assert enrollments.register_citizen(db.session, "19850314-2393", "Other Name").id == john.id
    new = enrollments.register_citizen(db.session, "200001012384", "Test Testsson")
    assert new.personnummer == "200001012384"
    assert new.birth_date == date(2000, 1, 1) and new.legal_sex == "female"
    with pytest.raises(InvalidPersonnummer):
        enrollments.register_citizen(db.session, "200001012385", "Wrong Check")
    with pytest.raises(EnrollmentError):
        enrollments.register_citizen(db.session, "200001012392", "  ")


# --- forms, items, modules -----------------------------------------------------------------------


def test_form_assignments_are_created_for_opened_modules(program):
    enrollment = start(program)
    assignments = db.session.scalars(
        select(FormAssignment).where(FormAssignment.enrollment_id == enrollment.id)
    ).all()
    assert [(a.item_key, a.form_version.version) for a in assignments] == [("m1-i2", 1)]
    assert assignments[0].citizen_id == enrollment.citizen_id and assignments[0].status == "open"
    enrollments.complete_module(db.session, enrollment, "m1", "staff", 1, day(3))
    keys = db.session.scalars(
        select(FormAssignment.item_key).where(FormAssignment.enrollment_id == enrollment.id)
    ).all()
    assert sorted(keys) == ["m1-i2", "m2-i2"]
    latest = db.session.scalar(
        select(FormAssignment).where(FormAssignment.item_key == "m2-i2")
    ).form_version
    assert latest.version == 2  # no pinned number: the latest version
    enrollments.refresh(db.session, enrollment, day(4))
    count = db.session.scalar(
        select(func.count(FormAssignment.id)).where(FormAssignment.enrollment_id == enrollment.id)
    )
    assert count == 2


def test_submitting_a_program_form_records_form_submitted_once_and_completes_the_module(
    app, program
):
    enrollment = start(program)
    host = app.extensions["sob"]
    assert enrollments.open_item(db.session, enrollment, "m1-i1", day(1))
    assert not enrollments.open_item(db.session, enrollment, "m1-i1", day(1))
    assert len(events(enrollment, "content_opened")) == 1
    assert states(enrollment)["m1"] == "open"  # the form is not done yet
    assignment = db.session.scalar(select(FormAssignment).where(FormAssignment.item_key == "m1-i2"))
    response = forms.open_response(db.session, assignment)
    forms.submit(db.session, host, response, {"hours": 7})
    forms.submit(db.session, host, response, {"hours": 7})  # a second submit changes nothing
    submitted = events(enrollment, "form_submitted")
    assert len(submitted) == 1
    assert submitted[0].item_key == "m1-i2" and submitted[0].module_key == "m1"
    assert submitted[0].detail["response_id"] == response.id
    progress = db.session.scalar(select(ItemProgress).where(ItemProgress.item_key == "m1-i2"))
    assert progress.done_at is not None
    # Every item of module 1 is done: it completes by itself and module 2 opens.
    assert states(enrollment)["m1"] == "done" and states(enrollment)["m2"] == "open"
    completed = events(enrollment, "module_completed")
    assert len(completed) == 1 and completed[0].actor_kind == "system"


def test_an_extra_measurement_of_an_enrollment_is_on_the_timeline(app, program):
    enrollment = start(program)
    [version] = make_form("extra", versions=1)
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id, enrollment_id=enrollment.id, form_version_id=version.id
    )
    db.session.add(assignment)
    db.session.flush()
    response = forms.open_response(db.session, assignment)
    forms.submit(db.session, app.extensions["sob"], response, {"hours": 3})
    [event] = events(enrollment, "form_submitted")
    assert event.item_key is None and event.detail["form_version_id"] == version.id


def test_open_item_refuses_locked_and_hidden_items(program):
    enrollment = start(program)
    with pytest.raises(EnrollmentError):
        enrollments.open_item(db.session, enrollment, "m2-i1", day(1))  # module locked
    enrollments.set_item_hidden(db.session, enrollment, "m1-i1", True, staff(TOMMY).id, day(1))
    assert enrollments.accessible_item(db.session, enrollment, "m1-i1") is None
    with pytest.raises(EnrollmentError):
        enrollments.open_item(db.session, enrollment, "m1-i1", day(1))
    assert enrollments.accessible_item(db.session, enrollment, "nope") is None
    enrollments.set_item_hidden(db.session, enrollment, "m1-i1", False, staff(TOMMY).id, day(2))
    assert enrollments.accessible_item(db.session, enrollment, "m1-i1") is not None
    kinds = [e.kind for e in events(enrollment) if e.kind.startswith("item_")]
    assert kinds == ["item_hidden", "item_shown"]


def test_end_closes_forms_and_records_once(program):
    enrollment = start(program)
    tommy = staff(TOMMY).id
    assert enrollments.to_maintenance(db.session, enrollment, "staff", tommy, day(30))
    assert not enrollments.to_maintenance(db.session, enrollment, "staff", tommy, day(31))
    assert enrollment.status == "maintenance" and enrollment.maintenance_at == day(30)
    assert enrollments.end(db.session, enrollment, "staff", tommy, day(40))
    assert not enrollments.end(db.session, enrollment, "staff", tommy, day(41))
    assert enrollment.status == "ended" and enrollment.ended_at == day(40)
    statuses = db.session.scalars(
        select(FormAssignment.status).where(FormAssignment.enrollment_id == enrollment.id)
    ).all()
    assert statuses == ["closed"]
    assert len(events(enrollment, "ended")) == 1 and len(events(enrollment, "maintenance")) == 1
    assert enrollments.refresh(db.session, enrollment, day(100)) == []
    assert enrollments.accessible_item(db.session, enrollment, "m1-i1") is None


def test_change_therapist(program):
    enrollment = start(program)
    anna = staff(ANNA).id
    assert enrollments.change_therapist(db.session, enrollment, anna, anna, day(1))
    assert not enrollments.change_therapist(db.session, enrollment, anna, anna, day(1))
    with pytest.raises(EnrollmentError):
        enrollments.change_therapist(db.session, enrollment, staff(SARA).id, anna, day(2))
    [event] = events(enrollment, "therapist_changed")
    assert event.detail == {"from": staff(TOMMY).id, "to": anna}


def test_bookmarks_toggle(program):
    enrollment = start(program)
    assert enrollments.toggle_bookmark(db.session, enrollment, "m1-i1") is True
    assert enrollments.is_bookmarked(db.session, enrollment, "m1-i1")
    assert enrollments.toggle_bookmark(db.session, enrollment, "m1-i1") is False
    assert not enrollments.is_bookmarked(db.session, enrollment, "m1-i1")
    with pytest.raises(EnrollmentError):
        enrollments.toggle_bookmark(db.session, enrollment, "missing")
    enrollments.toggle_bookmark(db.session, enrollment, "m1-i1")
    page = enrollments.citizen_start(db.session, citizen(JOHN), day(1))
    assert [(b.item_key, b.title["sv"]) for b in page.bookmarks] == [("m1-i1", "Välkommen")]
    enrollments.set_item_hidden(db.session, enrollment, "m1-i1", True, staff(TOMMY).id, day(2))
    assert enrollments.citizen_start(db.session, citizen(JOHN), day(2)).bookmarks == []


# --- the overview --------------------------------------------------------------------------------


def test_compute_overview_statuses_and_dates():
    body = content()
    opened = datetime(2021, 12, 8, 8, 0, tzinfo=UTC)
    view = enrollments.compute_overview(
        body,
        started_at=opened,
        module_states={
            "m1": ModuleState("open", opened_at=opened),
            "m2": ModuleState("done", opened_at=opened, completed_at=opened + timedelta(days=2)),
        },
        item_progress={
            "m1-i1": ItemState(opened=True, done=True),
            "m1-i2": ItemState(draft=True, fillable=True, assignment_id=5),
            "m2-i2": ItemState(fillable=True, assignment_id=6),
        },
        now=opened + timedelta(days=3),
        hidden={"m4"},
    )
    assert view.days_since_start == 3 and view.recommended_days == 28
    assert [m.key for m in view.current] == ["m1"]
    assert [m.key for m in view.completed] == ["m2"]
    assert [m.key for m in view.upcoming] == ["m3"]  # m4 is hidden
    m1 = view.current[0]
    assert m1.due == date(2021, 12, 15)  # "Bör vara klar: 15 december 2021"
    assert m1.days_left == 4
    assert [(i.key, i.status) for i in m1.content] == [("m1-i1", "done")]
    assert [(i.key, i.status, i.assignment_id) for i in m1.forms] == [("m1-i2", "in_progress", 5)]
    m2 = view.completed[0]
    assert [(i.key, i.status) for i in m2.items] == [("m2-i1", "available"), ("m2-i2", "available")]
    m3 = view.upcoming[0]
    assert m3.opens_on == date(2021, 12, 22) and {i.status for i in m3.items} == {"locked"}
    assert view.modules_done == 1 and view.modules_total == 3
    assert view.meter_value == 3


def test_a_form_without_assignment_is_not_available():
    view = enrollments.compute_overview(
        content(),
        started_at=T0,
        module_states={"m1": ModuleState("open", opened_at=T0)},
        item_progress={},
        now=T0,
    )
    statuses = {i.key: i.status for i in view.current[0].items}
    assert statuses == {"m1-i1": "available", "m1-i2": "locked"}


def test_preview_simulates_a_citizen_who_finishes_on_time():
    body = content()
    assert [m.key for m in enrollments.preview_overview(body, started_at=T0, day=0).current] == [
        "m1"
    ]
    week = enrollments.preview_overview(body, started_at=T0, day=7)
    assert [m.key for m in week.completed] == ["m1"]
    assert [m.key for m in week.current] == ["m2"]
    later = enrollments.preview_overview(body, started_at=T0, day=15)
    assert [m.key for m in later.current] == ["m3"]
    assert [m.key for m in later.completed] == ["m1", "m2"]
    assert [m.key for m in later.upcoming] == ["m4"]  # by_therapist stays locked
    assert later.days_since_start == 15


def test_overview_from_the_database(program):
    enrollment = start(program)
    enrollments.open_item(db.session, enrollment, "m1-i1", day(1))
    view = enrollments.overview(db.session, enrollment, day(2))
    m1 = view.current[0]
    assert m1.due == date(2024, 3, 11)
    assert [(i.key, i.status) for i in m1.items] == [("m1-i1", "done"), ("m1-i2", "available")]
    assert m1.forms[0].assignment_id is not None


# --- eligibility ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "sex", "age", "regions", "eligible"),
    [
        ({}, "male", 40, set(), True),
        ({"sex": "female"}, "male", 40, set(), False),
        ({"sex": "female"}, "female", 40, set(), True),
        ({"min_age": 18, "max_age": 25}, "female", 17, set(), False),
        ({"min_age": 18, "max_age": 25}, "female", 18, set(), True),
        ({"min_age": 18, "max_age": 25}, "female", 25, set(), True),
        ({"min_age": 18, "max_age": 25}, "female", 26, set(), False),
        ({"regions": ["14"]}, "male", 40, set(), False),
        ({"regions": ["14"]}, "male", 40, {"01"}, False),
        ({"regions": ["14", "01"]}, "male", 40, {"01"}, True),
        ({"regions": [], "sex": None, "min_age": None}, "male", 40, set(), True),
    ],
)
def test_is_eligible(rules, sex, age, regions, eligible):
    assert enrollments.is_eligible(rules, sex=sex, age=age, region_codes=regions) is eligible


def test_eligible_open_programs_and_self_start(world):
    make_form()
    first, second = units()
    women = make_program(first, key="women", is_open=True, eligibility={"sex": "female"})
    young = make_program(first, key="young", is_open=True, eligibility={"max_age": 30})
    region = make_program(first, key="vgr", is_open=True, eligibility={"regions": ["14"]})
    closed = make_program(first, key="closed", is_open=False)
    now = datetime(2024, 6, 1, 10, tzinfo=UTC)
    john, elin = citizen(JOHN), citizen(ELIN)  # John 39, Elin 31
    assert enrollments.eligible_open_programs(db.session, john, now) == []
    assert [v.id for v in enrollments.eligible_open_programs(db.session, elin, now)] == [women.id]
    with pytest.raises(EnrollmentError):
        enrollments.self_start(db.session, john, women.id, now)
    with pytest.raises(EnrollmentError):
        enrollments.self_start(db.session, elin, closed.id, now)
    # Elin was 29 at the start of 2022: age is counted on the given day.
    assert young.id in {
        v.id
        for v in enrollments.eligible_open_programs(
            db.session, elin, datetime(2022, 1, 1, tzinfo=UTC)
        )
    }

    # An enrollment at a unit of region 14 says nothing of where John is registered ...
    start(make_program(first, key="clinic"), JOHN, now)
    assert enrollments.eligible_open_programs(db.session, john, now) == []
    assert enrollments.held_back_for_region(db.session, john, now)  # ... and the page says why
    # ... his registration does.
    assert enrollments.set_home_region(db.session, john, "14")
    assert [v.id for v in enrollments.eligible_open_programs(db.session, john, now)] == [region.id]
    assert not enrollments.held_back_for_region(db.session, john, now)
    enrollments.set_home_region(db.session, elin, "01")  # another region: not offered

    enrollment = enrollments.self_start(db.session, elin, women.id, now)
    assert enrollment.care_unit_id == first and enrollment.therapist_id is None
    assert enrollment.started_by_id is None and enrollment.last_active_at == now
    [started] = events(enrollment, "started")
    assert started.actor_kind == "citizen" and started.actor_id == elin.id
    # Started, so no longer offered; registered in region 01, the region 14 one is not either.
    assert enrollments.eligible_open_programs(db.session, elin, now) == []
    assert not enrollments.held_back_for_region(db.session, elin, now)
    with pytest.raises(EnrollmentError) as error:
        enrollments.self_start(db.session, elin, women.id, now)
    assert error.value.code == "already_enrolled"


def test_home_region_is_checked_against_the_region_table(world):
    john = citizen(JOHN)
    with pytest.raises(EnrollmentError) as error:
        enrollments.set_home_region(db.session, john, "99")
    assert error.value.code == "unknown_region"
    assert john.home_region_code is None
    assert enrollments.set_home_region(db.session, john, "14")
    assert not enrollments.set_home_region(db.session, john, "14")  # unchanged
    assert enrollments.citizen_region_codes(db.session, john.id) == {"14"}
    assert enrollments.set_home_region(db.session, john, None)
    assert enrollments.citizen_region_codes(db.session, john.id) == set()
    # Registering again with a region records it; without one, hers is kept.
    again = enrollments.register_citizen(db.session, JOHN, "", home_region_code="01")
    assert again.id == john.id and john.home_region_code == "01"
    enrollments.register_citizen(db.session, JOHN, "")
    assert john.home_region_code == "01"


def test_only_the_latest_published_version_is_offered(world):
    make_form()
    version = make_program(units()[0], key="open", is_open=True)
    newer = ProgramVersion(
        program_id=version.program_id,
        major=1,
        minor=1,
        status="published",
        content=content(),
        is_open=False,
    )
    db.session.add(newer)
    db.session.flush()
    assert enrollments.eligible_open_programs(db.session, citizen(JOHN), T0) == []


@pytest.mark.parametrize(
    "started",
    [
        datetime(2024, 3, 28, 22, 30, tzinfo=UTC),  # 23:30 in Sweden, before summer time begins
        datetime(2024, 10, 21, 21, 30, tzinfo=UTC),  # 23:30 in Sweden, before it ends
    ],
)
def test_days_are_calendar_days_across_summer_time(started):
    for n in (0, 6, 7, 14):
        assert (
            enrollments.preview_overview(content(), started_at=started, day=n).days_since_start == n
        )
    week = enrollments.preview_overview(content(), started_at=started, day=7)
    assert [m.key for m in week.current] == ["m2"]
    # A module "14 days after start" opens at midnight of day 14, Swedish time.
    opening = enrollments.unlock_times(
        content(),
        started_at=started,
        states={"m1": ModuleState("open", opened_at=started)},
        now=started + timedelta(days=15),
    )
    local = opening["m3"].astimezone(enrollments.LOCAL_ZONE)
    assert (local.hour, local.minute) == (0, 0)
    assert local.date() == enrollments.local_date(started) + timedelta(days=14)


# --- what the staff's patient page and the citizen's start page read ----------------------------


def test_staff_send_a_form_and_it_is_open_for_the_citizen(app, program):
    enrollment = start(program)
    [extra] = make_form("extra", versions=1)
    sent = enrollments.send_form(db.session, enrollment, extra.form, staff(TOMMY).id)
    db.session.flush()
    assert (sent.citizen_id, sent.form_version_id, sent.assigned_by_id) == (
        enrollment.citizen_id,
        extra.id,
        staff(TOMMY).id,
    )
    open_forms = enrollments.open_for_citizen(db.session, enrollment.citizen_id)
    assert sent in open_forms
    # A form item staff hid is left out of the citizen's open forms.
    pinned = next(a for a in open_forms if a.item_key == "m1-i2")
    hidden = enrollments.open_for_citizen(
        db.session, enrollment.citizen_id, {(enrollment.id, "m1-i2")}
    )
    assert pinned not in hidden and sent in hidden
    enrollments.end(db.session, enrollment, "staff", staff(TOMMY).id, day(2))
    with pytest.raises(EnrollmentError) as refused:
        enrollments.send_form(db.session, enrollment, extra.form, staff(TOMMY).id)
    assert refused.value.code == "ended"


def test_staff_views_of_an_enrollment(app, program):
    from sob_core.enrollments import staff_views

    enrollment = start(program)
    tommy, anna = staff(TOMMY).id, staff(ANNA).id
    enrollments.set_module_hidden(db.session, enrollment, "m3", True, tommy, day(1))
    seen = staff_views.staff_overview(db.session, enrollment, day(20))
    assert "m3" in seen.hidden
    assert "m3" in [m.key for m in (*seen.overview.current, *seen.overview.upcoming)]
    assignment = db.session.scalar(select(FormAssignment).where(FormAssignment.item_key == "m1-i2"))
    response = forms.open_response(db.session, assignment)
    forms.submit(db.session, app.extensions["sob"], response, {"hours": 7})
    sent = staff_views.assigned_forms(db.session, enrollment, units()[0])
    assert assignment in sent.assignments and sent.responses[assignment.id] is response
    # The citizen's own doings only: staff started this enrollment, the citizen submitted a form.
    assert [e.kind for e in staff_views.citizen_events(db.session, enrollment, units()[0])] == [
        "form_submitted"
    ]
    # Asked for through another care unit, every read refuses (a view that forgot the boundary).
    other = units()[1]
    for read in (
        staff_views.assigned_forms,
        staff_views.citizen_events,
        staff_views.staff_timeline,
    ):
        with pytest.raises(staff_views.OutsideCareUnit):
            read(db.session, enrollment, other)
    with pytest.raises(staff_views.OutsideCareUnit):
        staff_views.unit_response(db.session, enrollment, response.id, other)
    assert staff_views.unit_response(db.session, enrollment, response.id, units()[0]) is response
    assert staff_views.unit_enrollment(db.session, enrollment.id, units()[0]) is enrollment
    assert staff_views.unit_enrollment(db.session, enrollment.id, other) is None
    names = staff_views.event_names(db.session, {tommy, anna}, {assignment.form_version_id})
    assert names.staff == {tommy: "Tommy Skjulsvik", anna: "Anna Berg"}
    assert names.forms == {assignment.form_version_id: {"sv": "Sömndagbok v1"}}
    assert staff_views.event_names(db.session, (), ()) == staff_views.EventNames({}, {})


def test_find_citizen_and_therapists_at(world):
    assert enrollments.find_citizen(db.session, JOHN).name == "John Doe"
    assert enrollments.find_citizen(db.session, "191212121212") is None
    names = [s.name for s in enrollments.therapists_at(db.session, units()[0])]
    assert names == ["Anna Berg", "Tommy Skjulsvik"]  # by name; Sara is no therapist
    assert enrollments.therapists_at(db.session, units()[1]) == []
