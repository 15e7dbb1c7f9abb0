"""Export jobs: asked for by a data administrator, written by a background job, downloaded by
the unit's data administrators while it lasts, then deleted (see docs/exports.md).

The file is written page by page (``PAGE`` responses read at a time, keyset-paged by id, each
page committed with the progress), so an export of any size never holds more than a page.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import secrets
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..interchange import fhir
from ..models import (
    CareUnit,
    Citizen,
    Enrollment,
    ExportJob,
    FormAssignment,
    FormResponse,
    FormVersion,
)
from ..models._types import utcnow
from ..plugins import Registry
from . import tabular
from .errors import ExportError
from .pseudonyms import Pseudonymiser, shift_date_text
from .selection import exportable_programs, submitted_responses

log = logging.getLogger(__name__)

FORMATS = ("csv", "fhir")
PAGE = 200
#: how long a ready export stays downloadable (``SOB_EXPORT_KEEP_HOURS`` overrides it)
KEEP_HOURS = 24
#: a queued job not started this long after it was asked for is queued again (a lost job)
REQUEUE_MINUTES = 10
#: a running job not finished this long after it started has died with its worker
STALE_HOURS = 6
PSEUDONYM_SYSTEM = fhir.SOB_FHIR + "/NamingSystem/export-pseudonym"


@dataclass(frozen=True)
class ExportSettings:
    folder: Path
    secret: str
    base_url: str | None
    keep_hours: float = KEEP_HOURS

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str) -> ExportSettings:
        folder = config.get("SOB_EXPORT_DIR") or os.path.join(instance_path, "exports")
        try:
            keep = float(config.get("SOB_EXPORT_KEEP_HOURS") or KEEP_HOURS)
        except (TypeError, ValueError):
            keep = KEEP_HOURS
        return cls(Path(folder), str(config["SECRET_KEY"]), config.get("SOB_BASE_URL"), keep)


def start_export(
    session: Session,
    *,
    unit_id: int,
    program_id: int,
    fmt: str,
    pseudonymised: bool,
    staff_id: int,
    lang: str = "sv",
) -> ExportJob:
    """A queued export of the programme's ended enrollments at the unit, audit-logged; the
    caller queues ``run`` and commits."""
    if fmt not in FORMATS:
        raise ExportError("format")
    if program_id not in {e.program_id for e in exportable_programs(session, unit_id, lang)}:
        raise ExportError("program")
    job = ExportJob(
        care_unit_id=unit_id,
        program_id=program_id,
        format=fmt,
        pseudonymised=pseudonymised,
        requested_by_id=staff_id,
        status="queued",
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor_kind="staff",
        actor_id=staff_id,
        action="export",
        what="export_job",
        care_unit_id=unit_id,
        detail={
            "job_id": job.id,
            "program_id": program_id,
            "format": fmt,
            "pseudonymised": pseudonymised,
        },
    )
    return job


def jobs_of_unit(session: Session, unit_id: int, limit: int = 50) -> list[ExportJob]:
    return list(
        session.scalars(
            select(ExportJob)
            .where(ExportJob.care_unit_id == unit_id)
            .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
            .limit(limit)
        )
    )


def unit_job(session: Session, job_id: int, unit_id: int) -> ExportJob | None:
    """The job if it is the unit's (another unit's answers like a missing one)."""
    job = session.get(ExportJob, job_id)
    return job if job is not None and job.care_unit_id == unit_id else None


def file_of(job: ExportJob, settings: ExportSettings, now: datetime) -> Path | None:
    """The job's file while it may be downloaded."""
    if job.status != "ready" or job.path is None:
        return None
    if job.expires_at is not None and job.expires_at <= now:
        return None
    path = settings.folder / job.path
    return path if path.is_file() else None


def download_name(job: ExportJob) -> str:
    suffix = "zip" if job.format == "csv" else "ndjson"
    kind = "pseudonymised-" if job.pseudonymised else ""
    return f"sob-export-{job.id}-{kind}{job.format}.{suffix}"


# --- the job -------------------------------------------------------------------------------------


