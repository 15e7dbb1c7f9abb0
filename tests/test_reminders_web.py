"""The web side of reminders: staff reminders on the patient page (set, listed, cancelled, refused
with 422 by the field, audit-logged, unit-bound) and the design tool's reminder rules page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from test_design import SARA, make_draft
from test_therapist import JOHAN, JOHN, TOMMY, _staff, _units, start
from test_therapist import program as program  # noqa: F401  (the fixture)

from sob_core import programs
from sob_core.extensions import db
from sob_core.models import AuditEvent, ProgramVersion, StaffReminder
from sob_core.testing import csrf_from


def today() -> date:
    """The unit's day now (not at import: a run that passes local midnight would see it past)."""
    return datetime.now(ZoneInfo("Europe/Stockholm")).date()


def _audits(what: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.what == what)))


def _panel(html: str) -> str:
    match = re.search(r'<section aria-labelledby="staff-reminders".*?</section>', html, re.S)
    assert match, "no staff reminder panel"
    return match.group(0)


@pytest.fixture
def patient(client, login, program):  # noqa: F811
    enrollment = start(JOHN, TOMMY, program)
    login("staff", TOMMY, unit_id=_units()[0])
    return enrollment


def _set(client, enrollment, **data):
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    payload = {"staff_reminder-csrf_token": csrf_from(page), **data}
    return client.post(f"/staff/patients/{enrollment.id}/staff-reminders", data=payload)


def test_the_patient_page_has_the_panel_with_a_labelled_form(client, patient):
    html = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    panel = _panel(html)
    assert "Påminnelser för personal" in panel
    assert "Inga påminnelser är satta på den här patienten." in panel
    assert f'action="/staff/patients/{patient.id}/staff-reminders"' in panel
    for name in ("on_date", "note", "in_digest"):
        assert f'<label for="staff_reminder-{name}"' in panel
    assert 'type="date"' in panel and f'value="{today().isoformat()}"' in panel
    assert "Ta med i mitt dagliga sammanfattningsmejl" in panel


