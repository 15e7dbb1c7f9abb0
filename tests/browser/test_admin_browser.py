"""Administration in a real browser: a permission administrator adds a staff member new to the
platform and makes her a therapist, who signs in and starts an enrollment; a citizen
administrator writes a banner that the unit's citizen sees, hides for her visit, and that is
gone after its last day. Every page gets the structure, CSP and axe-core checks."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import (
    CITIZEN,
    PASSWORD,
    PASSWORD_STAFF,
    checked,
    choose_first_unit,
    click,
    sign_out,
)

pytestmark = pytest.mark.browser
CITIZEN_ADMIN = ("SE2321000131-P000000000012", "Anna Berg")
NEW_STAFF = ("SE2321000131-P000000000077", "Nora Nilsson")
NEW_PATIENT = ("19750615-0007", "Vera Viklund")
BANNER = "Mottagningen har stängt under jullovet – ring 1177 vid behov"


def sign_in_with_password(page, hsa_id: str) -> None:
    page.goto("/auth/password/")
    page.get_by_label("HSA-id").fill(hsa_id)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    choose_first_unit(page)


def sign_in_demo(page, audience: str, identifier: str) -> None:
    page.goto(f"/auth/demo/?audience={audience}")
    form = page.locator(f"main form:has(input[name=identifier][value='{identifier}'])")
    with page.expect_navigation():
        form.get_by_role("button").click()
    choose_first_unit(page)


def test_a_new_staff_member_is_made_therapist_and_starts_an_enrollment(page, live_server):
    from sob_auth.password import hash_password

    from sob_core import save_credential
    from sob_core.extensions import db

    main = page.locator("main")
    # Erik Holm, permission administrator of the first unit, signs in with his password
    sign_in_with_password(page, PASSWORD_STAFF[0])
    click(page, page.locator("header nav").get_by_role("link", name="Administration", exact=True))
    click(page, main.get_by_role("link", name="Medarbetare och roller"))
    expect(main.locator("table")).to_contain_text("Tommy Skjulsvik")
    click(page, main.get_by_role("link", name="Lägg till en medarbetare"))

    # a mistyped HSA-id comes back with the message by the field
    main.get_by_label("HSA-id").fill("SE232-felskrivet")
    main.get_by_label("Namn").fill(NEW_STAFF[1])
    main.get_by_label("Behandlare").check()
    click(page, main.get_by_role("button", name="Lägg till medarbetaren"))
    expect(main.locator("#error-summary")).to_contain_text("HSA-katalogen")
    expect(main.get_by_label("HSA-id")).to_have_attribute("aria-invalid", "true")

    main.get_by_label("HSA-id").fill(NEW_STAFF[0])
    expect(main.get_by_label("Namn")).to_have_value(NEW_STAFF[1])
    click(page, main.get_by_role("button", name="Lägg till medarbetaren"))
    expect(main.locator("h1")).to_have_text(f"Roller för {NEW_STAFF[1]}")
    expect(main.get_by_label("Behandlare")).to_be_checked()
    click(page, main.get_by_role("link", name="Tillbaka till medarbetare och roller"))
    click(page, main.get_by_role("link", name="Logg över rolländringar"))
    expect(main.locator("table")).to_contain_text(NEW_STAFF[1])
    expect(main.locator("table")).to_contain_text("Gav rollen Behandlare")
    sign_out(page)

    # the operator gives her a password (as `sob auth password set` does); she signs in
    with live_server.app.app_context():
        save_credential("password", NEW_STAFF[0], {"hash": hash_password(PASSWORD)})
        db.session.commit()
        db.session.remove()
    sign_in_with_password(page, NEW_STAFF[0])
    expect(page.locator("header .who")).to_have_text(NEW_STAFF[1])
    checked(page)
    page.goto("/staff/enrollments/new")
    checked(page)
    main.locator("#personnummer").fill(NEW_PATIENT[0])
    main.locator("#name").fill(NEW_PATIENT[1])
    main.locator("#program_version").select_option(index=0)
    expect(main.locator("#therapist option:checked")).to_have_text(NEW_STAFF[1])
    click(page, main.locator("form button[type=submit]"))
    assert re.search(r"/staff/patients/\d+$", page.url), page.url
    expect(main).to_contain_text(NEW_PATIENT[1])


def test_a_banner_shows_to_the_units_citizen_until_its_last_day(page, live_server):
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import Banner

    main = page.locator("main")
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    sign_in_demo(page, "staff", CITIZEN_ADMIN[0])
    click(page, page.locator("header nav").get_by_role("link", name="Administration", exact=True))
    click(page, main.get_by_role("link", name="Informationsbanderoller"))
    main.get_by_label("Text på svenska").fill(BANNER)
    main.get_by_label("Första dagen den visas").fill(today.isoformat())
    main.get_by_label("Sista dagen den visas").fill((today - timedelta(days=1)).isoformat())
    click(page, main.get_by_role("button", name="Spara informationsbanderollen"))
    expect(main.locator("#error-summary")).to_contain_text("Den sista dagen")
    main.get_by_label("Sista dagen den visas").fill((today + timedelta(days=2)).isoformat())
    click(page, main.get_by_role("button", name="Spara informationsbanderollen"))
    expect(main.locator("table")).to_contain_text(BANNER)
    expect(main.locator("table")).to_contain_text("Visas nu")
    click(page, main.get_by_role("link", name="Redigera").first)
    click(page, main.get_by_role("link", name="Tillbaka till informationsbanderollerna"))
    click(page, main.get_by_role("link", name="Tillbaka till administrationen"))
    click(page, main.get_by_role("link", name="Översikt över enhetens moment och händelser"))
    expect(main.locator("#unit-events-caption")).to_be_visible()
    expect(main.locator("table").last).to_contain_text(CITIZEN[1])
    sign_out(page)

    try:
        sign_in_demo(page, "citizen", CITIZEN[0])
        banner = main.locator("section.banners .banner", has_text=BANNER)
        expect(banner).to_be_visible()
        checked(page)
        page.goto("/citizen/messages")
        expect(banner).to_be_visible()
        checked(page)
        # hidden for the rest of this visit, without JavaScript: a form
        click(page, banner.get_by_role("button", name="Dölj"))
        assert page.url.endswith("/citizen/messages"), page.url
        expect(main.locator("section.banners")).to_have_count(0)
        page.goto("/citizen/")
        expect(main.locator("section.banners")).to_have_count(0)
        sign_out(page)

        # a new visit shows it again; after its last day it is gone
        sign_in_demo(page, "citizen", CITIZEN[0])
        expect(banner).to_be_visible()
        with live_server.app.app_context():
            row = db.session.scalar(select(Banner).where(Banner.text["sv"].as_string() == BANNER))
            assert row is not None
            row.starts_on = today - timedelta(days=3)
            row.ends_on = today - timedelta(days=1)  # as if two days had passed
            db.session.commit()
            db.session.remove()
        page.reload()
        expect(main.locator("section.banners")).to_have_count(0)
        checked(page)
    finally:
        with live_server.app.app_context():
            for row in db.session.scalars(select(Banner)):
                db.session.delete(row)
            db.session.commit()
            db.session.remove()
