"""Every question type in a real Chromium (also taking several answers): axe-core finds no WCAG
2.1 A/AA violation, on the fresh form and on the form showing errors, and the slider works from the
keyboard."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from questions_testkit import EXAMPLES, make_spec, optional

pytestmark = pytest.mark.browser

ORIGIN = "http://sob.test"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
# the same Chromium and flags as the host's browser tests (tests/browser/conftest.py)
CHROMIUM = Path(os.environ.get("SOB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def _no_browser(reason: str) -> None:
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SOB_REQUIRE_BROWSER=1, so the browser tests must run)")
    pytest.skip(f"{reason}; browser tests skipped")


@pytest.fixture(scope="module")
def browser(sob_playwright: Any) -> Iterator[Any]:
    """A Chromium for this module, from the test process's one Playwright (``sob_core.testing``):
    a second Playwright of its own would fail beside the host's browser tests in one process."""
    if not CHROMIUM.exists():
        _no_browser(f"Chromium not found at {CHROMIUM}")
    chromium = sob_playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


def open_form(browser, app, lang: str = "sv"):
    """A page whose requests to ORIGIN are answered by the Flask test client, under a strict CSP."""
    client = app.test_client()
    page = browser.new_page(locale="sv-SE" if lang == "sv" else "en-GB")

    def handle(route):
        request = route.request
        path = urlsplit(request.url).path
        if request.method == "POST":
            response = client.post(
                path,
                data=request.post_data_buffer,
                content_type=request.headers.get("content-type"),
            )
        else:
            response = client.get(path)
        headers = {"content-type": response.content_type, "content-security-policy": CSP}
        body = response.get_data()
        response.close()  # static files come as open file wrappers
        route.fulfill(status=response.status_code, headers=headers, body=body)

    page.add_init_script(CSP_WATCH)
    page.route(f"{ORIGIN}/**", handle)
    page.goto(f"{ORIGIN}/form")
    return page


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]
    ]


def all_questions() -> list:
    helped = make_spec(
        "short_text", key="helped", help={"sv": "Skriv med egna ord.", "en": "Use your own words."}
    )
    # questions that take several answers: a fieldset of labelled inputs (``_repeats``)
    several = [
        make_spec("short_text", {"repeats": True}, key="several-texts"),
        make_spec("duration", {"repeats": True, "max_answers": 4}, key="several-durations"),
    ]
    return [
        *EXAMPLES.values(),
        optional(make_spec("scale", key="extra-scale")),
        helped,
        *several,
    ]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_form_passes_axe(browser, make_app, lang):
    page = open_form(browser, make_app(all_questions(), lang), lang)
    assert page.locator("fieldset.q-repeating").count() == 2  # the several-answer questions
    assert axe_violations(page) == []
    assert csp_violations(page) == []
    page.close()


def test_the_form_with_errors_passes_axe(browser, make_app):
    page = open_form(browser, make_app(all_questions()))
    page.fill("#number", "abc")
    page.fill("#short-text", "x" * 20)
    page.fill("#duration", "sju")
    page.click("button[type=submit]")
    page.wait_for_selector(".q-error-message")
    assert page.locator(".q-error-message").count() >= 10
    assert axe_violations(page) == []
    assert csp_violations(page) == []
    page.close()


def test_slider_moves_by_keyboard_and_shows_its_value(browser, make_app):
    page = open_form(browser, make_app([EXAMPLES["slider"]]))
    value = page.locator("#slider\\:value")
    value.wait_for(state="visible")  # questions.js revealed it despite the strict CSP
    page.focus("#slider")
    page.keyboard.press("Home")
    assert value.text_content() == "0"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert value.text_content() == "10"
    page.keyboard.press("End")
    assert value.text_content() == "100"
    assert page.is_checked("#slider\\:set")  # moving it chose the value
    page.close()


def test_an_untouched_slider_is_not_ticked(browser, make_app):
    page = open_form(browser, make_app([EXAMPLES["slider"]]))
    page.locator("#slider\\:value").wait_for(state="visible")
    assert not page.is_checked("#slider\\:set")
    page.click("button[type=submit]")
    page.wait_for_selector("#slider\\:error")
    assert "Jag har valt mitt värde" in page.text_content("#slider\\:error")
    page.close()
