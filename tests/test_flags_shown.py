"""Flags explained: the patient page says what raised each open flag the patient list counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from sob_core import events
from sob_core.extensions import db
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    Flag,
    Form,
    FormAssignment,
    FormResponse,
    Result,
)

TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1; Per Andersson's therapist
PER = "195508232153"  # the demo's flagged PHQ-9: item 9 answered "Flera dagar", total 17


def _unit() -> int:
    return db.session.scalar(select(CareUnit.id).order_by(CareUnit.id))


def _per_enrollment() -> Enrollment:
    return db.session.scalar(select(Enrollment).join(Citizen).where(Citizen.personnummer == PER))


def _list_count(html: str, name: str) -> str:
    rows = dict(
        re.findall(r'<tr>\s*<td><a href="/staff/patients/\d+">([^<]+)</a>(.*?)</tr>', html, re.S)
    )
    found = re.search(r'class="flag-count">([^<]+)<', rows[name])
    return found.group(1) if found else ""


def _flags_section(html: str) -> str:
    return html.split('id="flags-heading"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize(
    ("lang", "explanation", "item", "result", "count", "open_count", "kind"),
    [
        (
            "sv",
            "Fråga 9 (tankar på att det vore bättre att vara död eller att skada sig själv)",
            "Fråga 9: ”Flera dagar” (1 poäng)",
            "PHQ-9 - formulär om hälsa, depression, ",
            "1 flagga",
            "1 öppen flagga",
            '<span aria-hidden="true">‼</span> Kritisk fråga',
        ),
        (
            "en",
            "Item 9 (thoughts of being better off dead or of self-harm)",
            "Item 9: “Several days” (1 point)",
            "PHQ-9 - Patient Health Questionnaire, ",
            "1 flag",
            "1 open flag",
            '<span aria-hidden="true">‼</span> Critical item',
        ),
    ],
)
def test_a_flagged_response_is_explained_on_the_patient_page(
    client, login, lang, explanation, item, result, count, open_count, kind
):
    login("staff", TOMMY, unit_id=_unit())
    with client.session_transaction() as browser:
        browser["lang"] = lang
    enrollment = _per_enrollment()
    listing = client.get("/staff/patients?view=mine").get_data(as_text=True)
    assert _list_count(listing, "Per Andersson") == count
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    flags = _flags_section(page)
    assert open_count in flags  # the page counts what the list counts
    assert flags.count('class="flag"') == 1
    assert kind in flags and kind in listing  # the kind as a symbol with its text
    assert explanation in flags
    assert item in flags
    assert result in flags
    assert re.search(r"\d{4}-\d\d-\d\d: 17 \((Medelsvåra symtom|Moderately severe)\)", flags)
    link = re.search(r'href="(/staff/patients/\d+/responses/\d+)"', flags)
    assert link is not None
    answers = client.get(link.group(1))
    assert answers.status_code == 200


def test_an_unflagged_patient_has_no_flags(client, login):
    login("staff", TOMMY, unit_id=_unit())
    listing = client.get("/staff/patients?view=mine").get_data(as_text=True)
    names = re.findall(
        r'<tr>\s*<td><a href="/staff/patients/(\d+)">([^<]+)</a>(.*?)</tr>', listing, re.S
    )
    unflagged = [(i, n) for i, n, row in names if "flag-count" not in row]
    assert unflagged
    page = client.get(f"/staff/patients/{unflagged[0][0]}").get_data(as_text=True)
    assert "Inga flaggor." in _flags_section(page)


def _submit_scored(enrollment, number: int, raised: list[str], item_9: str) -> None:
    """A PHQ-9 response with a result raising ``raised``, announced as the scoring does."""
    form = db.session.scalar(select(Form).where(Form.key == "phq-9"))
    now = datetime.now(UTC)
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=form.latest.id,
        status="done",
    )
    db.session.add(assignment)
    db.session.flush()
    answers = {str(i): {"type": "single_choice", "value": "0"} for i in range(1, 10)}
    answers["9"] = {"type": "single_choice", "value": item_9}
    response = FormResponse(
        form_version_id=form.latest.id,
        citizen_id=enrollment.citizen_id,
        assignment_id=assignment.id,
        status="submitted",
        submission_key=f"flags-shown-{number}",
        answers=answers,
        submitted_at=now,
    )
    db.session.add(response)
    db.session.flush()
    result = Result(
        response_id=response.id,
        citizen_id=enrollment.citizen_id,
        form_id=form.id,
        key="phq-9.total",
        value=3,
        band="none-minimal",
        flags=raised,
        at=now,
    )
    db.session.add(result)
    db.session.flush()
    events.result_recorded.send(
        db.session,
        response_id=response.id,
        citizen_id=enrollment.citizen_id,
        result_ids=[result.id],
    )
    db.session.commit()


def test_the_page_lists_each_open_flag_the_list_counts(client, login):
    """A slug the scale does not explain is a flag of its own; the one still held is not raised
    again; a later response without flags clears them, but they stay open until handled."""
    enrollment = _per_enrollment()
    _submit_scored(enrollment, 0, ["item-9-positive", "other"], item_9="0")
    login("staff", TOMMY, unit_id=_unit())
    listing = client.get("/staff/patients?view=mine").get_data(as_text=True)
    assert _list_count(listing, "Per Andersson") == "2 flaggor"
    assert "Kritisk fråga (2)" in listing
    flags = _flags_section(client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True))
    assert "2 öppna flaggor" in flags
    assert flags.count('class="flag"') == 2
    assert "Flagga ”other”" in flags  # a slug without a text is named, not hidden
    _submit_scored(enrollment, 1, [], item_9="0")
    held = db.session.scalars(select(Flag).where(Flag.enrollment_id == enrollment.id)).all()
    assert len(held) == 2 and all(f.active_key is None and f.cleared_at for f in held)
    assert {f.status for f in held} == {"new"}
    listing = client.get("/staff/patients?view=mine").get_data(as_text=True)
    assert _list_count(listing, "Per Andersson") == "2 flaggor"
