"""The demo data (`sob demo`): repeatable, valid programmes, and something real on every screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from sob_core import enrollments, forms, programs
from sob_core.demo import loader
from sob_core.extensions import db
from sob_core.identity import personnummer
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    EnrollmentModule,
    FormResponse,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Result,
    Staff,
)
from sob_core.web.staff.listing import ListQuery, patient_page

JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _units() -> list[CareUnit]:
    return list(db.session.scalars(select(CareUnit).order_by(CareUnit.id)))


def _program(key: str) -> Program:
    return db.session.scalar(select(Program).where(Program.key == key))


def _published(key: str) -> dict[str, ProgramVersion]:
    return {
        v.label: v
        for v in db.session.scalars(
            select(ProgramVersion).where(
                ProgramVersion.program_id == _program(key).id,
                ProgramVersion.status == "published",
            )
        )
    }


def _enrollment(number: str) -> Enrollment:
    return db.session.scalar(
        select(Enrollment)
        .join(Citizen)
        .where(Citizen.personnummer == number, Enrollment.program_version_id.is_not(None))
    )


def test_sob_demo_twice_changes_nothing(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "programs 2" in first.output and "program versions 3" in first.output
    counts = _row_counts()
    assert counts["program"] == 2 and counts["enrollment"] >= 20
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "programs 0" in second.output and "program enrollments 0" in second.output
    db.session.expire_all()
    assert _row_counts() == counts


def _file_content(name: str) -> dict:
    return loader.read(f"{name}.sob-program.json")["version"]["content"]


def test_the_programs_are_valid_and_substantial(app, demo_data):
    registry = app.extensions["sob"].registry
    skipped: list[str] = []
    files = {
        name: loader.prepare(
            db.session, registry, loader.read(f"{name}.sob-program.json"), skipped
        )["version"]["content"]
        for name in ("somnbehandling-1.0", "somnbehandling-1.1", "infor-operation-1.0")
    }
    content = files["somnbehandling-1.0"]
    with app.test_request_context():  # the validation messages are translated
        for each in files.values():
            programs.validate_content(db.session, None, each)
    assert content["name"] == {"sv": "Sömnbehandling"} and content["recommended_days"] == 57
    modules = content["modules"]
    assert len(modules) == 8
    assert [m["unlock"]["rule"] for m in modules] == ["at_start"] + ["after_previous"] * 6 + [
        "by_therapist"
    ]
    for module in modules[:3]:
        assert len(module["items"]) >= 3, module["key"]
        words = " ".join(
            programs.plain_text(i["body"]["sv"]) for i in module["items"] if i["kind"] == "text"
        )
        assert len(words) > 2000, (module["key"], len(words))
        used = [i["form_key"] for i in module["items"] if i["kind"] == "form"]
        assert "sleep-diary" in used, module["key"]
    for module in modules[3:]:
        assert any(i["kind"] == "text" for i in module["items"]), module["key"]
    # Only the allowed HTML: sanitising the bodies changes nothing.
    for program in files.values():
        for module in program["modules"]:
            for item in module["items"]:
                if item["kind"] == "text":
                    body = item["body"]["sv"]
                    assert set(re.findall(r"</?([a-z0-9]+)", body)) <= {
                        "p",
                        "strong",
                        "em",
                        "ul",
                        "ol",
                        "li",
                        "h2",
                        "h3",
                        "a",
                    }, item["key"]
                    assert programs.sanitise_html(body) == body.strip(), item["key"]
    # What was loaded is what the files say.
    for name, each in files.items():
        key, label = name.rsplit("-", 1)
        assert _published(key)[label].content == each, name
    # The ISI joins only where its licensed texts made the form exist.
    assert "m1-isi" not in {i["key"] for i in modules[0]["items"]}
    assert "m1-isi" in {
        i["key"] for i in _file_content("somnbehandling-1.0")["modules"][0]["items"]
    }
    assert any("m1-isi" in reason and "form isi" in reason for reason in skipped)


def test_a_form_the_file_only_names_joins_when_installed(app):
    """The ISI's texts cannot ship: an installed ``isi`` form is taken into the import."""
    registry = app.extensions["sob"].registry
    question = {"key": "q", "type": "long_text", "required": False, "label": {"sv": "Hur?"}}
    forms.create_form(db.session, registry, key="isi", title={"sv": "ISI"}, questions=[question])
    report = loader.load(db.session, app.extensions["sob"])
    assert not any("isi" in reason for reason in report.skipped), report.skipped
    for label in ("1.0", "1.1"):
        first = _published("somnbehandling")[label].content["modules"][0]["items"]
        isi = next(i for i in first if i["key"] == "m1-isi")
        assert isi["form_key"] == "isi" and isi["form_version"] == 1


