"""The patient page's Hantera tab as the therapist's overview (issue 10, item 9).

"Olästa formulär" (unread responses, marked read on the first staff open), "Länkade moment" (the
citizen's other enrollments at this care unit only), the per-patient "Välkomsttext till
invånaren" (shown to the citizen instead of the programme's), and a flat query count.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from test_query_counts import counting
from test_therapist import (
    ANNA,
    ELIN,
    JOHAN,
    JOHN,
    TOMMY,
    _citizen,
    _staff,
    _units,
    forget_demo_enrollments,
    make_program,
    start,
)

from sob_core import enrollments
from sob_core.enrollments.staff_views import OutsideCareUnit
from sob_core.extensions import db
from sob_core.models import AuditEvent, Enrollment, Form, FormAssignment, FormResponse
from sob_core.testing import csrf_from
from sob_core.web.staff import overview


@pytest.fixture
def program(demo_data):
    forget_demo_enrollments()
    return make_program()


_keys = iter(range(10**6))


def answer(
    enrollment: Enrollment, days_ago: int = 0, status: str = "submitted", form: str = "phq-9"
) -> FormResponse:
    """A response of the enrollment's citizen to a form sent within ``enrollment``."""
    version = db.session.scalar(select(Form).where(Form.key == form)).latest
    now = datetime.now(UTC) - timedelta(days=days_ago)
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id,
        enrollment_id=enrollment.id,
        form_version_id=version.id,
        status="done" if status == "submitted" else "open",
        assigned_at=now,
    )
    db.session.add(assignment)
    db.session.flush()
    response = FormResponse(
        form_version_id=version.id,
        citizen_id=enrollment.citizen_id,
        assignment_id=assignment.id,
        status=status,
        submission_key=f"overview-{next(_keys)}-{enrollment.id}",
        submitted_at=now if status == "submitted" else None,
    )
    db.session.add(response)
    db.session.commit()
    return response


def end(enrollment: Enrollment) -> None:
    enrollments.end(db.session, enrollment, "staff", enrollment.therapist_id, datetime.now(UTC))
    db.session.commit()


def other_enrollment(number: str, therapist: str, unit: int, key: str) -> Enrollment:
    """A further enrollment of the citizen in a programme of its own at ``_units()[unit]``."""
    version = make_program(key=key, units=[_units()[unit]])
    return start(number, therapist, version, unit=unit)


