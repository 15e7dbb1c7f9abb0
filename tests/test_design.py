"""The design tool's pages: who may use them, editing a draft, uploads, publishing, media access."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from sob_core import programs
from sob_core.extensions import db
from sob_core.media import storage as storage_service
from sob_core.models import (
    CareUnit,
    Citizen,
    Enrollment,
    MediaFile,
    Program,
    ProgramVersion,
    Staff,
)
from sob_core.testing import csrf_from

SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1, designer at unit 2
TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
ERIK = "SE2321000131-P000000000014"  # permission and data administrator at unit 1
OLOF = "SE2321000016-P000000000024"  # publisher at unit 2
JOHN = "198503142393"
ELIN = "199207012486"

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHej\n"


@pytest.fixture
def sob_config(request, tmp_path):
    config = {"SOB_UPLOAD_DIR": str(tmp_path / "uploads")}
    config.update(getattr(request, "param", {}))
    return config


@pytest.fixture
def units(demo_data):
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()


def _staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def make_draft(unit_id: int, key: str = "somnskola") -> ProgramVersion:
    draft = programs.create_program(
        db.session,
        key=key,
        kind="treatment",
        owner_care_unit_id=unit_id,
        content={
            "name": "Sömnskola",
            "recommended_days": 56,
            "modules": [
                {
                    "key": "m1",
                    "title": "Introduktion",
                    "recommended_days": 7,
                    "unlock": {"rule": "at_start"},
                    "items": [
                        {"key": "m1-i1", "kind": "text", "title": "Välkommen", "body": "Hej!"},
                        {
                            "key": "m1-i2",
                            "kind": "form",
                            "title": "Sömndagbok",
                            "form_key": "sleep-diary",
                        },
                        {
                            "key": "m1-i3",
                            "kind": "video",
                            "title": "Film",
                            "url": "https://vimeo.com/1",
                        },
                    ],
                },
                {
                    "key": "m2",
                    "title": "Sömnrestriktion",
                    "recommended_days": 14,
                    "unlock": {"rule": "after_previous"},
                    "items": [{"key": "m2-i1", "kind": "text", "title": "Sov mindre", "body": "x"}],
                },
            ],
        },
    )
    db.session.commit()
    return draft


def published(unit_id: int, key: str = "somnskola") -> ProgramVersion:
    draft = make_draft(unit_id, key)
    version = programs.publish(db.session, draft, publisher_id=_staff(SARA).id)
    db.session.commit()
    return version


def post(client, page_url: str, data: dict, action: str | None = None, **kwargs):
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    payload = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
    return client.post(action or page_url, data=payload, **kwargs)


def assert_clean_page(html: str) -> None:
    assert html.count("<h1") == 1
    assert "<script>" not in html and " style=" not in html


# --- access -------------------------------------------------------------------------------------


def test_every_page_renders_for_a_designer(client, login, units):
    version = published(units[0])
    draft = programs.start_draft(db.session, version.program, created_by_id=None)
    db.session.commit()
    login("staff", SARA, unit_id=units[0])
    pid, did, vid = version.program_id, draft.id, version.id
    pages = [
        "/design/",
        "/design/programs/new",
        f"/design/programs/{pid}",
        f"/design/versions/{vid}",
        f"/design/versions/{did}/edit",
        f"/design/versions/{did}/modules/new",
        f"/design/versions/{did}/modules/m1/edit",
        f"/design/versions/{did}/modules/m1/delete",
        f"/design/versions/{did}/items/m1-i1/edit",
        f"/design/versions/{did}/items/m1-i2/edit",
        f"/design/versions/{did}/items/m1-i3/edit",
        f"/design/versions/{did}/items/m1-i1/delete",
        f"/design/programs/{pid}/changes",
        f"/design/programs/{pid}/changes?old={vid}&new={did}",
        f"/design/versions/{did}/publish",
        f"/design/programs/{pid}/catalogue",
        "/design/import",
    ] + [f"/design/versions/{did}/modules/m2/items/new/{kind}" for kind in programs.ITEM_KINDS]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_clean_page(response.get_data(as_text=True))
    program_page = client.get(f"/design/programs/{pid}").get_data(as_text=True)
    assert f"/design/versions/{did}/preview" in program_page
    assert "Sömnskola" in client.get("/design/").get_data(as_text=True)
    export = client.get(f"/design/versions/{vid}/export")
    assert export.status_code == 200 and export.mimetype == "application/json"
    assert "attachment" in export.headers["Content-Disposition"]
    assert json.loads(export.data)["format"] == "sob-program/1"
    # a published version is not edited: the editor sends the designer back
    response = client.get(f"/design/versions/{vid}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/programs/{pid}")


def test_a_therapist_cannot_use_the_design_tool(client, login, units):
    version = published(units[0])
    login("staff", TOMMY, unit_id=units[0])
    for url in (
        "/design/",
        "/design/programs/new",
        f"/design/programs/{version.program_id}",
        f"/design/versions/{version.id}/export",
        "/design/import",
    ):
        assert client.get(url).status_code == 403, url


def test_another_units_designer_gets_404(client, login, units):
    version = published(units[0])
    draft = programs.start_draft(db.session, version.program, created_by_id=None)
    db.session.commit()
    login("staff", SARA, unit_id=units[1])  # Sara designs at unit 2 too
    for url in (
        f"/design/programs/{version.program_id}",
        f"/design/programs/{version.program_id}/changes",
        f"/design/versions/{version.id}",
        f"/design/versions/{version.id}/export",
        f"/design/versions/{draft.id}/edit",
        f"/design/versions/{draft.id}/modules/m1/edit",
        f"/design/versions/{draft.id}/items/m1-i1/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert "Sömnskola" not in client.get("/design/").get_data(as_text=True)
    page = client.get("/design/programs/new").get_data(as_text=True)
    response = client.post(
        f"/design/versions/{draft.id}/modules/m1/move/down", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 404


def test_publishing_needs_the_publisher_role(client, login, units):
    draft = make_draft(units[1], key="andra")
    login("staff", SARA, unit_id=units[1])  # designer only at unit 2
    assert client.get(f"/design/versions/{draft.id}/edit").status_code == 200
    assert client.get(f"/design/versions/{draft.id}/publish").status_code == 403
    token = csrf_from(client.get(f"/design/versions/{draft.id}/edit").get_data(as_text=True))
    response = client.post(
        f"/design/versions/{draft.id}/publish", data={"csrf_token": token, "bump": "minor"}
    )
    assert response.status_code == 403
    assert client.get(f"/design/programs/{draft.program_id}/catalogue").status_code == 403
    assert client.get("/design/import").status_code == 403
    assert db.session.get(ProgramVersion, draft.id).status == "draft"

    client.post("/auth/logout", data={"csrf_token": token})
    login("staff", OLOF, unit_id=units[1])  # publisher at unit 2
    response = post(
        client,
        f"/design/versions/{draft.id}/publish",
        {"bump": "minor", "sex": "any", "is_open": "y", "regions": ["01"], "min_age": "18"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    version = db.session.get(ProgramVersion, draft.id)
    assert version.status == "published" and version.label == "1.0"
    assert version.is_open and version.eligibility["regions"] == ["01"]
    assert version.eligibility["min_age"] == 18
    assert version.published_by_id == _staff(OLOF).id
    history = client.get(f"/design/programs/{draft.program_id}").get_data(as_text=True)
    assert "Olof Dahl" in history and "1.0" in history


def test_csrf_is_enforced(client, login, units):
    draft = make_draft(units[0])
    login("staff", SARA, unit_id=units[0])
    response = client.post(
        "/design/programs/new",
        data={"key": "utan-token", "kind": "support", "name": "X", "recommended_days": "7"},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Program).where(Program.key == "utan-token")) is None
    for url in (
        f"/design/versions/{draft.id}/modules/m1/move/down",
        f"/design/versions/{draft.id}/modules/m1/delete",
        f"/design/versions/{draft.id}/publish",
    ):
        assert client.post(url, data={"bump": "minor"}).status_code == 400, url
    db.session.expire_all()
    assert [m["key"] for m in db.session.get(ProgramVersion, draft.id).content["modules"]] == [
        "m1",
        "m2",
    ]


# --- building a program through the pages -------------------------------------------------------


def test_design_publish_and_change_through_the_pages(client, login, units):
    login("staff", SARA, unit_id=units[0])
    response = post(
        client,
        "/design/programs/new",
        {
            "key": "oro",
            "kind": "support",
            "name": "Hantera oro",
            "description": "Stöd vid oro.",
            "welcome": "Välkommen!",
            "recommended_days": "28",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    draft = db.session.scalar(select(ProgramVersion).join(Program).where(Program.key == "oro"))
    base = f"/design/versions/{draft.id}"
    assert response.headers["Location"].endswith(f"{base}/edit")
    assert draft.program.owner_care_unit_id == units[0]

    # a module, with errors first
    page = post(
        client,
        f"{base}/modules/new",
        {"title": "", "recommended_days": "0", "unlock": "days_after_start"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="error-summary"' in html
    assert 'id="title-error"' in html and 'id="days-error"' in html
    assert 'aria-invalid="true"' in html
    response = post(
        client,
        f"{base}/modules/new",
        {"title": "Vad är oro?", "recommended_days": "7", "unlock": "at_start"},
    )
    assert response.status_code == 302
    response = post(
        client,
        f"{base}/modules/new",
        {"title": "Orostid", "recommended_days": "7", "unlock": "days_after_start", "days": "7"},
    )
    assert response.status_code == 302

    # content of every kind
    text = post(
        client,
        f"{base}/modules/m1/items/new/text",
        {"title": "Om oro", "body": "Oro är vanligt.\n\n<script>alert(1)</script>Det går över."},
    )
    assert text.status_code == 302
    form = post(client, f"{base}/modules/m1/items/new/form", {"title": "", "form_key": "gad-7"})
    assert form.status_code == 302, form.get_data(as_text=True)[:3000]
    image = post(
        client,
        f"{base}/modules/m2/items/new/image",
        {"title": "Bild", "alt": "En lugn sjö", "file": (io.BytesIO(PNG), "sjö.png")},
        content_type="multipart/form-data",
    )
    assert image.status_code == 302, image.get_data(as_text=True)[:3000]
    video = post(
        client,
        f"{base}/modules/m2/items/new/video",
        {
            "title": "Film",
            "source": "upload",
            "file": (io.BytesIO(MP4), "film.mp4"),
            "captions": (io.BytesIO(VTT), "film.vtt"),
        },
        content_type="multipart/form-data",
    )
    assert video.status_code == 302, video.get_data(as_text=True)[:3000]
    link = post(
        client,
        f"{base}/modules/m2/items/new/video",
        {"title": "Länk", "source": "link", "url": "http://example.com/x"},
    )
    assert link.status_code == 200 and 'id="url-error"' in link.get_data(as_text=True)

    db.session.expire_all()
    content = db.session.get(ProgramVersion, draft.id).content
    m1, m2 = content["modules"]
    assert [i["key"] for i in m1["items"]] == ["m1-i1", "m1-i2"]
    assert "script" not in m1["items"][0]["body"]["sv"]
    assert m1["items"][0]["body"]["sv"].startswith("<p>Oro är vanligt.")
    assert m1["items"][1]["form_key"] == "gad-7" and m1["items"][1]["title"]["sv"]
    assert m2["unlock"] == {"rule": "days_after_start", "days": 7}
    picture = m2["items"][0]
    assert picture["alt"] == {"sv": "En lugn sjö"}
    assert db.session.get(MediaFile, picture["media_id"]).filename == "sjö.png"
    assert m2["items"][1]["captions_media_id"]

    # edit, move, delete
    edited = post(
        client, f"{base}/items/m1-i1/edit", {"title": "Om oro och ängslan", "body": "Ny text"}
    )
    assert edited.status_code == 302
    keep_image = post(client, f"{base}/items/m2-i1/edit", {"title": "Sjön", "alt": "En stilla sjö"})
    assert keep_image.status_code == 302, keep_image.get_data(as_text=True)[:3000]
    token = csrf_from(client.get(f"{base}/edit").get_data(as_text=True))
    assert client.post(f"{base}/items/m1-i2/move/up", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{base}/modules/m2/move/up", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    content = db.session.get(ProgramVersion, draft.id).content
    # m2 opens some days after the start, so it may come first; m1 "at start" follows
    assert [m["key"] for m in content["modules"]] == ["m2", "m1"]
    assert [i["key"] for i in content["modules"][1]["items"]] == ["m1-i2", "m1-i1"]
    assert content["modules"][0]["items"][0]["media_id"] == picture["media_id"]
    # the first module cannot wait for a previous one: refused with a clear message
    assert (
        client.post(f"{base}/modules/m2/move/down", data={"csrf_token": token}).status_code == 302
    )
    response = post(
        client,
        f"{base}/modules/m1/edit",
        {"title": "Vad är oro?", "recommended_days": "7", "unlock": "after_previous"},
    )
    assert response.status_code == 200 and "den första modulen kan inte vänta" in response.get_data(
        as_text=True
    )
    assert client.post(f"{base}/items/m2-i2/delete", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    content = db.session.get(ProgramVersion, draft.id).content
    assert [m["key"] for m in content["modules"]] == ["m1", "m2"]
    assert [i["key"] for i in content["modules"][1]["items"]] == ["m2-i1"]

    # settings
    response = post(
        client,
        f"{base}/edit",
        {
            "name": "Hantera oro",
            "description": "",
            "welcome": "Hej och välkommen!",
            "recommended_days": "30",
        },
        action=f"{base}/settings",
    )
    assert response.status_code == 302

    # publish 1.0, then a new draft, a change, and 1.1
    response = post(client, f"{base}/publish", {"bump": "minor", "sex": "any"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    first = db.session.get(ProgramVersion, draft.id)
    assert first.label == "1.0" and first.content["modules"][0]["items"][0]["form_version"] == 1
    program_page = f"/design/programs/{first.program_id}"
    response = post(client, program_page, {}, action=f"{program_page}/draft")
    assert response.status_code == 302
    second = programs.current_draft(db.session, first.program)
    assert response.headers["Location"].endswith(f"/design/versions/{second.id}/edit")
    post(
        client,
        f"/design/versions/{second.id}/items/m1-i1/edit",
        {"title": "Om oro och ängslan", "body": "Ännu nyare text"},
    )
    changes = client.get(f"{program_page}/changes?old={first.id}&new={second.id}")
    html = changes.get_data(as_text=True)
    assert changes.status_code == 200 and "Ännu nyare text" in html and "Ny text" in html
    page = client.get(f"/design/versions/{second.id}/publish").get_data(as_text=True)
    assert "1.1" in page and "2.0" in page and "Ännu nyare text" in page
    response = post(
        client, f"/design/versions/{second.id}/publish", {"bump": "major", "sex": "any"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgramVersion, second.id).label == "2.0"
    assert db.session.get(ProgramVersion, first.id).content["modules"][0]["items"][1]["body"] == {
        "sv": "<p>Ny text</p>"
    }


def test_catalogue_page(client, login, units):
    version = published(units[0])
    login("staff", SARA, unit_id=units[0])
    url = f"/design/programs/{version.program_id}/catalogue"
    response = post(client, url, {"units": [str(units[0]), str(units[1])]})
    assert response.status_code == 302
    assert programs.catalogue_unit_ids(db.session, version.program) == set(units)
    response = post(client, url, {"units": [str(units[1])]})
    assert programs.catalogue_unit_ids(db.session, version.program) == {units[1]}


# --- uploads ------------------------------------------------------------------------------------


def _media_count() -> int:
    return db.session.scalar(select(func.count(MediaFile.id)))


def test_upload_refuses_an_exe_renamed_png(client, login, units):
    draft = make_draft(units[0])
    login("staff", SARA, unit_id=units[0])
    before = _media_count()
    response = post(
        client,
        f"/design/versions/{draft.id}/modules/m1/items/new/image",
        {"title": "Bild", "alt": "Något", "file": (io.BytesIO(EXE), "bild.png")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="file-error"' in html
    assert _media_count() == before
    response = post(
        client,
        f"/design/versions/{draft.id}/modules/m1/items/new/image",
        {"title": "Bild", "alt": "Något", "file": (io.BytesIO(PNG), "program.exe")},
        content_type="multipart/form-data",
    )
    assert 'id="file-error"' in response.get_data(as_text=True) and _media_count() == before
    db.session.expire_all()
    assert len(db.session.get(ProgramVersion, draft.id).content["modules"][0]["items"]) == 3


@pytest.mark.parametrize("sob_config", [{"SOB_MAX_UPLOAD_MB": 0.0001}], indirect=True)
def test_upload_refuses_an_oversize_file(client, login, units):
    draft = make_draft(units[0])
    login("staff", SARA, unit_id=units[0])
    before = _media_count()
    response = post(
        client,
        f"/design/versions/{draft.id}/modules/m1/items/new/image",
        {"title": "Bild", "alt": "Något", "file": (io.BytesIO(PNG), "stor.png")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="file-error"' in html and "104 byte" in html
    assert _media_count() == before


def test_import_page(client, login, units):
    version = published(units[0])
    login("staff", SARA, unit_id=units[0])
    exported = client.get(f"/design/versions/{version.id}/export").data
    client.post(
        "/auth/logout",
        data={"csrf_token": csrf_from(client.get("/design/").get_data(as_text=True))},
    )
    login("staff", OLOF, unit_id=units[1])
    bad = post(
        client,
        "/design/import",
        {"file": (io.BytesIO(b'{"format": "other"}'), "x.json"), "key": "kopia"},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and 'id="file-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(Program).where(Program.key == "kopia")) is None
    response = post(
        client,
        "/design/import",
        {"file": (io.BytesIO(exported), "somnskola.json"), "key": "kopia"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    program = db.session.scalar(select(Program).where(Program.key == "kopia"))
    assert program.owner_care_unit_id == units[1]
    assert programs.latest_published(db.session, program).label == "1.0"
    assert client.get(response.headers["Location"]).status_code == 200


# --- serving media ------------------------------------------------------------------------------


def fetch(client, url: str, **kwargs):
    """GET a file and close the response (a served file stays open until then)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def _with_image(unit_id: int) -> tuple[ProgramVersion, MediaFile]:
    media_type = storage_service.check_upload(PNG, "sjö.png", "image", 10**6)
    media = storage_service.store_media(
        db.session, storage_service.get_storage(), PNG, filename="sjö.png", media_type=media_type
    )
    draft = make_draft(unit_id)
    content = dict(draft.content)
    content["modules"] = [dict(m) for m in content["modules"]]
    content["modules"][0]["items"] = [
        *content["modules"][0]["items"],
        {"key": "m1-i9", "kind": "image", "title": "Sjö", "alt": "En sjö", "media_id": media.id},
    ]
    programs.update_draft(db.session, draft, content)
    version = programs.publish(db.session, draft, publisher_id=_staff(SARA).id)
    db.session.commit()
    return version, media


