"""Purge in a real browser: the data administrator sees the ended enrollments due for purge, opens
one, reads its dry run and purges it; one she holds (legal hold) stays. Every page gets the
structure, CSP and axe-core checks."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import FIRST_UNIT, PASSWORD_STAFF, THERAPIST, click, sign_in

pytestmark = pytest.mark.browser
DATA_ADMIN = PASSWORD_STAFF  # Erik Holm: permission and data administrator at the first unit


def _personnummer(serial: int) -> str:
    """A valid personnummer of 1960-05-05 with the serial number ``serial`` (Luhn check digit)."""
    body = f"600505{serial:03d}"
    total = 0
    for index, char in enumerate(body):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit // 10 + digit % 10
    return f"19{body}{(10 - total % 10) % 10}"


def _two_due_enrollments(app) -> list[int]:
    """Two new citizens' enrollments at the first unit, ended 60 days ago, retention 30 days,
    the data administrators told 15 days ago (so both may be purged now)."""
    from sqlalchemy import select

    from sob_core import enrollments
    from sob_core.extensions import db
    from sob_core.models import CareUnit, Program, ProgramVersion, PurgeNotice, Staff

    now = datetime.now(UTC)
    with app.app_context():
        unit = db.session.scalar(select(CareUnit).where(CareUnit.name == FIRST_UNIT))
        therapist = db.session.scalar(select(Staff).where(Staff.hsa_id == THERAPIST[0]))
        version = db.session.scalars(
            select(ProgramVersion)
            .join(Program)
            .where(Program.key == "infor-operation", ProgramVersion.status == "published")
            .order_by(ProgramVersion.id.desc())
        ).first()
        version.program.retention_days = 30
        made = []
        for serial, name in ((381, "Gallra Testsson"), (392, "Spara Testsson")):
            citizen = enrollments.register_citizen(db.session, _personnummer(serial), name)
            enrollment = enrollments.start(
                db.session,
                citizen_id=citizen.id,
                program_version_id=version.id,
                care_unit_id=unit.id,
                therapist_id=therapist.id,
                started_by_id=therapist.id,
                now=now - timedelta(days=90),
            )
            enrollments.lifecycle.end(
                db.session, enrollment, "staff", therapist.id, now=now - timedelta(days=60)
            )
            db.session.add(
                PurgeNotice(
                    enrollment_id=enrollment.id,
                    due_at=now - timedelta(days=30),
                    noticed_at=now - timedelta(days=15),
                    purge_after=now - timedelta(days=1),
                )
            )
            made.append(enrollment.id)
        db.session.commit()
        db.session.remove()
    return made


def test_the_data_admin_purges_a_due_enrollment_and_a_held_one_stays(page, live_server):
    purged, held = _two_due_enrollments(live_server.app)
    main = page.locator("main")
    sign_in(page, "staff", DATA_ADMIN)
    click(page, page.locator("nav.main-nav").get_by_role("link", name="Gallring"))
    expect(main.get_by_role("heading", level=1)).to_have_text("Gallring av avslutade moment")
    due = main.locator("table", has_text="Moment")
    expect(due.locator("tr", has_text=f"Moment {purged}")).to_contain_text("Ska gallras")

    # The held one: a reason is needed, then it is held and offers no purge.
    click(page, due.get_by_role("link", name=f"Moment {held}", exact=True))
    click(page, main.get_by_role("button", name="Sätt gallringsstopp"))
    expect(main.locator("#error-summary")).to_contain_text("Ange ett skäl")
    expect(main.get_by_label("Skäl")).to_have_attribute("aria-invalid", "true")
    main.get_by_label("Skäl").fill("Diarienummer 2026/4711")
    click(page, main.get_by_role("button", name="Sätt gallringsstopp"))
    expect(main).to_contain_text(f"Gallringsstopp är satt på moment {held}.")
    expect(main.locator("#purge-state")).to_have_text("Gallringsstopp")
    expect(main.get_by_role("button", name="Gallra nu")).to_have_count(0)

    # The other: its dry run, then the purge.
    click(page, main.get_by_role("link", name="Tillbaka till gallringslistan"))
    click(page, main.get_by_role("link", name=f"Moment {purged}", exact=True))
    dry_run = main.locator("table", has_text="Tabell")
    expect(dry_run.locator("tr", has_text="enrollment_event")).to_be_visible()
    expect(
        dry_run.locator("tr").filter(has=page.locator("code", has_text=re.compile(r"^enrollment$")))
    ).to_contain_text("1")
    click(page, main.get_by_role("button", name="Gallra nu"))
    expect(main).to_contain_text(f"Moment {purged} har gallrats.")
    expect(main.get_by_role("link", name=f"Moment {purged}", exact=True)).to_have_count(0)
    expect(main.locator("tr", has_text=f"Moment {held}")).to_contain_text("Gallringsstopp")
    expect(main.locator("table", has_text="Pseudonym")).to_contain_text("retention:30")
    assert page.goto(f"/admin/data/purge/{purged}").status == 404
