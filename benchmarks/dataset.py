"""A national-scale data set for `make bench`: enrollments across many care units, written fast.

Everything goes in through SQLAlchemy core ``insert()`` with executemany batches and explicit
primary keys, so 60,000 enrollments (about a million rows with their modules, events, forms and
results) take seconds rather than minutes. The demo data set is loaded first, so the demo login
provider can sign in its people; the demo units get their share of the enrollments.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection

#: bump when the shape of the data set changes, so an old file is rebuilt
DATASET_VERSION = 2  # 2: every patient has a conversation with messages (issue 9)
BATCH = 5000
MODULES = 8

REGIONS = (
    ("01", "Region Stockholm"),
    ("03", "Region Uppsala"),
    ("04", "Region Sörmland"),
    ("05", "Region Östergötland"),
    ("06", "Region Jönköpings län"),
    ("07", "Region Kronoberg"),
    ("08", "Region Kalmar län"),
    ("09", "Region Gotland"),
    ("10", "Region Blekinge"),
    ("12", "Region Skåne"),
    ("13", "Region Halland"),
    ("14", "Västra Götalandsregionen"),
    ("17", "Region Värmland"),
    ("18", "Region Örebro län"),
    ("19", "Region Västmanland"),
    ("20", "Region Dalarna"),
    ("21", "Region Gävleborg"),
    ("22", "Region Västernorrland"),
    ("23", "Region Jämtland Härjedalen"),
    ("24", "Region Västerbotten"),
    ("25", "Region Norrbotten"),
)

FIRST_NAMES = (  # noqa: SIM905 (a word list reads best as text)
    "Anna Eva Maria Karin Sara Lena Emma Kerstin Ingrid Marie Malin Jenny Hanna Linnea Elin "
    "Ida Johanna Sofia Emelie Julia Lars Mikael Anders Johan Per Erik Karl Peter Thomas Jan "
    "Daniel Fredrik Hans Andreas Stefan Mats Marcus Magnus Jonas Oskar Åsa Örjan Ahmed "
    "Fatima Ali Leyla"
).split()
LAST_NAMES = (  # noqa: SIM905 (a word list reads best as text)
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
    "Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson "
    "Magnusson Olofsson Lindström Lindqvist Lindgren Axelsson Berg Bergström Lundberg Lind "
    "Lundgren Lundqvist Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg "
    "Wallin Engström Eklund Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm "
    "Wikström Samuelsson Isaksson"
).split()

UNIT_KINDS = (
    "Psykiatrimottagning",
    "Vårdcentral",
    "Sömnmottagning",
    "Beroendemottagning",
    "Barn- och ungdomspsykiatri",
    "Smärtmottagning",
)


@dataclass
class Plan:
    """The size of the data set; the same plan on the same file means the file can be reused."""

    enrollments: int = 60_000
    units: int = 300
    therapists_per_unit: int = 4
    seed: int = 2022

    def key(self) -> dict[str, int]:
        return {
            "version": DATASET_VERSION,
            "enrollments": self.enrollments,
            "units": self.units,
            "therapists_per_unit": self.therapists_per_unit,
            "seed": self.seed,
        }


@dataclass
class Built:
    """What the benchmark needs to know about the data set it runs on."""

    counts: dict[str, int] = field(default_factory=dict)
    unit_id: int = 0  # the demo's first care unit (Tommy Skjulsvik's)
    patient_enrollment_id: int = 0  # an enrollment there with program, events and results
    citizen_enrollment_id: int = 0  # John Doe's enrollment in the benchmark program

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "unit_id": self.unit_id,
            "patient_enrollment_id": self.patient_enrollment_id,
            "citizen_enrollment_id": self.citizen_enrollment_id,
        }


def luhn_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def personnummers(count: int, taken: set[str]) -> Iterator[str]:
    """``count`` distinct valid 12-digit personnummer, born 1940-2004, none of them in ``taken``."""
    first = date(1940, 1, 1)
    days = (date(2004, 12, 31) - first).days
    produced = 0
    index = 0
    while produced < count:
        born = first + timedelta(days=(index * 7919) % days)
        serial = 2 + index // days
        if serial > 999:
            raise ValueError("too many citizens for distinct personnummer")
        body = f"{born:%y%m%d}{serial:03d}"
        number = f"{born:%Y%m%d}{serial:03d}{luhn_digit(body)}"
        index += 1
        if number in taken:
            continue
        produced += 1
        yield number


def _batched(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn: Connection, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    written = 0
    for batch in _batched(rows):
        conn.execute(insert(table), batch)
        written += len(batch)
    return written


def _next_id(conn: Connection, table: Any) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def program_content() -> dict[str, Any]:
    """A program of eight weekly modules, each with three texts and a form at the end."""
    unlocks = ["at_start"] + ["after_previous"] * (MODULES - 2) + ["by_therapist"]
    modules = []
    for number in range(1, MODULES + 1):
        key = f"m{number}"
        modules.append(
            {
                "key": key,
                "title": f"Vecka {number} av behandlingen",
                "recommended_days": 7,
                "unlock": {"rule": unlocks[number - 1], "days": None},
                "items": [
                    {
                        "key": f"{key}-text{part}",
                        "kind": "text",
                        "title": f"Del {part} av modul {number}",
                        "body": "<p>" + "Text att läsa om sömnen och om veckans övningar. " * 40,
                    }
                    for part in (1, 2, 3)
                ]
                + [
                    {
                        "key": f"{key}-phq",
                        "kind": "form",
                        "title": "Hur har du mått de senaste två veckorna?",
                        "form_key": "phq-9",
                        "form_version": 1,
                    }
                ],
            }
        )
    return {
        "name": {"sv": "Sömnbehandling (mätdata)", "en": "Sleep treatment (benchmark data)"},
        "description": {"sv": "Ett program för mätningar av prestanda."},
        "welcome": {"sv": "Välkommen!"},
        "recommended_days": 7 * MODULES,
        "messaging": True,
        "modules": modules,
    }


def build(conn: Connection, plan: Plan, now: datetime | None = None) -> Built:
    """Write the national data set on a database that already holds the demo data set."""
    from sob_core.extensions import db

    tables = db.metadata.tables
    region_t, unit_t, staff_t, role_t = (
        tables["region"],
        tables["care_unit"],
        tables["staff"],
        tables["role_assignment"],
    )
    citizen_t, enrollment_t = tables["citizen"], tables["enrollment"]
    program_t, version_t, catalogue_t = (
        tables["program"],
        tables["program_version"],
        tables["program_catalogue"],
    )
    module_t, event_t, progress_t = (
        tables["enrollment_module"],
        tables["enrollment_event"],
        tables["item_progress"],
    )
    form_t, form_version_t = tables["form"], tables["form_version"]
    assignment_t, response_t, result_t = (
        tables["form_assignment"],
        tables["form_response"],
        tables["result"],
    )
    conversation_t, message_t, read_t = (
        tables["conversation"],
        tables["message"],
        tables["message_read"],
    )
    rng = random.Random(plan.seed)
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}

    # --- regions and care units (the demo's two units come first) ---
    have_regions = {
        row.code: row.id for row in conn.execute(select(region_t.c.code, region_t.c.id))
    }
    next_region = _next_id(conn, region_t)
    new_regions = []
    for code, name in REGIONS:
        if code not in have_regions:
            new_regions.append({"id": next_region, "code": code, "name": name})
            have_regions[code] = next_region
            next_region += 1
    counts["regions"] = _insert(conn, region_t, new_regions)
    region_ids = [have_regions[code] for code, _name in REGIONS]

    demo_units = [row.id for row in conn.execute(select(unit_t.c.id).order_by(unit_t.c.id))]
    next_unit = _next_id(conn, unit_t)
    new_units = []
    for number in range(max(0, plan.units - len(demo_units))):
        new_units.append(
            {
                "id": next_unit + number,
                "region_id": region_ids[number % len(region_ids)],
                "hsa_id": f"SE2321000000-EB{number:010d}",
                "name": f"{UNIT_KINDS[number % len(UNIT_KINDS)]} {number + 1}",
            }
        )
    counts["care units"] = _insert(conn, unit_t, new_units)
    unit_ids = (demo_units + [u["id"] for u in new_units])[: plan.units]

    # --- staff: therapists (and a citizen administrator) at every new unit ---
    therapists: dict[int, list[int]] = {}
    for row in conn.execute(
        select(role_t.c.care_unit_id, role_t.c.staff_id)
        .where(role_t.c.role == "therapist")
        .order_by(role_t.c.staff_id)
    ):
        therapists.setdefault(row.care_unit_id, []).append(row.staff_id)
    next_staff = _next_id(conn, staff_t)
    new_staff, new_roles = [], []
    for unit_id in unit_ids:
        if therapists.get(unit_id):
            continue
        for number in range(plan.therapists_per_unit):
            staff_id = next_staff
            next_staff += 1
            new_staff.append(
                {
                    "id": staff_id,
                    "hsa_id": f"SE2321000000-PB{staff_id:010d}",
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "email": None,
                    "phone": None,
                    "active": True,
                    "created_at": now,
                }
            )
            roles = ["therapist"] + (["citizen_admin"] if number == 0 else [])
            for role in roles:
                new_roles.append(
                    {
                        "staff_id": staff_id,
                        "care_unit_id": unit_id,
                        "role": role,
                        "granted_by_id": None,
                        "granted_at": now,
                    }
                )
            therapists.setdefault(unit_id, []).append(staff_id)
    counts["staff"] = _insert(conn, staff_t, new_staff)
    _insert(conn, role_t, new_roles)

    # --- one published program version of eight modules, in every unit's catalogue ---
    content = program_content()
    program_id = _next_id(conn, program_t)
    version_id = _next_id(conn, version_t)
    conn.execute(
        insert(program_t),
        [
            {
                "id": program_id,
                "key": f"bench-sleep-{program_id}",
                "kind": "treatment",
                "owner_care_unit_id": unit_ids[0],
                "publisher_id": None,
                "created_at": now,
            }
        ],
    )
    conn.execute(
        insert(version_t),
        [
            {
                "id": version_id,
                "program_id": program_id,
                "major": 1,
                "minor": 0,
                "status": "published",
                "content": content,
                "is_open": False,
                "eligibility": {},
                "based_on_id": None,
                "created_at": now,
                "created_by_id": None,
                "updated_at": now,
                "published_at": now,
                "published_by_id": None,
            }
        ],
    )
    _insert(
        conn,
        catalogue_t,
        ({"program_id": program_id, "care_unit_id": unit_id} for unit_id in unit_ids),
    )
    module_keys = [m["key"] for m in content["modules"]]

    # --- the PHQ-9 form the demo created, for results with and without flags ---
    phq = conn.execute(
        select(form_t.c.id, form_version_t.c.id.label("version_id"))
        .join(form_version_t, form_version_t.c.form_id == form_t.c.id)
        .where(form_t.c.key == "phq-9")
        .order_by(form_version_t.c.version.desc())
    ).first()

    # --- citizens and their enrollments ---
    taken = set(conn.scalars(select(citizen_t.c.personnummer)))
    next_citizen = _next_id(conn, citizen_t)
    next_enrollment = _next_id(conn, enrollment_t)
    next_assignment = _next_id(conn, assignment_t)
    next_response = _next_id(conn, response_t)
    conversation_id = _next_id(conn, conversation_t)
    message_id = _next_id(conn, message_t)
    citizens, enrollments, modules, events, progress = [], [], [], [], []
    assignments, responses, results = [], [], []
    conversations: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    reads: list[dict[str, Any]] = []
    per_unit = [plan.enrollments // len(unit_ids)] * len(unit_ids)
    for index in range(plan.enrollments - sum(per_unit)):
        per_unit[index] += 1
    numbers = personnummers(plan.enrollments, taken)
    citizen_id, enrollment_id = next_citizen, next_enrollment
    assignment_id, response_id = next_assignment, next_response
    patient_enrollment_id = 0

    def flush() -> None:
        counts["citizens"] = counts.get("citizens", 0) + _insert(conn, citizen_t, citizens)
        counts["enrollments"] = counts.get("enrollments", 0) + _insert(
            conn, enrollment_t, enrollments
        )
        counts["enrollment modules"] = counts.get("enrollment modules", 0) + _insert(
            conn, module_t, modules
        )
        counts["enrollment events"] = counts.get("enrollment events", 0) + _insert(
            conn, event_t, events
        )
        counts["item progress"] = counts.get("item progress", 0) + _insert(
            conn, progress_t, progress
        )
        counts["form assignments"] = counts.get("form assignments", 0) + _insert(
            conn, assignment_t, assignments
        )
        counts["form responses"] = counts.get("form responses", 0) + _insert(
            conn, response_t, responses
        )
        counts["results"] = counts.get("results", 0) + _insert(conn, result_t, results)
        counts["conversations"] = counts.get("conversations", 0) + _insert(
            conn, conversation_t, conversations
        )
        counts["messages"] = counts.get("messages", 0) + _insert(conn, message_t, messages)
        counts["message reads"] = counts.get("message reads", 0) + _insert(conn, read_t, reads)
        for rows in (citizens, enrollments, modules, events, progress):
            rows.clear()
        for rows in (assignments, responses, results, conversations, messages, reads):
            rows.clear()

    for unit_index, unit_id in enumerate(unit_ids):
        staff_here = therapists.get(unit_id) or [None]
        for number in range(per_unit[unit_index]):
            pnr = next(numbers)
            born = date(int(pnr[:4]), int(pnr[4:6]), int(pnr[6:8]))
            citizens.append(
                {
                    "id": citizen_id,
                    "personnummer": pnr,
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "birth_date": born,
                    "legal_sex": "male" if int(pnr[10]) % 2 else "female",
                    "coordination_number": False,
                    "email": None,
                    "phone": None,
                    "created_at": now,
                    "last_active_at": None,
                }
            )
            days_in = rng.randint(0, 120)
            started = now - timedelta(days=days_in, minutes=rng.randint(0, 1440))
            roll = rng.random()
            status = "ended" if roll < 0.07 else ("maintenance" if roll < 0.15 else "active")
            done = min(days_in // 7, MODULES - 1)
            last_active = (
                started + timedelta(days=rng.randint(0, days_in)) if rng.random() < 0.9 else None
            )
            enrollments.append(
                {
                    "id": enrollment_id,
                    "citizen_id": citizen_id,
                    "care_unit_id": unit_id,
                    "therapist_id": staff_here[number % len(staff_here)],
                    "status": status,
                    "started_at": started,
                    "ended_at": now if status == "ended" else None,
                    "program_version_id": version_id,
                    "started_by_id": staff_here[0],
                    "last_active_at": last_active,
                    "maintenance_at": now if status == "maintenance" else None,
                    "hide_progress": False,
                }
            )
            events.append(
                {
                    "enrollment_id": enrollment_id,
                    "at": started,
                    "kind": "started",
                    "actor_kind": "staff",
                    "actor_id": staff_here[0],
                    "module_key": None,
                    "item_key": None,
                    "detail": {},
                    "citizen_visible": True,
                }
            )
            for position, key in enumerate(module_keys):
                opened = started + timedelta(days=7 * position)
                state = "done" if position < done else ("open" if position == done else "locked")
                modules.append(
                    {
                        "enrollment_id": enrollment_id,
                        "module_key": key,
                        "state": state,
                        "hidden": False,
                        "opened_at": opened if state != "locked" else None,
                        "completed_at": opened + timedelta(days=6) if state == "done" else None,
                        "activated_by_id": None,
                    }
                )
                if state == "locked":
                    continue
                events.append(
                    {
                        "enrollment_id": enrollment_id,
                        "at": opened,
                        "kind": "module_opened",
                        "actor_kind": "system",
                        "actor_id": None,
                        "module_key": key,
                        "item_key": None,
                        "detail": {},
                        "citizen_visible": True,
                    }
                )
                first_item = f"{key}-text1"
                progress.append(
                    {
                        "enrollment_id": enrollment_id,
                        "item_key": first_item,
                        "first_opened_at": opened + timedelta(hours=3),
                        "done_at": opened + timedelta(hours=3),
                        "hidden": False,
                    }
                )
                events.append(
                    {
                        "enrollment_id": enrollment_id,
                        "at": opened + timedelta(hours=3),
                        "kind": "content_opened",
                        "actor_kind": "citizen",
                        "actor_id": citizen_id,
                        "module_key": key,
                        "item_key": first_item,
                        "detail": {},
                        "citizen_visible": True,
                    }
                )
                if state == "done":
                    events.append(
                        {
                            "enrollment_id": enrollment_id,
                            "at": opened + timedelta(days=6),
                            "kind": "module_completed",
                            "actor_kind": "citizen",
                            "actor_id": citizen_id,
                            "module_key": key,
                            "item_key": None,
                            "detail": {},
                            "citizen_visible": True,
                        }
                    )
            if phq is not None:
                answered = started + timedelta(days=1)
                assignments.append(
                    {
                        "id": assignment_id,
                        "citizen_id": citizen_id,
                        "enrollment_id": enrollment_id,
                        "form_version_id": phq.version_id,
                        "assigned_by_id": staff_here[0],
                        "status": "done",
                        "item_key": "m1-phq",
                        "assigned_at": started,
                    }
                )
                responses.append(
                    {
                        "id": response_id,
                        "form_version_id": phq.version_id,
                        "citizen_id": citizen_id,
                        "assignment_id": assignment_id,
                        "status": "submitted",
                        "submission_key": f"bench-{response_id}",
                        "answers": {},
                        "started_at": answered,
                        "updated_at": answered,
                        "submitted_at": answered,
                    }
                )
                score = rng.randint(0, 27)
                results.append(
                    {
                        "response_id": response_id,
                        "citizen_id": citizen_id,
                        "form_id": phq.id,
                        "key": "phq-9.total",
                        "value": float(score),
                        "band": None,
                        "flags": ["item-9"] if rng.random() < 0.05 else [],
                        "citizen_visible": True,
                        "at": answered,
                        "computed_at": answered,
                    }
                )
                events.append(
                    {
                        "enrollment_id": enrollment_id,
                        "at": answered,
                        "kind": "form_submitted",
                        "actor_kind": "citizen",
                        "actor_id": citizen_id,
                        "module_key": "m1",
                        "item_key": "m1-phq",
                        "detail": {"response_id": response_id},
                        "citizen_visible": True,
                    }
                )
                assignment_id += 1
                response_id += 1
            # Every patient has a conversation: the citizen asks, the therapist answers, the
            # citizen writes again; about a third of the last messages are still unread.
            asked = started + timedelta(days=2)
            conversations.append(
                {
                    "id": conversation_id,
                    "enrollment_id": enrollment_id,
                    "subject": "Fråga om veckans övningar",
                    "created_by_kind": "citizen",
                    "created_by_id": citizen_id,
                    "created_at": asked,
                    "last_message_at": asked + timedelta(days=1),
                }
            )
            authors = [
                ("citizen", citizen_id),
                ("staff", staff_here[0] or 0),
                ("citizen", citizen_id),
            ]
            for position, (kind, author) in enumerate(authors):
                messages.append(
                    {
                        "id": message_id,
                        "conversation_id": conversation_id,
                        "author_kind": kind,
                        "author_id": author,
                        "body": "Hej! Jag har en fråga om övningarna den här veckan.\n\nTack!",
                        "sent_at": asked + timedelta(hours=12 * position),
                        "retracted_at": None,
                        "idempotency_key": f"bench-{message_id}",
                    }
                )
                reader = (
                    ("staff", staff_here[0] or 0) if kind == "citizen" else ("citizen", citizen_id)
                )
                if position < 2 or rng.random() < 0.66:
                    reads.append(
                        {
                            "message_id": message_id,
                            "reader_kind": reader[0],
                            "reader_id": reader[1],
                            "read_at": asked + timedelta(hours=12 * position + 1),
                        }
                    )
                message_id += 1
            conversation_id += 1
            if unit_index == 0 and status == "active" and not patient_enrollment_id:
                patient_enrollment_id = enrollment_id
            citizen_id += 1
            enrollment_id += 1
            if len(enrollments) >= BATCH:
                flush()
    flush()

    citizen_enrollment_id = _john_doe_enrollment(conn, tables, version_id, unit_ids[0], now)
    if conn.dialect.name == "postgresql":
        _advance_sequences(conn, tables.values())
    return Built(
        counts=counts,
        unit_id=unit_ids[0],
        patient_enrollment_id=patient_enrollment_id,
        citizen_enrollment_id=citizen_enrollment_id,
    )


def _john_doe_enrollment(
    conn: Connection, tables: Any, version_id: int, unit_id: int, now: datetime
) -> int:
    """John Doe (the demo citizen) follows the benchmark program, for the citizen's overview."""
    citizen_t, enrollment_t, module_t = (
        tables["citizen"],
        tables["enrollment"],
        tables["enrollment_module"],
    )
    therapist_t, role_t = tables["staff"], tables["role_assignment"]
    citizen_id = conn.scalar(
        select(citizen_t.c.id).where(citizen_t.c.personnummer == "198503142393")
    )
    if citizen_id is None:
        return 0
    therapist_id = conn.scalar(
        select(therapist_t.c.id)
        .join(role_t, role_t.c.staff_id == therapist_t.c.id)
        .where(role_t.c.care_unit_id == unit_id, role_t.c.role == "therapist")
        .order_by(therapist_t.c.id)
    )
    enrollment_id = _next_id(conn, enrollment_t)
    started = now - timedelta(days=10)
    conn.execute(
        insert(enrollment_t),
        [
            {
                "id": enrollment_id,
                "citizen_id": citizen_id,
                "care_unit_id": unit_id,
                "therapist_id": therapist_id,
                "status": "active",
                "started_at": started,
                "ended_at": None,
                "program_version_id": version_id,
                "started_by_id": therapist_id,
                "last_active_at": now - timedelta(days=1),
                "maintenance_at": None,
                "hide_progress": False,
            }
        ],
    )
    _insert(
        conn,
        module_t,
        (
            {
                "enrollment_id": enrollment_id,
                "module_key": f"m{number}",
                "state": "done" if number == 1 else ("open" if number == 2 else "locked"),
                "hidden": False,
                "opened_at": started + timedelta(days=7 * (number - 1)) if number <= 2 else None,
                "completed_at": started + timedelta(days=6) if number == 1 else None,
                "activated_by_id": None,
            }
            for number in range(1, MODULES + 1)
        ),
    )
    return enrollment_id


def _advance_sequences(conn: Connection, tables: Iterable[Any]) -> None:
    """Rows were written with explicit ids: move PostgreSQL's sequences past them."""
    for table in tables:
        if "id" not in table.c:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )
