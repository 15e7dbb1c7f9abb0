"""Importing a FHIR Questionnaire from the design tool's forms page (issue 16).

The page does what ``sob forms import`` does: all or nothing, every problem of a refusal listed
in the page's language, the import report shown on the new form's page, audited; only the unit's
designers may, with CSRF, and a file over 2 MB or not JSON is refused with a clear error.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from sob_core.extensions import db
from sob_core.models import AuditEvent, CareUnit, Form
from sob_core.testing import csrf_from

SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1, designer at unit 2
TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
OLOF = "SE2321000016-P000000000024"  # publisher at unit 2
CORPUS = Path(__file__).parent / "fhir_corpus"
PHQ9 = "questionnaire-sdc-profile-example-phq9"


@pytest.fixture
def units(demo_data):
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()


def _upload(client, data: bytes, name: str = "q.json", csrf: bool = True):
    page = client.get("/design/forms")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'action="/design/forms/import"' in html and 'type="file"' in html
    payload: dict[str, Any] = {"file": (io.BytesIO(data), name)}
    if csrf:
        payload["csrf_token"] = csrf_from(html)
    builder = EnvironBuilder(path="/design/forms/import", method="POST", data=payload)
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:  # a large body is spooled to a temporary file the test client leaves open
        environ["wsgi.input"].close()
        builder.close()


def _small(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "liten", "item": list(items)}


def _form(key: str) -> Form | None:
    return db.session.scalar(select(Form).where(Form.key == key))


def test_a_designer_imports_a_questionnaire_and_its_page_opens(client, login, units):
    login("staff", SARA, unit_id=units[0])
    sent = _upload(client, (CORPUS / "sdc-phq9.json").read_bytes(), "sdc-phq9.json")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    form = _form(PHQ9)
    assert form is not None and form.care_unit_id == units[0]
    assert sent.headers["Location"].endswith(f"/design/forms/{form.id}")
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Frågeformuläret importerades som version 1 av formuläret" in page
    assert "Importerat från ett FHIR-frågeformulär" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.what == "form.import"))
    assert event is not None and event.care_unit_id == units[0]
    assert event.detail["form_id"] == form.id and event.detail["file_name"] == "sdc-phq9.json"
    # the same file again: a new version of the unit's form
    again = _upload(client, (CORPUS / "sdc-phq9.json").read_bytes(), "sdc-phq9.json")
    assert again.status_code == 302
    db.session.refresh(form)
    assert [v.version for v in form.versions] == [1, 2]


def test_the_import_report_is_shown_translated(client, login, units):
    item = {
        "linkId": "q1",
        "text": "Hur mår du?",
        "type": "string",
        "extension": [{"url": "http://example.org/own-flag", "valueBoolean": True}],
    }
    login("staff", SARA, unit_id=units[0])
    sent = _upload(client, json.dumps(_small(item)).encode(), "liten.json")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "http://example.org/own-flag" in page
    assert "kept" not in page  # the report line is in Swedish


def test_a_refused_questionnaire_lists_every_problem_and_imports_nothing(client, login, units):
    data = json.loads((CORPUS / "r4-questionnaire-example-gcs.json").read_bytes())
    for item in data["item"]:
        item["modifierExtension"] = [{"url": "http://example.org/negate", "valueBoolean": True}]
    before = db.session.scalar(select(db.func.count(Form.id)))
    login("staff", SARA, unit_id=units[0])
    sent = _upload(client, json.dumps(data).encode(), "gcs.json")
    html = sent.get_data(as_text=True)
    assert sent.status_code == 400
    problems = html.split('id="import-problems"', 1)[1].split("</ul>", 1)[0]
    assert problems.count("<li>") == 3
    for link in ("1.1", "1.2", "1.3"):
        assert f"item &#39;{link}&#39; har en modifierExtension som sob inte kan följa" in problems
    assert db.session.scalar(select(db.func.count(Form.id))) == before


def test_the_problems_are_in_the_pages_language(client, login, units):
    data = json.loads((CORPUS / "r4-questionnaire-example-gcs.json").read_bytes())
    data["item"][0]["modifierExtension"] = [{"url": "http://example.org/x", "valueBoolean": True}]
    login("staff", SARA, unit_id=units[0])
    with client.session_transaction() as stored:
        stored["lang"] = "en"
    html = _upload(client, json.dumps(data).encode()).get_data(as_text=True)
    assert "The Questionnaire was not imported" in html
    problem = html.split('id="import-problems"', 1)[1].split("</ul>", 1)[0]
    assert "item &#39;1.1&#39; has a modifier extension sob cannot honour" in problem, problem


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n", "bild.png", "inte giltig JSON"),
        (b'{"resourceType": "Questionnaire",', "trasig.json", "inte giltig JSON"),
        (b"", "tom.json", "Filen är tom"),
        (b" " * (2 * 1024 * 1024 + 1), "stor.json", "större än 2 MB"),
    ],
)
def test_a_file_that_is_not_a_questionnaire_is_refused(client, login, units, data, name, message):
    login("staff", SARA, unit_id=units[0])
    sent = _upload(client, data, name)
    assert sent.status_code == 400
    assert message in sent.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.what == "form.import")) is None


def test_no_file_is_refused(client, login, units):
    login("staff", SARA, unit_id=units[0])
    html = client.get("/design/forms").get_data(as_text=True)
    sent = client.post("/design/forms/import", data={"csrf_token": csrf_from(html)})
    assert sent.status_code == 400
    assert "Välj frågeformulärsfilen att importera." in sent.get_data(as_text=True)


def test_csrf_is_required(client, login, units):
    login("staff", SARA, unit_id=units[0])
    sent = _upload(client, (CORPUS / "sdc-phq9.json").read_bytes(), csrf=False)
    assert sent.status_code == 400
    assert _form(PHQ9) is None


def test_only_the_units_designers_may_import(client, login, units):
    data = (CORPUS / "sdc-phq9.json").read_bytes()
    login("staff", TOMMY, unit_id=units[0])  # a therapist, not a designer
    assert client.get("/design/forms/import").status_code == 403
    sent = client.post(
        "/design/forms/import",
        data={"file": (io.BytesIO(data), "sdc-phq9.json")},
        content_type="multipart/form-data",
    )
    assert sent.status_code in (400, 403) and _form(PHQ9) is None


def test_another_units_staff_cannot_import_over_the_units_form(client, login, units):
    data = (CORPUS / "sdc-phq9.json").read_bytes()
    login("staff", SARA, unit_id=units[0])
    assert _upload(client, data).status_code == 302
    form = _form(PHQ9)
    client.post(
        "/auth/logout",
        data={"csrf_token": csrf_from(client.get("/design/").get_data(as_text=True))},
    )
    login("staff", OLOF, unit_id=units[1])
    sent = _upload(client, data)
    assert sent.status_code == 400
    assert "tillhör en annan vårdenhet" in sent.get_data(as_text=True)
    db.session.refresh(form)
    assert form.care_unit_id == units[0] and len(form.versions) == 1
    assert client.get(f"/design/forms/{form.id}").status_code == 404