def run(session: Session, job_id: int, *, registry: Registry, settings: ExportSettings) -> str:
    """Write the job's file; returns its final status. A job already taken is left alone."""
    now = utcnow()
    taken = session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == "queued")
        .values(status="running", started_at=now)
    )
    session.commit()
    if not taken.rowcount:  # type: ignore[attr-defined]
        job = session.get(ExportJob, job_id)
        return job.status if job is not None else "missing"
    job = session.get(ExportJob, job_id)
    assert job is not None
    settings.folder.mkdir(parents=True, exist_ok=True)
    suffix = "zip" if job.format == "csv" else "ndjson"
    name = f"export-{job.id}-{secrets.token_hex(8)}.{suffix}"
    partial = settings.folder / (name + ".part")
    try:
        job.total = (
            session.scalar(
                select(func.count()).select_from(
                    submitted_responses(job.care_unit_id, job.program_id).subquery()
                )
            )
            or 0
        )
        session.commit()
        writer = _write_csv if job.format == "csv" else _write_fhir
        persons = writer(session, job.id, partial, registry, settings)
        os.replace(partial, settings.folder / name)
    except Exception as error:
        session.rollback()
        partial.unlink(missing_ok=True)
        job = session.get(ExportJob, job_id)
        assert job is not None
        job.status = "failed"
        job.error = str(getattr(error, "code", "internal"))[:200]
        job.finished_at = utcnow()
        session.commit()
        log.exception("export job %s failed", job_id)
        return "failed"
    job = session.get(ExportJob, job_id)
    assert job is not None
    job.status = "ready"
    job.path = name
    job.size = (settings.folder / name).stat().st_size
    job.persons = len(persons)
    job.finished_at = utcnow()
    job.expires_at = job.finished_at + timedelta(hours=settings.keep_hours)
    audit.record_many(
        session,
        sorted(persons),
        actor_kind="staff",
        actor_id=job.requested_by_id,
        action="export",
        what="export_job.written",
        care_unit_id=job.care_unit_id,
        detail={"job_id": job.id, "format": job.format, "pseudonymised": job.pseudonymised},
    )
    session.commit()
    return "ready"


@dataclass
class _Page:
    response: FormResponse
    citizen_id: int
    personnummer: str
    enrollment_id: int
    started_at: datetime


def _pages(
    session: Session, unit_id: int, program_id: int, version_id: int | None
) -> Iterator[list[_Page]]:
    """The job's responses (of one form version, or all) in pages of ``PAGE``, by id."""
    last = 0
    wanted = submitted_responses(unit_id, program_id)
    while True:
        query = (
            select(
                FormResponse, Citizen.id, Citizen.personnummer, Enrollment.id, Enrollment.started_at
            )
            .join(FormAssignment, FormAssignment.id == FormResponse.assignment_id)
            .join(Enrollment, Enrollment.id == FormAssignment.enrollment_id)
            .join(Citizen, Citizen.id == Enrollment.citizen_id)
            .where(FormResponse.id.in_(wanted), FormResponse.id > last)
            .order_by(FormResponse.id)
            .limit(PAGE)
        )
        if version_id is not None:
            query = query.where(FormResponse.form_version_id == version_id)
        page = [_Page(*row) for row in session.execute(query).all()]
        if not page:
            return
        last = page[-1].response.id  # before the caller commits and lets go of the page
        yield page


def _progress(session: Session, job_id: int, written: int, page: list[_Page]) -> None:
    """Commit the progress after a page and let go of the page's responses."""
    session.execute(update(ExportJob).where(ExportJob.id == job_id).values(done=written))
    session.commit()
    for found in page:
        if found.response in session:
            session.expunge(found.response)


def _zone(session: Session, job: ExportJob) -> ZoneInfo:
    unit = session.get(CareUnit, job.care_unit_id)
    try:
        return ZoneInfo(unit.time_zone if unit is not None else "Europe/Stockholm")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Stockholm")


def _day(submitted: datetime, started: datetime, zone: ZoneInfo) -> int:
    return (submitted.astimezone(zone).date() - started.astimezone(zone).date()).days


def _write_csv(
    session: Session, job_id: int, path: Path, registry: Registry, settings: ExportSettings
) -> set[int]:
    job = session.get(ExportJob, job_id)
    assert job is not None
    pseudonymised, zone = job.pseudonymised, _zone(session, job)
    unit_id, program_id = job.care_unit_id, job.program_id
    pseud = Pseudonymiser(settings.secret)
    version_ids = list(
        session.scalars(
            select(FormResponse.form_version_id)
            .where(FormResponse.id.in_(submitted_responses(job.care_unit_id, job.program_id)))
            .distinct()
            .order_by(FormResponse.form_version_id)
        )
    )
    persons: set[int] = set()
    written = 0
    columns = io.StringIO()
    columns_out = csv.writer(columns, lineterminator="\r\n")
    columns_out.writerow(tabular.COLUMNS_HEADER)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for version_id in version_ids:
            version = session.get(FormVersion, version_id)
            assert version is not None
            columns_out.writerows(tabular.column_rows(version, registry, pseudonymised))

            def rows(version_id: int = version_id) -> Iterator[tabular.Row]:
                nonlocal written
                for page in _pages(session, unit_id, program_id, version_id):
                    for found in page:
                        persons.add(found.citizen_id)
                        yield _row(found, pseud, pseudonymised, zone)
                    written += len(page)
                    _progress(session, job_id, written, page)

            tabular.write_form_csv(
                archive,
                version,
                rows(),
                registry,
                pseudonymised=pseudonymised,
                zone=zone,
                shift_date=lambda text, row: shift_date_text(text, pseud.shift(row.key)),
            )
        archive.writestr("columns.csv", "\ufeff" + columns.getvalue())
    return persons