@pytest.mark.parametrize("sob_config", [{"SOB_DISABLED_PLUGINS": ["sleep_efficiency", "phq9"]}])
def test_sob_demo_skips_what_a_missing_plugin_provides(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "skipped: form phq-9: the scale 'phq-9' is not installed" in result.output
    assert "skipped: form sleep-diary: it needs the scale 'sleep-efficiency'" in result.output
    assert "left out m1-somndagbok (form sleep-diary" in result.output
    assert "programs 2" in result.output and "program enrollments 20" in result.output
    keys = {
        i["key"] for m in _published("somnbehandling")["1.0"].content["modules"] for i in m["items"]
    }
    assert "m1-somndagbok" not in keys and "m1-valkommen" in keys


def test_published_versions_catalogue_and_an_open_program(app, demo_data):
    units = _units()
    sleep = _published("somnbehandling")
    assert set(sleep) == {"1.0", "1.1"}
    assert _program("somnbehandling").kind == "treatment"
    assert _program("somnbehandling").owner_care_unit_id == units[1].id
    publisher = db.session.get(Staff, sleep["1.0"].published_by_id)
    assert publisher.name == "Olof Dahl"
    changes = programs.diff(sleep["1.0"].content, sleep["1.1"].content)
    assert changes, "1.1 shows what changed"
    on_version = dict(
        db.session.execute(
            select(Enrollment.program_version_id, func.count(Enrollment.id)).group_by(
                Enrollment.program_version_id
            )
        ).all()
    )
    assert on_version.get(sleep["1.0"].id, 0) >= 5 and on_version.get(sleep["1.1"].id, 0) >= 1
    # Pinned form items: every form item names the version it hands out.
    for module in sleep["1.0"].content["modules"]:
        for item in module["items"]:
            if item["kind"] == "form":
                assert item["form_version"] >= 1
    for key in ("somnbehandling", "infor-operation"):
        listed = set(
            db.session.scalars(
                select(ProgramCatalogue.care_unit_id).where(
                    ProgramCatalogue.program_id == _program(key).id
                )
            )
        )
        assert listed == {u.id for u in units}, key
    support = _published("infor-operation")["1.0"]
    assert _program("infor-operation").kind == "support" and support.is_open
    assert support.eligibility["min_age"] == 18
    elin = db.session.scalar(select(Citizen).where(Citizen.name == "Elin Svensson"))
    eligible = enrollments.eligible_open_programs(db.session, elin, datetime.now(UTC))
    assert support.id in {v.id for v in eligible}


def test_john_is_in_module_three_with_results(app, demo_data):
    john = _enrollment(JOHN)
    assert john.status == "active" and john.program_version.label == "1.0"
    assert john.therapist.name == "Tommy Skjulsvik"
    now = datetime.now(UTC)
    overview = enrollments.overview(db.session, john, now)
    assert overview.days_since_start == 21
    assert [m.key for m in overview.completed] == ["m1", "m2"]
    assert [m.key for m in overview.current] == ["m3"]
    current = overview.current[0]
    assert any(i.status == "available" for i in current.content), "texts left to read"
    # demo.py's three diary nights answer the diary items of modules 1-3, in order.
    assert [f.status for m in overview.completed + overview.current for f in m.forms] == [
        "done"
    ] * 3
    efficiency = db.session.scalars(
        select(Result.value).where(
            Result.citizen_id == john.citizen_id, Result.key == "sleep-efficiency.efficiency"
        )
    ).all()
    assert sorted(round(v) for v in efficiency) == [26, 48, 92]
    kinds = [e.kind for e in enrollments.timeline(db.session, john, citizen_view=False)]
    assert kinds[0] == "started" and "module_completed" in kinds and "form_submitted" in kinds


def test_citizens_at_different_stages(app, demo_data):
    by_name = {
        e.citizen.name: e
        for e in db.session.scalars(
            select(Enrollment).where(Enrollment.program_version_id.is_not(None))
        )
    }
    assert by_name["Ahmed Karimi"].status == "ended"
    assert by_name["Linnea Johansson"].status == "maintenance"
    assert by_name["Linnea Johansson"].care_unit_id == _units()[1].id
    elin = by_name["Elin Svensson"]
    assert enrollments.days_between(elin.started_at, datetime.now(UTC)) <= 2
    states = {e.citizen.name: e for e in by_name.values()}
    assert len(states) >= 19
    now = datetime.now(UTC)
    future = db.session.scalar(
        select(func.count()).select_from(EnrollmentEvent).where(EnrollmentEvent.at > now)
    )
    assert future == 0
    # A module given by the therapist (the booster week) is open for someone.
    activated = db.session.scalar(
        select(func.count())
        .select_from(EnrollmentModule)
        .where(EnrollmentModule.module_key == "m8", EnrollmentModule.activated_by_id.is_not(None))
    )
    assert activated >= 1
    generated = [s for s in loader.read("stages.json")["stages"] if "personnummer" in s]
    assert len(generated) == 16
    for stage in generated:
        name, number = stage["citizen"], stage["personnummer"]
        parsed = personnummer.parse(number)
        assert parsed.number == number and by_name[name].citizen.personnummer == number, name
        first_name_female = name.split()[0] in {
            "Maja",
            "Fatima",
            "Sofia",
            "Amira",
            "Hanna",
            "Ingrid",
            "Emma",
            "Therese",
        }
        assert parsed.legal_sex == ("female" if first_name_female else "male"), name


def test_the_therapist_lists_have_rows(app, demo_data):
    unit = _units()[0]
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    everyone = patient_page(
        db.session, care_unit_id=unit.id, staff_id=tommy.id, query=ListQuery(view="all")
    )
    mine = patient_page(
        db.session, care_unit_id=unit.id, staff_id=tommy.id, query=ListQuery(view="mine")
    )
    ended = patient_page(
        db.session, care_unit_id=unit.id, staff_id=tommy.id, query=ListQuery(view="ended")
    )
    assert everyone.total >= 12 and mine.total >= 6 and ended.total >= 2
    assert "John Doe" in {r.name for r in mine.rows}
    assert sum(1 for r in everyone.rows if r.flags) >= 2
    active_days = {r.last_active_at.date() for r in everyone.rows if r.last_active_at}
    assert len(active_days) >= 5, "varied 'Senast aktiv'"


@pytest.mark.parametrize(
    "sob_config", [{"SOB_DISABLED_PLUGINS": ["choice", "numeric", "temporal", "text"]}]
)
def test_sob_demo_without_question_types_still_loads_people_and_programmes(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "skipped: form gad-7: scale 'gad-7' item" in first.output
    assert "no installed question type can ask it" in first.output
    assert "skipped: form talk-about: it needs the question types" in first.output
    assert "staff 9" in first.output and "programs 2" in first.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "program enrollments 0" in again.output, again.output


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("sv", ["Behandlare", "Invånaradministratör"]),
        ("en", ["Therapist", "Citizen administrator"]),
    ],
)
def test_the_demo_login_names_roles_in_the_users_language(client, demo_data, lang, names):
    client.get(f"/lang/{lang}")
    page = client.get("/auth/demo/?audience=staff").get_data(as_text=True)
    # Anna Berg is a therapist and a citizen administrator; the role keys are never shown.
    anna = re.search(r"Anna Berg</button>\s*<span class=\"hint\">([^<]*)</span>", page)
    assert anna is not None, page
    assert all(name in anna.group(1) for name in names), anna.group(1)
    for key in ("therapist", "citizen_admin", "permission_admin", "data_admin", "publisher"):
        assert f">{key}" not in page and f" {key}<" not in page and f", {key}" not in page


