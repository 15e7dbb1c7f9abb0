"""An imported FHIR form with a repeating group (issue 16) in a real browser, with and without
JavaScript: "Lägg till" shows one more repetition keeping what was typed, "Ta bort" takes one
away, axe finds nothing on the page with two repetitions, and the answers are stored one per
repetition."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import CITIZEN, assert_accessible
from fhir_form_helpers import citizen_page, send_imported, send_questionnaire, stored_answers
from test_pages import demo_sign_in

pytestmark = pytest.mark.browser

GROUP = {
    "linkId": "meds",
    "text": "Läkemedel",
    "type": "group",
    "repeats": True,
    "item": [
        {"linkId": "name", "text": "Namn på läkemedlet", "type": "string", "required": True},
        {"linkId": "dose", "text": "Tabletter om dagen", "type": "integer"},
    ],
}


def _send(app, key: str) -> None:
    send_imported(app, key, f"Läkemedelslista {key}", [GROUP])


def _stored(app, key: str) -> dict:
    return stored_answers(app, key)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_repeating_group_adds_and_removes_repetitions(browser, live_server, javascript):
    key = f"lakemedel-{'js' if javascript else 'nojs'}"
    _send(live_server.app, key)
    with citizen_page(browser, live_server, javascript) as page:
        page.get_by_role("link", name=re.compile(f"Läkemedelslista {key}")).first.click()
        expect(page.get_by_role("heading", name="Läkemedel 1")).to_be_visible()
        page.locator('[name="name@1"]').fill("Alvedon")
        page.get_by_role("button", name=re.compile("^Lägg till")).click()
        expect(page.get_by_role("heading", name="Läkemedel 2")).to_be_visible()
        expect(page.locator('[name="name@1"]')).to_have_value("Alvedon")
        page.locator('[name="name@2"]').fill("Ipren")
        page.locator('[name="dose@2"]').fill("3")
        if javascript:  # axe runs as a script; the markup is the same without one
            assert_accessible(page)
        page.get_by_role("button", name=re.compile("^Lägg till")).click()
        expect(page.get_by_role("heading", name="Läkemedel 3")).to_be_visible()
        page.get_by_role("button", name="Ta bort Läkemedel 3").click()
        expect(page.get_by_role("heading", name="Läkemedel 3")).to_have_count(0)
        expect(page.locator('[name="name@2"]')).to_have_value("Ipren")
        page.get_by_role("button", name="Skicka in").click()
        expect(page.locator(".flashes")).to_contain_text("Tack")
    assert _stored(live_server.app, key) == {"name": ["Alvedon", "Ipren"], "dose": [None, 3]}


def test_skip_logic_in_a_repeating_group_holds_per_repetition_in_the_browser(browser, live_server):
    """Android FHIR's "Pregnancy Outcome - Baby": forms.js shows the sex of a live birth and the
    type of a stillbirth in each repetition by that repetition's own answer."""

    path = Path(__file__).parents[1] / "fhir_corpus" / "android-fhir-repeated-group.json"
    data = {**json.loads(path.read_bytes()), "title": "Förlossning"}
    send_questionnaire(live_server.app, "ancdelivery-browser", data)
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        demo_sign_in(page, "sv", "citizen", CITIZEN)
        page.get_by_role("link", name=re.compile("Förlossning")).first.click()
        page.get_by_role("button", name=re.compile("^Lägg till")).click()
        sex_1, type_1 = (
            page.locator("#question-12\\.6\\.3\\.1\\@1"),
            page.locator("#question-12\\.6\\.4\\.1\\@1"),
        )
        sex_2, type_2 = (
            page.locator("#question-12\\.6\\.3\\.1\\@2"),
            page.locator("#question-12\\.6\\.4\\.1\\@2"),
        )
        for hidden in (sex_1, type_1, sex_2, type_2):
            expect(hidden).to_be_hidden()
        page.locator('[name="12.6.1@1"][value="live-birth"]').check()
        page.locator('[name="12.6.1@2"][value="still-birth"]').check()
        expect(sex_1).to_be_visible()
        expect(type_1).to_be_hidden()
        expect(sex_2).to_be_hidden()
        expect(type_2).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()
