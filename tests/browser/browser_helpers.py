"""Helpers for the browser tests: the axe-core and reflow checks, page structure, keyboard moves."""

from __future__ import annotations

from functools import cache
from typing import Any

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# What the browser treats as reachable with Tab (good enough for sob's server-rendered pages).
FOCUSABLE = (
    "a[href], area[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), "
    "select:not([disabled]), textarea:not([disabled]), iframe, summary, "
    "[contenteditable=''], [contenteditable=true], [tabindex]:not([tabindex='-1'])"
)


@cache
def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()  # reads axe.min.js once


def _describe(violation: dict[str, Any]) -> str:
    lines = [
        f"- {violation['id']} ({violation.get('impact') or 'unknown impact'}): "
        f"{violation['help']} <{violation.get('helpUrl', '')}>"
    ]
    for node in violation["nodes"]:
        target = " ".join(str(part) for part in node["target"])
        summary = (node.get("failureSummary") or "").replace("\n", " ").strip()
        lines.append(f"    at {target}: {node.get('html', '')[:200]}")
        if summary:
            lines.append(f"      {summary}")
    return "\n".join(lines)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now, with the WCAG 2.0/2.1 A and AA rules."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return _axe().run(page, options=options).response["violations"]


def assert_accessible(page: Any) -> None:
    """Fail with every WCAG 2.0/2.1 A/AA violation axe-core finds on the page, if any, then
    check that the page reflows at 320 CSS px (which axe cannot judge)."""
    violations = axe_violations(page)
    if violations:
        report = "\n".join(_describe(v) for v in violations)
        raise AssertionError(
            f"{len(violations)} accessibility violation(s) on {page.url}:\n{report}"
        )
    assert_reflows(page)


# WCAG 2.1 1.4.10 Reflow: usable without scrolling sideways at 320 CSS px wide. A 1280 px window
# zoomed to 400 % is exactly that viewport (1280 / 4 = 320 CSS px: media queries, percentages and
# line breaks all see the same width), so one check at a 320 px viewport covers both cases.
REFLOW_WIDTH = 320

# Measures the page; when it is wider than the viewport, finds what sticks out: elements whose box
# or content reaches past the right edge while their parent's box does not (where it breaks out),
# ignoring anything inside a container that clips or scrolls sideways, and keeping the innermost.
_MEASURE_OVERFLOW = r"""() => {
  const limit = window.innerWidth;
  const root = document.documentElement;
  const result = {scrollWidth: root.scrollWidth, innerWidth: limit, offenders: []};
  if (root.scrollWidth <= limit) return result;
  const right = (el) => {
    const box = el.getBoundingClientRect();
    const clips = getComputedStyle(el).overflowX !== "visible";
    return box.left + window.scrollX + (clips ? box.width : Math.max(box.width, el.scrollWidth));
  };
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim()) {
      name += "." + el.className.trim().split(/\s+/).join(".");
    }
    return name;
  };
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const edge = right(el);
    if (edge <= limit + 0.5 || clipped(el)) continue;
    const parent = el.parentElement;
    const parentBox = parent.getBoundingClientRect();
    if (parent !== document.body && parentBox.right + window.scrollX > limit + 0.5) continue;
    found.push([el, edge]);
  }
  const innermost = found.filter(([el]) => !found.some(([other]) => other !== el && el.contains(other)));
  innermost.sort((a, b) => b[1] - a[1]);
  result.offenders = innermost.slice(0, 3).map(([el, edge]) => {
    const path = [];
    for (let up = el; up && up !== document.body; up = up.parentElement) path.unshift(describe(up));
    return {
      path: path.join(" > "), right: Math.round(edge),
      html: el.outerHTML.slice(0, 160), text: (el.innerText || "").trim().slice(0, 80),
    };
  });
  return result;
}"""


def reflow_overflow(page: Any, width: int = REFLOW_WIDTH) -> dict[str, Any]:
    """How wide the page is at a viewport ``width`` CSS px wide, and what sticks out past it.

    The viewport is narrowed for the measurement and put back afterwards, so the test goes on at
    the size it had; layout after the resize is waited for over two animation frames.
    """
    before = page.viewport_size
    if before is not None and before["width"] != width:
        page.set_viewport_size({"width": width, "height": before["height"]})
    try:
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        return page.evaluate(_MEASURE_OVERFLOW)
    finally:
        if before is not None and before["width"] != width:
            page.set_viewport_size(before)


