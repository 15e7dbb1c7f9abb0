"""Every page there is, visited in a real browser as a new user would, in Swedish and English.

Each page gets the same checks: exactly one h1, ``<html lang>`` in the chosen language, no CSP
violation reported by the browser, and axe-core's WCAG 2.0/2.1 A and AA rules.
"""

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

from browser_helpers import (
    CITIZEN,
    FIRST_UNIT,
    PASSWORD,
    PASSWORD_STAFF,
    SECOND_UNIT,
    THERAPIST,
    TWO_UNIT_ADMIN,
    assert_accessible,
    check_page,
    csp_violations,
    first_focusable,
    focused,
    tab_until,
)

pytestmark = pytest.mark.browser

LANGUAGES = ["sv", "en"]
SV_EN = {  # the auth plugin's own wording (its templates are not in the core's catalogue)
    "demo": {"sv": "Demoinloggning", "en": "Demo login"},
    "password": {"sv": "Lösenord (personal)", "en": "Password (staff)"},
    "citizens": {"sv": "Invånare", "en": "Citizens"},
    "staff": {"sv": "Personal", "en": "Staff"},
    "sign_in_as": {"sv": "Logga in som", "en": "Sign in as"},
    "password_title": {"sv": "Logga in med lösenord", "en": "Sign in with password"},
    # one answer for a wrong password, an unknown and a locked account (no account enumeration)
    "wrong_password": {
        "sv": "Fel HSA-id eller lösenord. Efter för många felaktiga försök är kontot låst en stund.",
        "en": "Wrong HSA-id or password. After too many failed attempts the account is locked "
        "for a while.",
    },
}


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def check(page, lang: str) -> None:
    """The checks every page gets."""
    assert csp_violations(page) == [], f"CSP violations on {page.url}"
    check_page(page, lang)


def open_site(page, lang: str) -> None:
    """Arrive at the front page; for English, use the language link in the header."""
    response = page.goto("/")
    assert response is not None and response.status == 200
    if page.get_attribute("html", "lang") != lang:
        page.locator(f"nav.lang a[hreflang={lang}]").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


def go_to_login(page, lang: str) -> None:
    open_site(page, lang)
    page.locator("main a.button[href^='/auth/login']").click()
    page.wait_for_url(re.compile(r"/auth/login$"))


def open_demo_login(page, lang: str, audience: str) -> None:
    go_to_login(page, lang)
    section = page.locator(f"section[aria-labelledby='{audience}-login']")
    section.get_by_role("link", name=SV_EN["demo"][lang]).click()
    page.wait_for_url(re.compile(rf"/auth/demo/\?audience={audience}$"))


def demo_sign_in(page, lang: str, audience: str, person: tuple[str, str]) -> None:
    """Sign in through the demo login pages, starting at the front page."""
    open_demo_login(page, lang, audience)
    identifier, name = person
    form = page.locator(f"main form:has(input[name=identifier][value='{identifier}'])")
    button = form.get_by_role("button")
    expect(button).to_have_text(f"{SV_EN['sign_in_as'][lang]} {name}")
    with page.expect_navigation() as navigation:
        button.click()
    landed = navigation.value
    assert landed is not None and landed.ok, (
        f"signing in as {name} ended at {page.url} with HTTP {landed and landed.status}"
    )
    expect(page.locator("header .who")).to_have_text(name)


# --- pages for everyone ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_front_page(page, lang):
    open_site(page, lang)
    expect(page.locator("main a.button[href^='/auth/login']")).to_be_visible()
    expect(page.locator("header .logout")).to_have_count(0)
    check(page, lang)


