"""Defects a new user met (issue 8, item 13): what the pages say must tell things apart."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import Citizen, Enrollment

JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _headings(page: str) -> list[str]:
    """The text of every heading and table header cell: what a screen reader lists as headings."""
    return [_text(m[1]) for m in re.findall(r"<(h[1-6]|th|caption)\b[^>]*>(.*?)</\1>", page, re.S)]


def _johns_enrollment() -> Enrollment:
    return db.session.scalar(
        select(Enrollment)
        .join(Citizen)
        .where(Citizen.personnummer == JOHN, Enrollment.program_version_id.is_not(None))
    )


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_patient_page_has_no_two_headings_alike(client, login, lang):
    client.get(f"/lang/{lang}")
    login("staff", TOMMY)
    page = client.get(f"/staff/patients/{_johns_enrollment().id}").get_data(as_text=True)
    headings = _headings(page)
    assert len(headings) > 8, headings
    repeated = sorted({h for h in headings if headings.count(h) > 1})
    assert repeated == [], f"headings used twice on the patient page: {repeated}"


# --- over-long text: the limit is said, a longer text is refused with a message, never cut -------

SARA = "SE2321000131-P000000000015"  # designer + publisher at the first unit


def _first_unit() -> int:
    from sob_core.models import CareUnit

    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()


@pytest.mark.parametrize(
    ("lang", "limit", "refused"),
    [
        (
            "sv",
            "Högst 200 tecken.",
            "Texten får vara högst 200 tecken lång, nu är den 201. Korta den och försök igen.",
        ),
        (
            "en",
            "At most 200 characters.",
            "The text may be at most 200 characters long; it is 201. Shorten it and try again.",
        ),
    ],
)
def test_an_over_long_text_is_refused_with_a_message(client, login, lang, limit, refused):
    from sob_core.models import Program
    from sob_core.testing import csrf_from

    client.get(f"/lang/{lang}")
    login("staff", SARA, unit_id=_first_unit())
    page = client.get("/design/programs/new").get_data(as_text=True)
    name_input = re.search(r"<input[^>]*\bname=\"name\"[^>]*>", page).group(0)
    assert "maxlength" not in name_input  # a browser would cut a pasted text there, silently
    assert f'<p class="hint" id="name-limit">{limit}</p>' in page
    assert "name-limit" in re.search(r'aria-describedby="([^"]*)"', name_input).group(1)
    too_long = "Sömn" * 50 + "!"  # 201 characters
    answer = client.post(
        "/design/programs/new",
        data={
            "csrf_token": csrf_from(page),
            "key": "lang-text",
            "kind": "support",
            "name": too_long,
            "recommended_days": "28",
        },
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert refused in html_lib.unescape(html)
    assert f'value="{too_long}"' in html  # the text comes back whole, to be shortened
    assert db.session.scalar(select(Program).where(Program.key == "lang-text")) is None


def test_no_text_input_of_the_web_cuts_text_silently():
    """Every WTForms text field of the web with a length limit uses MaxLength (no maxlength
    attribute, a message in the user's language); WTForms' Length is not used."""
    from pathlib import Path

    web = Path(__file__).resolve().parent.parent / "sob_core" / "web"
    users = [
        p.relative_to(web) for p in web.rglob("*.py") if re.search(r"\bLength\(", p.read_text())
    ]
    assert users == []


# --- same names told apart ----------------------------------------------------------------------


def _copy_form(key: str, new_key: str):
    """A second form with the same title as ``key`` (as an import of a copy makes)."""
    from sob_core.models import Form, FormVersion

    original = db.session.scalar(select(Form).where(Form.key == key)).latest
    copy = Form(key=new_key)
    db.session.add(copy)
    db.session.flush()
    db.session.add(
        FormVersion(
            form=copy,
            version=1,
            title=dict(original.title),
            intro=dict(original.intro or {}),
            definition=original.definition,
        )
    )
    db.session.commit()
    return original.title["sv"]


def _options(page: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    return [_text(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", select_html, re.S)]


def test_forms_of_one_title_are_told_apart_where_staff_send_them(client, login):
    title = _copy_form("sleep-diary", "sleep-diary-copy")
    login("staff", TOMMY)
    page = client.get(f"/staff/patients/{_johns_enrollment().id}").get_data(as_text=True)
    options = _options(page, "form_id")
    assert f"{title} (sleep-diary)" in options and f"{title} (sleep-diary-copy)" in options
    assert title not in options
    assert "Jag vill prata om" in options  # a title of its own stays as it is
    assert len(set(options)) == len(options)


def test_forms_of_one_title_are_told_apart_in_the_design_tool(client, login):
    from sob_core.web.design.common import usable_forms

    title = _copy_form("sleep-diary", "sleep-diary-copy")
    with client.application.test_request_context():
        labels = [c.label for c in usable_forms()]
    assert f"{title} (sleep-diary)" in labels and f"{title} (sleep-diary-copy)" in labels
    assert len(set(labels)) == len(labels)


def test_the_citizen_tells_apart_forms_of_one_title_from_two_programmes(client, login):
    from datetime import UTC, datetime

    from sob_core import enrollments
    from sob_core.enrollments import assignments
    from sob_core.models import CareUnit, Form, Program, ProgramVersion, Staff

    login("citizen", JOHN)
    john = _johns_enrollment()
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    other = db.session.scalar(
        select(ProgramVersion)
        .join(Program)
        .where(Program.key == "infor-operation", ProgramVersion.status == "published")
    )
    unit = db.session.scalar(
        select(CareUnit).where(CareUnit.id == other.program.owner_care_unit_id)
    )
    second = enrollments.start(
        db.session,
        citizen_id=john.citizen_id,
        program_version_id=other.id,
        care_unit_id=unit.id,
        therapist_id=tommy.id,
        started_by_id=tommy.id,
        now=datetime.now(UTC),
    )
    diary = db.session.scalar(select(Form).where(Form.key == "talk-about"))
    assignments.send_form(db.session, john, diary, tommy.id)
    assignments.send_form(db.session, second, diary, tommy.id)
    db.session.commit()
    page = client.get("/citizen/").get_data(as_text=True)
    forms = re.search(r'<section aria-labelledby="forms-heading">(.*?)</section>', page, re.S)
    labels = [_text(a) for a in re.findall(r"<a [^>]*>(.*?)</a>", forms.group(1), re.S)]
    assert "Jag vill prata om (Sömnbehandling)" in labels, labels
    assert "Jag vill prata om (Inför din operation – patientutbildning)" in labels, labels
    assert "Jag vill prata om" not in labels


def test_programmes_of_one_name_are_told_apart_when_staff_start_one(app, client, login):
    from sob_core import programs
    from sob_core.demo import loader
    from sob_core.models import CareUnit, Program

    login("staff", TOMMY)
    original = db.session.scalar(select(Program).where(Program.key == "infor-operation"))
    unit = db.session.get(CareUnit, original.owner_care_unit_id)
    document = loader.prepare(
        db.session,
        app.extensions["sob"].registry,
        loader.read("infor-operation-1.0.sob-program.json"),
        [],
    )
    programs.import_program(
        db.session,
        app.extensions["sob"].registry,
        document,
        care_unit_id=unit.id,
        key="infor-operation-kopia",
    )
    db.session.commit()
    login("staff", TOMMY, unit_id=unit.id)
    options = _options(
        client.get("/staff/enrollments/new").get_data(as_text=True), "program_version"
    )
    name = "Inför din operation – patientutbildning (version 1.0)"
    assert f"{name} (infor-operation)" in options, options
    assert f"{name} (infor-operation-kopia)" in options, options
    assert len(set(options)) == len(options)


def test_tell_apart_keeps_unique_names_and_asks_only_for_shared_ones():
    from sob_core.web.labels import tell_apart

    asked: list[str] = []

    def qualifier(entry: tuple[str, str]) -> str:
        asked.append(entry[1])
        return entry[1]

    entries = [("Sömndagbok", "a"), ("PHQ-9", "b"), ("sömndagbok", "c"), ("Oro", "")]
    labels = tell_apart(entries, lambda e: e[0], qualifier)
    assert labels == ["Sömndagbok (a)", "PHQ-9", "sömndagbok (c)", "Oro"]
    assert asked == ["a", "c"]
    # one thing listed twice (two versions of one programme) keeps its bare name
    same = [("Sömnbehandling", "somn"), ("Sömnbehandling", "somn"), ("Oro", "oro")]
    assert tell_apart(same, lambda e: e[0], lambda e: e[1]) == [
        "Sömnbehandling",
        "Sömnbehandling",
        "Oro",
    ]


def test_the_patient_list_tells_apart_programmes_of_one_name(app, client, login):
    test_programmes_of_one_name_are_told_apart_when_staff_start_one(app, client, login)
    from datetime import UTC, datetime

    from sob_core import enrollments
    from sob_core.models import Citizen, Program, ProgramVersion, Staff

    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    copy = db.session.scalar(
        select(ProgramVersion).join(Program).where(Program.key == "infor-operation-kopia")
    )
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollments.start(
        db.session,
        citizen_id=citizen.id,
        program_version_id=copy.id,
        care_unit_id=copy.program.owner_care_unit_id,
        therapist_id=tommy.id,
        started_by_id=tommy.id,
        now=datetime.now(UTC),
    )
    db.session.commit()
    page = client.get("/staff/patients?view=all").get_data(as_text=True)
    text = _text(page)
    name = "Inför din operation – patientutbildning"
    assert f"{name} (infor-operation-kopia) (version 1.0)" in text
    assert f"{name} (infor-operation) (version 1.0)" in text


def test_an_over_long_patient_search_is_refused_with_a_message_not_cut(client, login):
    """The patient search answers a text over its limit with a message and the text kept, and
    does not search for a cut-off prefix of it."""
    from sob_core.web.staff.listing import MAX_SEARCH

    client.get("/lang/sv")
    login("staff", TOMMY)
    text = "Doe" + "x" * MAX_SEARCH
    page = client.get("/staff/patients", query_string={"view": "all", "q": text})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'role="alert"' in html and f"högst {MAX_SEARCH} tecken" in html
    assert f'value="{text}"' in html and 'aria-invalid="true"' in html
    within = client.get("/staff/patients", query_string={"view": "all", "q": "Doe"})
    assert 'role="alert"' not in within.get_data(as_text=True)
