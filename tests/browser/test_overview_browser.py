"""The therapist's overview (the patient page's Hantera tab) in a real browser (issue 10, item 9).

A therapist reads an unread form (it leaves "Olästa formulär"), follows a linked enrollment and
back, writes a welcome text that the citizen then reads on "Mitt innehåll" instead of the
programme's; the tab is checked with axe and for reflow at 320 CSS px, laid out in two columns on
a 1280 px laptop screen, and works with JavaScript turned off.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import CITIZEN, FIRST_UNIT, THERAPIST, checked, click, sign_in, sign_out
from conftest import CSP_WATCH, DEFAULT_TIMEOUT_MS

pytestmark = pytest.mark.browser


class Added:
    """What the test adds to John Doe's data on the live server, and takes away afterwards."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.enrollment_id = 0
        self.response_id = 0
        self.linked_id = 0
        self.assignment_id = 0

    def add(self) -> None:
        from sqlalchemy import select

        from sob_core.extensions import db
        from sob_core.models import (
            CareUnit,
            Citizen,
            Enrollment,
            Form,
            FormAssignment,
            FormResponse,
        )

        with self.app.app_context():
            john = db.session.scalar(select(Citizen).where(Citizen.personnummer == CITIZEN[0]))
            unit = db.session.scalar(select(CareUnit).where(CareUnit.name == FIRST_UNIT))
            enrollment = db.session.scalar(
                select(Enrollment).where(
                    Enrollment.citizen_id == john.id,
                    Enrollment.care_unit_id == unit.id,
                    Enrollment.status != "ended",
                )
            )
            self.enrollment_id = enrollment.id
            version = db.session.scalar(select(Form).where(Form.key == "phq-9")).latest
            now = datetime.now(UTC)
            assignment = FormAssignment(
                citizen_id=john.id,
                enrollment_id=enrollment.id,
                form_version_id=version.id,
                status="done",
                assigned_at=now,
            )
            db.session.add(assignment)
            db.session.flush()
            response = FormResponse(
                form_version_id=version.id,
                citizen_id=john.id,
                assignment_id=assignment.id,
                status="submitted",
                submission_key=f"overview-browser-{secrets.token_hex(4)}",
                answers={},
                submitted_at=now,
            )
            linked = Enrollment(
                citizen_id=john.id,
                care_unit_id=unit.id,
                therapist_id=enrollment.therapist_id,
                program_version_id=enrollment.program_version_id,
                status="ended",
                started_at=now - timedelta(days=400),
                ended_at=now - timedelta(days=300),
            )
            db.session.add_all([response, linked])
            db.session.commit()
            self.assignment_id, self.response_id, self.linked_id = (
                assignment.id,
                response.id,
                linked.id,
            )
            db.session.remove()

    def remove(self) -> None:
        from sqlalchemy import delete, update

        from sob_core.extensions import db
        from sob_core.models import Enrollment, FormAssignment, FormResponse

        with self.app.app_context():
            db.session.execute(delete(FormResponse).where(FormResponse.id == self.response_id))
            db.session.execute(
                delete(FormAssignment).where(FormAssignment.id == self.assignment_id)
            )
            db.session.execute(delete(Enrollment).where(Enrollment.id == self.linked_id))
            db.session.execute(
                update(Enrollment).where(Enrollment.id == self.enrollment_id).values(welcome={})
            )
            db.session.commit()
            db.session.remove()


@pytest.fixture
def added(live_server) -> Iterator[Added]:
    data = Added(live_server.app)
    data.add()
    try:
        yield data
    finally:
        data.remove()


def unread_count(page) -> int:
    heading = page.locator("#unread-heading").inner_text()
    return int(re.search(r"\((\d+)\)", heading).group(1))


