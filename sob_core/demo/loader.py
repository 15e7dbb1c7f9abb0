"""Load the demo data files (`data/`) into a database: people, forms, programmes, enrollments.

The data lives in JSON files so that no Swedish prose and no plugin key or scale id is written in
core Python: ``people.json`` (regions, care units, staff, citizens, their first enrollments and
answers), ``forms.json`` (the demo forms), ``programs.json`` (which programme export files to
import, owned by whom) with the ``*.sob-program.json`` exports themselves, and ``stages.json``
(where each demo citizen is in a programme). Programmes are imported through
`programs.import_program`, the path `sob programs import` takes.

The loader is handed its session and the plugin host, so it runs the same from the CLI, a test
fixture or a script. Loading twice changes nothing. Parts that need a plugin which is not
installed (a scale, a question type) are left out and named in `Report.skipped`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import enrollments, forms, programs
from .. import regions as regions_service
from ..identity import personnummer
from ..models import (
    CareUnit,
    Citizen,
    Enrollment,
    Form,
    FormAssignment,
    Program,
    ProgramVersion,
    Region,
    RoleAssignment,
    Staff,
)
from .history import History, Stage, date_response

DATA = Path(__file__).with_name("data")


@dataclass
class Report:
    """What one load created (``counts``) and which parts it left out, and why (``skipped``)."""

    counts: dict[str, int]
    skipped: list[str] = field(default_factory=list)


def read(name: str, data: Path = DATA) -> Any:
    """One data file, parsed."""
    return json.loads((data / name).read_text(encoding="utf-8"))


def load(session: Session, host: Any, *, now: datetime | None = None, data: Path = DATA) -> Report:
    """Load the whole demo set; what exists already is left as it is."""
    now = now or datetime.now(UTC)
    report = Report(
        {
            "regions": 0,
            "care units": 0,
            "staff": 0,
            "roles": 0,
            "citizens": 0,
            "forms": 0,
            "enrollments": 0,
            "responses": 0,
            "programs": 0,
            "program versions": 0,
            "program enrollments": 0,
        }
    )
    people = read("people.json", data)
    _load_people(session, people, report)
    session.commit()
    _load_forms(session, host.registry, read("forms.json", data), report)
    _load_enrollments(session, host, people["enrollments"], now, report)
    session.commit()
    stages = read("stages.json", data)
    versions = _load_programs(
        session,
        host.registry,
        read("programs.json", data),
        data,
        report,
        _published_on(now, people, stages),
    )
    _load_stages(session, host, stages, versions, now, report)
    session.commit()
    return report


# --- people ---------------------------------------------------------------------------------------


def _load_people(session: Session, people: dict[str, Any], report: Report) -> None:
    counts = report.counts
    regions: dict[str, Region] = {}
    for entry in people["regions"]:
        region = session.scalar(select(Region).where(Region.code == entry["code"]))
        if region is None:
            region = Region(code=entry["code"], name=entry["name"])
            session.add(region)
            counts["regions"] += 1
        regions[entry["code"]] = region
    units: dict[str, CareUnit] = {}
    for entry in people["care_units"]:
        unit = session.scalar(select(CareUnit).where(CareUnit.hsa_id == entry["hsa_id"]))
        if unit is None:
            unit = CareUnit(
                hsa_id=entry["hsa_id"], name=entry["name"], region=regions[entry["region"]]
            )
            session.add(unit)
            counts["care units"] += 1
        units[entry["hsa_id"]] = unit
    session.flush()
    for entry in people["staff"]:
        staff = session.scalar(select(Staff).where(Staff.hsa_id == entry["hsa_id"]))
        if staff is None:
            staff = Staff(hsa_id=entry["hsa_id"], name=entry["name"], email=entry["email"])
            session.add(staff)
            session.flush()
            counts["staff"] += 1
        held = {(r.care_unit_id, r.role) for r in staff.roles}
        for hsa_id, roles in entry["roles"].items():
            unit_id = units[hsa_id].id
            for role in roles:
                if (unit_id, role) not in held:
                    staff.roles.append(RoleAssignment(care_unit_id=unit_id, role=role))
                    counts["roles"] += 1
        for code in entry.get("region_admin", []):  # the regional administrator, per region
            session.flush()
            if regions_service.make_region_admin(
                session, staff_id=staff.id, region_id=regions[code].id
            ):
                counts["roles"] += 1
    for entry in people["citizens"]:
        parsed = personnummer.parse(entry["personnummer"])
        citizen = session.scalar(select(Citizen).where(Citizen.personnummer == parsed.number))
        if citizen is None:
            session.add(
                Citizen(
                    personnummer=parsed.number,
                    name=entry["name"],
                    birth_date=parsed.birth_date,
                    legal_sex=parsed.legal_sex,
                    coordination_number=parsed.coordination,
                    home_region_code=entry.get("home_region"),
                )
            )
            counts["citizens"] += 1


# --- forms ----------------------------------------------------------------------------------------


def _missing_types(registry: Any, questions: list[dict[str, Any]]) -> list[str]:
    return sorted({q["type"] for q in questions} - set(registry.question_types))


def _scale_form(session: Session, registry: Any, scale_id: str) -> dict[str, Any] | str:
    """A form administering the scale, or why it cannot be made here."""
    scale = registry.scales.get(scale_id)
    if scale is None:
        return f"the scale {scale_id!r} is not installed"
    try:
        questions = forms.scale_questions(session, registry, scale)
    except forms.FormDefinitionError as error:
        return str(error)
    missing = _missing_types(registry, questions)
    if missing:
        return f"it needs the question types {', '.join(missing)}, which are not installed"
    return {
        "key": scale_id,
        "title": dict(scale.name),
        "scale_id": scale_id,
        "definition": {
            "questions": questions,
            "results": forms.scale_results(scale),
        },
    }


def unusable_reason(registry: Any, entry: dict[str, Any]) -> str | None:
    """Why a form entry (export shape) cannot be created here; None when it can."""
    scale_id = entry.get("scale_id")
    if scale_id is not None and scale_id not in registry.scales:
        return f"it needs the scale {scale_id!r}, which is not installed"
    missing = _missing_types(registry, entry["definition"]["questions"])
    if missing:
        return f"it needs the question types {', '.join(missing)}, which are not installed"
    return None


def _load_forms(session: Session, registry: Any, spec: dict[str, Any], report: Report) -> None:
    entries: list[dict[str, Any]] = []
    for scale_id in spec["scale_forms"]:
        made = _scale_form(session, registry, scale_id)
        if isinstance(made, str):
            report.skipped.append(f"form {scale_id}: {made}")
        else:
            entries.append(made)
    for entry in spec["forms"]:
        reason = unusable_reason(registry, entry)
        if reason is not None:
            report.skipped.append(f"form {entry['key']}: {reason}")
        else:
            entries.append(entry)
    for entry in entries:
        if session.scalar(select(Form.id).where(Form.key == entry["key"])) is None:
            forms.create_form(
                session,
                registry,
                key=entry["key"],
                title=entry["title"],
                intro=entry.get("intro") or None,
                questions=entry["definition"]["questions"],
                results=entry["definition"].get("results", ()),
                scale_id=entry.get("scale_id"),
            )
            report.counts["forms"] += 1


# --- the first enrollments and their answers ------------------------------------------------------


def _unit(session: Session, hsa_id: str) -> CareUnit:
    unit = session.scalar(select(CareUnit).where(CareUnit.hsa_id == hsa_id))
    if unit is None:  # pragma: no cover - people.json names only its own units
        raise RuntimeError(f"demo care unit {hsa_id!r} missing")
    return unit


def _staff(session: Session, name: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.name == name))
    if staff is None:  # pragma: no cover - people.json names only its own staff
        raise RuntimeError(f"demo staff {name!r} missing")
    return staff


def _assign(
    session: Session, enrollment: Enrollment, key: str, by: Staff, when: datetime
) -> FormAssignment | None:
    """Send form ``key`` to the enrollment's citizen at ``when`` (the story's clock, not the
    wall clock: a form answered ten days ago was sent before that)."""
    form = session.scalar(select(Form).where(Form.key == key))
    if form is None:
        return None
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=form.latest.id,
        assigned_by_id=by.id,
        assigned_at=when,
    )
    session.add(assignment)
    session.flush()
    return assignment


def _load_enrollments(
    session: Session, host: Any, plan: list[dict[str, Any]], now: datetime, report: Report
) -> None:
    """Enrollments without a programme yet (`_load_stages` attaches them), with past answers."""
    people = {c.name: c for c in session.scalars(select(Citizen))}
    for entry in plan:
        citizen = people[entry["citizen"]]
        exists = session.scalar(select(Enrollment.id).where(Enrollment.citizen_id == citizen.id))
        if exists is not None:
            continue
        therapist = _staff(session, entry["therapist"])
        started = now - timedelta(days=entry["days_ago"])
        enrollment = Enrollment(
            citizen_id=citizen.id,
            care_unit_id=_unit(session, entry["care_unit"]).id,
            therapist_id=therapist.id,
            started_at=started,
        )
        session.add(enrollment)
        session.flush()
        report.counts["enrollments"] += 1
        for answer in entry["answers"]:
            moment = now - timedelta(days=answer["days_ago"])
            # sent the evening before it was answered, but never before the enrollment began
            sent = max(started, moment - timedelta(hours=14))
            assignment = _assign(session, enrollment, answer["form"], therapist, sent)
            if assignment is None:
                continue
            response = forms.open_response(session, assignment)
            forms.submit(session, host, response, answer["answers"])
            date_response(response, moment)
            report.counts["responses"] += 1
        # Something left to fill in, so the citizen's start page has work waiting: sent
        # yesterday (or when the enrollment began, if that was later).
        for key in entry["waiting"]:
            _assign(session, enrollment, key, therapist, max(started, now - timedelta(days=1)))


# --- programmes -----------------------------------------------------------------------------------


def _form_entry(form: Form) -> dict[str, Any]:
    """An installed form in the export's shape (as `programs.export_version` writes it)."""
    latest = form.latest
    return {
        "key": form.key,
        "version": latest.version,
        "title": latest.title,
        "intro": latest.intro or {},
        "scale_id": latest.scale_id,
        "definition": latest.definition,
    }


