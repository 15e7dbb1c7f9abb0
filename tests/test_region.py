"""The regional administrator's domain (sob_core.regions): units, the first permission
administrator, programme activations as minor and major updates, messages and statistics."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from sob_core import enrollments, programs, regions
from sob_core.access_rules import require
from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    EnrollmentModule,
    Program,
    ProgramVersion,
    Region,
    Staff,
)

ERIK = "SE2321000131-P000000000014"  # regional administrator of region 14 in the demo
UNIT_GBG = "SE2321000131-E000000000101"  # region 14
UNIT_STHLM = "SE2321000016-E000000000201"  # region 01
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _region(code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def _unit(hsa_id: str) -> CareUnit:
    return db.session.scalar(select(CareUnit).where(CareUnit.hsa_id == hsa_id))


def _staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def _version(key: str, label: str) -> ProgramVersion:
    major, minor = (int(part) for part in label.split("."))
    return db.session.scalar(
        select(ProgramVersion)
        .join(Program)
        .where(Program.key == key, ProgramVersion.major == major, ProgramVersion.minor == minor)
    )


def _offered(unit: CareUnit, key: str) -> str | None:
    version = next(
        (v for v in programs.available_versions(db.session, unit.id) if v.program.key == key),
        None,
    )
    return version.label if version is not None else None


def test_region_admin_is_a_staff_rule_of_its_own():
    assert require("staff", region_admin=True)
    with pytest.raises(ValueError):
        require("citizen", region_admin=True)
    with pytest.raises(ValueError):
        require("staff", roles={"therapist"}, region_admin=True)
    with pytest.raises(ValueError):
        require("staff", unit_scoped=True, region_admin=True)


def test_the_demo_gives_one_staff_member_the_region(demo_data):
    erik = _staff(ERIK)
    assert [r.code for r in regions.regions_of(db.session, erik.id)] == ["14"]


def test_add_a_unit_checks_the_hsa_id_and_is_audited(demo_data):
    region, erik = _region("14"), _staff(ERIK)
    with pytest.raises(regions.RegionError) as bad:
        regions.add_unit(db.session, region_id=region.id, hsa_id="E101", name="X", actor_id=1)
    assert bad.value.code == "bad_hsa_id"
    with pytest.raises(regions.RegionError) as taken:
        regions.add_unit(
            db.session, region_id=region.id, hsa_id=UNIT_GBG, name="Again", actor_id=erik.id
        )
    assert taken.value.code == "unit_exists"
    unit = regions.add_unit(
        db.session,
        region_id=region.id,
        hsa_id="se2321000131-e000000000777",
        name="  Ny   mottagning ",
        actor_id=erik.id,
    )
    assert (unit.hsa_id, unit.name, unit.active) == (
        "SE2321000131-E000000000777",
        "Ny mottagning",
        True,
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.what == "care_unit"))
    assert (event.action, event.actor_id, event.care_unit_id) == ("create", erik.id, unit.id)


def test_a_deactivated_unit_offers_nothing_and_its_open_programme_is_not_offered(demo_data):
    region, unit = _region("14"), _unit(UNIT_GBG)
    assert programs.available_versions(db.session, unit.id)
    citizen = db.session.scalar(select(Citizen).order_by(Citizen.id))
    open_before = {
        v.program.key
        for v in enrollments.eligible_open_programs(db.session, citizen, NOW, include_enrolled=True)
    }
    assert "infor-operation" in open_before  # owned by the Gothenburg unit
    assert regions.set_active(
        db.session, region_id=region.id, care_unit_id=unit.id, active=False, actor_id=1
    )
    assert programs.available_versions(db.session, unit.id) == []
    open_after = {
        v.program.key
        for v in enrollments.eligible_open_programs(db.session, citizen, NOW, include_enrolled=True)
    }
    assert "infor-operation" not in open_after
    assert not regions.set_active(
        db.session, region_id=region.id, care_unit_id=unit.id, active=False, actor_id=1
    )


def test_a_unit_of_another_region_is_refused(demo_data):
    with pytest.raises(regions.RegionError) as error:
        regions.set_active(
            db.session,
            region_id=_region("14").id,
            care_unit_id=_unit(UNIT_STHLM).id,
            active=False,
            actor_id=1,
        )
    assert error.value.code == "not_your_region"
    assert _unit(UNIT_STHLM).active


CSV_GOOD = (
    "\ufeffhsa_id;name;active;time_zone\r\n"
    "SE2321000131-E000000000301;Vårdcentral Norr;ja;Europe/Stockholm\r\n"
    f"{UNIT_GBG};Psykiatrimottagning Centrum (nytt namn);ja;\r\n"
    "SE2321000131-E000000000302;Vårdcentral Syd;nej;\r\n"
).encode()


def test_csv_import_creates_and_updates_the_regions_units(demo_data):
    region, erik = _region("14"), _staff(ERIK)
    report = regions.import_units(db.session, region_id=region.id, data=CSV_GOOD, actor_id=erik.id)
    assert (report.created, report.updated, report.unchanged) == (2, 1, 0)
    assert _unit("SE2321000131-E000000000301").active
    assert not _unit("SE2321000131-E000000000302").active
    assert _unit(UNIT_GBG).name == "Psykiatrimottagning Centrum (nytt namn)"
    again = regions.import_units(db.session, region_id=region.id, data=CSV_GOOD, actor_id=erik.id)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_csv_import_reports_every_bad_row_and_imports_nothing(demo_data):
    region = _region("14")
    before = db.session.scalar(select(func.count(CareUnit.id)))
    data = (
        "hsa_id,name,active\n"
        "SE2321000131-E000000000301,Vårdcentral Norr,ja\n"
        "not-an-id,Fel,ja\n"
        "SE2321000131-E000000000303,,ja\n"
        "SE2321000131-E000000000301,Twice,ja\n"
        "SE2321000131-E000000000304,Okänd flagga,kanske\n"
        f"{UNIT_STHLM},Stockholm's unit,ja\n"
    ).encode()
    with pytest.raises(regions.ImportProblems) as error:
        regions.import_units(db.session, region_id=region.id, data=data, actor_id=1)
    assert [(line, problem.code) for line, problem in error.value.problems] == [
        (3, "bad_hsa_id"),
        (4, "name_required"),
        (5, "csv_twice"),
        (6, "csv_bad_active"),
    ]
    db.session.rollback()
    assert db.session.scalar(select(func.count(CareUnit.id))) == before
    elsewhere = f"hsa_id;name\n{UNIT_STHLM};Stockholm's unit\n".encode()
    with pytest.raises(regions.ImportProblems) as other:
        regions.import_units(db.session, region_id=region.id, data=elsewhere, actor_id=1)
    assert [(line, p.code) for line, p in other.value.problems] == [(2, "unit_elsewhere")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "csv_empty"),
        (b"\xff\xfe\x00h", "csv_not_utf8"),
        (b"name\nX\n", "csv_header"),
        (b"hsa_id;name;colour\nSE2321000131-E000000000301;X;blue\n", "csv_unknown_column"),
        (b"hsa_id;name\n", "csv_empty"),
    ],
)
def test_csv_files_that_are_no_unit_list_say_why(demo_data, data, code):
    with pytest.raises(regions.RegionError) as error:
        regions.parse_units_csv(data)
    assert error.value.code == code


def test_appointing_the_first_permission_administrator(demo_data):
    region, erik = _region("14"), _staff(ERIK)
    unit = regions.add_unit(
        db.session,
        region_id=region.id,
        hsa_id="SE2321000131-E000000000401",
        name="Ny enhet",
        actor_id=erik.id,
    )
    with pytest.raises(regions.RegionError) as nameless:
        regions.appoint_permission_admin(
            db.session,
            region_id=region.id,
            care_unit_id=unit.id,
            hsa_id="SE2321000131-P000000000099",
            name="",
            actor_id=erik.id,
        )
    assert nameless.value.code == "name_required"
    assignment = regions.appoint_permission_admin(
        db.session,
        region_id=region.id,
        care_unit_id=unit.id,
        hsa_id="SE2321000131-P000000000099",
        name="Nina Ny",
        actor_id=erik.id,
    )
    nina = _staff("SE2321000131-P000000000099")
    assert (assignment.staff_id, assignment.role, assignment.granted_by_id) == (
        nina.id,
        "permission_admin",
        erik.id,
    )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.what.in_(("staff", "role_assignment")))
    ).all()
    assert [(e.action, e.what, e.detail) for e in events] == [
        ("create", "staff", {"staff_id": nina.id, "hsa_id": nina.hsa_id}),
        (
            "change",
            "role_assignment",
            {
                "staff_id": nina.id,
                "hsa_id": nina.hsa_id,
                "role": "permission_admin",
                "change": "grant",
                "by": "region_admin",
            },
        ),
    ]
    assert events[1].care_unit_id == unit.id
    with pytest.raises(regions.RegionError) as second:
        regions.appoint_permission_admin(
            db.session,
            region_id=region.id,
            care_unit_id=unit.id,
            hsa_id=ERIK,
            name=None,
            actor_id=erik.id,
        )
    assert second.value.code == "has_permission_admin"
    with pytest.raises(regions.RegionError) as elsewhere:
        regions.appoint_permission_admin(
            db.session,
            region_id=region.id,
            care_unit_id=_unit(UNIT_STHLM).id,
            hsa_id=ERIK,
            name=None,
            actor_id=erik.id,
        )
    assert elsewhere.value.code == "not_your_region"


def _ongoing(unit: CareUnit) -> dict[int, str]:
    rows = db.session.scalars(
        select(Enrollment).where(
            Enrollment.care_unit_id == unit.id, Enrollment.status.in_(enrollments.ONGOING)
        )
    ).all()
    return {
        e.id: e.program_version.label
        for e in rows
        if e.program_version.program.key == "somnbehandling"
    }


def _activate(unit: CareUnit, version: ProgramVersion, kind: str):
    return regions.activate(
        db.session,
        region_id=unit.region_id,
        care_unit_id=unit.id,
        program_version_id=version.id,
        kind=kind,
        actor_id=_staff(ERIK).id,
        now=NOW,
    )


def test_without_an_activation_a_unit_offers_the_latest_published_version(demo_data):
    assert _offered(_unit(UNIT_GBG), "somnbehandling") == "1.1"


def test_a_major_activation_changes_new_enrollments_only(demo_data):
    unit = _unit(UNIT_GBG)
    before = _ongoing(unit)
    assert "1.0" in before.values()
    row = _activate(unit, _version("somnbehandling", "1.0"), "major")
    assert (row.kind, row.status, row.moved) == ("major", "active", 0)
    assert _offered(unit, "somnbehandling") == "1.0"
    assert _ongoing(unit) == before
    with pytest.raises(regions.RegionError) as again:
        _activate(unit, _version("somnbehandling", "1.0"), "major")
    assert again.value.code == "already_active"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.what == "program_activation"))
    assert audit.detail["kind"] == "major" and audit.care_unit_id == unit.id


def test_a_minor_activation_moves_the_units_ongoing_enrollments(demo_data):
    unit, other = _unit(UNIT_GBG), _unit(UNIT_STHLM)
    before, elsewhere = _ongoing(unit), _ongoing(other)
    on_old = [eid for eid, label in before.items() if label == "1.0"]
    assert on_old and "1.0" in elsewhere.values()
    new = _version("somnbehandling", "1.1")
    row = _activate(unit, new, "minor")
    assert row.moved == len(on_old)
    assert set(_ongoing(unit).values()) == {"1.1"}
    assert _ongoing(other) == elsewhere  # another unit's enrollments are not its business
    keys = {module["key"] for module in new.content["modules"]}
    for enrollment_id in on_old:
        held = set(
            db.session.scalars(
                select(EnrollmentModule.module_key).where(
                    EnrollmentModule.enrollment_id == enrollment_id
                )
            )
        )
        assert keys <= held
        event = db.session.scalar(
            select(EnrollmentEvent).where(
                EnrollmentEvent.enrollment_id == enrollment_id,
                EnrollmentEvent.kind == "version_changed",
            )
        )
        assert event.detail["from"] == "1.0" and event.detail["to"] == "1.1"
        assert not event.citizen_visible


def test_a_minor_activation_never_goes_back_nor_across_majors(demo_data):
    unit = _unit(UNIT_GBG)
    with pytest.raises(regions.RegionError) as back:
        _activate(unit, _version("somnbehandling", "1.0"), "minor")
    assert back.value.code == "minor_needs_same_major"
    with pytest.raises(regions.RegionError) as bad:
        _activate(unit, _version("somnbehandling", "1.0"), "sideways")
    assert bad.value.code == "bad_kind"


def test_deactivating_a_programme_keeps_ongoing_enrollments(demo_data):
    unit = _unit(UNIT_GBG)
    before = _ongoing(unit)
    program = _version("somnbehandling", "1.1").program
    regions.deactivate(
        db.session,
        region_id=unit.region_id,
        care_unit_id=unit.id,
        program_id=program.id,
        actor_id=_staff(ERIK).id,
        now=NOW,
    )
    assert _offered(unit, "somnbehandling") is None
    assert _ongoing(unit) == before
    with pytest.raises(regions.RegionError) as twice:
        regions.deactivate(
            db.session,
            region_id=unit.region_id,
            care_unit_id=unit.id,
            program_id=program.id,
            actor_id=1,
            now=NOW,
        )
    assert twice.value.code == "not_active"
    _activate(unit, _version("somnbehandling", "1.1"), "major")
    assert _offered(unit, "somnbehandling") == "1.1"


def test_activating_at_a_new_unit_lists_it_in_the_catalogue(demo_data):
    region, erik = _region("14"), _staff(ERIK)
    unit = regions.add_unit(
        db.session,
        region_id=region.id,
        hsa_id="SE2321000131-E000000000501",
        name="Ny enhet",
        actor_id=erik.id,
    )
    assert _offered(unit, "somnbehandling") is None
    with pytest.raises(regions.RegionError) as minor:
        _activate(unit, _version("somnbehandling", "1.1"), "minor")
    assert minor.value.code == "minor_needs_current"
    _activate(unit, _version("somnbehandling", "1.1"), "major")
    assert _offered(unit, "somnbehandling") == "1.1"
    overview = [r for r in regions.overview(db.session, region.id) if r.unit.id == unit.id]
    assert [(r.program.key, r.offered.label, r.decided_by) for r in overview] == [
        ("somnbehandling", "1.1", "major")
    ]


def test_a_retired_activated_version_is_not_offered(demo_data):
    unit = _unit(UNIT_GBG)
    old = _version("somnbehandling", "1.0")
    _activate(unit, old, "major")
    programs.retire(db.session, old)
    assert _offered(unit, "somnbehandling") is None


def test_messages_are_shown_within_their_days(demo_data):
    region, unit = _region("14"), _unit(UNIT_GBG)
    erik = _staff(ERIK)
    with pytest.raises(regions.RegionError) as crossed:
        regions.create_message(
            db.session,
            region_id=region.id,
            text_sv="Fel",
            text_en=None,
            starts_on=date(2026, 12, 5),
            ends_on=date(2026, 12, 4),
            actor_id=erik.id,
        )
    assert crossed.value.code == "bad_dates"
    message = regions.create_message(
        db.session,
        region_id=region.id,
        text_sv="Driftstopp på fredag",
        text_en="Downtime on Friday",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 4),
        actor_id=erik.id,
    )
    shown = regions.unit_state(db.session, unit.id, date(2026, 12, 4), erik.id)
    assert [m.id for m in shown.messages] == [message.id] and shown.region_admin
    assert regions.unit_state(db.session, unit.id, date(2026, 12, 5), erik.id).messages == ()
    assert (
        regions.unit_state(db.session, _unit(UNIT_STHLM).id, date(2026, 12, 2), erik.id).messages
        == ()
    )
    assert regions.end_message(
        db.session,
        region_id=region.id,
        message_id=message.id,
        today=date(2026, 12, 2),
        actor_id=erik.id,
    )
    assert regions.unit_state(db.session, unit.id, date(2026, 12, 2), erik.id).messages == ()


def test_statistics_per_month_and_their_csv(demo_data):
    region, erik = _region("14"), _staff(ERIK)
    unit = regions.add_unit(
        db.session,
        region_id=region.id,
        hsa_id="SE2321000131-E000000000601",
        name="Statistikenheten",
        actor_id=erik.id,
    )
    version = _version("somnbehandling", "1.1")
    citizens = db.session.scalars(select(Citizen).order_by(Citizen.id).limit(3)).all()
    spans = [
        (datetime(2026, 9, 30, 22, 30, tzinfo=UTC), None),  # 1 October in Sweden
        (datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)),
        (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)),
    ]
    for citizen, (started, ended) in zip(citizens, spans, strict=True):
        db.session.add(
            Enrollment(
                citizen_id=citizen.id,
                care_unit_id=unit.id,
                program_version_id=version.id,
                status="ended" if ended else "active",
                started_at=started,
                ended_at=ended,
            )
        )
    db.session.flush()
    rows = [r for r in regions.monthly(db.session, region.id, NOW) if r.care_unit_id == unit.id]
    assert [(r.month, r.started, r.ongoing, r.ended) for r in rows] == [
        ("2026-10", 2, 2, 0),
        ("2026-11", 1, 1, 2),
        ("2026-12", 0, 1, 0),
    ]
    data = regions.csv_bytes(db.session, region.id, rows)
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == list(regions.CSV_COLUMNS)
    assert table[1] == [
        "2026-10",
        "14",
        "SE2321000131-E000000000601",
        "Statistikenheten",
        "somnbehandling",
        table[1][5],
        "2",
        "2",
        "0",
    ]
    assert table[1][5]  # the programme's Swedish name
    assert b"\r\n" in data
