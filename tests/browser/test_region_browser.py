"""The regional administrator in a real browser: she activates a new care unit, activates an
older programme version at a unit as a major update (and the unit's therapist is then offered
it), writes an information message the unit's staff see, and puts things back. Every page
gets the structure, CSP and axe-core checks."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import FIRST_UNIT, THERAPIST, checked, click, sign_in

pytestmark = pytest.mark.browser
REGION_ADMIN = ("SE2321000131-P000000000014", "Erik Holm")


def activate(page, unit: str, label: str) -> None:
    """Activate somnbehandling ``label`` at ``unit`` as a major update, on the programmes page."""
    main = page.locator("main")
    main.get_by_label("Vårdenhet", exact=True).select_option(label=unit)
    option = main.locator("select[name=version] option", has_text=f"{label} (somnbehandling)")
    main.get_by_label("Programversion", exact=True).select_option(
        value=option.get_attribute("value")
    )
    main.get_by_label("Större uppdatering: pågående moment stannar på sin version").check()
    click(page, main.get_by_role("button", name="Aktivera", exact=True))
    expect(main).to_contain_text(f"Version {label} är aktiv för nya moment.")


def offered_versions(page) -> list[str]:
    page.goto("/staff/enrollments/new")
    checked(page)
    return page.locator("main select[name=program_version] option").all_inner_texts()


def test_the_regional_administrator_activates_a_unit_and_a_programme_version(page):
    main = page.locator("main")
    new_unit = f"Vårdcentral Test {secrets.token_hex(3)}"
    hsa_id = f"SE2321000131-E{secrets.randbelow(10**9):09d}"
    sign_in(page, "staff", REGION_ADMIN)
    click(page, page.get_by_role("link", name="Vårdgivaradministration"))
    expect(main.get_by_role("heading", level=1)).to_contain_text("Västra Götalandsregionen")

    # A care unit new to the platform, one by one (after a mistyped HSA-id).
    click(page, main.get_by_role("navigation").get_by_role("link", name="Vårdenheter"))
    main.get_by_label("Vårdenhetens HSA-id").fill("E-101")
    main.get_by_label("Vårdenhetens namn").fill(new_unit)
    click(page, main.get_by_role("button", name="Aktivera vårdenheten"))
    expect(main.locator("#error-summary")).to_contain_text("är inget HSA-id")
    main.get_by_label("Vårdenhetens HSA-id").fill(hsa_id)
    click(page, main.get_by_role("button", name="Aktivera vårdenheten"))
    expect(main).to_contain_text(f"{new_unit} aktiverades.")
    expect(main.locator("tr", has_text=new_unit)).to_contain_text("Aktiv")
    click(page, main.get_by_role("link", name=f"Utse behörighetsadministratör på {new_unit}"))
    expect(main.get_by_role("heading", level=1)).to_contain_text(new_unit)
    page.go_back()

    # An older version at the new unit and at the therapist's unit, as a major update.
    click(page, main.get_by_role("navigation").get_by_role("link", name="Program"))
    activate(page, new_unit, "1.0")
    activate(page, FIRST_UNIT, "1.0")
    row = main.locator("tr", has_text=new_unit)
    expect(row).to_contain_text("1.0 (somnbehandling)")
    expect(row).to_contain_text("Större uppdatering")

    # A message to the region's staff, for today.
    text = f"Driftinformation {secrets.token_hex(3)}"
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date().isoformat()
    click(page, main.get_by_role("navigation").get_by_role("link", name="Informationsmeddelanden"))
    main.get_by_label("Meddelande på svenska").fill(text)
    main.get_by_label("Visas från").fill(today)
    main.get_by_label("Visas till och med").fill(today)
    click(page, main.get_by_role("button", name="Spara meddelandet"))
    expect(main.locator("tr", has_text=text)).to_be_visible()
    click(page, main.get_by_role("navigation").get_by_role("link", name="Statistik"))
    expect(main.locator("table")).to_contain_text(FIRST_UNIT)

    # The unit's therapist is offered the activated version, and sees the message.
    sign_in(page, "staff", THERAPIST)
    options = offered_versions(page)
    assert any("version 1.0" in option for option in options), options
    assert not any("version 1.1" in option for option in options), options
    expect(main).to_contain_text(text)

    # Back as it was, for the other browser tests on this server.
    sign_in(page, "staff", REGION_ADMIN)
    page.goto("/region/")
    click(page, main.get_by_role("navigation").get_by_role("link", name="Program"))
    activate(page, FIRST_UNIT, "1.1")
    click(page, main.get_by_role("navigation").get_by_role("link", name="Informationsmeddelanden"))
    click(page, main.locator("tr", has_text=text).get_by_role("button", name="Sluta visa det"))
    expect(main).to_contain_text("Meddelandet visas inte längre.")
