"""OpenID Connect sign-in in a real Chromium, against the local provider (``oidc_provider``).

A citizen signs in with a Freja-like token and lands on her start page; a token without Freja
eID Plus is refused with a clear message; a staff member signs in with an HSA-id token and sees
the units and roles it asserts. axe-core finds no WCAG 2.1 A/AA violation on these pages.
The sob server is a real werkzeug server here too, on its own SQLite file with the demo data.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider

pytestmark = pytest.mark.browser

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
PNR_CLAIM = "https://frejaeid.com/oidc/claims/personalIdentityNumber"
LEVEL_CLAIM = "https://frejaeid.com/oidc/claims/registrationLevel"
DEMO_CITIZEN = ("198503142393", "John Doe")  # in the demo data
THERAPIST = ("SE2321000131-P000000000011", "Tommy Skjulsvik")


def _no_browser(reason: str) -> None:
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SOB_REQUIRE_BROWSER=1, so the browser tests must run)")
    pytest.skip(f"{reason}; browser tests skipped")


@pytest.fixture(scope="module")
def idp() -> Iterator[LocalProvider]:
    provider = LocalProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def live(idp, tmp_path_factory) -> Iterator[str]:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from sob_core import demo
    from sob_core.app import create_app
    from sob_core.extensions import db
    from sob_core.testing import app_config

    holder: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, lambda e, s: holder["app"](e, s), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    common = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "discovery_url": idp.discovery_url,
    }
    providers = [
        {
            "name": "freja",
            "label": {"sv": "Freja eID Plus", "en": "Freja eID Plus"},
            "audience": "citizen",
            "claims": {"identifier": PNR_CLAIM, "name": ["given_name", "family_name"]},
            "assurance_claim": {"claim": LEVEL_CLAIM, "values": {"PLUS": "loa3"}},
            **common,
        },
        {
            "name": "siths",
            "label": {"sv": "SITHS-kort", "en": "SITHS card"},
            "audience": "staff",
            "claims": {"identifier": "employeeHsaId"},
            "shown_claims": {"units": "units", "roles": "roles"},
            **common,
        },
    ]
    folder = tmp_path_factory.mktemp("oidc-live")
    app = create_app(
        app_config(
            f"sqlite:///{folder / 'sob.sqlite3'}",
            folder / "instance",
            SOB_OIDC_PROVIDERS=providers,
            SOB_BASE_URL=base,
        )
    )
    with app.app_context():
        upgrade()
        demo.load(db.session, app.extensions["sob"])
        db.session.remove()
    holder["app"] = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser(sob_playwright: Any) -> Iterator[Any]:
    if not CHROMIUM.exists():
        _no_browser(f"Chromium not found at {CHROMIUM}")
    chromium = sob_playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(base_url=live, locale="sv-SE")
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        context.close()


def accessible(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in violations]


def through_the_provider(page, audience: str) -> None:
    """From sob's sign-in page, the e-identification button of the audience's column."""
    page.goto("/auth/login")
    accessible(page)
    column = page.locator(f"section[aria-labelledby='{audience}-login']")
    with page.expect_navigation():
        column.get_by_role("link", name="E-legitimation").click()


def test_citizen_signs_in_with_freja_eid_plus(page, idp):
    idp.knobs.__init__()
    idp.knobs.claims = {
        PNR_CLAIM: DEMO_CITIZEN[0],
        LEVEL_CLAIM: "PLUS",
        "given_name": "John",
        "family_name": "Doe",
    }
    through_the_provider(page, "citizen")
    page.wait_for_url(re.compile(r"/citizen/$"))
    assert DEMO_CITIZEN[1] in page.locator("body").inner_text()
    accessible(page)


def test_freja_without_plus_is_refused(page, idp):
    idp.knobs.__init__()
    idp.knobs.claims = {PNR_CLAIM: DEMO_CITIZEN[0], LEVEL_CLAIM: "EXTENDED"}
    through_the_provider(page, "citizen")
    alert = page.get_by_role("alert")
    assert "Freja eID Plus" in alert.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Inloggningen misslyckades"
    accessible(page)
    page.goto("/citizen/")
    assert "/auth/login" in page.url  # no session


def test_staff_signs_in_with_an_hsa_id_token(page, idp):
    idp.knobs.__init__()
    idp.knobs.claims = {
        "employeeHsaId": THERAPIST[0],
        "name": THERAPIST[1],
        "units": ["Psykiatri Norr"],
        "roles": ["Vård och behandling"],
    }
    through_the_provider(page, "staff")
    page.wait_for_url(re.compile(r"/staff/"))
    body = page.locator("body").inner_text()
    assert THERAPIST[1] in body
    assert "Vårdenheter: Psykiatri Norr" in body and "Roller: Vård och behandling" in body
    accessible(page)
