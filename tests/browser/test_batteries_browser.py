"""Batteries in a real browser: the therapist schedules a battery for a patient, previews the
planned times before saving, saves, starts an extra measurement and stops the battery; every page
gets the structure, CSP and axe-core checks."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import CITIZEN, THERAPIST
from test_messages_browser import checked, click, sign_in

from sob_core.enrollments.clock import local_date

pytestmark = pytest.mark.browser


def test_schedule_preview_save_extra_and_stop(page):
    main = page.locator("main")
    sign_in(page, "staff", THERAPIST)
    page.goto("/staff/patients?view=all")
    checked(page)
    click(page, main.get_by_role("link", name=CITIZEN[1]).first)
    panel = main.locator("section.batteries")
    expect(panel.get_by_role("heading", name="Mätbatterier")).to_be_visible()

    # Schedule a weekly battery of one form, and look at the planned times first.
    schedule = panel.locator("form:has(button[value=preview])")
    what = schedule.get_by_label("Mätbatteri eller formulär")
    form_choice = what.locator("option[value^='f:']").first.get_attribute("value")
    what.select_option(form_choice)
    schedule.get_by_label("Återkommande").check()
    start = (local_date(datetime.now(UTC)) + timedelta(days=1)).isoformat()
    schedule.get_by_label("Startdatum").fill(start)
    schedule.get_by_label("Intervall i dagar").fill("7")
    schedule.get_by_label("Tid", exact=True).fill("07:45")
    schedule.get_by_label("Antal gånger").fill("3")
    click(page, schedule.get_by_role("button", name="Förhandsgranska"))
    preview = main.locator("section.battery-preview")
    expect(preview.get_by_role("heading", name="Planerade tider")).to_be_visible()
    expect(preview.locator("li")).to_have_count(3)
    expect(preview.locator("li").first).to_contain_text(f"{start} 07:45")

    # Save: back on the patient page the battery runs with its next time planned.
    click(page, main.get_by_role("button", name="Spara"))
    expect(main.locator(".flash, [role=status], .notice").first).to_contain_text("schemalades")
    battery = main.locator("section.batteries article.battery").last
    expect(battery).to_contain_text("Med 7 dagars mellanrum kl. 07:45, 3 gånger")
    expect(battery.locator("td").nth(1)).to_have_text(f"{start} 07:45")

    # An extra measurement now: the form is handed out at once.
    extra = main.locator("form[action$='/batteries/extra']")
    extra.get_by_label("Mätbatteri eller formulär").select_option(form_choice)
    click(page, extra.get_by_role("button", name="Starta extramätning nu"))
    expect(main).to_contain_text("Extramätningen skickades till patienten.")
    expect(main.locator("section.batteries")).to_contain_text("Öppen: skickad till patienten")

    # Stop the scheduled battery.
    stop = main.locator("section.batteries article.battery", has_text="07:45").get_by_role(
        "button", name=re.compile("^Stoppa")
    )
    click(page, stop)
    expect(main).to_contain_text("Mätbatteriet stoppades.")
    expect(main.locator("section.batteries")).not_to_contain_text("07:45")
