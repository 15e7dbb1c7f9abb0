"""BankID login in a real Chromium against the local BankID stand-in (``bankid_server``: BankID
itself cannot be reached from here). The QR code changes every second, the page's script follows
the order (collect every 2 s) and signs the citizen in when the stand-in completes it after she
"scanned" the code shown; a cancelled order explains itself. axe-core finds no WCAG 2.1 A/AA
violation and the CSP reports none on the pages."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bankid_server import make_pki, serve

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

pytestmark = pytest.mark.browser

# the same Chromium and flags as the host's browser tests (tests/browser/conftest.py)
CHROMIUM = Path(os.environ.get("SOB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
USER_SIGN = {"status": "pending", "hintCode": "userSign"}


def _no_browser(reason: str) -> None:
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SOB_REQUIRE_BROWSER=1, so the browser tests must run)")
    pytest.skip(f"{reason}; browser tests skipped")


@pytest.fixture(scope="module")
def browser(sob_playwright: Any) -> Iterator[Any]:
    if not CHROMIUM.exists():
        _no_browser(f"Chromium not found at {CHROMIUM}")
    expect.set_options(timeout=10_000)
    chromium = sob_playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    pki = make_pki(tmp_path_factory.mktemp("bankid-browser-pki"))
    server, state, url = serve(pki)
    try:
        yield pki, state, url
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def live(standin, tmp_path_factory) -> Iterator[tuple[str, Any]]:
    """A real sob server (own SQLite file) whose BankID provider talks to the stand-in."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from sob_core.app import create_app
    from sob_core.extensions import db
    from sob_core.testing import app_config

    pki, state, url = standin
    cert, key = pki.rp_certificate("sob-browser-rp")
    folder = tmp_path_factory.mktemp("bankid-live")
    config = app_config(
        f"sqlite:///{folder / 'sob.sqlite3'}",
        folder / "instance",
        SOB_BANKID_URL=url,
        SOB_BANKID_CERT=cert,
        SOB_BANKID_KEY=key,
        SOB_BANKID_CA=pki.server_ca,
    )
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(browser, live, standin) -> Iterator[Any]:
    standin[1].orders.clear()
    context = browser.new_context(base_url=live[0], locale="sv-SE")
    context.add_init_script(CSP_WATCH)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        context.close()


def checked(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    assert page.evaluate("window.__cspViolations") == [], f"CSP violations on {page.url}"
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], [(v["id"], [n["html"] for n in v["nodes"]]) for v in violations]


def _start(page, standin) -> Any:
    page.goto("/auth/login")
    page.locator("a[href^='/auth/bankid/']").click()
    expect(page.get_by_role("heading", name="Logga in med BankID")).to_be_visible()
    checked(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Mobilt BankID på en annan enhet").click()
    expect(page.locator("#bankid-status")).to_have_text("Starta BankID-appen.")
    (order,) = standin[1].orders.values()
    return order


def _shown_qr_text(order, image: bytes) -> str | None:
    from sob_auth.bankid import qr_svg
    from sob_auth.bankid_api import qr_data

    elapsed = int(time.time() - order.started)
    for seconds in range(max(0, elapsed - 3), elapsed + 2):
        text = qr_data(order.qr_start_token, order.qr_start_secret, seconds)
        if qr_svg(text) == image:
            return text
    return None


def test_the_qr_changes_every_second_and_a_completed_order_signs_in(page, standin):
    images: list[bytes] = []
    page.on(
        "response",
        lambda response: (
            images.append(response.body())
            if "/auth/bankid/qr" in response.url and response.ok
            else None
        ),
    )
    order = _start(page, standin)
    checked(page)
    expect(page.locator("#bankid-refresh")).to_have_count(0)  # the script polls instead
    page.wait_for_timeout(3200)
    assert len(images) >= 3  # one new image a second
    assert len(set(images)) >= 3  # and each one a new code
    text = _shown_qr_text(order, images[-1])
    assert text is not None and standin[1].scan(text)  # the "app" accepts what the page shows
    with standin[1].lock:
        order.plan, order.collects = [USER_SIGN, {"status": "complete"}], 0
    page.wait_for_url(re.compile(r"/citizen/"), timeout=15_000)
    expect(page.locator("body")).to_contain_text("Karin Andersson")


def test_a_cancelled_order_explains_itself(page, standin):
    order = _start(page, standin)
    with standin[1].lock:
        order.plan, order.collects = [{"status": "failed", "hintCode": "userCancel"}], 0
    expect(page.get_by_role("alert")).to_have_text("Åtgärden avbröts.", timeout=15_000)
    assert page.url.endswith("/auth/bankid/wait")
    checked(page)
    assert "/citizen/" not in page.url
