"""An imported FHIR form with a url item (a web address) and an open-choice without options (a
free text) whose answer decides whether a follow-up is asked (issue 16), in a real browser, with
and without JavaScript: axe finds nothing, a partial address is refused in words and the page
keeps what was typed, the own text shows the follow-up as the server would, both are stored."""

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

from browser_helpers import assert_accessible
from fhir_form_helpers import citizen_page, send_imported, stored_answers

pytestmark = pytest.mark.browser

ITEMS = [
    {"linkId": "home", "text": "Din mottagnings webbplats", "type": "url"},
    {"linkId": "pet", "text": "Vilket husdjur har du?", "type": "open-choice"},
    {
        "linkId": "why",
        "text": "Varför en katt?",
        "type": "string",
        "enableWhen": [{"question": "pet", "operator": "=", "answerString": "Katt"}],
    },
]


@pytest.mark.parametrize("javascript", [True, False])
def test_a_web_address_and_a_free_text_open_choice(browser, live_server, javascript):
    key = f"fria-svar-{'js' if javascript else 'nojs'}"
    send_imported(live_server.app, key, f"Fria svar {key}", ITEMS)
    with citizen_page(browser, live_server, javascript) as page:
        page.get_by_role("link", name=re.compile(f"Fria svar {key}")).first.click()
        follow_up = page.locator("#question-why")
        if javascript:
            expect(follow_up).to_be_hidden()
        page.get_by_label("Vilket husdjur har du?").fill("Katt")
        expect(follow_up).to_be_visible()
        if javascript:
            assert_accessible(page)
        page.get_by_label("Din mottagnings webbplats").fill("www.1177.se")
        page.get_by_label("Varför en katt?").fill("Den spinner")
        page.get_by_role("button", name="Skicka in").click()
        expect(page.locator("#question-home")).to_contain_text(
            "Ange en fullständig webbadress som börjar med https://"
        )
        expect(page.get_by_label("Vilket husdjur har du?")).to_have_value("Katt")
        page.get_by_label("Din mottagnings webbplats").fill("https://www.1177.se")
        page.get_by_role("button", name="Skicka in").click()
        expect(page.locator(".flashes")).to_contain_text("Tack")
    assert stored_answers(live_server.app, key) == {
        "home": "https://www.1177.se",
        "pet": [{"other": "Katt"}],
        "why": "Den spinner",
    }
