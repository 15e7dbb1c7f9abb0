"""A form filled in a real browser shows its result as a chart with a table (issue: forms that
score), with skip logic enhanced by JavaScript and zero axe violations on every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

from browser_helpers import assert_accessible, csp_violations  # noqa: E402
from test_pages import demo_sign_in  # noqa: E402

from sob_core.enrollments.clock import local_date  # noqa: E402

pytestmark = pytest.mark.browser
LINNEA = ("200102112687", "Linnea Johansson")


def test_citizen_fills_in_the_sleep_diary_and_sees_the_chart(page):
    demo_sign_in(page, "sv", "citizen", LINNEA)
    page.get_by_role("link", name=re.compile("Sömndagbok")).first.click()
    expect(page.locator("h1")).to_contain_text("Sömndagbok")
    assert_accessible(page)
    page.fill("#bedtime", "23:00")
    page.fill("#rise_time", "07:00")
    page.fill("[name='time_in_bed_min:hours']", "8")
    page.fill("[name='time_in_bed_min:minutes']", "0")
    # An impossible night first: refused next to the field, every answer still in place.
    page.fill("[name='total_sleep_min:hours']", "9")
    page.fill("[name='total_sleep_min:minutes']", "0")
    page.get_by_role("button", name="Skicka in").click()
    expect(page.locator("[role=alert]")).to_contain_text("behöver")
    expect(page.locator("#question-total_sleep_min")).to_contain_text(
        "Du kan inte ha sovit längre än du låg i sängen"
    )
    expect(page.locator("#bedtime")).to_have_value("23:00")
    expect(page.locator("[name='time_in_bed_min:hours']")).to_have_value("8")
    expect(page.locator("[name='total_sleep_min:hours']")).to_have_value("9")
    assert_accessible(page)
    page.fill("[name='total_sleep_min:hours']", "6")
    page.get_by_role("button", name="Skicka in").click()
    expect(page.locator(".flashes")).to_contain_text("Tack")
    page.get_by_role("link", name=re.compile("Se dina resultat")).click()
    page.get_by_role(
        "link", name=re.compile("Sömneffektivitet|sömneffektivitet|efficiency")
    ).first.click()
    table = page.locator("main table")
    expect(table.locator("caption")).to_have_text(re.compile(r"Mina värden \(\d+\)"))
    today = local_date(datetime.now(UTC)).isoformat()
    row = table.locator("tbody tr", has_text=today).filter(has_text="75")
    expect(row.first).to_contain_text("Låg")
    # plotly.js (served by the app, not a CDN) drew the chart, under the strict CSP.
    expect(page.locator("#result-chart .main-svg").first).to_be_attached()
    assert csp_violations(page) == []
    assert_accessible(page)


def test_skip_logic_shows_the_follow_up_question_in_the_browser(page):
    demo_sign_in(page, "sv", "citizen", LINNEA)
    page.get_by_role("link", name=re.compile("Jag vill prata om")).first.click()
    follow_up = page.locator("#question-bad_nights")
    expect(follow_up).to_be_hidden()
    page.get_by_label("Sömn", exact=True).check()
    expect(follow_up).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Sömn", exact=True).uncheck()
    expect(follow_up).to_be_hidden()