def assert_reflows(page: Any, width: int = REFLOW_WIDTH) -> None:
    """Fail when the page scrolls sideways at ``width`` CSS px, naming what sticks out."""
    measured = reflow_overflow(page, width)
    if measured["scrollWidth"] <= measured["innerWidth"]:
        return
    lines = [
        f"{page.url} scrolls sideways at {width} CSS px: the page is {measured['scrollWidth']} px "
        f"wide in a {measured['innerWidth']} px viewport (WCAG 2.1 1.4.10 Reflow)."
    ]
    for offender in measured["offenders"]:
        lines.append(f"  widest: {offender['path']} reaches {offender['right']} px")
        lines.append(f"    {offender['html']}")
        if offender["text"]:
            lines.append(f"    text: {offender['text']!r}")
    if not measured["offenders"]:
        lines.append("  (no single element found past the edge)")
    raise AssertionError("\n".join(lines))


def assert_page_structure(page: Any, lang: str | None = None) -> None:
    """Exactly one h1, a language on <html> (``lang`` when given) and a non-empty title."""
    html_lang = page.get_attribute("html", "lang")
    assert html_lang, f"<html> has no lang attribute on {page.url}"
    if lang is not None:
        assert html_lang == lang, f"<html lang={html_lang!r}>, expected {lang!r} on {page.url}"
    headings = page.locator("h1")
    assert headings.count() == 1, f"{headings.count()} h1 elements on {page.url}"
    assert page.title().strip(), f"empty <title> on {page.url}"


def check_page(page: Any, lang: str | None = None) -> None:
    """The checks every page gets: structure, then axe-core and reflow at 320 CSS px."""
    assert_page_structure(page, lang)
    assert_accessible(page)


def csp_violations(page: Any) -> list[str]:
    """The CSP violations the page reported through ``securitypolicyviolation`` events."""
    return page.evaluate("window.__sobCspViolations || []")


def first_focusable(page: Any) -> str:
    """A short description of the first focusable, visible-when-focused element in DOM order."""
    return page.evaluate(
        """(selector) => {
          const el = document.querySelector(selector);
          return el ? el.outerHTML.slice(0, 120) : "";
        }""",
        FOCUSABLE,
    )


def focused(page: Any) -> dict[str, Any]:
    """The element that has focus: tag, id, class, href, text."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el) return {};
          return {
            tag: el.tagName.toLowerCase(), id: el.id || "", cls: el.className || "",
            href: el.getAttribute("href") || "", text: (el.innerText || el.value || "").trim(),
          };
        }"""
    )


def tab_until(page: Any, matches: Any, limit: int = 40) -> dict[str, Any]:
    """Press Tab until the focused element satisfies ``matches(focused)``; fail after ``limit``."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if matches(now):
            return now
        seen.append(f"{now.get('tag')} {now.get('text') or now.get('href')}")
    raise AssertionError(f"not reached with Tab in {limit} presses on {page.url}; saw {seen}")


# The demo people the tests sign in as (sob_core.services.demo).
CITIZEN = ("198503142393", "John Doe")
THERAPIST = ("SE2321000131-P000000000011", "Tommy Skjulsvik")
TWO_UNIT_ADMIN = ("SE2321000131-P000000000013", "Maria Lind")
FIRST_UNIT = "Psykiatrimottagning Centrum, Göteborg"
SECOND_UNIT = "Sömnmottagningen Södermalm"
# A staff member given a password by the live_server fixture, for the password provider.
PASSWORD_STAFF = ("SE2321000131-P000000000014", "Erik Holm")
PASSWORD = "ett-långt-testlösenord-42"


# --- moving through the pages, as every journey test does ---------------------------------------


def checked(page: Any) -> None:
    """The checks every visited page gets: no CSP violation, one h1, lang, title, axe-core."""
    assert csp_violations(page) == [], f"CSP violations on {page.url}"
    check_page(page)


def click(page: Any, locator: Any) -> None:
    """Click a visible link or button that loads a page, and check the page it loads."""
    from playwright.sync_api import expect

    expect(locator).to_be_visible()
    with page.expect_navigation():
        locator.click()
    checked(page)


def choose_first_unit(page: Any) -> None:
    """Staff with roles at more than one unit choose the first after signing in."""
    if "/staff/unit" in page.url:
        page.get_by_label(FIRST_UNIT).check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()


def sign_in(page: Any, audience: str, person: tuple[str, str]) -> None:
    """Sign in through the demo login page as ``person`` (identifier, name); staff land at the
    first unit."""
    import re

    from playwright.sync_api import expect

    page.goto("/auth/login")
    page.locator(f"a[href='/auth/demo/?audience={audience}']").first.click()
    page.wait_for_url(re.compile(rf"/auth/demo/\?audience={audience}$"))
    identifier, name = person
    form = page.locator(f"main form:has(input[name=identifier][value='{identifier}'])")
    with page.expect_navigation():
        form.get_by_role("button").click()
    expect(page.locator("header .who")).to_have_text(name)
    choose_first_unit(page)


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.locator("header form.logout button").click()