def test_set_listed_and_cancelled_each_audit_logged(client, patient):
    day = today() + timedelta(days=14)
    response = _set(
        client,
        patient,
        **{
            "staff_reminder-on_date": day.isoformat(),
            "staff_reminder-note": "Ring upp efter semestern",
            "staff_reminder-in_digest": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/patients/{patient.id}#staff-reminders")
    row = db.session.scalar(select(StaffReminder))
    assert (row.on_date, row.note, row.in_digest, row.status) == (
        day,
        "Ring upp efter semestern",
        True,
        "planned",
    )
    assert row.created_by_id == _staff(TOMMY).id
    [event] = _audits("staff_reminder")
    assert (event.action, event.citizen_id, event.actor_id) == (
        "change",
        patient.citizen_id,
        _staff(TOMMY).id,
    )
    assert event.detail["staff_reminder"] == row.id

    panel = _panel(client.get(f"/staff/patients/{patient.id}").get_data(as_text=True))
    assert "Ring upp efter semestern" in panel and day.isoformat() in panel
    assert "Tommy" in panel and "i den dagliga sammanfattningen" in panel
    assert f'<strong id="staff-reminder-{row.id}">{day.isoformat()}</strong>' in panel
    assert "Planerad" in panel and "Satt av Tommy Skjulsvik" in panel

    token = csrf_from(client.get(f"/staff/patients/{patient.id}").get_data(as_text=True))
    url = f"/staff/patients/{patient.id}/staff-reminders/{row.id}/cancel"
    assert client.post(url, data={}).status_code == 400  # no CSRF token
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    db.session.refresh(row)
    assert row.status == "cancelled"
    assert len(_audits("staff_reminder_cancelled")) == 1
    panel = _panel(client.get(f"/staff/patients/{patient.id}").get_data(as_text=True))
    assert "Ring upp efter semestern" not in panel


@pytest.mark.parametrize(
    ("day", "note", "field", "message"),
    [
        (-1, "x", "on_date", "Dagen har passerat"),  # days from today
        ("31/12/2026", "x", "on_date", "Ange påminnelsens dag som ÅÅÅÅ-MM-DD."),
        ("", "x", "on_date", "Ange påminnelsens dag som ÅÅÅÅ-MM-DD."),
        (0, "", "note", "Skriv vad påminnelsen gäller."),
        (0, "x" * 501, "note", "högst 500 tecken"),
    ],
)
def test_bad_input_comes_back_422_with_the_message_by_its_field(
    client, patient, day, note, field, message
):
    response = _set(
        client,
        patient,
        **{
            "staff_reminder-on_date": str(today() + timedelta(days=day))
            if isinstance(day, int)
            else day,
            "staff_reminder-note": note,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="staff_reminder-{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1), html
    assert re.search(rf'aria-describedby="[^"]*staff_reminder-{field}-error', html)
    assert 'id="error-summary"' in html
    if note == "x" * 501:
        assert "x" * 501 in html  # the text comes back whole, to be shortened
    assert db.session.scalar(select(StaffReminder)) is None


def test_today_is_fine_and_csrf_is_required(client, patient):
    assert (
        _set(
            client,
            patient,
            **{"staff_reminder-on_date": today().isoformat(), "staff_reminder-note": "Ring"},
        ).status_code
        == 302
    )
    bare = client.post(
        f"/staff/patients/{patient.id}/staff-reminders",
        data={"staff_reminder-on_date": today().isoformat(), "staff_reminder-note": "x"},
    )
    assert bare.status_code == 400
    assert len(db.session.scalars(select(StaffReminder)).all()) == 1


def test_another_unit_sees_nothing_and_an_ended_enrollment_takes_none(client, login, patient):
    from sob_core import enrollments

    login("staff", JOHAN, unit_id=_units()[1])
    assert client.get(f"/staff/patients/{patient.id}/staff-reminders").status_code == 404
    login("staff", TOMMY, unit_id=_units()[0])
    page = client.get(f"/staff/patients/{patient.id}/staff-reminders")
    assert page.status_code == 200 and len(_audits("staff_reminders")) == 1
    enrollments.end(db.session, patient, "staff", _staff(TOMMY).id, datetime.now(UTC))
    db.session.commit()
    html = client.get(f"/staff/patients/{patient.id}").get_data(as_text=True)
    assert "Sätt påminnelsen" not in _panel(html)
    token = csrf_from(client.get(f"/staff/patients/{patient.id}/staff-reminders").get_data(True))
    response = client.post(
        f"/staff/patients/{patient.id}/staff-reminders",
        data={
            "staff_reminder-csrf_token": token,
            "staff_reminder-on_date": today().isoformat(),
            "staff_reminder-note": "x",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(StaffReminder)) is None


# --- the design tool ---------------------------------------------------------------------------


@pytest.fixture
def draft(client, login, demo_data) -> ProgramVersion:
    unit = _units()[0]
    made = make_draft(unit)
    content = dict(made.content)
    content["batteries"] = [
        {
            "key": "weekly",
            "name": {"sv": "Veckomätning"},
            "form_keys": ["sleep-diary"],
            "trigger": "repeat",
            "every_days": 7,
        }
    ]
    made.content = content
    db.session.commit()
    login("staff", SARA, unit_id=unit)
    return made


def _rules(draft: ProgramVersion) -> list[dict]:
    db.session.expire_all()
    return (db.session.get(ProgramVersion, draft.id).content.get("reminders") or {}).get(
        "rules", []
    )


def test_the_draft_links_to_its_reminders_and_offers_the_suggested_rule(client, draft):
    html = client.get(f"/design/versions/{draft.id}/edit").get_data(as_text=True)
    assert f'href="/design/versions/{draft.id}/reminders"' in html
    page = client.get(f"/design/versions/{draft.id}/reminders")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Programmet har inga påminnelseregler: ingen påminns." in html
    assert "0, 2, 5" in html and "Veckomätning" in html
    token = csrf_from(html)
    response = client.post(
        f"/design/versions/{draft.id}/reminders/suggested", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert _rules(draft) == [{"key": "standard", "offsets_days": [0, 2, 5], "battery_keys": []}]
    html = client.get(f"/design/versions/{draft.id}/reminders").get_data(as_text=True)
    assert '<th scope="row" id="rule-standard">standard</th>' in html
    assert "Alla mätbatterier" in html


def test_a_rule_is_added_for_a_battery_and_removed(client, draft):
    token = csrf_from(client.get(f"/design/versions/{draft.id}/reminders").get_data(True))
    response = client.post(
        f"/design/versions/{draft.id}/reminders",
        data={"csrf_token": token, "offsets": "1, 3", "battery_keys": ["weekly"], "key": ""},
    )
    assert response.status_code == 302
    assert _rules(draft) == [{"key": "rule-1", "offsets_days": [1, 3], "battery_keys": ["weekly"]}]
    html = client.get(f"/design/versions/{draft.id}/reminders").get_data(as_text=True)
    assert "Veckomätning" in html.split("<tbody>", 1)[1]
    response = client.post(
        f"/design/versions/{draft.id}/reminders/rule-1/delete", data={"csrf_token": token}
    )
    assert response.status_code == 302 and _rules(draft) == []
    assert "reminders" not in db.session.get(ProgramVersion, draft.id).content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"offsets": "0, 1, 2, 3, 4, 5"}, "offsets", "högst 5 påminnelser"),
        ({"offsets": "5, 2"}, "offsets", "Dagarna måste öka"),
        ({"offsets": "två"}, "offsets", "Skriv heltal dagar"),
        ({"offsets": ""}, "offsets", "Ange minst en dag"),
        ({"offsets": "1", "key": "Ogiltig nyckel"}, "key", "Nyckeln måste vara"),
        ({"offsets": "1", "battery_keys": ["nope"]}, "battery_keys", ""),
    ],
)
def test_a_bad_rule_comes_back_422_by_its_field(client, draft, data, field, message):
    token = csrf_from(client.get(f"/design/versions/{draft.id}/reminders").get_data(True))
    response = client.post(
        f"/design/versions/{draft.id}/reminders", data={"csrf_token": token, **data}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1), html
    assert _rules(draft) == []


def test_a_key_used_twice_and_another_unit_s_draft(client, login, draft):
    token = csrf_from(client.get(f"/design/versions/{draft.id}/reminders").get_data(True))
    url = f"/design/versions/{draft.id}/reminders"
    assert (
        client.post(url, data={"csrf_token": token, "offsets": "0", "key": "a"}).status_code == 302
    )
    twice = client.post(url, data={"csrf_token": token, "offsets": "1", "key": "a"})
    assert twice.status_code == 422 and "Det finns redan en regel" in twice.get_data(True)
    assert len(_rules(draft)) == 1
    other = make_draft(_units()[1], key="annan")
    assert client.get(f"/design/versions/{other.id}/reminders").status_code == 404


def test_a_published_version_is_not_changed(client, draft):
    version = programs.publish(db.session, draft, publisher_id=_staff(SARA).id)
    db.session.commit()
    response = client.get(f"/design/versions/{version.id}/reminders")
    assert response.status_code == 302  # back to the program, with a notice
    assert response.headers["Location"].endswith(f"/design/programs/{version.program_id}")


def test_a_raised_reminder_is_shown_as_due_and_cannot_be_cancelled(client, patient):
    from sob_core import reminders

    row = reminders.staff.add(
        db.session,
        patient,
        staff_id=_staff(TOMMY).id,
        on_date=today(),
        note="Ring i dag",
        in_digest=False,
        now=datetime.now(UTC),
    )
    db.session.commit()
    assert reminders.staff.raise_due(db.session, datetime.now(UTC), {}) == 1
    db.session.commit()
    panel = _panel(client.get(f"/staff/patients/{patient.id}").get_data(as_text=True))
    assert "Ring i dag" in panel and "Aktuell: visas som flagga" in panel
    assert f"/staff-reminders/{row.id}/cancel" not in panel