def test_media_for_staff(client, login, units):
    _version, media = _with_image(units[0])
    url = f"/media/{media.id}"
    assert fetch(client, url).status_code == 302  # not signed in: to the login page
    login("staff", TOMMY, unit_id=units[0])
    response = fetch(client, url)
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and "filename" in disposition
    partial = fetch(client, url, headers={"Range": "bytes=0-7"})
    assert partial.status_code == 206 and partial.data == PNG[:8]
    again = fetch(client, url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert fetch(client, "/media/999999").status_code == 404


def test_media_for_staff_without_a_content_role(client, login, units):
    _version, media = _with_image(units[0])
    login("staff", ERIK, unit_id=units[0])
    assert fetch(client, f"/media/{media.id}").status_code == 404


def test_media_for_citizens_only_through_their_program(client, login, units):
    version, media = _with_image(units[0])
    login("citizen", JOHN)
    assert fetch(client, f"/media/{media.id}").status_code == 404
    john = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    db.session.add(
        Enrollment(citizen_id=john.id, care_unit_id=units[0], program_version_id=version.id)
    )
    db.session.commit()
    response = fetch(client, f"/media/{media.id}")
    assert response.status_code == 200 and response.data == PNG


def test_export_download_name(client, login, units):
    version = published(units[0])
    login("staff", SARA, unit_id=units[0])
    response = client.get(f"/design/versions/{version.id}/export")
    assert re.search(
        r'filename="somnskola-1\.0\.sob-program\.json"', response.headers["Content-Disposition"]
    )
