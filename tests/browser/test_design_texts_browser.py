"""The rest of the design tool in a real browser: a content item's English fields, the page of who
may start an open programme (with its errors by the fields), and the confirmation page for
retiring a version. Every page gets the structure, CSP and axe-core checks."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import checked, click, sign_in

pytestmark = pytest.mark.browser
PUBLISHER = ("SE2321000131-P000000000015", "Sara Ek")  # designer and publisher at the first unit


def open_program(page) -> None:
    main = page.locator("main")
    page.goto("/design/")
    checked(page)
    click(page, main.locator("a[href^='/design/programs/']:not([href$='/new'])").first)


def test_eligibility_page_and_the_retire_confirmation(page):
    main = page.locator("main")
    sign_in(page, "staff", PUBLISHER)
    open_program(page)
    click(page, main.get_by_role("link", name="Vem som får starta programmet"))
    main.get_by_label("Lägsta ålder").fill("60")
    main.get_by_label("Högsta ålder").fill("20")
    click(page, main.get_by_role("button", name="Spara", exact=True))
    expect(main.locator("#error-summary")).to_contain_text("Den högsta åldern")
    expect(main.get_by_label("Högsta ålder")).to_have_attribute("aria-invalid", "true")
    click(page, main.get_by_role("link", name="Avbryt"))

    # The confirmation page; going back changes nothing.
    retire = main.get_by_role("link", name=re.compile(r"^Dra tillbaka \d+\.\d+$")).first
    click(page, retire)
    expect(main.get_by_role("heading", level=1)).to_contain_text("Dra tillbaka version")
    expect(main).to_contain_text("Inskrivningar som redan går på den behåller den")
    click(page, main.get_by_role("link", name="Nej, gå tillbaka"))
    expect(main).not_to_contain_text("Tillbakadragen")


def test_a_content_item_has_english_fields_beside_the_swedish(page):
    main = page.locator("main")
    sign_in(page, "staff", PUBLISHER)
    open_program(page)
    edit = main.get_by_role("link", name="Redigera utkastet")
    if edit.count() == 0:
        click(page, main.get_by_role("button", name="Påbörja ett nytt utkast"))
    else:
        click(page, edit)
    click(page, main.locator("a[href*='/modules/'][href$='/edit']").first)
    expect(main.get_by_label("Rubrik på engelska (valfritt)")).to_be_visible()
    page.go_back()
    click(page, main.locator("a[href*='/items/'][href$='/edit']").first)
    expect(main.get_by_label("Rubrik på engelska (valfritt)")).to_be_visible()
    # Swedish stays required: emptied, the page says so by the field, English alone is not enough.
    main.get_by_label("Rubrik", exact=True).fill("")
    main.get_by_label("Rubrik på engelska (valfritt)").fill("Only English")
    click(page, main.get_by_role("button", name="Spara", exact=True))
    expect(main.get_by_label("Rubrik", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(main.get_by_label("Rubrik på engelska (valfritt)")).to_have_value("Only English")
