"""Reminders in a real browser: a therapist sets a staff reminder on the patient page, is told
what is wrong with a day that has passed, sees it listed and cancels it; a designer gives a
draft the suggested reminder rule. Every page gets the structure, CSP and axe-core checks."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import CITIZEN, THERAPIST, checked, click, sign_in

pytestmark = pytest.mark.browser
DESIGNER = ("SE2321000131-P000000000015", "Sara Ek")


def test_a_therapist_sets_and_cancels_a_staff_reminder(page):
    main = page.locator("main")
    note = f"Ring upp efter semestern {secrets.token_hex(3)}"
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    sign_in(page, "staff", THERAPIST)
    page.goto("/staff/patients?view=all")
    click(page, main.locator("tr", has_text=CITIZEN[1]).locator("a").first)
    panel = main.locator("section.staff-reminders")
    expect(panel.get_by_role("heading", name="Påminnelser för personal")).to_be_visible()

    # A day that has passed: the page comes back with the message by the field.
    panel.get_by_label("Dag", exact=True).fill((today - timedelta(days=1)).isoformat())
    panel.get_by_label("Anteckning").fill(note)
    click(page, panel.get_by_role("button", name="Sätt påminnelsen"))
    expect(main.locator("#error-summary")).to_contain_text("Dagen har passerat")
    day_field = main.get_by_label("Dag", exact=True)
    expect(day_field).to_have_attribute("aria-invalid", "true")
    expect(main.get_by_label("Anteckning")).to_have_value(note)

    # In two weeks, with the daily summary.
    day = (today + timedelta(days=14)).isoformat()
    day_field.fill(day)
    main.get_by_label("Ta med i mitt dagliga sammanfattningsmejl").check()
    click(page, main.get_by_role("button", name="Sätt påminnelsen"))
    expect(main).to_contain_text(f"Påminnelsen är satt till {day}.")
    row = main.locator("section.staff-reminders li", has_text=note)
    expect(row).to_contain_text(day)
    expect(row).to_contain_text("Planerad")
    expect(row).to_contain_text("i den dagliga sammanfattningen")

    click(page, row.get_by_role("button", name="Ta bort påminnelsen"))
    expect(main).to_contain_text("Påminnelsen togs bort.")
    expect(main.locator("section.staff-reminders")).not_to_contain_text(note)


def test_a_designer_gives_a_draft_the_suggested_reminders(page):
    main = page.locator("main")
    sign_in(page, "staff", DESIGNER)
    page.goto("/design/")
    checked(page)
    click(page, main.locator("a[href^='/design/programs/']:not([href$='/new'])").first)
    edit = main.get_by_role("link", name="Redigera utkastet")
    if edit.count() == 0:
        click(page, main.get_by_role("button", name="Påbörja ett nytt utkast"))
    else:
        click(page, edit)
    click(page, main.get_by_role("link", name="Påminnelser", exact=True))
    expect(main.get_by_role("heading", level=1)).to_have_text("Påminnelser")
    suggested = main.get_by_role("button", name="Använd de föreslagna påminnelserna")
    if suggested.count():
        click(page, suggested)
        expect(main).to_contain_text("De föreslagna påminnelserna lades till.")
    expect(main.locator("table")).to_contain_text("0, 2, 5")

    # Six reminders are refused with the reason by the field.
    main.get_by_label("Dagar efter öppnandet").fill("0, 1, 2, 3, 4, 5")
    main.get_by_label("Regelns nyckel").fill(f"r{secrets.token_hex(2)}")
    click(page, main.get_by_role("button", name="Lägg till regeln"))
    expect(main.locator("#error-summary")).to_contain_text("högst 5 påminnelser")
    expect(main.get_by_label("Dagar efter öppnandet")).to_have_attribute("aria-invalid", "true")
