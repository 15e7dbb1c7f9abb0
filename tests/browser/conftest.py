"""Fixtures for the browser tests: a live sob server, Playwright's Chromium and a ``page`` per test.

The server is a real werkzeug server in a background thread, one per pytest(-xdist) worker, on
an app built like ``sob_core.testing``'s but on its own SQLite file with the demo data loaded.
Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``SOB_CHROMIUM``); nothing is
downloaded. Without that browser the tests are skipped, unless ``SOB_REQUIRE_BROWSER=1`` (set in
CI): then they fail. Waits (actions, navigations and ``expect``) time out after 10 s.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import PASSWORD, PASSWORD_STAFF

CHROMIUM = Path(os.environ.get("SOB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000

# Records Content-Security-Policy violations on every page, before any page script runs. Init
# scripts come from the browser itself, so the page's own policy does not block this one.
CSP_WATCH = """
window.__sobCspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__sobCspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " (" + (event.sourceFile || location.href) + ":" + event.lineNumber + ")"
  );
});
"""


def _browser_required() -> bool:
    return os.environ.get("SOB_REQUIRE_BROWSER") == "1"


def _no_browser(reason: str) -> None:
    """Skip, or fail when CI demands the browser tests run."""
    if _browser_required():
        pytest.fail(f"{reason} (SOB_REQUIRE_BROWSER=1, so the browser tests must run)")
    pytest.skip(f"{reason}; browser tests skipped (set SOB_REQUIRE_BROWSER=1 to fail instead)")


class LiveServer:
    """A sob app served over HTTP from a background thread."""

    def __init__(self, app: Any) -> None:
        from werkzeug.serving import make_server

        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sob-live-server", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()  # waits for serve_forever to return
        self._server.server_close()
        self._thread.join(timeout=10)

    def __str__(self) -> str:
        return self.url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real sob server with the demo data, for this session (one per xdist worker)."""
    from flask_migrate import upgrade
    from sob_auth.password import hash_password

    from sob_core import demo, save_credential
    from sob_core.app import create_app
    from sob_core.extensions import db
    from sob_core.testing import app_config as _config

    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'sob-browser.sqlite3'}"
    app = create_app(_config(url, folder / "instance"))
    with app.app_context():
        upgrade()
        demo.load(db.session, app.extensions["sob"])
        save_credential("password", PASSWORD_STAFF[0], {"hash": hash_password(PASSWORD)})
        db.session.remove()
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(sob_playwright: Any) -> Iterator[Any]:
    """One headless Chromium for the session (from the process's one Playwright)."""
    if not CHROMIUM.exists():
        _no_browser(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import expect

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    chromium = sob_playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


class Console:
    """What the page said on its console, and the CSP violations it reported."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (type, text)
        self.page_errors: list[str] = []

    def errors(self) -> list[str]:
        return [text for kind, text in self.messages if kind == "error"] + self.page_errors

    def csp_errors(self) -> list[str]:
        words = ("content security policy", "content-security-policy")
        return [text for text in self.errors() if any(w in text.lower() for w in words)]


@pytest.fixture
def console() -> Console:
    """The console of this test's ``page`` (filled in by the ``page`` fixture)."""
    return Console()


@pytest.fixture
def page(browser: Any, live_server: LiveServer, console: Console) -> Iterator[Any]:
    """A fresh page in a fresh browser context (own cookies), with relative URLs on the server."""
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    context.add_init_script(CSP_WATCH)
    new_page = context.new_page()
    new_page.on("console", lambda message: console.messages.append((message.type, message.text)))
    new_page.on("pageerror", lambda error: console.page_errors.append(str(error)))
    try:
        yield new_page
    finally:
        context.close()
