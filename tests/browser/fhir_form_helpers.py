"""For the browser tests of imported FHIR forms: import a Questionnaire and send it to the demo
citizen, read back what she stored, and sign her in with or without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from browser_helpers import CITIZEN
from test_pages import demo_sign_in


def send_imported(app: Any, key: str, title: str, items: list[dict[str, Any]]) -> None:
    """Import a Questionnaire of ``items`` as the form ``key`` and send it to the demo citizen's
    active enrollment."""
    data = {"resourceType": "Questionnaire", "status": "active", "title": title, "item": items}
    send_questionnaire(app, key, data)


def send_questionnaire(app: Any, key: str, data: dict[str, Any]) -> None:
    """Import the Questionnaire ``data`` as the form ``key`` and send it to the demo citizen's
    active enrollment."""
    from sqlalchemy import select

    from sob_core.enrollments import assignments
    from sob_core.extensions import db
    from sob_core.interchange import fhir
    from sob_core.models import Citizen, Enrollment

    with app.app_context():
        version = fhir.import_questionnaire(
            db.session, app.extensions["sob"].registry, data, key=key
        )
        enrollment = db.session.scalar(
            select(Enrollment)
            .join(Citizen)
            .where(Citizen.personnummer == CITIZEN[0], Enrollment.status == "active")
            .order_by(Enrollment.id)
        )
        assignments.send_form(db.session, enrollment, version.form, enrollment.therapist_id or 1)
        db.session.commit()
        db.session.remove()


def stored_answers(app: Any, key: str) -> dict[str, Any]:
    """The answers stored for the form ``key`` (its one response)."""
    from sqlalchemy import select

    from sob_core import forms
    from sob_core.extensions import db
    from sob_core.models import Form, FormResponse, FormVersion

    with app.app_context():
        response = db.session.scalar(
            select(FormResponse).join(FormVersion).join(Form).where(Form.key == key)
        )
        found = forms.payloads(response)
        db.session.remove()
    return found


def sign_in_citizen(page: Any, javascript: bool) -> None:
    """The demo citizen signs in; without scripts by the plain form (the demo sign-in helper
    waits with scripts, the pages need none)."""
    if javascript:
        demo_sign_in(page, "sv", "citizen", CITIZEN)
        return
    page.goto("/auth/demo/?audience=citizen")
    page.locator(f"main form:has(input[name=identifier][value='{CITIZEN[0]}'])").get_by_role(
        "button"
    ).click()
    page.wait_for_load_state()


@contextmanager
def citizen_page(browser: Any, live_server: Any, javascript: bool) -> Iterator[Any]:
    """A page of a fresh browser context (Swedish, scripts on or off) with the demo citizen
    signed in; the context is closed when the block ends."""
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in_citizen(page, javascript)
        yield page
    finally:
        context.close()