@pytest.mark.parametrize(
    ("lang", "skip_text", "sign_in_text"),
    [("sv", "Hoppa till innehållet", "Logga in"), ("en", "Skip to content", "Sign in")],
    ids=LANGUAGES,
)
def test_page_text_is_in_the_chosen_language(page, lang, skip_text, sign_in_text):
    """``<html lang>`` is only true when the core's own texts are translated too."""
    open_site(page, lang)
    expect(page.locator(".skip-link")).to_have_text(skip_text)
    expect(page.locator("main a.button[href^='/auth/login']")).to_have_text(sign_in_text)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_login_page_lists_the_providers(page, lang):
    go_to_login(page, lang)
    citizen = page.locator("section[aria-labelledby='citizen-login']")
    staff = page.locator("section[aria-labelledby='staff-login']")
    expect(citizen.get_by_role("link", name=SV_EN["demo"][lang])).to_be_visible()
    expect(citizen.get_by_role("link", name=SV_EN["password"][lang])).to_have_count(0)
    expect(staff.get_by_role("link", name=SV_EN["demo"][lang])).to_be_visible()
    expect(staff.get_by_role("link", name=SV_EN["password"][lang])).to_be_visible()
    check(page, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("audience", "someone"), [("citizen", "John Doe"), ("staff", "Tommy Skjulsvik")]
)
def test_demo_login_page(page, lang, audience, someone):
    open_demo_login(page, lang, audience)
    expect(page.locator("h1")).to_have_text(SV_EN["demo"][lang])
    heading = SV_EN["citizens" if audience == "citizen" else "staff"][lang]
    expect(page.locator("main h2")).to_have_text(heading)
    current = page.locator("main a[aria-current=page]")
    expect(current).to_have_text(heading)
    expect(current).to_have_attribute("href", f"/auth/demo/?audience={audience}")
    sign_in = f"{SV_EN['sign_in_as'][lang]} {someone}"
    expect(page.get_by_role("button", name=sign_in)).to_be_visible()
    check(page, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_not_found_page(page, lang):
    open_site(page, lang)
    response = page.goto("/finns-inte")
    assert response is not None and response.status == 404
    expect(page.locator("main a[href='/']")).to_be_visible()
    check(page, lang)


# --- citizens --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_citizen_signs_in_and_out(page, lang):
    demo_sign_in(page, lang, "citizen", CITIZEN)
    assert path_of(page) == "/citizen/"
    expect(page.locator("main")).to_contain_text(CITIZEN[1])
    expect(page.locator("nav.main-nav a[href='/citizen/']")).to_be_visible()
    check(page, lang)

    logout = page.locator("header form.logout")
    assert logout.get_attribute("method") == "post"
    assert logout.get_attribute("action") == "/auth/logout"
    assert logout.locator("input[name=csrf_token]").get_attribute("value")
    logout.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("main .flashes[role=status]")).to_be_visible()
    expect(page.locator("header .logout")).to_have_count(0)
    # The session is gone (and with it the language choice): lang is checked, not its value.
    assert csp_violations(page) == []
    check_page(page)

    page.goto("/citizen/")
    assert path_of(page).startswith("/auth/login")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_citizen_is_refused_the_staff_pages(page, lang):
    demo_sign_in(page, lang, "citizen", CITIZEN)
    response = page.goto("/staff/")
    assert response is not None and response.status == 403
    expect(page.locator("main a[href='/']")).to_be_visible()
    check(page, lang)


