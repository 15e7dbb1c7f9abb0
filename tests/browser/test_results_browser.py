"""The therapist sees what raised a flag, and the PHQ-9 chart with its whole range, in a browser."""

from __future__ import annotations

import re

import pytest

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect

from browser_helpers import assert_accessible, csp_violations  # noqa: E402
from test_pages import THERAPIST, demo_sign_in  # noqa: E402

pytestmark = pytest.mark.browser


def test_the_flag_is_explained_and_the_chart_shows_every_band(page):
    demo_sign_in(page, "sv", "staff", THERAPIST)
    page.goto("/staff/patients?view=mine")
    row = page.locator("main tr", has_text="Per Andersson")
    expect(row.locator(".flag-count")).to_have_text("1 flagga")
    row.get_by_role("link", name="Per Andersson").click()
    flags = page.locator("section[aria-labelledby=flags-heading]")
    expect(flags).to_contain_text("1 öppen flagga")
    expect(flags).to_contain_text("Fråga 9: ”Flera dagar” (1 poäng)")
    assert_accessible(page)
    page.goto(page.url + "/results/phq-9.total")
    expect(page.locator("main table caption")).to_have_text(re.compile(r"Patientens värden"))
    expect(page.locator("main dl.bands")).to_contain_text("(20–27)")
    expect(page.locator("#result-chart .main-svg").first).to_be_attached()
    # the top band is drawn whole: the axis reaches 27
    ticks = page.locator("#result-chart .ytick text").all_text_contents()
    assert max(float(t.replace(",", ".").replace("\u2212", "-")) for t in ticks) >= 25, ticks
    assert csp_violations(page) == []
    assert_accessible(page)
