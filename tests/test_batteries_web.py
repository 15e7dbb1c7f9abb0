"""The patient page's batteries: the panel, scheduling with a preview, stop, reschedule, extra."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import test_therapist as tt
from sqlalchemy import select

from sob_core import batteries
from sob_core.extensions import db
from sob_core.models import AuditEvent, BatteryOccurrence, BatterySchedule, Form, FormAssignment
from sob_core.testing import csrf_from

TOMMY, JOHAN, JOHN = tt.TOMMY, tt.JOHAN, tt.JOHN
program = tt.program


@pytest.fixture
def patient(program):
    return tt.start(JOHN, TOMMY, program)


def form_key() -> str:
    return db.session.scalars(select(Form.key).order_by(Form.key)).first()


def page(client, enrollment) -> str:
    response = client.get(f"/staff/patients/{enrollment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).date().isoformat()


def fields(**change) -> dict:
    values = {
        "battery-what": f"f:{form_key()}",
        "battery-kind": "repeat",
        "battery-start_date": tomorrow(),
        "battery-every_days": "7",
        "battery-local_time": "08:00",
        "battery-count": "3",
    }
    values.update(change)
    return values


def post_schedule(client, enrollment, action: str, **change):
    html = page(client, enrollment)
    data = fields(**change)
    data["battery-csrf_token"] = csrf_from(html)
    data["action"] = action
    return client.post(f"/staff/patients/{enrollment.id}/batteries/schedule", data=data)


def schedules(enrollment) -> list[BatterySchedule]:
    return list(
        db.session.scalars(
            select(BatterySchedule)
            .where(BatterySchedule.enrollment_id == enrollment.id)
            .execution_options(populate_existing=True)
        )
    )


def test_the_panel_offers_scheduling_and_extra_measurement(client, login, patient):
    login("staff", TOMMY, unit_id=tt._units()[0])
    html = page(client, patient)
    assert 'id="batteries"' in html
    assert "Schemalägg mätbatteri" in html and "Starta extramätning nu" in html
    assert "Inget mätbatteri pågår." in html


def test_preview_shows_the_times_and_saves_nothing(client, login, patient):
    login("staff", TOMMY, unit_id=tt._units()[0])
    response = post_schedule(client, patient, "preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<time datetime=") == 3 and "08:00" in html
    assert schedules(patient) == []
    assert "Planerade tider" in html


def test_save_schedules_and_is_audited_then_stop(client, login, patient):
    login("staff", TOMMY, unit_id=tt._units()[0])
    response = post_schedule(client, patient, "save")
    assert response.status_code == 302
    [schedule] = schedules(patient)
    assert (schedule.every_days, schedule.count, schedule.local_time) == (7, 3, "08:00")
    assert schedule.created_by_id == tt._staff(TOMMY).id
    audited = db.session.scalars(
        select(AuditEvent.what).where(AuditEvent.citizen_id == patient.citizen_id)
    ).all()
    assert "battery_schedule" in audited
    html = page(client, patient)
    assert "Med 7 dagars mellanrum kl. 08:00, 3 gånger" in html
    assert f"{tomorrow()} 08:00" in html
    token = csrf_from(html)
    response = client.post(
        f"/staff/patients/{patient.id}/batteries/{schedule.id}/stop", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert schedules(patient)[0].status == "stopped"
    statuses = db.session.scalars(
        select(BatteryOccurrence.status).execution_options(populate_existing=True)
    ).all()
    assert set(statuses) == {"cancelled"}
    assert "battery_stop" in db.session.scalars(select(AuditEvent.what)).all()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"battery-start_date": "2020-01-01"}, "battery-start_date", "Startdatumet har passerat"),
        ({"battery-start_date": "31/12"}, "battery-start_date", "ÅÅÅÅ-MM-DD"),
        ({"battery-every_days": "0"}, "battery-every_days", "1 till 365"),
        ({"battery-every_days": ""}, "battery-every_days", "dagar"),
        ({"battery-local_time": "25:00"}, "battery-local_time", "TT:MM"),
        ({"battery-count": "500"}, "battery-count", "1 till 200"),
        ({"battery-what": "f:"}, "battery-what", "Välj ett mätbatteri eller ett formulär"),
    ],
)
def test_bad_input_is_422_with_the_message_by_its_field(
    client, login, patient, change, field, message
):
    login("staff", TOMMY, unit_id=tt._units()[0])
    response = post_schedule(client, patient, "save", **change)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html), html[:3000]
    assert 'aria-invalid="true"' in html
    assert schedules(patient) == []


def test_extra_measurement_now_hands_the_form_out(client, login, patient):
    login("staff", TOMMY, unit_id=tt._units()[0])
    html = page(client, patient)
    response = client.post(
        f"/staff/patients/{patient.id}/batteries/extra",
        data={"extra-csrf_token": csrf_from(html), "extra-what": f"f:{form_key()}"},
    )
    assert response.status_code == 302
    [assignment] = db.session.scalars(
        select(FormAssignment).where(FormAssignment.occurrence_id.is_not(None))
    ).all()
    assert assignment.status == "open" and assignment.citizen_id == patient.citizen_id
    assert "battery_extra" in db.session.scalars(select(AuditEvent.what)).all()


def test_reschedule_with_preview(client, login, patient):
    login("staff", TOMMY, unit_id=tt._units()[0])
    post_schedule(client, patient, "save", **{"battery-count": ""})
    [schedule] = schedules(patient)
    url = f"/staff/patients/{patient.id}/batteries/reschedule?schedule={schedule.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Planera om mätbatteriet" in html
    later = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    data = {
        "battery-csrf_token": csrf_from(html),
        "battery-kind": "repeat",
        "battery-start_date": later,
        "battery-every_days": "14",
        "battery-local_time": "18:15",
        "action": "preview",
    }
    preview = client.post(url, data=data).get_data(as_text=True)
    assert f"{later} 18:15" in preview and "tills mätbatteriet stoppas" in preview
    assert schedules(patient)[0].every_days == 7
    data["action"] = "save"
    assert client.post(url, data=data).status_code == 302
    schedule = schedules(patient)[0]
    assert (schedule.every_days, schedule.local_time) == (14, "18:15")
    planned = db.session.scalars(
        select(BatteryOccurrence.planned_local)
        .where(BatteryOccurrence.status == "planned")
        .execution_options(populate_existing=True)
    ).all()
    assert planned == [f"{later}T18:15"]


def test_another_units_staff_cannot_touch_the_batteries(client, login, patient):
    schedule = batteries.schedule_battery(
        db.session,
        patient,
        form_keys=[form_key()],
        start_date=(datetime.now(UTC) + timedelta(days=2)).date(),
        local_time="08:00",
        every_days=7,
        count=None,
        actor_id=tt._staff(TOMMY).id,
        now=datetime.now(UTC),
    )
    db.session.commit()
    login("staff", JOHAN, unit_id=tt._units()[1])
    html = client.get("/staff/patients").get_data(as_text=True)
    token = csrf_from(html)
    response = client.post(
        f"/staff/patients/{patient.id}/batteries/{schedule.id}/stop", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert schedules(patient)[0].status == "active"


def test_reschedule_without_a_running_battery_goes_back(client, login, patient):
    login("staff", TOMMY, unit_id=tt._units()[0])
    for query in ("", "?schedule=x", "?schedule=999999"):
        response = client.get(f"/staff/patients/{patient.id}/batteries/reschedule{query}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/staff/patients/{patient.id}#batteries")