# --- staff -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_therapist_start_page_shows_the_care_unit(page, lang):
    demo_sign_in(page, lang, "staff", THERAPIST)
    assert path_of(page) == "/staff/"
    expect(page.locator("h1")).to_have_text(FIRST_UNIT)
    expect(page.locator("main")).to_contain_text(THERAPIST[1])
    expect(page.locator("nav.main-nav a[href='/admin/']")).to_have_count(0)
    check(page, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_with_two_units_chooses_one_and_administers(page, lang):
    demo_sign_in(page, lang, "staff", TWO_UNIT_ADMIN)
    assert path_of(page).startswith("/staff/unit")
    expect(page.locator("main input[type=radio]")).to_have_count(2)
    check(page, lang)

    page.get_by_label(SECOND_UNIT).check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/$"))
    expect(page.locator("h1")).to_have_text(SECOND_UNIT)
    check(page, lang)

    page.locator("nav.main-nav a[href='/admin/']").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    check(page, lang)

    page.locator("main a[href='/admin/plugins']").click()
    page.wait_for_url(re.compile(r"/admin/plugins$"))
    names = page.locator("main table tbody tr td:first-child").all_inner_texts()
    assert {"demo_login", "password_login"} <= set(names), names
    check(page, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_password_login_shows_an_error_after_a_wrong_password(page, lang):
    go_to_login(page, lang)
    page.locator("section[aria-labelledby='staff-login']").get_by_role(
        "link", name=SV_EN["password"][lang]
    ).click()
    page.wait_for_url(re.compile(r"/auth/password/"))
    expect(page.locator("h1")).to_have_text(SV_EN["password_title"][lang])
    expect(page.locator("[role=alert]")).to_have_count(0)
    check(page, lang)

    page.get_by_label("HSA-id").fill(PASSWORD_STAFF[0])
    page.locator("#password").fill("inte-rätt-lösenord")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    alert = page.locator("#login-error[role=alert]")
    expect(alert).to_have_text(SV_EN["wrong_password"][lang])
    for field in ("#hsa_id", "#password"):
        assert page.get_attribute(field, "aria-describedby") == "login-error", field
        assert page.get_attribute(field, "aria-invalid") == "true", field
    check(page, lang)

    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/$"))
    expect(page.locator("header .who")).to_have_text(PASSWORD_STAFF[1])


# --- whatever else is linked --------------------------------------------------------------------

NOT_CRAWLED = ("/lang/", "/auth/", "/static/", "/plugins/")


def crawl(page, lang: str, limit: int = 40) -> list[str]:
    """Visit every page linked from the header and main content, breadth first from this one."""
    queue = [path_of(page)]
    seen = {"/", queue[0]}  # "/" only redirects a signed-in person to the start page
    checked = []
    while queue and len(checked) < limit:
        path = queue.pop(0)
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        check(page, lang)
        checked.append(path)
        hrefs = page.eval_on_selector_all(  # a download link is a file, not a page
            "header a[href]:not([download]), main a[href]:not([download])",
            "links => links.map(a => a.getAttribute('href'))",
        )
        for href in hrefs:
            target = href.split("#", 1)[0]
            if not target.startswith("/") or target.startswith("//"):
                continue
            if target.startswith(NOT_CRAWLED) or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    return checked


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("audience", "person", "unit", "expected"),
    [
        ("citizen", CITIZEN, None, {"/citizen/"}),
        ("staff", THERAPIST, None, {"/staff/", "/staff/unit"}),
        ("staff", TWO_UNIT_ADMIN, FIRST_UNIT, {"/staff/", "/admin/", "/admin/plugins"}),
    ],
    ids=["citizen", "therapist", "admin"],
)
def test_every_linked_page_is_accessible(page, lang, audience, person, unit, expected):
    """Pages added later are covered as soon as something links to them."""
    demo_sign_in(page, lang, audience, person)
    if unit is not None:
        page.get_by_label(unit).check()
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/staff/$"))
    checked = crawl(page, lang)
    assert expected <= set(checked), checked


# --- keyboard, structure and the security policy ---------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_skip_link_is_first_and_moves_focus_to_main(page, lang):
    def skip_link_works() -> None:
        assert "skip-link" in first_focusable(page), first_focusable(page)
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["tag"] == "a" and "skip-link" in now["cls"], now
        box = page.locator(".skip-link").bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0, "skip link not shown on focus"
        page.keyboard.press("Enter")
        # the browser moves focus after following the link: await it (on a loaded machine the
        # first look came before it), then check where it went
        page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
        assert focused(page)["id"] == "main", focused(page)
        assert page.url.endswith("#main")

    open_site(page, lang)
    skip_link_works()
    for path in ("/auth/login", "/auth/demo/?audience=staff", "/auth/password/", "/finns-inte"):
        page.goto(path)
        skip_link_works()
    demo_sign_in(page, lang, "staff", THERAPIST)
    skip_link_works()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyboard_only_sign_in_and_out(page, lang):
    open_site(page, lang)
    tab_until(page, lambda el: el["href"].startswith("/auth/login"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/auth/login$"))

    tab_until(page, lambda el: el["href"] == "/auth/demo/?audience=citizen")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/auth/demo/\?audience=citizen$"))

    wanted = f"{SV_EN['sign_in_as'][lang]} {CITIZEN[1]}"
    tab_until(page, lambda el: el["tag"] == "button" and el["text"] == wanted)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/citizen/$"))
    expect(page.locator("header .who")).to_have_text(CITIZEN[1])

    tab_until(page, lambda el: el["tag"] == "button" and "link-button" in el["cls"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("header .logout")).to_have_count(0)


def test_security_policy_header_and_no_violations(page, console):
    """Every page sends the CSP, and the browser reports no violation of it."""
    seen = []

    def record(response) -> None:
        if response.request.resource_type == "document":
            seen.append((response.url, response.headers.get("content-security-policy")))

    page.on("response", record)
    open_site(page, "sv")
    for path in ("/auth/login", "/auth/demo/?audience=citizen", "/auth/password/", "/finns-inte"):
        page.goto(path)
        assert csp_violations(page) == [], path
    demo_sign_in(page, "sv", "citizen", CITIZEN)
    assert csp_violations(page) == []
    page.goto("/staff/")  # 403
    assert csp_violations(page) == []
    page.locator("header form.logout button").click()
    page.wait_for_url(re.compile(r"/$"))
    demo_sign_in(page, "en", "staff", TWO_UNIT_ADMIN)
    page.get_by_label(FIRST_UNIT).check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/$"))
    page.goto("/admin/plugins")
    assert csp_violations(page) == []

    assert len(seen) >= 12, seen
    missing = [url for url, policy in seen if not policy]
    assert missing == [], f"no Content-Security-Policy on {missing}"
    for url, policy in seen:
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, (url, policy)
        assert "unsafe-inline" not in policy, (url, policy)
    assert console.csp_errors() == [], console.csp_errors()
    assert console.page_errors == []


# --- the checks themselves -------------------------------------------------------------------


def test_axe_check_reports_violations(page):
    """The accessibility check is not vacuous: a broken page fails with every violation."""
    page.set_content(
        '<html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text"><p style="color:#bbb;background:#fff">faint</p></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    report = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "label", "color-contrast"):
        assert f"- {rule} (" in report, report
    assert "at img:" in report, report


def test_csp_violations_are_caught(page, console):
    """The CSP watch is not vacuous: an inline style on a sob page is reported twice over."""
    open_site(page, "sv")
    page.evaluate(
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { color: red; }'; document.head.append(s); }"
    )
    page.wait_for_function("window.__sobCspViolations.length > 0")
    assert any("style-src" in v for v in csp_violations(page))
    assert console.csp_errors(), console.messages
