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
