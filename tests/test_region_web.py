"""The regional administrator's pages: access, units, the CSV import, the first permission
administrator, programme activations, information messages and statistics."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sob_core.enrollments.clock import local_date
from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Program,
    ProgramVersion,
    Region,
    RoleAssignment,
    Staff,
)
from sob_core.testing import csrf_from

ERIK = "SE2321000131-P000000000014"  # regional administrator of region 14
TOMMY = "SE2321000131-P000000000011"  # therapist at the Gothenburg unit (region 14)
JOHAN = "SE2321000016-P000000000021"  # therapist at the Stockholm unit (region 01)
UNIT_GBG = "SE2321000131-E000000000101"
UNIT_STHLM = "SE2321000016-E000000000201"


def _region(code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def _unit(hsa_id: str) -> CareUnit:
    return db.session.scalar(select(CareUnit).where(CareUnit.hsa_id == hsa_id))


def _base(code: str = "14") -> str:
    return f"/region/{_region(code).id}"


def _post(client, page_url: str, url: str, data: dict, **kwargs):
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    return client.post(
        url, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data}, **kwargs
    )


def test_only_regional_administrators_reach_the_pages(client, login):
    assert client.get("/region/").status_code == 302  # to the sign-in
    login("staff", TOMMY)
    assert client.get("/region/").status_code == 403
    assert "Regional administration" not in client.get("/staff/").get_data(as_text=True)
    login("citizen", "198503142393")
    assert client.get("/region/").status_code == 403


@pytest.mark.parametrize("page", ["/", "/units", "/programmes", "/messages", "/statistics"])
def test_the_regional_administrator_sees_her_region_only(client, login, page):
    login("staff", ERIK)
    start = client.get("/region/")
    assert start.status_code == 302 and start.headers["Location"].endswith(f"{_base()}/")
    assert client.get(_base() + page).status_code == 200
    assert client.get(_base("01") + page).status_code == 404
    assert client.get("/region/999999" + page).status_code == 404


def test_the_menu_links_the_regional_administration(client, login):
    login("staff", ERIK)
    assert "/region/" in client.get("/staff/settings").get_data(as_text=True)


def test_adding_a_unit_and_a_bad_hsa_id(client, login):
    login("staff", ERIK)
    units = f"{_base()}/units"
    bad = _post(client, units, f"{units}/add", {"hsa_id": "E-101", "name": "Fel"})
    assert bad.status_code == 422
    assert "error-summary" in bad.get_data(as_text=True)
    good = _post(
        client, units, f"{units}/add", {"hsa_id": "SE2321000131-E000000000701", "name": "Nya"}
    )
    assert good.status_code == 302
    assert _unit("SE2321000131-E000000000701").region_id == _region("14").id


def test_the_csv_upload_lists_every_bad_row(client, login):
    login("staff", ERIK)
    units = f"{_base()}/units"
    before = db.session.scalar(select(func.count(CareUnit.id)))
    data = "hsa_id;name\nSE2321000131-E000000000801;Bra\nfel;Fel\nSE2321000131-E000000000802;\n"
    bad = _post(
        client,
        units,
        f"{units}/import",
        {"file": (io.BytesIO(data.encode()), "units.csv")},
        content_type="multipart/form-data",
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Line 3" in text and "Line 4" in text or "Rad 3" in text and "Rad 4" in text
    assert db.session.scalar(select(func.count(CareUnit.id))) == before
    good = _post(
        client,
        units,
        f"{units}/import",
        {"file": (io.BytesIO(b"hsa_id;name\nSE2321000131-E000000000801;Bra\n"), "units.csv")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert _unit("SE2321000131-E000000000801").active
    empty = _post(client, units, f"{units}/import", {}, content_type="multipart/form-data")
    assert empty.status_code == 422


def test_a_deactivated_unit_cannot_be_chosen(client, login):
    unit = _unit(UNIT_GBG)
    login("staff", TOMMY, unit_id=unit.id)
    assert client.get("/staff/patients").status_code == 200
    unit.active = False
    db.session.commit()
    # the session's unit is dropped: unit pages ask for a unit, and there is none to choose
    assert client.get("/staff/patients").status_code == 302
    assert client.get("/staff/unit").status_code == 403


def test_the_deactivate_button(client, login):
    login("staff", ERIK)
    unit = _unit(UNIT_GBG)
    units = f"{_base()}/units"
    response = _post(client, units, f"{units}/{unit.id}/active", {"value": "off"})
    assert response.status_code == 302
    db.session.expire_all()
    assert not _unit(UNIT_GBG).active
    other = _unit(UNIT_STHLM)
    assert _post(client, units, f"{units}/{other.id}/active", {"value": "off"}).status_code == 404
    assert _post(client, units, f"{units}/{unit.id}/active", {"value": "maybe"}).status_code == 400
    db.session.expire_all()
    assert _unit(UNIT_STHLM).active


def test_appointing_a_units_first_permission_administrator(client, login):
    login("staff", ERIK)
    units = f"{_base()}/units"
    _post(client, units, f"{units}/add", {"hsa_id": "SE2321000131-E000000000901", "name": "Ny"})
    unit = _unit("SE2321000131-E000000000901")
    page = f"{units}/{unit.id}/permission-admin"
    missing = _post(client, page, page, {"hsa_id": "SE2321000131-P000000000901", "name": ""})
    assert missing.status_code == 422
    done = _post(client, page, page, {"hsa_id": "SE2321000131-P000000000901", "name": "Nils Ny"})
    assert done.status_code == 302
    nils = db.session.scalar(select(Staff).where(Staff.hsa_id == "SE2321000131-P000000000901"))
    assert (
        db.session.scalar(
            select(RoleAssignment.role).where(
                RoleAssignment.staff_id == nils.id, RoleAssignment.care_unit_id == unit.id
            )
        )
        == "permission_admin"
    )
    assert "Nils Ny" in client.get(page).get_data(as_text=True)
    assert client.get(f"{units}/{_unit(UNIT_STHLM).id}/permission-admin").status_code == 404


def _offered_ids(client) -> set[str]:
    """The programme versions the new-enrollment page offers (its select's option values)."""
    page = client.get("/staff/enrollments/new").get_data(as_text=True)
    block = re.search(r'<select[^>]*name="program_version".*?</select>', page, re.S)
    return set(re.findall(r'value="(\d+)"', block.group(0))) if block else set()


def _version_id(label: str) -> int:
    major, minor = (int(p) for p in label.split("."))
    return db.session.scalar(
        select(ProgramVersion.id)
        .join(Program)
        .where(
            Program.key == "somnbehandling",
            ProgramVersion.major == major,
            ProgramVersion.minor == minor,
        )
    )


def test_activating_a_version_changes_what_the_unit_offers(client, login):
    unit = _unit(UNIT_GBG)
    login("staff", ERIK)
    base = f"{_base()}/programmes"
    response = _post(
        client,
        base,
        f"{base}/activate",
        {"care_unit": unit.id, "version": _version_id("1.0"), "kind": "major"},
    )
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "1.0 (somnbehandling)" in page
    refused = _post(
        client,
        base,
        f"{base}/activate",
        {"care_unit": unit.id, "version": _version_id("1.0"), "kind": "minor"},
    )
    assert refused.status_code == 422 and "error-summary" in refused.get_data(as_text=True)
    login("staff", TOMMY, unit_id=unit.id)
    offered = _offered_ids(client)
    assert str(_version_id("1.0")) in offered and str(_version_id("1.1")) not in offered


def test_deactivating_a_programme_at_a_unit(client, login):
    unit = _unit(UNIT_GBG)
    login("staff", ERIK)
    base = f"{_base()}/programmes"
    program_id = db.session.scalar(select(Program.id).where(Program.key == "somnbehandling"))
    url = f"{_base()}/units/{unit.id}/programmes/{program_id}/deactivate"
    assert _post(client, base, url, {}).status_code == 302
    assert _post(client, base, url, {}).status_code == 422  # nothing left to deactivate
    login("staff", TOMMY, unit_id=unit.id)
    offered = _offered_ids(client)
    assert offered and not {str(_version_id("1.0")), str(_version_id("1.1"))} & offered


def test_information_messages_show_to_the_regions_staff(client, login):
    login("staff", ERIK)
    page = f"{_base()}/messages"
    today = local_date(datetime.now(UTC))
    crossed = _post(
        client,
        page,
        page,
        {
            "text_sv": "Fel",
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert crossed.status_code == 422
    garbage = _post(client, page, page, {"text_sv": "Fel", "starts_on": "igår", "ends_on": "x"})
    assert garbage.status_code == 422
    done = _post(
        client,
        page,
        page,
        {
            "text_sv": "Driftstopp i kväll",
            "text_en": "Downtime tonight",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        },
    )
    assert done.status_code == 302
    login("staff", TOMMY, unit_id=_unit(UNIT_GBG).id)
    assert "Driftstopp i kväll" in client.get("/staff/").get_data(as_text=True)
    login("staff", JOHAN, unit_id=_unit(UNIT_STHLM).id)
    assert "Driftstopp i kväll" not in client.get("/staff/").get_data(as_text=True)


def test_the_statistics_download(client, login):
    login("staff", ERIK)
    response = client.get(f"{_base()}/statistics.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert table[0][0] == "month" and len(table) > 1
    assert {row[3] for row in table[1:]} <= {"Psykiatrimottagning Centrum, Göteborg"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.what == "region_statistics"))
    assert event.action == "export"


def test_a_minor_activation_moves_ongoing_enrollments_and_staff_read_it(client, login):
    from sob_core.models import Enrollment

    unit = _unit(UNIT_GBG)
    old = _version_id("1.0")
    moving = db.session.scalar(
        select(Enrollment.id).where(
            Enrollment.care_unit_id == unit.id,
            Enrollment.program_version_id == old,
            Enrollment.status != "ended",
        )
    )
    assert moving is not None
    login("staff", ERIK)
    base = f"{_base()}/programmes"
    response = _post(
        client,
        base,
        f"{base}/activate",
        {"care_unit": unit.id, "version": _version_id("1.1"), "kind": "minor"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "pågående moment flyttades" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrollment, moving).program_version_id == _version_id("1.1")
    login("staff", TOMMY, unit_id=unit.id)
    pages = [client.get(f"/staff/patients/{moving}{tab}") for tab in ("/timeline", "/events")]
    assert all(page.status_code == 200 for page in pages)
    assert any("Flyttat från version 1.0 till 1.1" in page.get_data(as_text=True) for page in pages)