# --- one consistent clock --------------------------------------------------------------------------

# The columns that tell the demo's story: when things happened to the demo people.
STORY = {
    "enrollment": ("started_at", "ended_at", "maintenance_at", "last_active_at"),
    "enrollment_module": ("opened_at", "completed_at"),
    "item_progress": ("first_opened_at", "done_at"),
    "enrollment_event": ("at",),
    "form_assignment": ("assigned_at",),
    "form_response": ("started_at", "updated_at", "submitted_at"),
    "result": ("at", "computed_at"),
    "citizen": ("last_active_at",),
    "bookmark": ("created_at",),
}


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _table(name: str):
    return db.metadata.tables[name]


def _rows(statement) -> list[tuple]:
    """Rows of a Core select, with every moment timezone-aware (SQLite keeps none)."""
    return [
        tuple(_aware(v) if isinstance(v, datetime) else v for v in row)
        for row in db.session.execute(statement).all()
    ]


def _inconsistencies(now: datetime) -> list[str]:
    found: list[str] = []

    def check(rows: list, what: str) -> None:
        found.extend(f"{what}: {row}" for row in rows)

    # Nothing in the story happens after "now".
    for name, columns in STORY.items():
        table = _table(name)
        for column in columns:
            for row_id, moment in _rows(select(table.c.id, table.c[column])):
                if moment is not None and moment > now:
                    found.append(f"{name}.{column} of {row_id} is after now: {moment}")
    a, r, x = _table("form_assignment"), _table("form_response"), _table("result")
    e, v, ev = _table("enrollment"), _table("program_version"), _table("enrollment_event")
    m, p = _table("enrollment_module"), _table("item_progress")
    # A form is sent, then opened, then answered; its results are of that moment.
    check(
        [
            row
            for row in _rows(
                select(
                    r.c.id, a.c.assigned_at, r.c.started_at, r.c.submitted_at, r.c.updated_at
                ).join(a, a.c.id == r.c.assignment_id)
            )
            if not (row[1] <= row[2] and (row[3] is None or row[2] <= row[3] <= row[4]))
        ],
        "response out of order (id, assigned, started, submitted, updated)",
    )
    check(
        [
            row
            for row in _rows(
                select(x.c.id, x.c.at, r.c.submitted_at).join(r, r.c.id == x.c.response_id)
            )
            if row[1] != row[2]
        ],
        "result not at its response's submission (id, at, submitted)",
    )
    # The enrollment starts before everything in it, and ends (or pauses) after it.
    starts = dict(_rows(select(e.c.id, e.c.started_at)))
    for table, column, what in (
        (ev, "at", "event"),
        (a, "assigned_at", "assignment"),
        (m, "opened_at", "module opened"),
        (p, "first_opened_at", "item opened"),
    ):
        rows = _rows(select(table.c.enrollment_id, table.c.id, table.c[column]))
        check(
            [row for row in rows if row[0] and row[2] is not None and row[2] < starts[row[0]]],
            f"{what} before its enrollment started (enrollment, id, at)",
        )
    check(
        [
            row
            for row in _rows(select(e.c.id, e.c.started_at, e.c.maintenance_at, e.c.ended_at))
            if (row[2] is not None and row[2] < row[1])
            or (row[3] is not None and row[3] < (row[2] or row[1]))
        ],
        "enrollment out of order (id, started, maintenance, ended)",
    )
    check(
        [
            row
            for row in _rows(
                select(e.c.id, e.c.started_at, v.c.published_at).join(
                    v, v.c.id == e.c.program_version_id
                )
            )
            if row[2] is None or row[2] > row[1]
        ],
        "enrollment started before its programme version was published (id, started, published)",
    )
    check(
        [
            row
            for row in _rows(select(m.c.id, m.c.opened_at, m.c.completed_at))
            if row[2] is not None and (row[1] is None or row[2] < row[1])
        ],
        "module completed before it opened (id, opened, completed)",
    )
    check(
        [
            row
            for row in _rows(select(p.c.id, p.c.first_opened_at, p.c.done_at))
            if row[2] is not None and (row[1] is None or row[2] < row[1])
        ],
        "item done before it was opened (id, opened, done)",
    )
    # An enrollment's own record begins with "started".
    first: dict[int, tuple] = {}
    for enrollment_id, kind, at, event_id in _rows(
        select(ev.c.enrollment_id, ev.c.kind, ev.c.at, ev.c.id).order_by(ev.c.at, ev.c.id)
    ):
        first.setdefault(enrollment_id, (kind, at, event_id))
    check(
        [(key, *value) for key, value in first.items() if value[0] != "started"],
        "an enrollment's first event is not its start (enrollment, kind, at, id)",
    )
    return found


def test_the_demo_keeps_one_consistent_clock(app):
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning, long before this test runs
    loader.load(db.session, app.extensions["sob"], now=now)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(FormResponse)) > 20
    problems = _inconsistencies(now)
    assert problems == [], "\n".join(problems)


def test_the_demo_loaded_now_is_not_ahead_of_the_clock(app):
    loader.load(db.session, app.extensions["sob"])
    db.session.commit()
    after = datetime.now(UTC)
    problems = _inconsistencies(after)
    assert problems == [], "\n".join(problems)
    # and what is still waiting for the citizen was sent before now, after the enrollment began
    a, e = _table("form_assignment"), _table("enrollment")
    waiting = _rows(
        select(a.c.id, a.c.assigned_at, e.c.started_at)
        .join(e, e.c.id == a.c.enrollment_id)
        .where(a.c.status == "open")
    )
    assert waiting and all(started <= sent <= after for _, sent, started in waiting)