def page(client, enrollment: Enrollment) -> str:
    response = client.get(f"/staff/patients/{enrollment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, heading_id: str) -> str:
    """The <section> labelled by ``heading_id``."""
    match = re.search(
        rf'<section aria-labelledby="{heading_id}".*?</section>', html, flags=re.DOTALL
    )
    assert match, heading_id
    return match.group(0)


# --- Olästa formulär -----------------------------------------------------------------------------


def test_unread_forms_are_this_enrollments_submitted_unopened_responses(program):
    john = start(JOHN, TOMMY, program)
    older, newer = answer(john, days_ago=2), answer(john, days_ago=1)
    answer(john, status="draft")  # not submitted: nothing to read
    read = answer(john, days_ago=3)
    read.staff_read_at = datetime.now(UTC)
    db.session.commit()
    end(john)
    again = other_enrollment(JOHN, TOMMY, 0, "andra")  # the same unit, another enrollment
    answer(again)
    elin = start(ELIN, TOMMY, program)
    answer(elin)  # another citizen's

    unread = overview.unread_forms(db.session, john, _units()[0])
    assert unread.count == 2
    assert [row.response_id for row in unread.rows] == [newer.id, older.id]
    assert unread.rows[0].title  # the form's title comes with the row
    assert overview.unread_forms(db.session, again, _units()[0]).count == 1

    few = overview.unread_forms(db.session, john, _units()[0], limit=1)
    assert few.count == 2 and len(few.rows) == 1 and few.more == 1


def test_unread_forms_refuse_another_units_enrollment(program):
    john = start(JOHN, TOMMY, program)
    answer(john)
    with pytest.raises(OutsideCareUnit):
        overview.unread_forms(db.session, john, _units()[1])
    with pytest.raises(OutsideCareUnit):
        overview.linked_enrollments(db.session, john, _units()[1])


def test_mark_read_stamps_once(program):
    john = start(JOHN, TOMMY, program)
    response = answer(john)
    draft = answer(john, status="draft")
    first, second = datetime.now(UTC), datetime.now(UTC) + timedelta(hours=1)
    assert overview.mark_read(db.session, response.id, _staff(TOMMY).id, first) is True
    assert overview.mark_read(db.session, response.id, _staff(ANNA).id, second) is False
    assert overview.mark_read(db.session, draft.id, _staff(TOMMY).id, first) is False
    db.session.commit()
    db.session.expire_all()
    stamped = db.session.get(FormResponse, response.id)
    assert stamped.staff_read_by_id == _staff(TOMMY).id
    assert abs(stamped.staff_read_at - first) < timedelta(seconds=1)
    assert db.session.get(FormResponse, draft.id).staff_read_at is None


def test_opening_a_response_marks_it_read_on_the_tab(client, login, program):
    john = start(JOHN, TOMMY, program)
    first, second = answer(john, days_ago=1), answer(john)
    login("staff", TOMMY, unit_id=_units()[0])
    html = page(client, john)
    unread = section(html, "unread-heading")
    assert 'Olästa formulär <span class="count">(2)</span>' in unread
    link = f'href="/staff/patients/{john.id}/responses/{first.id}"'
    assert link in unread and f"/responses/{second.id}" in unread
    assert f'href="/staff/patients/{john.id}/timeline">Se historik i tidslinjen' in unread
    assert html.count(">Oläst</span>") == 2  # marked in the forms sent too

    opened = client.get(f"/staff/patients/{john.id}/responses/{first.id}")
    assert opened.status_code == 200
    assert "Läst första gången av Tommy Skjulsvik" in opened.get_data(as_text=True)
    db.session.expire_all()
    read = db.session.get(FormResponse, first.id)
    assert read.staff_read_by_id == _staff(TOMMY).id and read.staff_read_at is not None
    stamped_at = read.staff_read_at
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.what == "form_response", AuditEvent.citizen_id == john.citizen_id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.detail == {"response": first.id, "first_read": True}

    unread = section(page(client, john), "unread-heading")
    assert "(1)" in unread and link not in unread and f"/responses/{second.id}" in unread

    # A colleague opening it later leaves the first read as it was.
    login("staff", ANNA, unit_id=_units()[0])
    later = client.get(f"/staff/patients/{john.id}/responses/{first.id}")
    assert "Läst första gången av Tommy Skjulsvik" in later.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(FormResponse, first.id)
    assert again.staff_read_by_id == _staff(TOMMY).id and again.staff_read_at == stamped_at

    assert client.get(f"/staff/patients/{john.id}/responses/{second.id}").status_code == 200
    assert "Inga olästa formulär." in section(page(client, john), "unread-heading")


def test_another_unit_cannot_open_or_mark_a_response(client, login, program):
    john = start(JOHN, TOMMY, program)
    response = answer(john)
    there = other_enrollment(JOHN, JOHAN, 1, "annan")
    login("staff", JOHAN, unit_id=_units()[1])
    assert client.get(f"/staff/patients/{there.id}/responses/{response.id}").status_code == 404
    assert client.get(f"/staff/patients/{john.id}/responses/{response.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(FormResponse, response.id).staff_read_at is None


# --- Länkade moment ------------------------------------------------------------------------------


def test_linked_enrollments_are_the_citizens_others_at_this_unit(client, login, program):
    first = start(JOHN, TOMMY, program, days_ago=30)
    end(first)
    current = other_enrollment(JOHN, ANNA, 0, "fortsattning")
    there = other_enrollment(JOHN, JOHAN, 1, "annanstans")  # another unit's
    start(ELIN, TOMMY, program)  # another citizen

    linked = overview.linked_enrollments(db.session, current, _units()[0])
    assert [row.id for row in linked] == [first.id]
    assert linked[0].status == "ended" and linked[0].program_name == {
        "sv": "Sömnskolan",
        "en": "Sleep school",
    }
    assert linked[0].therapist == "Tommy Skjulsvik" and linked[0].version_label == "1.0"
    assert overview.linked_enrollments(db.session, there, _units()[1]) == []

    login("staff", ANNA, unit_id=_units()[0])
    html = section(page(client, current), "linked-heading")
    assert f'href="/staff/patients/{first.id}">Sömnskolan (version 1.0)</a>' in html
    assert "Status: avslutat" in html and "Ansvarig behandlare: Tommy Skjulsvik" in html
    assert f"/staff/patients/{there.id}" not in html
    back = section(page(client, first), "linked-heading")
    assert f'href="/staff/patients/{current.id}"' in back

    login("staff", JOHAN, unit_id=_units()[1])
    html = section(page(client, there), "linked-heading")
    assert "Patienten har inga andra moment på den här vårdenheten." in html
    assert f"/staff/patients/{first.id}" not in html and f"/staff/patients/{current.id}" not in html


# --- Välkomsttext till invånaren -----------------------------------------------------------------


def post_welcome(client, enrollment: Enrollment, text: str, csrf: bool = True):
    token = csrf_from(page(client, enrollment)) if csrf else ""
    return client.post(
        f"/staff/patients/{enrollment.id}/welcome", data={"csrf_token": token, "welcome": text}
    )


def citizen_overview(client, login, enrollment: Enrollment) -> str:
    login("citizen", JOHN)
    response = client.get(f"/citizen/programs/{enrollment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_citizen_sees_the_therapists_welcome_text(client, login, program):
    john = start(JOHN, TOMMY, program)
    assert '<div class="welcome"><p>Välkommen!</p></div>' in citizen_overview(client, login, john)

    login("staff", TOMMY, unit_id=_units()[0])
    html = section(page(client, john), "welcome-heading")
    assert "Patienten ser programmets välkomsttext:" in html and "Välkommen!" in html
    assert f'action="/staff/patients/{john.id}/welcome"' in html
    text = "Hej John!\r\n\r\nJag heter Tommy och <b>följer</b> dig genom programmet.  "
    response = post_welcome(client, john, text)
    assert response.status_code == 302 and response.location.endswith(
        f"/staff/patients/{john.id}#welcome-panel"
    )
    db.session.expire_all()
    stored = db.session.get(Enrollment, john.id).welcome
    assert stored == {"sv": "Hej John!\n\nJag heter Tommy och <b>följer</b> dig genom programmet."}
    change = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.what == "enrollment.welcome", AuditEvent.action == "change"
        )
    ).one()
    assert change.actor_id == _staff(TOMMY).id and change.citizen_id == john.citizen_id
    assert "Hej" not in str(change.detail)  # the text itself stays out of the audit log
    html = section(page(client, john), "welcome-heading")
    assert "Patienten ser en egen välkomsttext i stället för programmets." in html
    assert "Jag heter Tommy och &lt;b&gt;följer&lt;/b&gt;" in html  # in the text area, escaped

    shown = citizen_overview(client, login, john)
    assert (
        '<div class="welcome"><p>Hej John!</p><p>Jag heter Tommy och &lt;b&gt;följer&lt;/b&gt; '
        "dig genom programmet.</p></div>"
    ) in shown
    assert "Välkommen!" not in shown

    # Emptied, the programme's welcome text is back.
    login("staff", TOMMY, unit_id=_units()[0])
    assert post_welcome(client, john, "   ").status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrollment, john.id).welcome == {}
    assert '<div class="welcome"><p>Välkommen!</p></div>' in citizen_overview(client, login, john)


