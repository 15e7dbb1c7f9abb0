"""Guardians in a real browser: a citizen administrator records that John Doe is the guardian of
a child under 13 (a mistyped number first comes back with its message); John signs in with his
own login, chooses the child, sees the child's pages with the acting notice, and switches back.
Every page gets the structure, CSP and axe-core checks."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import CITIZEN, FIRST_UNIT, check_page, csp_violations

from sob_core.enrollments.clock import local_date
from sob_core.identity.personnummer import luhn_digit

pytestmark = pytest.mark.browser
CITIZEN_ADMIN = "SE2321000131-P000000000012"  # Anna Berg
CHILD_NAME = "Lisa Webbläsarsdotter"


def child_number() -> str:
    today = local_date(datetime.now(UTC))
    born = date(today.year - 8, 1, 15)
    check = luhn_digit(born.strftime("%y%m%d") + "382")
    return f"{born:%Y%m%d}-382{check}"


def checked(page) -> None:
    assert csp_violations(page) == [], f"CSP violations on {page.url}"
    check_page(page)


def click(page, locator) -> None:
    expect(locator).to_be_visible()
    with page.expect_navigation():
        locator.click()
    checked(page)


def sign_in_demo(page, audience: str, identifier: str) -> None:
    page.goto(f"/auth/demo/?audience={audience}")
    form = page.locator(f"main form:has(input[name=identifier][value='{identifier}'])")
    with page.expect_navigation():
        form.get_by_role("button").click()
    if "/staff/unit" in page.url:
        page.get_by_label(FIRST_UNIT).check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()


def sign_out(page) -> None:
    with page.expect_navigation():
        page.locator("header form.logout button").click()


def test_a_guardian_acts_for_her_child_and_switches_back(page, live_server):
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import Guardianship

    main = page.locator("main")
    try:
        sign_in_demo(page, "staff", CITIZEN_ADMIN)
        click(page, page.locator("header nav a", has_text="Administration"))
        click(page, main.get_by_role("link", name="Vårdnadshavare"))
        main.get_by_label("Vårdnadshavarens personnummer").fill("19850314-2394")
        main.get_by_label("Barnets personnummer").fill(child_number())
        main.get_by_label("Barnets namn (om barnet inte är registrerat ännu)").fill(CHILD_NAME)
        click(page, main.get_by_role("button", name="Spara vårdnaden"))
        expect(main.locator("#error-summary")).to_contain_text("inte giltigt")
        main.get_by_label("Vårdnadshavarens personnummer").fill("19850314-2393")
        click(page, main.get_by_role("button", name="Spara vårdnaden"))
        expect(main.locator("table")).to_contain_text(CHILD_NAME)
        sign_out(page)

        sign_in_demo(page, "citizen", CITIZEN[0])
        click(page, page.locator("header nav a", has_text="Barn i min vårdnad"))
        click(page, main.get_by_role("button", name=f"Företräd {CHILD_NAME}"))
        acting = main.locator("section.acting")
        expect(acting).to_contain_text(CHILD_NAME)
        expect(page.locator("header .who")).to_have_text(CHILD_NAME)
        page.goto("/citizen/messages")
        expect(acting).to_be_visible()
        checked(page)
        click(page, acting.get_by_role("button", name="Tillbaka till mina egna sidor"))
        expect(main.locator("section.acting")).to_have_count(0)
        expect(page.locator("header .who")).to_have_text(CITIZEN[1])
    finally:
        with live_server.app.app_context():
            for row in db.session.scalars(select(Guardianship)):
                db.session.delete(row)
            db.session.commit()
            db.session.remove()
