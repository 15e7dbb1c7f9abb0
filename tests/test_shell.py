"""The web shell: security headers, CSP, language, error pages, landmarks."""

from __future__ import annotations

import re

from sob_core.security import CSP


def test_security_headers(client):
    response = client.get("/")
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app, client, login):
    login("citizen", "198503142393")
    cookie = client.get_cookie("sob_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    from pathlib import Path

    from sob_core.config import from_environment

    # Outside development the session cookie is Secure (the test app turns it off for http).
    assert from_environment(Path(app.instance_path))["SESSION_COOKIE_SECURE"]


def test_swedish_by_default_english_selectable(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Stöd och behandling" in page
    client.get("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Support and treatment" in page


def test_language_switch_only_redirects_locally(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_error_pages_in_both_languages(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "Sidan kunde inte hittas" in page.get_data(as_text=True)
    client.get("/lang/en")
    assert "The page could not be found" in client.get("/no-such-page").get_data(as_text=True)


def test_forbidden_page(client, login):
    login("citizen", "198503142393")
    page = client.get("/admin/")
    assert page.status_code == 403
    assert "Du har inte behörighet" in page.get_data(as_text=True)


def test_pages_have_one_h1_a_skip_link_and_landmarks(client, login):
    for path in ("/", "/auth/login", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        assert 'class="skip-link" href="#main"' in html
        assert '<main id="main"' in html and "<header" in html and "<footer" in html
        assert "<script>" not in html and " style=" not in html