def test_a_too_long_welcome_text_is_refused_by_the_field(client, login, program):
    john = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    response = post_welcome(client, john, "x" * (overview.WELCOME_MAX + 1))
    assert response.status_code == 422
    html = section(response.get_data(as_text=True), "welcome-heading")
    assert 'id="welcome-error"' in html and "högst 5000 tecken" in html
    assert 'aria-invalid="true"' in html and "x" * 100 in html  # the text comes back whole
    db.session.expire_all()
    assert db.session.get(Enrollment, john.id).welcome == {}


def test_welcome_text_needs_csrf_an_ongoing_enrollment_and_the_unit(client, login, program):
    john = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    assert post_welcome(client, john, "Hej", csrf=False).status_code == 400
    login("staff", JOHAN, unit_id=_units()[1])
    token = csrf_from(client.get("/staff/patients").get_data(as_text=True))
    response = client.post(
        f"/staff/patients/{john.id}/welcome", data={"csrf_token": token, "welcome": "Hej"}
    )
    assert response.status_code == 404
    login("staff", TOMMY, unit_id=_units()[0])
    token = csrf_from(page(client, john))
    end(john)
    response = client.post(
        f"/staff/patients/{john.id}/welcome", data={"csrf_token": token, "welcome": "Hej"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrollment, john.id).welcome == {}
    assert f'action="/staff/patients/{john.id}/welcome"' not in page(client, john)


def test_clean_welcome_keeps_paragraphs_and_drops_control_characters():
    assert overview.clean_welcome(" a\r\nb\x00\x1b\r\rc\t ") == "a\nb\n\nc"
    assert overview.clean_welcome(None) == ""


# --- the page as a whole -------------------------------------------------------------------------


def test_the_tab_keeps_the_overview_in_its_places(client, login, program):
    john = start(JOHN, TOMMY, program, days_ago=3)
    login("staff", TOMMY, unit_id=_units()[0])
    html = page(client, john)
    assert "Dagar i momentet: 3 (rek. 28 dagar)" in html
    assert "Moduler avklarade: 0 av 4" in html and "Moment startade:" in html
    assert "Telefonnummer:" in html and "Ansvarig behandlare: Tommy Skjulsvik" in html
    main = html.split('<div class="overview-main">', 1)[1].split('<div class="overview-side">')[0]
    side = html.split('<div class="overview-side">', 1)[1]
    for heading in ("unread-heading", "flags-heading", "modules"):
        assert f'aria-labelledby="{heading}"' in main, heading
    for heading in ("welcome-heading", "linked-heading", "results-heading", "forms-heading"):
        assert f'aria-labelledby="{heading}"' in side, heading
    order = [html.index(h) for h in ("Olästa formulär", "Aktuella moduler", "Kommande moduler")]
    assert order == sorted(order)
    assert html.count("<h1>") == 1
    ids = re.findall(r'\sid="([^"]+)"', html)
    duplicated = {i for i in ids if ids.count(i) > 1} - {"csrf_token"}  # one per form, as before
    assert not duplicated, duplicated
    assert '<label for="welcome">Egen välkomsttext till patienten</label>' in html
    assert "<script" not in html.split("<main", 1)[1]  # the tab needs no script


def _grow(enrollment: Enrollment, responses: int, linked: int, first_key: int) -> None:
    for _ in range(responses):
        answer(enrollment)
    for n in range(linked):
        version = make_program(key=f"lank{first_key + n}")
        other = Enrollment(
            citizen_id=enrollment.citizen_id,
            care_unit_id=enrollment.care_unit_id,
            therapist_id=enrollment.therapist_id,
            program_version_id=version.id,
            status="ended",
            started_at=datetime.now(UTC) - timedelta(days=100 + n),
            ended_at=datetime.now(UTC) - timedelta(days=50),
        )
        db.session.add(other)
    db.session.commit()


def statements(client, url: str) -> int:
    assert client.get(url).status_code == 200
    with counting() as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_the_tabs_statements_do_not_grow_with_unread_forms_or_linked_enrollments(
    client, login, program
):
    john = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    url = f"/staff/patients/{john.id}"
    _grow(john, 2, 1, 0)
    small = statements(client, url)
    _grow(john, 40, 12, 100)
    assert (
        db.session.scalar(
            select(func.count(Enrollment.id)).where(Enrollment.citizen_id == john.citizen_id)
        )
        == 14
    )
    html = client.get(url).get_data(as_text=True)
    assert "(42)" in section(html, "unread-heading")
    assert "Och 32 olästa formulär till" in html
    assert statements(client, url) == small


def test_a_citizen_on_an_other_enrollment_keeps_her_data_apart(client, login, program):
    """Linked enrollments at the unit do not mix their unread forms."""
    john = start(JOHN, TOMMY, program)
    end(john)
    again = other_enrollment(JOHN, TOMMY, 0, "igen")
    answer(john)
    login("staff", TOMMY, unit_id=_units()[0])
    assert "(0)" in section(page(client, again), "unread-heading")
    assert "(1)" in section(page(client, john), "unread-heading")
    assert _citizen(JOHN).id == again.citizen_id
