"""Flags explained: the patient page says what raised each flag the patient list counts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import CareUnit, Citizen, Enrollment

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
    ("lang", "explanation", "item", "result", "count"),
    [
        (
            "sv",
            "Fråga 9 (tankar på att det vore bättre att vara död eller att skada sig själv)",
            "Fråga 9: ”Flera dagar” (1 poäng)",
            "PHQ-9 - formulär om hälsa, depression: 17 (Medelsvåra symtom)",
            "1 flagga",
        ),
        (
            "en",
            "Item 9 (thoughts of being better off dead or of self-harm)",
            "Item 9: “Several days” (1 point)",
            "PHQ-9 - Patient Health Questionnaire: 17 (Moderately severe)",
            "1 flag",
        ),
    ],
)
def test_a_flagged_response_is_explained_on_the_patient_page(
    client, login, lang, explanation, item, result, count
):
    login("staff", TOMMY, unit_id=_unit())
    with client.session_transaction() as browser:
        browser["lang"] = lang
    enrollment = _per_enrollment()
    listing = client.get("/staff/patients?view=mine").get_data(as_text=True)
    assert _list_count(listing, "Per Andersson") == count
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    flags = _flags_section(page)
    assert count in flags  # the page counts what the list counts
    assert flags.count('class="flag"') == 1
    assert explanation in flags
    assert item in flags
    assert result in flags
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
