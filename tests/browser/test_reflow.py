"""Every page each demo role can reach is usable on a 320 CSS px wide phone (WCAG 2.1 1.4.10).

For each role the test signs in through the demo login, then walks breadth first through every
same-origin page linked from the pages it reaches (up to ``LIMIT`` per role), in one browser
context whose viewport is 320 px wide. Each page must not scroll sideways and must have no axe
violation at that width; all failing pages of a role are reported together. Pages a role can
reach only by submitting a form are left to the journey tests, which check reflow on every page
they visit too (``browser_helpers.assert_accessible``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import (
    REFLOW_WIDTH,
    TWO_UNIT_ADMIN,
    assert_accessible,
    assert_page_structure,
    assert_reflows,
    csp_violations,
    reflow_overflow,
)
from conftest import CSP_WATCH, DEFAULT_TIMEOUT_MS

pytestmark = pytest.mark.browser

LIMIT = 60  # pages per role: enough for every kind of page, small enough to stay fast
# Addresses of one kind of page (the same path but for numbers and the query: another patient,
# sort order or page of a list) visited per role; more of them would check the same template.
VARIANTS = 3
# Sign-in/out and language switches change the session; static files and plugin assets are no
# pages; exports and downloads are files.
NOT_CRAWLED = ("/auth/", "/lang/", "/static/", "/plugins/")
FILE_LIKE = re.compile(r"(export|download|\.(csv|json|xml|zip|pdf|png|jpe?g|svg|js|css)$)", re.I)

# One person per kind of demo user; together they hold every role. (John Doe, the other tests'
# citizen, sees the same kinds of page as Linnea, who has more of the programme open.)
LINNEA = ("200102112687", "Linnea Johansson")  # a citizen with forms and results
ANNA = ("SE2321000131-P000000000012", "Anna Berg")  # therapist and citizen admin
SARA = ("SE2321000131-P000000000015", "Sara Ek")  # designer and publisher, two units

ROLES = [
    pytest.param("citizen", LINNEA, id="citizen"),
    pytest.param("staff", ANNA, id="therapist-citizen-admin"),
    pytest.param("staff", TWO_UNIT_ADMIN, id="admin"),
    pytest.param("staff", SARA, id="designer-publisher"),
]


@pytest.fixture
def narrow_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page in its own context with a phone-sized viewport, 320 CSS px wide."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        viewport={"width": REFLOW_WIDTH, "height": 640},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    context.add_init_script(CSP_WATCH)
    try:
        yield context.new_page()
    finally:
        context.close()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def kind_of(path: str) -> str:
    """The kind of page an address shows: its path with every number as ``N``, no query."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def sign_in(page: Any, audience: str, person: tuple[str, str]) -> None:
    """Sign in through the demo login page; staff at two units take the first."""
    page.goto(f"/auth/demo/?audience={audience}")
    identifier, name = person
    form = page.locator(f"main form:has(input[name=identifier][value='{identifier}'])")
    with page.expect_navigation():
        form.get_by_role("button").click()
    expect(page.locator("header .who")).to_have_text(name)
    if urlsplit(page.url).path.startswith("/staff/unit"):
        page.locator("main input[type=radio]").first.check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()


def links(page: Any) -> list[str]:
    """Same-origin pages linked from this one, as paths with their query."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    here = urlsplit(page.url)
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != here.netloc:
            continue
        target = path_of(href)
        if target.startswith(NOT_CRAWLED) or FILE_LIKE.search(parts.path):
            continue
        found.append(target)
    return found


def problems_on(page: Any) -> list[str]:
    """What is wrong with the page as it is now: CSP, scroll regions a keyboard cannot reach or
    a screen reader cannot name, structure, axe and reflow at 320 px."""
    problems = []
    if csp_violations(page):
        problems.append(f"CSP violations: {csp_violations(page)}")
    unnamed = page.eval_on_selector_all(
        ".table-scroll",
        """regions => regions.filter(r => r.getAttribute("role") !== "region"
            || r.getAttribute("tabindex") !== "0"
            || !(document.getElementById(r.getAttribute("aria-labelledby") || "")?.textContent.trim())
          ).map(r => r.outerHTML.slice(0, 120))""",
    )
    if unnamed:
        problems.append(f"table scroll regions not focusable and named by their caption: {unnamed}")
    for check in (assert_page_structure, assert_accessible):
        try:
            check(page)
        except AssertionError as failure:
            problems.append(str(failure))
    return problems


@pytest.mark.parametrize(("audience", "person"), ROLES)
def test_every_reachable_page_reflows_at_320_px(narrow_page, audience, person):
    page = narrow_page
    sign_in(page, audience, person)
    start = path_of(page.url)
    queue, seen = [start], {start, "/"}  # "/" only sends a signed-in person to the start page
    variants = {kind_of(start): 1}
    checked: list[str] = []
    failures: dict[str, list[str]] = {}
    while queue and len(checked) < LIMIT:
        path = queue.pop(0)
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        checked.append(path)
        if problems := problems_on(page):
            failures[path] = problems
        for target in links(page):
            kind = kind_of(target)
            if target in seen or variants.get(kind, 0) >= VARIANTS:
                continue
            seen.add(target)
            variants[kind] = variants.get(kind, 0) + 1
            queue.append(target)
    assert len(checked) >= 3, f"only {checked} reached as {person[1]}"
    report = "\n\n".join(f"{path}:\n" + "\n".join(found) for path, found in failures.items())
    assert not failures, f"{len(failures)} of {len(checked)} pages fail as {person[1]}:\n\n{report}"


def test_reflow_check_names_what_sticks_out(narrow_page):
    """The reflow check is not vacuous: a wide table and a long word are found and named."""
    page = narrow_page
    page.set_content(
        '<html lang="sv"><body><main><h1>Sömnrestriktionsbehandlingsprogrammet</h1>'
        '<table class="wide"><tr><td>'
        + "ord " * 5
        + "</td>"
        + "<td>Psykiatrimottagningsverksamheten</td>" * 4
        + "</tr></table></main></body></html>"
    )
    measured = reflow_overflow(page)
    assert measured["scrollWidth"] > measured["innerWidth"] == REFLOW_WIDTH, measured
    paths = [offender["path"] for offender in measured["offenders"]]
    assert paths and paths[0].startswith("main > table.wide"), paths
    with pytest.raises(AssertionError) as failure:
        assert_reflows(page)
    message = str(failure.value)
    assert "scrolls sideways at 320 CSS px" in message and "table.wide" in message, message

    page.set_content(  # the same content scrolling in its own container does not count
        '<html lang="sv"><body><main><div class="box"><table><tr>'
        + "<td>Psykiatrimottagningsverksamheten</td>" * 4
        + "</tr></table></div></main></body></html>"
    )
    page.add_style_tag(content=".box { overflow-x: auto; }")
    assert reflow_overflow(page)["scrollWidth"] <= REFLOW_WIDTH
