"""The data administrator's exports: CSV per form (ZIP) and FHIR NDJSON of a programme's ended
enrollments at her unit, pseudonymised or not, as jobs with progress, downloaded, expired."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from export_helpers import (
    AHMED,
    DATA_ADMIN,
    JOHN,
    NOTE,
    OTHER_DATA_ADMIN,
    OTHER_UNIT,
    THERAPIST,
    add_rich_response,
    ended_enrollment,
    person,
    staff,
    unit,
)
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select

from sob_core import exports
from sob_core.exports import jobs as export_jobs
from sob_core.extensions import db
from sob_core.models import AuditEvent, Citizen, Enrollment, ExportJob
from sob_core.models._types import utcnow
from sob_core.testing import csrf_from, login_as


@pytest.fixture
def sob_config(tmp_path):
    return {"SOB_EXPORT_DIR": str(tmp_path / "exports")}


def settings(app, tmp_path: Path) -> exports.ExportSettings:
    return exports.ExportSettings(
        tmp_path / "exports", app.config["SECRET_KEY"], "http://localhost"
    )


def program_id() -> int:
    return ended_enrollment().program_version.program_id


def run_export(app, tmp_path, fmt="csv", pseudonymised=False) -> ExportJob:
    job = exports.start_export(
        db.session,
        unit_id=unit().id,
        program_id=program_id(),
        fmt=fmt,
        pseudonymised=pseudonymised,
        staff_id=staff(DATA_ADMIN).id,
    )
    db.session.commit()
    status = exports.run(
        db.session,
        job.id,
        registry=app.extensions["sob"].registry,
        settings=settings(app, tmp_path),
    )
    assert status == "ready"
    return db.session.get(ExportJob, job.id)


def csv_files(app, tmp_path, job) -> dict[str, list[dict[str, str]]]:
    path = exports.file_of(job, settings(app, tmp_path), utcnow())
    assert path is not None
    with zipfile.ZipFile(path) as archive:
        out = {}
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            out[name] = list(csv.DictReader(io.StringIO(text)))
        return out


def ndjson(app, tmp_path, job) -> list[dict]:
    path = exports.file_of(job, settings(app, tmp_path), utcnow())
    assert path is not None
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_csv_has_one_row_per_response_and_one_column_per_question(app, demo_data, tmp_path):
    add_rich_response()
    job = run_export(app, tmp_path)
    files = csv_files(app, tmp_path, job)
    assert "export-test-v1.csv" in files and "columns.csv" in files
    (row,) = files["export-test-v1.csv"]
    assert list(row) == [*exports.tabular.COLUMNS, "mood", "topics", "note", "since", "bad_nights"]
    assert row["person"] == AHMED
    assert row["mood"] == "good"
    assert row["topics"] == "sleep|worry"  # multiple choice: values joined by |
    assert row["note"] == NOTE
    assert row["since"] == "2026-03-05"
    assert row["bad_nights"] == ""  # not asked: hidden by skip logic
    assert row["skipped"] == "bad_nights"
    assert row["day"] == "3"
    columns = {r["question"]: r for r in files["columns.csv"] if r["file"] == "export-test-v1.csv"}
    assert columns["mood"]["coding"] == "good=Bra|bad=Dåligt"
    assert columns["mood"]["label_en"] == "How are you?"
    # the demo's sleep diary answers of the ended enrollment are there too, one file per version
    diary = [name for name in files if name.startswith("sleep-diary")]
    people = {r["person"] for name in diary for r in files[name]}
    assert AHMED in people and JOHN not in people
    assert job.done == job.total == sum(len(files[n]) for n in files if n != "columns.csv")


def test_only_ended_enrollments_at_the_unit_are_exported(app, demo_data, tmp_path):
    john = person(Citizen, personnummer=JOHN)
    ongoing = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == john.id))
    add_rich_response(ongoing)  # an ongoing enrollment: not exported
    job = run_export(app, tmp_path)
    people = {
        r["person"]
        for name, rows in csv_files(app, tmp_path, job).items()
        for r in rows
        if "person" in r
    }
    ended = db.session.scalars(
        select(Citizen.personnummer)
        .join(Enrollment, Enrollment.citizen_id == Citizen.id)
        .where(Enrollment.status == "ended", Enrollment.care_unit_id == unit().id)
    ).all()
    assert AHMED in people and JOHN not in people
    assert people <= set(ended)
    assert job.persons == len(people)


def test_fhir_lines_validate(app, demo_data, tmp_path):
    add_rich_response()
    job = run_export(app, tmp_path, fmt="fhir")
    lines = ndjson(app, tmp_path, job)
    assert len(lines) == job.total > 1
    for resource in lines:
        QuestionnaireResponse.model_validate(resource)
    rich = next(r for r in lines if "export-test" in r["questionnaire"])
    assert rich["subject"]["identifier"]["value"] == AHMED
    assert {item["linkId"] for item in rich["item"]} == {"mood", "topics", "note", "since"}


def test_a_pseudonymised_export_has_no_personnummer_no_free_text_and_shifted_dates(
    app, demo_data, tmp_path
):
    response_id = add_rich_response().id
    plain = csv_files(app, tmp_path, run_export(app, tmp_path))["export-test-v1.csv"][0]
    job = run_export(app, tmp_path, pseudonymised=True)
    path = exports.file_of(job, settings(app, tmp_path), utcnow())
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("export-test-v1.csv").decode("utf-8-sig")
    assert AHMED not in raw and NOTE not in raw and "note" not in raw.splitlines()[0]
    (row,) = csv_files(app, tmp_path, job)["export-test-v1.csv"]
    pseud = exports.Pseudonymiser(app.config["SECRET_KEY"])
    assert row["person"] == pseud.person(AHMED)
    assert row["enrollment"] != str(ended_enrollment().id) and row["response"] != str(response_id)
    shift = pseud.shift(AHMED)
    assert shift != timedelta(0)
    assert (
        row["since"] == (__import__("datetime").date(2026, 3, 5) + shift).isoformat()
    )  # a date answer moves with the person's offset
    assert row["day"] == plain["day"]  # intervals stay true
    # the same person, the same pseudonym in another export
    again = run_export(app, tmp_path, pseudonymised=True)
    assert csv_files(app, tmp_path, again)["export-test-v1.csv"][0]["person"] == row["person"]
    fhir_job = run_export(app, tmp_path, fmt="fhir", pseudonymised=True)
    text = exports.file_of(fhir_job, settings(app, tmp_path), utcnow()).read_text()
    assert AHMED not in text and NOTE not in text
    lines = ndjson(app, tmp_path, fhir_job)
    for resource in lines:
        QuestionnaireResponse.model_validate(resource)
    rich = next(r for r in lines if "export-test" in r["questionnaire"])
    assert rich["subject"]["identifier"]["value"] == pseud.person(AHMED)
    assert {item["linkId"] for item in rich["item"]} == {"mood", "topics", "since"}


def test_the_file_is_written_page_by_page_with_progress(app, demo_data, tmp_path, monkeypatch):
    add_rich_response()
    add_rich_response(
        answers={"mood": "bad", "topics": ["work"], "since": "2026-01-01", "bad_nights": 4}
    )
    seen: list[int] = []
    real = export_jobs._progress

    def counting(session, job_id, written, page):
        real(session, job_id, written, page)
        seen.append(db.session.get(ExportJob, job_id).done)

    monkeypatch.setattr(export_jobs, "PAGE", 1)
    monkeypatch.setattr(export_jobs, "_progress", counting)
    job = run_export(app, tmp_path)
    assert seen == list(range(1, job.total + 1))  # one committed page at a time
    rows = csv_files(app, tmp_path, job)["export-test-v1.csv"]
    assert [r["bad_nights"] for r in rows] == ["", "4"]


def test_export_refuses_an_unknown_format_or_a_programme_without_ended_enrollments(app, demo_data):
    with pytest.raises(exports.ExportError) as error:
        exports.start_export(
            db.session,
            unit_id=unit().id,
            program_id=program_id(),
            fmt="xls",
            pseudonymised=False,
            staff_id=staff(DATA_ADMIN).id,
        )
    assert error.value.code == "format"
    with pytest.raises(exports.ExportError) as error:
        exports.start_export(
            db.session,
            unit_id=unit(OTHER_UNIT).id,
            program_id=program_id(),
            fmt="csv",
            pseudonymised=False,
            staff_id=staff(OTHER_DATA_ADMIN).id,
        )
    assert error.value.code == "program"


def test_an_expired_export_is_deleted(app, demo_data, tmp_path):
    job = run_export(app, tmp_path)
    path = exports.file_of(job, settings(app, tmp_path), utcnow())
    assert path is not None and path.exists()
    lost = exports.housekeeping(
        db.session, settings(app, tmp_path), job.expires_at + timedelta(seconds=1)
    )
    db.session.commit()
    assert lost == []
    assert not path.exists()
    job = db.session.get(ExportJob, job.id)
    assert job.status == "expired" and job.path is None


# --- the pages -------------------------------------------------------------------------------


def start_on_page(client, fmt="csv", pseudonymised=False):
    page = client.get("/admin/exports")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text), "program": program_id(), "format": fmt}
    if pseudonymised:
        data["pseudonymised"] = "y"
    return client.post("/admin/exports", data=data)


def test_a_data_admin_starts_follows_and_downloads_an_export(app, client, demo_data):
    add_rich_response()
    login_as(client, staff(DATA_ADMIN), unit().id)
    answer = start_on_page(client)
    assert answer.status_code == 302
    job = db.session.scalars(select(ExportJob)).one()
    page = client.get(answer.headers["Location"])
    assert "Klar att hämta" in page.text  # in-process: written before the redirect
    with client.get(f"/admin/exports/{job.id}/download") as download:
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/zip"
        assert "attachment" in download.headers["Content-Disposition"]
        with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
            assert "export-test-v1.csv" in archive.namelist()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    whats = [e.what for e in events]
    assert whats.count("export_job") == 1 and whats.count("export_job.download") == 1
    written = [e for e in events if e.what == "export_job.written"]
    assert ended_enrollment().citizen_id in {e.citizen_id for e in written}
    assert len(written) == db.session.get(ExportJob, job.id).persons


def test_a_bad_form_is_answered_with_its_errors(app, client, demo_data):
    login_as(client, staff(DATA_ADMIN), unit().id)
    page = client.get("/admin/exports")
    answer = client.post(
        "/admin/exports",
        data={"csrf_token": csrf_from(page.text), "program": "999", "format": "csv"},
    )
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert client.post("/admin/exports", data={"program": program_id()}).status_code == 400


def test_only_the_units_data_admins_reach_an_export(app, client, demo_data):
    login_as(client, staff(DATA_ADMIN), unit().id)
    start_on_page(client)
    job = db.session.scalars(select(ExportJob)).one()
    other = app.test_client()
    login_as(other, staff(OTHER_DATA_ADMIN), unit(OTHER_UNIT).id)
    assert other.get(f"/admin/exports/{job.id}").status_code == 404
    assert other.get(f"/admin/exports/{job.id}/download").status_code == 404
    therapist = app.test_client()
    login_as(therapist, staff(THERAPIST), unit().id)
    assert therapist.get("/admin/exports").status_code == 403
    assert therapist.get(f"/admin/exports/{job.id}/download").status_code == 403


def test_an_expired_export_cannot_be_downloaded(app, client, demo_data):
    login_as(client, staff(DATA_ADMIN), unit().id)
    start_on_page(client)
    job = db.session.scalars(select(ExportJob)).one()
    job.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/admin/exports/{job.id}/download").status_code == 404


def test_housekeeping_queues_lost_jobs_again_and_fails_dead_ones(app, demo_data, tmp_path):
    from sob_core.jobs import tasks

    lost = exports.start_export(
        db.session,
        unit_id=unit().id,
        program_id=program_id(),
        fmt="csv",
        pseudonymised=False,
        staff_id=staff(DATA_ADMIN).id,
    )
    dead = exports.start_export(
        db.session,
        unit_id=unit().id,
        program_id=program_id(),
        fmt="fhir",
        pseudonymised=False,
        staff_id=staff(DATA_ADMIN).id,
    )
    long_ago = utcnow() - timedelta(hours=7)
    lost.created_at = long_ago
    dead.status, dead.started_at = "running", long_ago
    db.session.commit()
    lost_id, dead_id = lost.id, dead.id
    assert tasks.export_housekeeping() == 1  # in-process: the lost job runs after the commit
    assert db.session.get(ExportJob, lost_id).status == "ready"
    job = db.session.get(ExportJob, dead_id)
    assert (job.status, job.error) == ("failed", "interrupted")
    assert (tasks.export_housekeeping, "default", 600) in tasks.PERIODIC


def test_a_response_that_cannot_be_written_fails_the_job_with_its_reason(app, demo_data, tmp_path):
    response = add_rich_response()
    response.answers = {**response.answers, "mood": {"type": "gone_type", "value": "good"}}
    db.session.commit()
    job = exports.start_export(
        db.session,
        unit_id=unit().id,
        program_id=program_id(),
        fmt="fhir",
        pseudonymised=False,
        staff_id=staff(DATA_ADMIN).id,
    )
    db.session.commit()
    status = exports.run(
        db.session,
        job.id,
        registry=app.extensions["sob"].registry,
        settings=settings(app, tmp_path),
    )
    job = db.session.get(ExportJob, job.id)
    assert status == "failed" and job.error == "answer_type_not_installed"
    assert list((tmp_path / "exports").iterdir()) == []  # the partial file is gone


@pytest.mark.redis
def test_with_redis_the_export_job_is_queued_with_its_longer_time_limit(make_app, tmp_path):
    import os
    import uuid

    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    from sob_core.demo import loader
    from sob_core.jobs import JOB_TIMEOUTS, enqueue, queue_name
    from sob_core.jobs.tasks import run_export

    url = os.environ.get("SOB_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    conn = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        conn.ping()
    except (RedisError, OSError):
        if os.environ.get("SOB_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis at {url} does not answer")
        pytest.skip(f"Redis at {url} does not answer")
    prefix = f"sobtest-{uuid.uuid4().hex}"
    app = make_app(config={"REDIS_URL": url, "SOB_QUEUE_PREFIX": prefix})
    try:
        with app.app_context():
            loader.load(db.session, app.extensions["sob"])
            db.session.commit()
            job = exports.start_export(
                db.session,
                unit_id=unit().id,
                program_id=program_id(),
                fmt="csv",
                pseudonymised=False,
                staff_id=staff(DATA_ADMIN).id,
            )
            enqueue(run_export, job.id)
            db.session.commit()
            (queued,) = Queue(queue_name(app, "default"), connection=conn).get_jobs()
            assert queued.timeout == JOB_TIMEOUTS["sob_core.jobs.tasks.run_export"] > 300
            assert db.session.get(ExportJob, job.id).status == "queued"
            db.session.remove()
    finally:
        doomed = [key for key in conn.scan_iter(match="*") if prefix in key.decode()]
        for queued_job in Queue(f"{prefix}-default", connection=conn).get_jobs():
            doomed.append(f"rq:job:{queued_job.id}".encode())
        if doomed:
            conn.delete(*doomed)
        conn.srem("rq:queues", f"rq:queue:{prefix}-default")
        conn.close()


def test_a_text_answer_never_becomes_a_spreadsheet_formula(app, demo_data, tmp_path):
    add_rich_response(
        answers={
            "mood": "good",
            "topics": ["work"],
            "note": '=HYPERLINK("x")',
            "since": "2026-01-01",
        }
    )
    (row,) = csv_files(app, tmp_path, run_export(app, tmp_path))["export-test-v1.csv"]
    assert row["note"] == '\'=HYPERLINK("x")'
    assert exports.tabular.cell(-3) == "-3" and exports.tabular.cell("-a") == "'-a"

    # several answers (a question that repeats): joined, guarded as one text, JSON when ambiguous
    cell = exports.tabular.cell
    assert cell(["Alvedon", "Ipren"]) == "Alvedon|Ipren" and cell([2, 6.5]) == "2|6.5"
    assert cell(['=HYPERLINK("x")', "b"]) == '\'=HYPERLINK("x")|b'
    assert cell(["a|b", "c"]) == '["a|b", "c"]'


def test_every_package_export_names_real_tables_and_gives_json(app, demo_data):
    ids = db.session.scalars(select(Enrollment.id)).all()
    for module in exports.EXPORTERS:
        assert module.EXPORTED_TABLES and set(module.EXPORTED_TABLES) <= set(db.metadata.tables)
        for enrollment_id in ids:
            json.dumps(module.export_enrollment(db.session, enrollment_id, lang="en"))
    assert exports.EXPORTERS[0].export_enrollment(db.session, 10**9, lang="sv") == {}


def test_a_pseudonymised_csv_moves_every_date_of_a_repeating_date_question(app, tmp_path):
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    question = {
        "key": "visits",
        "type": "date",
        "label": {"sv": "När?"},
        "config": {"repeats": True},
    }
    version = SimpleNamespace(
        form=SimpleNamespace(key="visits"), version=1, definition={"questions": [question]}
    )
    row = exports.tabular.Row(
        "p", "e", "r", datetime(2026, 3, 5, tzinfo=UTC), 0, {"visits": ["2026-03-05", "2026-04-01"]}
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        exports.tabular.write_form_csv(
            archive,
            version,
            [row],
            app.extensions["sob"].registry,
            pseudonymised=True,
            zone=ZoneInfo("Europe/Stockholm"),
            shift_date=lambda text, _row: text.replace("2026", "2030"),
        )
    with zipfile.ZipFile(buffer) as archive:
        text = archive.read("visits-v1.csv").decode("utf-8-sig")
    (written,) = list(csv.DictReader(io.StringIO(text)))
    assert written["visits"] == "2030-03-05|2030-04-01"
