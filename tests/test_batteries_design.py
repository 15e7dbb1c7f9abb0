"""The design tool's batteries page: the draft's batteries, a preview before saving, errors."""

from __future__ import annotations

import pytest
import test_design as td
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import Form, ProgramVersion
from sob_core.testing import csrf_from

SARA, TOMMY = td.SARA, td.TOMMY
units = td.units
sob_config = td.sob_config


def fields(**change) -> dict:
    values = {
        "battery-key": "weekly",
        "battery-name": "Veckomätning",
        "battery-form_keys": ["sleep-diary"],
        "battery-trigger": "repeat",
        "battery-module_key": "",
        "battery-every_days": "7",
        "battery-count": "4",
        "battery-start_days": "0",
        "battery-local_time": "08:00",
        "battery-due_days": "3",
        "battery-expire_days": "6",
    }
    values.update(change)
    return values


def submit(client, draft, action: str, **change):
    url = f"/design/versions/{draft.id}/batteries"
    page = client.get(url)
    assert page.status_code == 200
    data = fields(**change)
    data["battery-csrf_token"] = csrf_from(page.get_data(as_text=True))
    data["action"] = action
    return client.post(url, data=data)


def stored(draft) -> list:
    version = db.session.scalars(
        select(ProgramVersion)
        .where(ProgramVersion.id == draft.id)
        .execution_options(populate_existing=True)
    ).one()
    return list(version.content.get("batteries") or [])


@pytest.fixture
def draft(units):
    assert db.session.scalar(select(Form.id).where(Form.key == "sleep-diary")) is not None
    return td.make_draft(units[0])


def test_the_draft_page_links_to_the_batteries(client, login, units, draft):
    login("staff", SARA, unit_id=units[0])
    html = client.get(f"/design/versions/{draft.id}/edit").get_data(as_text=True)
    assert f"/design/versions/{draft.id}/batteries" in html
    page = client.get(f"/design/versions/{draft.id}/batteries").get_data(as_text=True)
    td.assert_clean_page(page)
    assert "Mätbatterier" in page


def test_preview_then_save(client, login, units, draft):
    login("staff", SARA, unit_id=units[0])
    response = submit(client, draft, "preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<time datetime=") == 4 and "08:00" in html
    assert stored(draft) == []
    response = submit(client, draft, "save")
    assert response.status_code == 302
    [battery] = stored(draft)
    assert battery["form_keys"] == ["sleep-diary"] and battery["every_days"] == 7
    assert battery["name"] == {"sv": "Veckomätning"}  # no English given: none stored
    page = client.get(f"/design/versions/{draft.id}/batteries").get_data(as_text=True)
    assert "Veckomätning" in page and page.count("<time datetime=") == 4
    token = csrf_from(page)
    response = client.post(
        f"/design/versions/{draft.id}/batteries/weekly/delete", data={"csrf_token": token}
    )
    assert response.status_code == 302 and stored(draft) == []


def test_a_battery_name_in_english_too(client, login, units, draft):
    login("staff", SARA, unit_id=units[0])
    response = submit(client, draft, "save", **{"battery-name_en": "Weekly measurement"})
    assert response.status_code == 302
    [battery] = stored(draft)
    assert battery["name"] == {"sv": "Veckomätning", "en": "Weekly measurement"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"battery-key": "Not A Key"}, "battery-key"),
        ({"battery-form_keys": []}, "battery-form_keys"),
        ({"battery-every_days": "0"}, "battery-every_days"),
        ({"battery-local_time": "8"}, "battery-local_time"),
        ({"battery-expire_days": "2"}, "battery-expire_days"),
        ({"battery-trigger": "module_start"}, "battery-module_key"),
    ],
)
def test_bad_input_is_422_next_to_the_field(client, login, units, draft, change, field):
    login("staff", SARA, unit_id=units[0])
    response = submit(client, draft, "save", **change)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert stored(draft) == []


def test_a_form_that_does_not_exist_is_refused_by_the_content_rules(client, login, units, draft):
    login("staff", SARA, unit_id=units[0])
    response = submit(client, draft, "save", **{"battery-form_keys": ["no-such-form"]})
    assert response.status_code == 422
    assert "no-such-form" in response.get_data(as_text=True)
    assert stored(draft) == []


def test_a_therapist_cannot(client, login, units, draft):
    login("staff", TOMMY, unit_id=units[0])
    assert client.get(f"/design/versions/{draft.id}/batteries").status_code == 403