def prepare(
    session: Session, registry: Any, document: dict[str, Any], skipped: list[str]
) -> dict[str, Any]:
    """The export with only the form items this installation can hand out.

    A form the file carries is kept when its scale and question types are installed; a form the
    file only names (the ISI, whose licensed texts cannot ship) is taken from this installation
    when a text pack has made it exist. Other form items are left out and listed in ``skipped``.
    """
    document = copy.deepcopy(document)
    carried = {entry["key"]: entry for entry in document.get("forms", [])}
    content = document["version"]["content"]
    keys = {
        item["form_key"]
        for module in content["modules"]
        for item in module["items"]
        if item["kind"] == "form"
    }
    installed = {f.key: f for f in session.scalars(select(Form).where(Form.key.in_(keys)))}
    facts = programs.form_facts(session, registry, installed)
    usable: dict[str, dict[str, Any]] = {}
    why: dict[str, str] = {}
    for key in sorted(keys):
        fact = facts.get(key)
        if fact is not None:
            if not fact.texts_installed:
                why[key] = "its texts are not installed"
            elif fact.scale_id is not None and fact.scale_id not in registry.scales:
                why[key] = f"it needs the scale {fact.scale_id!r}, which is not installed"
            elif any(t not in registry.question_types for t in fact.question_types):
                why[key] = "it needs a question type that is not installed"
            else:
                usable[key] = carried.get(key) or _form_entry(installed[key])
        elif key in carried:
            reason = unusable_reason(registry, carried[key])
            if reason is None:
                usable[key] = carried[key]
            else:
                why[key] = reason
        else:
            why[key] = "no such form exists here"
    label = f"{document['program']['key']} {document['version']['label']}"
    for module in content["modules"]:
        kept = []
        for item in module["items"]:
            if item["kind"] == "form" and item["form_key"] not in usable:
                skipped.append(
                    f"{label}: left out {item['key']} (form {item['form_key']}: "
                    f"{why[item['form_key']]})"
                )
                continue
            kept.append(item)
        module["items"] = kept
    document["forms"] = [usable[key] for key in sorted(usable)]
    return document


