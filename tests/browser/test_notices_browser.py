"""The notice pages in a real browser: the citizen's settings and inbox, the staff setting and
the delivery log, each checked for accessibility (axe, reflow) in Swedish and English."""

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

from browser_helpers import CITIZEN, SECOND_UNIT, THERAPIST, TWO_UNIT_ADMIN, assert_accessible
from test_pages import check, demo_sign_in

pytestmark = pytest.mark.browser


def add_inbox_notice(live_server) -> None:
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.identity import personnummer
    from sob_core.models import CareUnit, Citizen, Notification

    with live_server.app.app_context():
        number = personnummer.parse(CITIZEN[0]).number
        citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == number))
        unit = db.session.scalar(select(CareUnit).where(CareUnit.name == SECOND_UNIT))
        db.session.add(
            Notification(
                care_unit_id=unit.id,  # the unit whose delivery log shows it
                recipient_kind="citizen",
                recipient_id=citizen.id,
                channel="inbox",
                kind="new_message",
                link="/citizen/",
                status="sent",
            )
        )
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_citizen_settings_and_inbox(page, live_server, lang):
    add_inbox_notice(live_server)
    demo_sign_in(page, lang, "citizen", CITIZEN)
    inbox = page.locator("main section#inbox")
    expect(inbox.locator("li.notice.unread").first).to_be_visible()
    check(page, lang)
    assert_accessible(page)

    page.locator("nav.main-nav a[href='/citizen/settings']").click()
    page.wait_for_url(re.compile(r"/citizen/settings$"))
    check(page, lang)
    assert_accessible(page)

    page.locator("input[name=mobile]").fill("08-123 456 78")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#form-errors[role=alert]")).to_be_visible()
    expect(page.locator("input[name=mobile]")).to_have_attribute("aria-invalid", "true")
    check(page, lang)
    assert_accessible(page)

    page.locator("input[name=mobile]").fill("070-123 45 67")
    page.locator("input[name=use_sms]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/citizen/settings$"))
    expect(page.locator("main .flashes[role=status]")).to_be_visible()
    expect(page.locator("input[name=mobile]")).to_have_value("+46701234567")
    expect(page.locator("input[name=use_sms]")).to_be_checked()

    page.goto("/citizen/")
    page.locator("main section#inbox li.notice.unread form button").first.click()
    page.wait_for_url(re.compile(r"/citizen/"))
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_staff_settings(page, lang):
    demo_sign_in(page, lang, "staff", THERAPIST)
    page.locator("nav.main-nav a[href='/staff/settings']").click()
    page.wait_for_url(re.compile(r"/staff/settings$"))
    check(page, lang)
    assert_accessible(page)
    page.locator("input[name=mode][value=digest]").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .flashes[role=status]")).to_be_visible()
    expect(page.locator("input[name=mode][value=digest]")).to_be_checked()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_delivery_log(page, live_server, lang):
    add_inbox_notice(live_server)
    demo_sign_in(page, lang, "staff", TWO_UNIT_ADMIN)
    page.get_by_label(SECOND_UNIT).check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/$"))
    page.goto("/admin/")
    page.locator("main a[href='/admin/notices']").click()
    page.wait_for_url(re.compile(r"/admin/notices$"))
    check(page, lang)
    assert_accessible(page)
    page.locator("main table a[href^='/admin/notices/']").first.click()
    page.wait_for_url(re.compile(r"/admin/notices/\d+$"))
    check(page, lang)
    assert_accessible(page)
