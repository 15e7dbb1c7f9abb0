"""Attachment questions: a FHIR ``attachment`` item imports and exports again as it came, the
citizen answers it by uploading a file (checked, stored outside the answers, kept on a new post),
only she and her care unit's staff (audit-logged) download it, the purge removes it and the
QuestionnaireResponse gives it as a ``valueAttachment``."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from datalife_helpers import NOW, end_enrollment
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir_helpers import TOMMY, assigned, import_resource, registry, stored
from sqlalchemy import func, select

from sob_core import datalife, media
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.models import AuditEvent, Citizen, Enrollment, FormResponse, MediaFile, Staff
from sob_core.testing import csrf_from, login_as

SECRET = "test-secret-key-not-for-production"
SD = "http://hl7.org/fhir/StructureDefinition/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"%" * 100
ELIN = "199207012486"
JOHAN = "SE2321000016-P000000000021"  # a therapist of the other care unit
SARA = "SE2321000131-P000000000015"  # a designer at John's unit (may see content media)
ITEM: dict[str, Any] = {
    "linkId": "photo",
    "text": "Bifoga ett foto av utslaget",
    "type": "attachment",
    "required": True,
    "extension": [
        {"url": SD + "mimeType", "valueCode": "image/*"},
        {"url": SD + "mimeType", "valueCode": "application/pdf"},
        {"url": SD + "maxSize", "valueDecimal": 1000},
    ],
}
RESOURCE = {"resourceType": "Questionnaire", "status": "active", "id": "rash", "item": [ITEM]}


def _page(client: Any, assignment: Any) -> str:
    return client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)


def _post(client: Any, assignment: Any, action: str = "submit", **fields: Any) -> Any:
    page = _page(client, assignment)
    data = {
        "csrf_token": csrf_from(page),
        "submission_key": page.split('name="submission_key" value="')[1].split('"')[0],
        "action": action,
        # what the browser posts back: the hidden input naming the file the page shows
        **dict(re.findall(r'<input type="hidden" name="([^"]+:kept)" value="(\d+)">', page)),
        **fields,
    }
    return client.post(
        f"/citizen/forms/{assignment.id}", data=data, content_type="multipart/form-data"
    )


def _fetch(client: Any, url: str) -> Any:
    """GET a file and close the response (a served file stays open until then)."""
    got = client.get(url)
    got.get_data()
    got.close()
    return got


def _upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return (io.BytesIO(data), name)


def _content_pdf(app: Any, filename: str) -> MediaFile:
    """A PDF stored as content media (not an answer file), committed."""
    content = media.store_media(
        db.session,
        media.get_storage(app),
        PDF,
        filename=filename,
        media_type=media.BY_CONTENT_TYPE["application/pdf"],
    )
    db.session.commit()
    return content


# --- FHIR import and export ----------------------------------------------------------------------


def test_an_attachment_item_imports_with_its_types_and_size_and_exports_as_it_came(app):
    version = import_resource(app, RESOURCE)
    (question,) = version.definition["questions"]
    assert question["type"] == "attachment"
    assert question["config"] == {
        "content_types": ["image/*", "application/pdf"],
        "max_bytes": 1000,
    }
    again = fhir.export_questionnaire(version, registry(app), "sv")
    Questionnaire.model_validate(again)
    (item,) = again["item"]
    assert item["type"] == "attachment" and item["extension"] == ITEM["extension"]
    assert json.dumps(item["extension"]) == json.dumps(ITEM["extension"])  # 1000, not 1000.0
    assert item.get("required") is True


def test_an_item_without_limits_gets_none_added(app):
    bare = {"linkId": "doc", "text": "Intyg", "type": "attachment"}
    version = import_resource(app, {**RESOURCE, "id": "bare", "item": [bare]})
    assert version.definition["questions"][0]["config"] == {}
    (item,) = fhir.export_questionnaire(version, registry(app), "sv")["item"]
    assert "extension" not in item


def test_an_item_sob_cannot_receive_any_file_of_is_refused_naming_why(app):
    sound = {**ITEM, "extension": [{"url": SD + "mimeType", "valueCode": "audio/*"}]}
    with pytest.raises(fhir.FhirImportError) as refused:
        import_resource(app, {**RESOURCE, "item": [sound]})
    assert "file types" in str(refused.value)


# --- the citizen's page --------------------------------------------------------------------------


def test_the_page_posts_multipart_with_a_labelled_file_input_stating_types_and_size(
    app, client, demo_data
):
    page = _page(client, assigned(app, client, RESOURCE))
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert 'type="file" id="photo" name="photo"' in page
    assert '<label class="q-label" for="photo">' in page
    assert "Tillåtna filtyper: JPG, PNG, WEBP, PDF. Filen får vara högst 1000 byte." in page


def test_an_upload_is_stored_outside_the_answers_and_described_by_them(app, client, demo_data):
    assignment = assigned(app, client, RESOURCE)
    answer = _post(client, assignment, "save", photo=_upload(PNG, "utslag.png"))
    assert answer.status_code == 302
    status, answers = stored(assignment)
    photo = answers["photo"]
    assert status == "draft"
    assert set(photo) == {"media_id", "filename", "content_type", "size", "sha256", "sha1"}
    assert photo["filename"] == "utslag.png" and photo["content_type"] == "image/png"
    assert photo["size"] == len(PNG) and photo["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert base64.b64decode(photo["sha1"]) == hashlib.sha1(PNG, usedforsecurity=False).digest()
    row = db.session.get(MediaFile, photo["media_id"])
    assert row.answer_file is True
    assert media.read_media(media.get_storage(app), row) == PNG
    assert "PNG" not in json.dumps(answers) or "\\u0089" not in json.dumps(answers)
    page = _page(client, assignment)
    assert "utslag.png" in page and 'name="photo:remove"' in page and "Ta bort filen" in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (PNG + b"\x00" * 1000, "stor.png", "Filen är för stor. Den får vara högst"),
        (
            b"hello world",
            "anteckning.txt",
            "Filtypen är inte tillåten här. Använd JPG, PNG, WEBP, PDF.",
        ),
        (b"not a png at all", "falsk.png", "Filens innehåll stämmer inte med filtypen."),
    ],
)
def test_a_file_too_large_of_another_type_or_not_what_its_name_says_is_refused(
    app, client, demo_data, data, name, message
):
    assignment = assigned(app, client, RESOURCE)
    answer = _post(client, assignment, photo=_upload(data, name))
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    status, answers = stored(assignment)
    assert status == "draft" and "photo" not in answers
    assert db.session.scalar(select(MediaFile).where(MediaFile.answer_file.is_(True))) is None


def test_the_file_is_kept_when_the_page_is_posted_again_without_one(app, client, demo_data):
    assignment = assigned(app, client, RESOURCE)
    _post(client, assignment, "save", photo=_upload(PDF, "intyg.pdf"))
    first = stored(assignment)[1]["photo"]
    answer = _post(client, assignment, "submit")
    assert answer.status_code == 302
    status, answers = stored(assignment)
    assert status == "submitted" and answers["photo"] == first


def test_only_a_file_of_her_own_draft_can_be_kept_by_naming_it(app, client, demo_data):
    assignment = assigned(app, client, RESOURCE)
    content = _content_pdf(app, "annan.pdf")
    answer = _post(client, assignment, "save", **{"photo:kept": str(content.id)})
    assert answer.status_code == 302
    assert "photo" not in stored(assignment)[1]


def test_a_removed_file_is_gone_and_a_required_question_then_blocks_submission(
    app, client, demo_data
):
    assignment = assigned(app, client, RESOURCE)
    _post(client, assignment, "save", photo=_upload(PDF, "intyg.pdf"))
    answer = _post(client, assignment, "submit", **{"photo:remove": "1"})
    assert answer.status_code == 422
    assert "Du behöver svara på frågan." in answer.get_data(as_text=True)
    status, answers = stored(assignment)
    assert status == "draft" and "photo" not in answers


def test_a_replaced_or_removed_file_is_deleted_with_its_bytes(app, client, demo_data):
    assignment = assigned(app, client, RESOURCE)
    storage = media.get_storage(app)
    _post(client, assignment, "save", photo=_upload(PDF, "intyg.pdf"))
    first = db.session.get(MediaFile, stored(assignment)[1]["photo"]["media_id"])
    first_id, first_key = first.id, first.storage_key
    _post(client, assignment, "save", photo=_upload(PNG, "utslag.png"))
    second = stored(assignment)[1]["photo"]
    assert second["filename"] == "utslag.png"
    db.session.expire_all()
    assert db.session.get(MediaFile, first_id) is None
    with pytest.raises(KeyError):
        storage.open(first_key)
    _post(client, assignment, "save", **{"photo:remove": "1"})
    assert "photo" not in stored(assignment)[1]
    db.session.expire_all()
    assert db.session.get(MediaFile, second["media_id"]) is None


def test_a_file_another_of_her_responses_names_too_is_kept_when_one_removes_it(
    app, client, demo_data
):
    assignment = assigned(app, client, RESOURCE)
    _post(client, assignment, "save", photo=_upload(PDF, "intyg.pdf"))
    photo = stored(assignment)[1]["photo"]
    other = db.session.scalars(
        select(FormResponse).where(
            FormResponse.assignment_id != assignment.id,
            FormResponse.citizen_id == assignment.citizen_id,
        )
    ).first()
    assert other is not None
    other.answers = {**(other.answers or {}), "x": {"type": "attachment", "value": photo}}
    db.session.commit()
    _post(client, assignment, "save", **{"photo:remove": "1"})
    db.session.expire_all()
    assert db.session.get(MediaFile, photo["media_id"]) is not None


def test_the_same_bytes_from_two_citizens_are_two_files_and_one_removing_hers_keeps_the_other(
    app, client, demo_data
):
    john_assignment = assigned(app, client, RESOURCE)
    _post(client, john_assignment, "save", photo=_upload(PNG, "utslag.png"))
    johns = stored(john_assignment)[1]["photo"]
    elin = db.session.scalar(select(Citizen).where(Citizen.personnummer == ELIN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == elin.id))
    tommy = _staff(TOMMY)
    elins_assignment = assignments.send_form(
        db.session, enrollment, john_assignment.form_version.form, tommy.id
    )
    db.session.commit()
    login_as(client, elin)
    _post(client, elins_assignment, "save", photo=_upload(PNG, "samma.png"))
    elins = stored(elins_assignment)[1]["photo"]
    # one row and one key each: her upload cannot tell that someone gave these bytes before
    assert elins["media_id"] != johns["media_id"] and elins["sha256"] == johns["sha256"]
    rows = {m: db.session.get(MediaFile, m) for m in (johns["media_id"], elins["media_id"])}
    assert len({row.storage_key for row in rows.values()}) == 2
    assert all(hashlib.sha256(PNG).hexdigest() not in row.storage_key for row in rows.values())
    _post(client, elins_assignment, "save", **{"photo:remove": "1"})
    db.session.expire_all()
    assert db.session.get(MediaFile, elins["media_id"]) is None
    kept = db.session.get(MediaFile, johns["media_id"])
    assert kept is not None and media.read_media(media.get_storage(app), kept) == PNG


def test_a_required_attachment_blocks_submission_when_missing(app, client, demo_data):
    assignment = assigned(app, client, RESOURCE)
    answer = _post(client, assignment, "submit")
    assert answer.status_code == 422
    assert stored(assignment)[0] == "draft"


# --- who may download it -------------------------------------------------------------------------


def _submitted(app: Any, client: Any) -> tuple[Any, FormResponse, dict[str, Any]]:
    assignment = assigned(app, client, RESOURCE)
    _post(client, assignment, "submit", photo=_upload(PNG, "utslag.png"))
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    db.session.refresh(response)
    assert response.status == "submitted"
    return assignment, response, response.answers["photo"]["value"]


def _staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def test_the_citizen_downloads_her_own_file_as_an_attachment(app, client, demo_data):
    _assignment, response, photo = _submitted(app, client)
    got = _fetch(client, f"/citizen/responses/{response.id}/files/{photo['media_id']}")
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert "utslag.png" in got.headers["Content-Disposition"]
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in got.headers["Cache-Control"]


def test_another_citizen_cannot_download_it(app, client, demo_data):
    _assignment, response, photo = _submitted(app, client)
    elin = db.session.scalar(select(Citizen).where(Citizen.personnummer == ELIN))
    login_as(client, elin)
    assert (
        client.get(f"/citizen/responses/{response.id}/files/{photo['media_id']}").status_code == 404
    )


def test_it_is_never_served_as_content_media(app, client, demo_data):
    _assignment, _response, photo = _submitted(app, client)
    sara = _staff(SARA)
    login_as(client, sara, sara.roles[0].care_unit_id)
    assert client.get(f"/media/{photo['media_id']}").status_code == 404


def test_staff_of_the_unit_download_it_and_the_read_is_audit_logged(app, client, demo_data):
    assignment, response, photo = _submitted(app, client)
    tommy = _staff(TOMMY)
    login_as(client, tommy, assignment.enrollment.care_unit_id)
    page = client.get(f"/staff/patients/{assignment.enrollment_id}/responses/{response.id}")
    url = (
        f"/staff/patients/{assignment.enrollment_id}/responses/{response.id}"
        f"/files/{photo['media_id']}"
    )
    assert f'href="{url}"' in page.get_data(as_text=True)
    got = _fetch(client, url)
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.what == "answer_file", AuditEvent.actor_id == tommy.id)
    )
    assert event is not None and event.action == "read"
    assert event.citizen_id == response.citizen_id


def test_staff_of_another_unit_cannot_download_it(app, client, demo_data):
    assignment, response, photo = _submitted(app, client)
    johan = _staff(JOHAN)
    other_unit = next(r.care_unit_id for r in johan.roles if r.role == "therapist")
    assert other_unit != assignment.enrollment.care_unit_id
    login_as(client, johan, other_unit)
    url = (
        f"/staff/patients/{assignment.enrollment_id}/responses/{response.id}"
        f"/files/{photo['media_id']}"
    )
    assert client.get(url).status_code in (403, 404)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.what == "answer_file")) is None


def test_a_file_the_response_does_not_name_is_not_given_through_it(app, client, demo_data):
    assignment, response, _photo = _submitted(app, client)
    content = _content_pdf(app, "x.pdf")
    assert client.get(f"/citizen/responses/{response.id}/files/{content.id}").status_code == 404


# --- purge and export ----------------------------------------------------------------------------


def test_the_purge_of_the_enrollment_removes_the_file(app, client, demo_data):
    assignment, _response, photo = _submitted(app, client)
    row = db.session.get(MediaFile, photo["media_id"])
    key = row.storage_key
    enrollment = assignment.enrollment
    end_enrollment(enrollment, days_ago=60)
    db.session.commit()
    outcome = datalife.purge(
        db.session,
        enrollment.id,
        secret=SECRET,
        rule="retention:30",
        actor_kind="system",
        actor_id=None,
        now=NOW + timedelta(days=1),
    )
    db.session.commit()
    assert key in outcome.media_keys
    storage = media.get_storage(app)
    media.purging.remove_files(storage, outcome.media_keys)
    assert db.session.get(MediaFile, photo["media_id"]) is None
    with pytest.raises(KeyError):
        storage.open(key)


def test_the_questionnaire_response_gives_the_file_as_a_value_attachment(app, client, demo_data):
    assignment, response, photo = _submitted(app, client)
    resource = fhir.export_response(response, registry(app), base_url="https://sob.example")
    QuestionnaireResponse.model_validate(resource)
    (item,) = resource["item"]
    (answer,) = item["answer"]
    assert answer["valueAttachment"] == {
        "contentType": "image/png",
        "title": "utslag.png",
        "size": len(PNG),
        "hash": base64.b64encode(hashlib.sha1(PNG, usedforsecurity=False).digest()).decode(),
        "url": f"https://sob.example/staff/patients/{assignment.enrollment_id}/responses/"
        f"{response.id}/files/{photo['media_id']}",
    }
    assert "data" not in answer["valueAttachment"]


def test_her_own_data_page_names_the_file_with_a_download_link(app, client, demo_data):
    _assignment, response, photo = _submitted(app, client)
    page = client.get("/citizen/settings/my-data").get_data(as_text=True)
    url = f"/citizen/responses/{response.id}/files/{photo['media_id']}"
    assert f'<a href="{url}" download>utslag.png</a>' in page


def test_a_file_posted_for_a_question_skip_logic_hides_is_not_kept(app, client, demo_data):
    asked = {"linkId": "has", "text": "Har du ett intyg?", "type": "boolean", "required": True}
    photo = {
        **ITEM,
        "required": False,
        "enableWhen": [{"question": "has", "operator": "=", "answerBoolean": True}],
    }
    assignment = assigned(app, client, {**RESOURCE, "id": "skip", "item": [asked, photo]})
    before = db.session.scalar(select(func.count()).select_from(MediaFile))
    answer = _post(client, assignment, "submit", has="false", photo=_upload(PNG, "utslag.png"))
    assert answer.status_code == 302
    status, answers = stored(assignment)
    assert status == "submitted" and answers == {"has": False}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(MediaFile)) == before


def test_a_pseudonymised_export_leaves_the_file_out(app):
    from sob_core.exports import tabular

    version = import_resource(app, RESOURCE)
    assert tabular.questions(version, registry(app), pseudonymised=False)[0][1] is True
    assert tabular.questions(version, registry(app), pseudonymised=True)[0][1] is False


def test_in_a_repeating_group_each_file_stays_with_its_repetition(app, client, demo_data):
    group = {
        "linkId": "docs",
        "text": "Intyg",
        "type": "group",
        "repeats": True,
        "item": [{**ITEM, "required": False}],
    }
    assignment = assigned(app, client, {**RESOURCE, "id": "many", "item": [group]})
    fields = {"repetitions@docs": "2"}
    _post(client, assignment, "add:docs", **fields)  # nothing stored, the page has two
    _post(
        client,
        assignment,
        "save",
        **fields,
        **{"photo@1": _upload(PDF, "forsta.pdf"), "photo@2": _upload(PNG, "andra.png")},
    )
    assert [f["filename"] for f in stored(assignment)[1]["photo"]] == ["forsta.pdf", "andra.png"]
    page = _page(client, assignment)
    kept = dict(re.findall(r'<input type="hidden" name="([^"]+:kept)" value="(\d+)">', page))
    removed = client.post(
        f"/citizen/forms/{assignment.id}",
        data={
            "csrf_token": csrf_from(page),
            "submission_key": page.split('name="submission_key" value="')[1].split('"')[0],
            "action": "remove:1:docs",
            **fields,
            **kept,
        },
    )
    shown = removed.get_data(as_text=True)
    assert "andra.png" in shown and "forsta.pdf" not in shown
    # the page after the removal is posted as it is: the one repetition keeps "andra.png"
    again = dict(re.findall(r'<input type="hidden" name="([^"]+:kept)" value="(\d+)">', shown))
    client.post(
        f"/citizen/forms/{assignment.id}",
        data={
            "csrf_token": csrf_from(shown),
            "submission_key": shown.split('name="submission_key" value="')[1].split('"')[0],
            "action": "save",
            "repetitions@docs": "1",
            **again,
        },
    )
    assert [f["filename"] for f in stored(assignment)[1]["photo"]] == ["andra.png"]