def _published(session: Session, program: Program) -> dict[str, ProgramVersion]:
    return {
        v.label: v
        for v in session.scalars(
            select(ProgramVersion).where(
                ProgramVersion.program_id == program.id, ProgramVersion.status == "published"
            )
        )
    }


def _import(
    session: Session,
    registry: Any,
    entry: dict[str, Any],
    data: Path,
    report: Report,
    published: datetime,
) -> Program:
    """The first file through `import_program`, later versions as drafts published on top.

    The import records the publisher as the first version's creator too (as for any import);
    ``created_by`` writes the later drafts.
    """
    creator = _staff(session, entry["created_by"])
    publisher = _staff(session, entry["published_by"])
    documents = [
        prepare(session, registry, read(name, data), report.skipped) for name in entry["files"]
    ]
    first = programs.import_program(
        session,
        registry,
        documents[0],
        care_unit_id=_unit(session, entry["owner"]).id,
        imported_by_id=publisher.id,
        now=published,
    )
    program = first.program
    programs.set_catalogue(session, program, [_unit(session, u).id for u in entry["catalogue"]])
    previous_major = first.major
    for number, document in enumerate(documents[1:], start=1):
        part = document["version"]
        written = published + timedelta(days=7 * number)
        draft = programs.start_draft(session, program, created_by_id=creator.id)
        draft.created_at = written - timedelta(days=2)
        programs.update_draft(session, draft, part["content"], registry=registry)
        major = int(part["label"].split(".")[0])
        programs.publish(
            session,
            draft,
            publisher_id=publisher.id,
            bump="major" if previous_major is None or major > previous_major else "minor",
            is_open=part.get("is_open", False),
            eligibility=part.get("eligibility") or None,
            registry=registry,
            now=written,
        )
        draft.updated_at = written
        if draft.label != part["label"]:  # pragma: no cover - the files are numbered in order
            raise RuntimeError(f"{program.key} {draft.label}: the file says {part['label']}")
        previous_major = draft.major
    report.counts["programs"] += 1
    report.counts["program versions"] += len(documents)
    return program


