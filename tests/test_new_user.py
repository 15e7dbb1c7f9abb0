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