def test_the_therapist_reads_links_and_welcomes_on_the_overview(page, added):
    main = page.locator("main")
    sign_in(page, "staff", THERAPIST)
    page.goto("/staff/patients?view=all")
    checked(page)
    click(page, main.locator("tr", has_text=CITIZEN[1]).get_by_role("link", name=CITIZEN[1]))
    assert page.url.endswith(f"/staff/patients/{added.enrollment_id}")
    expect(main.get_by_role("link", name="Hantera", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(main).to_contain_text("Dagar i momentet:")
    expect(main).to_contain_text("Moduler avklarade:")
    expect(main).to_contain_text("Ansvarig behandlare: Tommy Skjulsvik")

    # On a 1280 px laptop screen the modules and the side panels stand side by side.
    assert page.viewport_size["width"] == 1280
    left = page.locator(".overview-main").bounding_box()
    right = page.locator(".overview-side").bounding_box()
    assert right["x"] >= left["x"] + left["width"] and abs(right["y"] - left["y"]) < 2

    # The unread form is opened from "Olästa formulär" and leaves the list.
    before = unread_count(page)
    assert before >= 1
    unread = main.locator("#unread")
    link = unread.locator(f"a[href$='/responses/{added.response_id}']")
    click(page, link)
    assert page.url.endswith(f"/responses/{added.response_id}")
    click(page, main.get_by_role("link", name="Tillbaka till patienten"))
    assert unread_count(page) == before - 1
    expect(unread.locator(f"a[href$='/responses/{added.response_id}']")).to_have_count(0)

    # "Länkade moment": the earlier, ended enrollment at this unit, and back.
    linked = main.locator("#linked")
    expect(linked).to_contain_text("Status: avslutat")
    click(page, linked.locator(f"a[href='/staff/patients/{added.linked_id}']"))
    expect(main).to_contain_text("Status: avslutat")
    back = main.locator("#linked").locator(f"a[href='/staff/patients/{added.enrollment_id}']")
    click(page, back)

    # The welcome text to the citizen.
    welcome = f"Hej John! Välkommen till behandlingen, hälsar Tommy ({secrets.token_hex(2)})."
    page.get_by_label("Egen välkomsttext till patienten").fill(welcome)
    click(page, main.get_by_role("button", name="Spara välkomsttexten"))
    expect(main).to_contain_text("Välkomsttexten är sparad")
    expect(main.locator("#welcome-panel")).to_contain_text(
        "Patienten ser en egen välkomsttext i stället för programmets."
    )
    sign_out(page)

    sign_in(page, "citizen", CITIZEN)
    page.goto(f"/citizen/programs/{added.enrollment_id}")
    checked(page)
    expect(main.locator(".welcome")).to_have_text(welcome)


@pytest.fixture
def no_script_page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", java_script_enabled=False
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.add_init_script(CSP_WATCH)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_overview_works_without_javascript(no_script_page, added):
    page = no_script_page
    page.goto("/auth/login")
    page.locator("a[href='/auth/demo/?audience=staff']").first.click()
    page.wait_for_url(re.compile(r"/auth/demo/\?audience=staff$"))
    page.locator(f"main form:has(input[name=identifier][value='{THERAPIST[0]}'])").get_by_role(
        "button"
    ).click()
    page.wait_for_load_state()
    if "/staff/unit" in page.url:
        page.get_by_label(FIRST_UNIT).check()
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
    page.goto(f"/staff/patients/{added.enrollment_id}")
    main = page.locator("main")
    expect(main.locator("#unread-heading")).to_contain_text("Olästa formulär")
    page.get_by_label("Egen välkomsttext till patienten").fill("x" * 5001)
    page.get_by_role("button", name="Spara välkomsttexten").click()
    page.wait_for_load_state()
    expect(main.locator("#welcome-panel")).to_contain_text("högst 5000 tecken")
    page.get_by_label("Egen välkomsttext till patienten").fill("Hej utan skript")
    page.get_by_role("button", name="Spara välkomsttexten").click()
    page.wait_for_load_state()
    expect(main).to_contain_text("Välkomsttexten är sparad")
    expect(page.get_by_label("Egen välkomsttext till patienten")).to_have_value("Hej utan skript")