def _published_on(now: datetime, people: dict[str, Any], stages: dict[str, Any]) -> datetime:
    """When the demo programmes were first published: a month before anyone's enrollment began,
    so no citizen is in a programme that looks published after she started it."""
    days = [e["days_ago"] for e in people["enrollments"]]
    days += [s["started"] + 1 for s in stages["stages"]]  # a stage starts hours before its day
    return now - timedelta(days=max(days, default=0) + 30)


def _load_programs(
    session: Session,
    registry: Any,
    spec: dict[str, Any],
    data: Path,
    report: Report,
    published: datetime,
) -> dict[str, dict[str, ProgramVersion]]:
    """Published versions by programme key and label; new ones are published at ``published``
    (a later version a week after the one before it)."""
    out: dict[str, dict[str, ProgramVersion]] = {}
    for entry in spec["programs"]:
        key = read(entry["files"][0], data)["program"]["key"]
        program = session.scalar(select(Program).where(Program.key == key))
        if program is None:
            try:
                program = _import(session, registry, entry, data, report, published)
            except programs.ProgramError as error:
                report.skipped.append(f"programme {key}: {' '.join(str(error).split())}")
                continue
        out[key] = _published(session, program)
    session.flush()
    return out


# --- citizens at different stages -----------------------------------------------------------------


def _enrolled(session: Session, citizen: Citizen, program_id: int) -> bool:
    return (
        session.scalar(
            select(Enrollment.id)
            .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
            .where(Enrollment.citizen_id == citizen.id, ProgramVersion.program_id == program_id)
        )
        is not None
    )


def _load_stages(
    session: Session,
    host: Any,
    spec: dict[str, Any],
    versions: dict[str, dict[str, ProgramVersion]],
    now: datetime,
    report: Report,
) -> None:
    history = History(session, host, now, answers=spec["answers"], flag=spec.get("flag"))
    people = {c.name: c for c in session.scalars(select(Citizen))}
    units = {u.hsa_id: u for u in session.scalars(select(CareUnit))}
    staff = {s.name: s for s in session.scalars(select(Staff))}
    for entry in spec["stages"]:
        stage = Stage.from_data(entry)
        citizen: Citizen | None
        if "personnummer" in entry:
            citizen = enrollments.register_citizen(
                session,
                entry["personnummer"],
                stage.name,
                home_region_code=entry.get("home_region"),
            )
        else:
            citizen = people.get(stage.name)
        version = versions.get(stage.program, {}).get(stage.version)
        if citizen is None or version is None or _enrolled(session, citizen, version.program_id):
            continue
        if "personnummer" in entry:
            therapist = staff[stage.therapist] if stage.therapist else None
            history.start(citizen, version, units[stage.care_unit], therapist, stage)
        else:
            enrollment = session.scalar(
                select(Enrollment)
                .where(Enrollment.citizen_id == citizen.id, Enrollment.program_version_id.is_(None))
                .order_by(Enrollment.id)
            )
            if enrollment is None:
                continue
            history.attach(enrollment, version, stage)
        report.counts["program enrollments"] += 1
