"""Demo data: regions, care units, staff in every role, citizens. Loading twice changes nothing.

Only loaded by `sob demo`; the demo login provider lists these people and refuses to run when demo
mode is off.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from .. import forms
from ..extensions import db
from ..identity import personnummer
from ..models import (
    CareUnit,
    Citizen,
    Enrollment,
    Form,
    FormAssignment,
    Region,
    RoleAssignment,
    Staff,
)
from . import programs as demo_programs

REGIONS = (("14", "Västra Götalandsregionen"), ("01", "Region Stockholm"))

CARE_UNITS = (
    ("14", "SE2321000131-E000000000101", "Psykiatrimottagning Centrum, Göteborg"),
    ("01", "SE2321000016-E000000000201", "Sömnmottagningen Södermalm"),
)

# (HSA-id, name, e-mail, roles at unit 1, roles at unit 2)
STAFF = (
    ("SE2321000131-P000000000011", "Tommy Skjulsvik", "tommy@example.invalid", ("therapist",), ()),
    (
        "SE2321000131-P000000000012",
        "Anna Berg",
        "anna@example.invalid",
        ("therapist", "citizen_admin"),
        (),
    ),
    (
        "SE2321000131-P000000000013",
        "Maria Lind",
        None,
        ("permission_admin", "citizen_admin", "data_admin"),
        ("permission_admin",),
    ),
    ("SE2321000131-P000000000014", "Erik Holm", None, ("permission_admin", "data_admin"), ()),
    ("SE2321000131-P000000000015", "Sara Ek", None, ("designer", "publisher"), ("designer",)),
    ("SE2321000016-P000000000021", "Johan Sund", None, (), ("therapist", "citizen_admin")),
    ("SE2321000016-P000000000022", "Lena Björk", None, (), ("therapist", "data_admin")),
    ("SE2321000016-P000000000023", "Karin Ström", None, (), ("permission_admin", "citizen_admin")),
    ("SE2321000016-P000000000024", "Olof Dahl", None, (), ("publisher", "data_admin")),
)

# (personnummer, name): test numbers with valid check digits
CITIZENS = (
    ("19850314-2393", "John Doe"),
    ("19920701-2486", "Elin Svensson"),
    ("19780923-2577", "Ahmed Karimi"),
    ("20010211-2687", "Linnea Johansson"),
)


def load() -> dict[str, int]:
    counts = {"regions": 0, "care units": 0, "staff": 0, "roles": 0, "citizens": 0}
    regions = {}
    for code, name in REGIONS:
        region = db.session.scalar(select(Region).where(Region.code == code))
        if region is None:
            region = Region(code=code, name=name)
            db.session.add(region)
            counts["regions"] += 1
        regions[code] = region
    units = []
    for code, hsa_id, name in CARE_UNITS:
        unit = db.session.scalar(select(CareUnit).where(CareUnit.hsa_id == hsa_id))
        if unit is None:
            unit = CareUnit(hsa_id=hsa_id, name=name, region=regions[code])
            db.session.add(unit)
            counts["care units"] += 1
        units.append(unit)
    db.session.flush()
    for hsa_id, name, email, first_roles, second_roles in STAFF:
        staff = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))
        if staff is None:
            staff = Staff(hsa_id=hsa_id, name=name, email=email)
            db.session.add(staff)
            db.session.flush()
            counts["staff"] += 1
        held = {(r.care_unit_id, r.role) for r in staff.roles}
        for unit, roles in ((units[0], first_roles), (units[1], second_roles)):
            for role in roles:
                if (unit.id, role) not in held:
                    staff.roles.append(RoleAssignment(care_unit_id=unit.id, role=role))
                    counts["roles"] += 1
    for number, name in CITIZENS:
        parsed = personnummer.parse(number)
        citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == parsed.number))
        if citizen is None:
            db.session.add(
                Citizen(
                    personnummer=parsed.number,
                    name=name,
                    birth_date=parsed.birth_date,
                    legal_sex=parsed.legal_sex,
                    coordination_number=parsed.coordination,
                )
            )
            counts["citizens"] += 1
    db.session.commit()
    counts.update(_load_forms())
    db.session.commit()
    counts.update(demo_programs.load())
    return counts


def _sv_en(sv: str, en: str) -> dict[str, str]:
    return {"sv": sv, "en": en}


TALK_ABOUT = (
    ("body", "Min kropp", "My body"),
    ("food", "Matproblem", "Eating problems"),
    ("sexuality", "Sexualitet", "Sexuality"),
    ("anger", "Ilska", "Anger"),
    ("low", "Nedstämdhet / ledsen", "Feeling low / sad"),
    ("grief", "Sorg", "Grief"),
    ("stress", "Stress", "Stress"),
    ("worry", "Oro", "Worry"),
    ("anxiety", "Ångest", "Anxiety"),
    ("sleep", "Sömn", "Sleep"),
    ("friends", "Vänner", "Friends"),
)


def _demo_form_definitions(registry) -> list[dict]:
    """Forms citizens can fill in: the scales whose texts ship, a sleep diary, a topic picker."""
    definitions = []
    for scale_id in ("audit", "dudit", "phq-9", "gad-7"):
        scale = registry.scales.get(scale_id)
        if scale is None or "single_choice" not in registry.question_types:
            continue
        definitions.append(
            {
                "key": scale_id,
                "title": dict(scale.name),
                "scale_id": scale_id,
                "questions": forms.scale_questions(db.session, scale),
                "results": [
                    {"key": f"{scale_id}.{sub.id}", "citizen_visible": True}
                    for sub in scale.subscales
                ],
            }
        )
    if "sleep-efficiency" in registry.scales and "duration" in registry.question_types:
        definitions.append(
            {
                "key": "sleep-diary",
                "title": _sv_en(
                    "Sömndagbok – nattens sömneffektivitet",
                    "Sleep diary – the night's sleep efficiency",
                ),
                "intro": _sv_en(
                    "Fyll i dagboken varje morgon, om natten som gick.",
                    "Fill in the diary every morning, about the night that passed.",
                ),
                "scale_id": "sleep-efficiency",
                "questions": [
                    {
                        "key": "bedtime",
                        "type": "time",
                        "required": True,
                        "label": _sv_en("När gick du och lade dig?", "When did you go to bed?"),
                    },
                    {
                        "key": "rise_time",
                        "type": "time",
                        "required": True,
                        "label": _sv_en("När steg du upp?", "When did you get up?"),
                    },
                    {
                        "key": "time_in_bed_min",
                        "type": "duration",
                        "required": True,
                        "label": _sv_en(
                            "Hur länge låg du i sängen totalt?",
                            "How long were you in bed in total?",
                        ),
                    },
                    {
                        "key": "total_sleep_min",
                        "type": "duration",
                        "required": True,
                        "label": _sv_en(
                            "Hur länge sov du totalt?", "How long did you sleep in total?"
                        ),
                    },
                    {
                        "key": "notes",
                        "type": "long_text",
                        "required": False,
                        "label": _sv_en("Något annat om natten?", "Anything else about the night?"),
                    },
                ],
                "results": [
                    {
                        "key": "sleep-efficiency.efficiency",
                        "citizen_visible": True,
                        "label": _sv_en("Nattens sömneffektivitet", "The night's sleep efficiency"),
                        "explanation": _sv_en(
                            "Värdet varierar mellan 0-100 (om inte så har något blivit fel, "
                            "kontrollera de siffror du angivit).",
                            "The value lies between 0 and 100 (if not, something went wrong: check "
                            "the numbers you gave).",
                        ),
                    },
                ],
            }
        )
    if "multiple_choice" in registry.question_types and "number" in registry.question_types:
        definitions.append(
            {
                "key": "talk-about",
                "title": _sv_en("Jag vill prata om", "I want to talk about"),
                "questions": [
                    {
                        "key": "topics",
                        "type": "multiple_choice",
                        "required": True,
                        "label": _sv_en("Jag vill prata om:", "I want to talk about:"),
                        "config": {
                            "options": [
                                {"value": v, "label": _sv_en(sv, en)} for v, sv, en in TALK_ABOUT
                            ],
                            "min_choices": 1,
                            "max_choices": len(TALK_ABOUT),
                        },
                    },
                    {
                        "key": "bad_nights",
                        "type": "number",
                        "required": True,
                        "show_if": {"question": "topics", "equals": "sleep"},
                        "label": _sv_en(
                            "Hur många nätter i veckan sover du dåligt?",
                            "How many nights a week do you sleep badly?",
                        ),
                        "config": {"min": 0, "max": 7, "decimals": 0},
                    },
                ],
            }
        )
    return definitions


def _load_forms() -> dict[str, int]:
    counts = {"forms": 0, "enrollments": 0, "responses": 0}
    host = current_app.extensions["sob"]
    for definition in _demo_form_definitions(host.registry):
        if db.session.scalar(select(Form).where(Form.key == definition["key"])) is None:
            forms.create_form(
                db.session,
                host.registry,
                key=definition["key"],
                title=definition["title"],
                intro=definition.get("intro"),
                questions=definition["questions"],
                results=definition.get("results", ()),
                scale_id=definition.get("scale_id"),
            )
            counts["forms"] += 1
    units = db.session.scalars(select(CareUnit).order_by(CareUnit.id)).all()
    staff = {s.name: s for s in db.session.scalars(select(Staff))}
    people = {c.name: c for c in db.session.scalars(select(Citizen))}
    plan = (
        ("John Doe", 0, "Tommy Skjulsvik", 21),
        ("Elin Svensson", 0, "Tommy Skjulsvik", 2),
        ("Ahmed Karimi", 0, "Anna Berg", 40),
        ("Linnea Johansson", 1, "Johan Sund", 70),
    )
    now = datetime.now(UTC)
    for name, unit_index, therapist, days_ago in plan:
        citizen = people[name]
        exists = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
        if exists is not None:
            continue
        enrollment = Enrollment(
            citizen_id=citizen.id,
            care_unit_id=units[unit_index].id,
            therapist_id=staff[therapist].id,
            started_at=now - timedelta(days=days_ago),
        )
        db.session.add(enrollment)
        db.session.flush()
        counts["enrollments"] += 1
        counts["responses"] += _demo_answers(host, enrollment, staff[therapist], now)
    return counts


def _assign(enrollment: Enrollment, key: str, by: Staff) -> FormAssignment | None:
    form = db.session.scalar(select(Form).where(Form.key == key))
    if form is None:
        return None
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=form.latest.id,
        assigned_by_id=by.id,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _demo_answers(host, enrollment: Enrollment, therapist: Staff, now: datetime) -> int:
    """John Doe's sleep diary shows the seed's three nights (26, 48, 92); PHQ-9 twice.

    The nights fall in his first three weeks of Sömnbehandling: demo_programs links each to the
    sleep-diary item of module 1, 2 and 3.
    """
    submitted = 0
    name = enrollment.citizen.name
    history: list[tuple[str, int, dict]] = []
    if name == "John Doe":
        history = [
            (
                "sleep-diary",
                17,
                {
                    "bedtime": "22:30",
                    "rise_time": "07:00",
                    "time_in_bed_min": 510,
                    "total_sleep_min": 133,
                },
            ),
            (
                "sleep-diary",
                10,
                {
                    "bedtime": "23:00",
                    "rise_time": "07:00",
                    "time_in_bed_min": 480,
                    "total_sleep_min": 230,
                },
            ),
            (
                "sleep-diary",
                1,
                {
                    "bedtime": "23:30",
                    "rise_time": "06:30",
                    "time_in_bed_min": 420,
                    "total_sleep_min": 386,
                },
            ),
            ("phq-9", 14, {str(i): "2" for i in range(1, 9)} | {"9": "0"}),
            ("phq-9", 1, {str(i): "1" for i in range(1, 9)} | {"9": "0"}),
        ]
    elif name == "Elin Svensson":
        history = [("gad-7", 1, {str(i): "2" for i in range(1, 8)})]
    for key, days_ago, answers in history:
        assignment = _assign(enrollment, key, therapist)
        if assignment is None:
            continue
        response = forms.open_response(db.session, assignment)
        forms.submit(db.session, host, response, answers)
        moment = now - timedelta(days=days_ago)
        response.submitted_at = moment
        for result in response.results:
            result.at = moment
        submitted += 1
    # Something left to fill in, so the citizen's start page has work waiting.
    if name in ("John Doe", "Linnea Johansson"):
        for key in ("sleep-diary", "talk-about"):
            _assign(enrollment, key, therapist)
    return submitted


def demo_people(audience: str) -> list[tuple[str, str, str]]:
    """The demo people present in the database: ``(identifier, name, description)``."""
    if audience == "staff":
        rows = db.session.scalars(
            select(Staff).where(Staff.hsa_id.in_([s[0] for s in STAFF])).order_by(Staff.name)
        )
        out = []
        for staff in rows:
            roles = sorted({r.role for r in staff.roles})
            out.append((staff.hsa_id, staff.name, ", ".join(roles)))
        return out
    numbers = [personnummer.parse(n).number for n, _ in CITIZENS]
    rows = db.session.scalars(
        select(Citizen).where(Citizen.personnummer.in_(numbers)).order_by(Citizen.name)
    )
    return [(c.personnummer, c.name, c.formatted_personnummer) for c in rows]