def _row(found: _Page, pseud: Pseudonymiser, pseudonymised: bool, zone: ZoneInfo) -> tabular.Row:
    response = found.response
    submitted = response.submitted_at or response.updated_at
    day = _day(submitted, found.started_at, zone)
    if not pseudonymised:
        return tabular.Row(
            found.personnummer,
            str(found.enrollment_id),
            str(response.id),
            submitted,
            day,
            dict(response.answers or {}),
            key=found.personnummer,
        )
    return tabular.Row(
        pseud.person(found.personnummer),
        pseud.enrollment(found.enrollment_id),
        pseud.response(response.id),
        submitted + pseud.shift(found.personnummer),
        day,
        dict(response.answers or {}),
        key=found.personnummer,
    )


def _write_fhir(
    session: Session, job_id: int, path: Path, registry: Registry, settings: ExportSettings
) -> set[int]:
    job = session.get(ExportJob, job_id)
    assert job is not None
    pseudonymised, unit_id, program_id = job.pseudonymised, job.care_unit_id, job.program_id
    pseud = Pseudonymiser(settings.secret)
    persons: set[int] = set()
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for page in _pages(session, unit_id, program_id, None):
            for found in page:
                persons.add(found.citizen_id)
                resource = fhir.export_response(
                    found.response, registry, base_url=settings.base_url
                )
                if pseudonymised:
                    resource = _pseudonymised(resource, found, registry, pseud)
                out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
            written += len(page)
            _progress(session, job_id, written, page)
    return persons


def _pseudonymised(
    resource: dict[str, Any], found: _Page, registry: Registry, pseud: Pseudonymiser
) -> dict[str, Any]:
    """The resource with a pseudonym for the person, dates shifted, free text left out."""
    offset = pseud.shift(found.personnummer)
    resource["id"] = pseud.response(found.response.id)
    resource["subject"] = {
        "identifier": {"system": PSEUDONYM_SYSTEM, "value": pseud.person(found.personnummer)}
    }
    if "authored" in resource:
        moment = datetime.fromisoformat(resource["authored"]) + offset
        resource["authored"] = moment.isoformat(timespec="seconds")
    types = {q["key"]: q["type"] for q in found.response.form_version.definition["questions"]}
    items = []
    for item in resource.get("item", []):
        if tabular.is_free_text(registry, types.get(item["linkId"], "")):
            continue
        for answer in item.get("answer", []):
            if "valueDate" in answer:
                answer["valueDate"] = shift_date_text(answer["valueDate"], offset)
        items.append(item)
    if items:
        resource["item"] = items
    else:
        resource.pop("item", None)
    return resource


# --- housekeeping --------------------------------------------------------------------------------


def housekeeping(session: Session, settings: ExportSettings, now: datetime) -> list[int]:
    """Delete the files of expired exports (status expired), fail jobs that died with their
    worker, and return the ids of queued jobs that were lost (to queue again)."""
    expired = list(
        session.scalars(
            select(ExportJob).where(ExportJob.status == "ready", ExportJob.expires_at <= now)
        )
    )
    for job in expired:
        if job.path:
            (settings.folder / job.path).unlink(missing_ok=True)
        job.status, job.path = "expired", None
    stale = session.scalars(
        select(ExportJob).where(
            ExportJob.status == "running",
            ExportJob.started_at <= now - timedelta(hours=STALE_HOURS),
        )
    )
    for job in stale:
        job.status, job.error, job.finished_at = "failed", "interrupted", now
    lost = list(
        session.scalars(
            select(ExportJob.id).where(
                ExportJob.status == "queued",
                ExportJob.created_at <= now - timedelta(minutes=REQUEUE_MINUTES),
            )
        )
    )
    return lost
