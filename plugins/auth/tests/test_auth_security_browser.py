"""Single logout in a real Chromium: signing out at sob continues at the OpenID Connect provider.

A citizen signs in with a Freja-like token against the local provider (``oidc_provider``), presses
"Logga ut", passes the provider's end-session endpoint (which checks the ID token hint) and comes
back to sob's start page saying she is signed out there too; her pages then ask her to sign in again, and the
pages on the way have no WCAG 2.1 A/AA violation (axe). The live server, the browser and the
provider are the fixtures of ``test_auth_oidc_browser``.
"""

from __future__ import annotations

import re

import pytest
from test_auth_oidc_browser import (  # noqa: F401  (fixtures)
    DEMO_CITIZEN,
    LEVEL_CLAIM,
    PNR_CLAIM,
    accessible,
    browser,
    idp,
    live,
    page,
    through_the_provider,
)

pytestmark = pytest.mark.browser


def test_signing_out_ends_the_session_at_the_provider_too(page, idp):  # noqa: F811
    idp.knobs.__init__()
    idp.logouts.clear()
    idp.knobs.claims = {
        PNR_CLAIM: DEMO_CITIZEN[0],
        LEVEL_CLAIM: "PLUS",
        "given_name": "John",
        "family_name": "Doe",
    }
    through_the_provider(page, "citizen")
    page.wait_for_url(re.compile(r"/citizen/$"))
    with page.expect_navigation():
        page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    assert len(idp.logouts) == 1  # the browser went through the provider's end-session endpoint
    assert idp.logouts[0]["post_logout_redirect_uri"].endswith("/auth/oidc/freja/logged-out")
    assert "Du är utloggad, även hos inloggningstjänsten." in page.locator("body").inner_text()
    accessible(page)
    page.goto("/citizen/")
    assert "/auth/login" in page.url  # the session is gone


def test_the_signing_out_page_is_accessible_and_offers_a_link(page, idp):  # noqa: F811
    idp.knobs.__init__()
    idp.knobs.claims = {PNR_CLAIM: DEMO_CITIZEN[0], LEVEL_CLAIM: "PLUS"}
    through_the_provider(page, "citizen")
    page.wait_for_url(re.compile(r"/citizen/$"))
    # The provider answers the refresh with 204 No Content: the browser stays on sob's page
    page.route(f"{idp.url}/logout**", lambda route: route.fulfill(status=204))
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"/auth/oidc/freja/signing-out$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Utloggning"
    link = page.get_by_role("link", name="Logga ut hos Freja eID Plus")
    assert link.get_attribute("href").startswith(f"{idp.url}/logout?")
    accessible(page)
    page.goto("/citizen/")
    assert "/auth/login" in page.url  # signed out here all the same
