"""Hidden means hidden: what staff hid from a citizen, or what is still locked, answers 404 on
every citizen route by its URL (like a missing page), and is back once shown or opened. A saved
draft is never lost on the way."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import test_citizen_programs as setup
from sqlalchemy import select

from sob_core import enrollments
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.models import Form, FormAssignment, FormResponse, Staff
from sob_core.testing import csrf_from

JOHN, TOMMY = setup.JOHN, setup.TOMMY
person, page, first_unit = setup.person, setup.page, setup.first_unit


def content() -> dict:
    document = setup.program_content()
    # A form item in the second module, which opens only after the first is done.
    document["modules"][1]["items"].append(
        {
            "key": "m2-form",
            "kind": "form",
            "title": {"sv": "Sömnloggbok vecka 2"},
            "form_key": "hb-diary",
            "form_version": 1,
        }
    )
    return document


def enroll():
    return setup.enroll(version=setup.make_version(content=content()))


def assignment_of(enrollment, item_key: str) -> FormAssignment:
    found = person(FormAssignment, enrollment_id=enrollment.id, item_key=item_key)
    assert found is not None
    return found


def as_staff(client, login, enrollment, path: str, hidden: str) -> None:
    login("staff", TOMMY, unit_id=first_unit())
    manage = page(client, f"/staff/patients/{enrollment.id}")
    response = client.post(
        f"/staff/patients/{enrollment.id}{path}",
        data={"csrf_token": csrf_from(manage), "hidden": hidden},
    )
    assert response.status_code == 302
    login("citizen", JOHN)


def token(client) -> str:
    return csrf_from(page(client, "/citizen/"))


def form_routes(client, assignment: FormAssignment, status: int) -> None:
    """GET the form, save a draft and submit it by URL; each answers ``status``."""
    url = f"/citizen/forms/{assignment.id}"
    page(client, url, status)
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    key = response.submission_key if response is not None else "none"
    for action in ("save", "submit"):
        posted = client.post(
            url,
            data={
                "csrf_token": token(client),
                "submission_key": key,
                "action": action,
                "hours": "9",
            },
        )
        expected = status if status == 404 else 302
        assert posted.status_code == expected, (url, action, posted.status_code)


def item_routes(client, enrollment, item_key: str, status: int) -> None:
    """GET the content page and toggle its bookmark by URL; each answers ``status``."""
    url = f"/citizen/programs/{enrollment.id}/items/{item_key}"
    page(client, url, status)
    posted = client.post(f"{url}/bookmark", data={"csrf_token": token(client)})
    assert posted.status_code == (404 if status == 404 else 302), (url, posted.status_code)
    if status != 404:  # toggle back, so the page is left as it was
        client.post(f"{url}/bookmark", data={"csrf_token": token(client)})


def save_draft(client, assignment: FormAssignment, hours: str) -> None:
    url = f"/citizen/forms/{assignment.id}"
    html = page(client, url)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    saved = client.post(
        url,
        data={
            "csrf_token": csrf_from(html),
            "submission_key": key,
            "action": "save",
            "hours": hours,
        },
    )
    assert saved.status_code == 302


def test_a_hidden_form_item_answers_404_and_its_draft_waits(client, login):
    enrollment = enroll()
    login("citizen", JOHN)
    form = assignment_of(enrollment, "m1-form")
    save_draft(client, form, "6")

    as_staff(client, login, enrollment, "/items/m1-form/visibility", "1")
    page(client, f"/citizen/forms/{form.id}", 404)
    item_routes(client, enrollment, "m1-form", 404)
    posted = client.post(
        f"/citizen/forms/{form.id}",
        data={"csrf_token": token(client), "action": "submit", "hours": "9"},
    )
    assert posted.status_code == 404
    assert f"/citizen/forms/{form.id}" not in page(client, "/citizen/")
    db.session.expire_all()
    draft = db.session.scalar(select(FormResponse).where(FormResponse.assignment_id == form.id))
    assert draft.status == "draft" and draft.answers["hours"]["value"] == 6  # kept as it was

    as_staff(client, login, enrollment, "/items/m1-form/visibility", "0")
    html = page(client, f"/citizen/forms/{form.id}")
    assert 'value="6"' in html  # the draft is usable again
    item_routes(client, enrollment, "m1-form", 200)
    form_routes(client, form, 200)
    db.session.expire_all()
    assert person(FormAssignment, id=form.id).status == "done"


def test_a_hidden_module_hides_its_items_and_forms(client, login):
    enrollment = enroll()
    form = assignment_of(enrollment, "m1-form")
    as_staff(client, login, enrollment, "/modules/m1/visibility", "1")
    for key in ("m1-i1", "m1-img", "m1-form"):
        item_routes(client, enrollment, key, 404)
    form_routes(client, form, 404)
    overview = page(client, f"/citizen/programs/{enrollment.id}")
    assert "/items/m1-i1" not in overview and f"/citizen/forms/{form.id}" not in overview

    as_staff(client, login, enrollment, "/modules/m1/visibility", "0")
    item_routes(client, enrollment, "m1-i1", 200)
    form_routes(client, form, 200)


def test_a_locked_module_answers_404_until_its_rule_opens_it(client, login):
    enrollment = enroll()
    # An assignment of the locked module's form (as if handed out early): still not to be opened.
    early = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=assignment_of(enrollment, "m1-form").form_version_id,
        item_key="m2-form",
        status="open",
        assigned_at=datetime.now(UTC),
    )
    db.session.add(early)
    db.session.commit()
    assert not enrollments.assignment_available(db.session, early)
    login("citizen", JOHN)
    assert f"/citizen/forms/{early.id}" not in page(client, "/citizen/")
    item_routes(client, enrollment, "m2-i1", 404)
    item_routes(client, enrollment, "m2-form", 404)
    form_routes(client, early, 404)

    tommy = person(Staff, hsa_id=TOMMY)
    enrollments.complete_module(db.session, enrollment, "m1", "staff", tommy.id, datetime.now(UTC))
    db.session.commit()  # "after the previous": module 2 is open now
    item_routes(client, enrollment, "m2-i1", 200)
    assert f"/citizen/forms/{early.id}" in page(client, "/citizen/")
    form_routes(client, early, 200)


def test_an_extra_measurement_outside_the_content_still_works(client, login):
    enrollment = enroll()
    tommy = person(Staff, hsa_id=TOMMY)
    extra = assignments.send_form(db.session, enrollment, person(Form, key="hb-diary"), tommy.id)
    db.session.commit()
    # Hiding the whole programme content does not hide a form sent on its own.
    as_staff(client, login, enrollment, "/modules/m1/visibility", "1")
    assert enrollments.assignment_available(db.session, extra)
    assert f"/citizen/forms/{extra.id}" in page(client, "/citizen/")
    form_routes(client, extra, 200)
    db.session.expire_all()
    assert person(FormAssignment, id=extra.id).status == "done"
