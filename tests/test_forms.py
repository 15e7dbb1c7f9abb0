"""Forms end to end on the server: fill in, drafts, idempotent submission, results, access."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from sob_core import forms
from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Citizen,
    Enrollment,
    Form,
    FormAssignment,
    FormResponse,
    Result,
)
from sob_core.testing import csrf_from
from sob_core.web.vendor import plotly_version

JOHN = "198503142393"
ELIN = "199207012486"
TOMMY = "SE2321000131-P000000000011"
JOHAN = "SE2321000016-P000000000021"


def _citizen(number: str) -> Citizen:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == number))


def _open_assignment(number: str, key: str) -> FormAssignment:
    citizen = _citizen(number)
    return db.session.scalar(
        select(FormAssignment)
        .join(FormAssignment.form_version)
        .join(Form)
        .where(
            FormAssignment.citizen_id == citizen.id,
            Form.key == key,
            FormAssignment.status == "open",
        )
    )


def _post_form(client, assignment_id: int, data: dict, action: str = "submit"):
    page = client.get(f"/citizen/forms/{assignment_id}").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    payload = {"csrf_token": csrf_from(page), "submission_key": key, "action": action, **data}
    return client.post(f"/citizen/forms/{assignment_id}", data=payload), key


def test_citizen_fills_in_the_sleep_diary_and_sees_the_result(client, login):
    login("citizen", JOHN)
    assignment = _open_assignment(JOHN, "sleep-diary")
    page = client.get("/citizen/").get_data(as_text=True)
    assert "Sömndagbok" in page and f"/citizen/forms/{assignment.id}" in page
    response, _key = _post_form(
        client,
        assignment.id,
        {
            "bedtime": "23:00",
            "rise_time": "07:00",
            "time_in_bed_min:hours": "8",
            "time_in_bed_min:minutes": "0",
            "total_sleep_min:hours": "7",
            "total_sleep_min:minutes": "0",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    values = db.session.scalars(
        select(Result.value)
        .where(Result.key == "sleep-efficiency.efficiency")
        .order_by(Result.at.desc())
    ).all()
    assert 87.5 in values
    page = client.get("/citizen/results/sleep-efficiency.efficiency").get_data(as_text=True)
    assert "Mina värden (4)" in page
    assert "87,5" in page and "Normal" in page  # the decimal comma in Swedish
    assert 'data-figure="' in page and f"/vendor/plotly.min.js?v={plotly_version()}" in page


def test_duplicate_submission_creates_one_response(client, login):
    login("citizen", JOHN)
    assignment = _open_assignment(JOHN, "talk-about")
    data = {"topics": ["stress", "worry"]}
    first, key = _post_form(client, assignment.id, data)
    assert first.status_code == 302
    page = client.get("/citizen/").get_data(as_text=True)
    again = client.post(
        f"/citizen/forms/{assignment.id}",
        data={"csrf_token": csrf_from(page), "submission_key": key, "action": "submit", **data},
    )
    assert again.status_code == 302
    count = db.session.scalar(
        select(func.count(FormResponse.id)).where(FormResponse.assignment_id == assignment.id)
    )
    assert count == 1


def test_skip_logic_is_enforced_on_the_server(client, login):
    login("citizen", JOHN)
    assignment = _open_assignment(JOHN, "talk-about")
    # "sleep" chosen: the follow-up question is shown and required.
    missing, _ = _post_form(client, assignment.id, {"topics": ["sleep"]})
    assert missing.status_code == 422
    assert "måste besvaras" in missing.get_data(as_text=True) or "aria-invalid" in missing.get_data(
        as_text=True
    )
    ok, _ = _post_form(client, assignment.id, {"topics": ["sleep"], "bad_nights": "4"})
    assert ok.status_code == 302
    stored = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert stored.answers["bad_nights"] == {"type": "number", "value": 4}
    assert stored.answers["topics"]["value"] == ["sleep"]


def test_hidden_question_is_not_stored(client, login):
    login("citizen", JOHN)
    assignment = _open_assignment(JOHN, "talk-about")
    ok, _ = _post_form(client, assignment.id, {"topics": ["anger"], "bad_nights": "6"})
    assert ok.status_code == 302
    stored = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert "bad_nights" not in stored.answers


def test_draft_is_kept_and_continued(client, login):
    login("citizen", JOHN)
    assignment = _open_assignment(JOHN, "sleep-diary")
    saved, _ = _post_form(client, assignment.id, {"bedtime": "22:15"}, action="save")
    assert saved.status_code == 302
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert 'value="22:15"' in page
    draft = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert draft.status == "draft" and draft.answers["bedtime"]["value"] == "22:15"


def test_invalid_answer_gets_a_clear_error_and_keeps_the_rest(client, login):
    login("citizen", JOHN)
    assignment = _open_assignment(JOHN, "sleep-diary")
    bad, _ = _post_form(client, assignment.id, {"bedtime": "25:99", "rise_time": "07:00"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    draft = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    assert draft.answers["rise_time"]["value"] == "07:00"  # nothing the citizen wrote is lost


def test_a_citizen_cannot_open_another_citizens_form(client, login):
    other = _open_assignment(JOHN, "sleep-diary")
    login("citizen", ELIN)
    assert client.get(f"/citizen/forms/{other.id}").status_code == 404
    assert client.get("/citizen/results/sleep-efficiency.efficiency").status_code == 404


def test_result_hidden_from_citizen_when_the_definition_says_so(client, login):
    login("citizen", JOHN)
    citizen = _citizen(JOHN)
    for row in db.session.scalars(select(Result).where(Result.citizen_id == citizen.id)):
        row.citizen_visible = False
    db.session.commit()
    assert client.get("/citizen/results/phq-9.total").status_code == 404


def _enrollment(number: str) -> Enrollment:
    return db.session.scalar(select(Enrollment).join(Citizen).where(Citizen.personnummer == number))


def test_therapist_sees_results_and_every_read_is_audited(client, login):
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    login("staff", TOMMY, unit_id=unit)
    enrollment = _enrollment(JOHN)
    page = client.get(f"/staff/patients/{enrollment.id}/results/phq-9.total")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        "PHQ-9" in html and "Måttligt svår" in html or "moderately" in html.lower() or "16" in html
    )
    reads = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.citizen_id == enrollment.citizen_id,
            AuditEvent.action == "read",
            AuditEvent.actor_kind == "staff",
        )
    ).all()
    assert [e.what for e in reads] == ["results"]
    assert reads[0].care_unit_id == unit and reads[0].detail == {"key": "phq-9.total"}


def test_staff_cannot_reach_another_units_patient(client, login):
    second = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()[1]
    login("staff", JOHAN, unit_id=second)
    enrollment = _enrollment(JOHN)  # at the first unit
    for path in (
        f"/staff/patients/{enrollment.id}",
        f"/staff/patients/{enrollment.id}/results",
        f"/staff/patients/{enrollment.id}/results/phq-9.total",
    ):
        assert client.get(path).status_code == 404, path
    assert "John Doe" not in client.get("/staff/patients").get_data(as_text=True)


def test_therapist_starts_an_extra_measurement(client, login):
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    login("staff", TOMMY, unit_id=unit)
    enrollment = _enrollment(ELIN)
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    audit_form = db.session.scalar(select(Form).where(Form.key == "audit"))
    response = client.post(
        f"/staff/patients/{enrollment.id}/assign",
        data={"csrf_token": csrf_from(page), "form_id": audit_form.id},
    )
    assert response.status_code == 302
    assert _open_assignment(ELIN, "audit") is not None


def test_staff_sees_submitted_answers(client, login):
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    login("staff", TOMMY, unit_id=unit)
    enrollment = _enrollment(JOHN)
    answer = db.session.scalar(
        select(FormResponse).where(
            FormResponse.citizen_id == enrollment.citizen_id, FormResponse.status == "submitted"
        )
    )
    page = client.get(f"/staff/patients/{enrollment.id}/responses/{answer.id}")
    assert page.status_code == 200


def test_answers_of_an_uninstalled_question_type_are_shown_with_a_placeholder(app, demo_data):
    registry = app.extensions["sob"].registry
    answer = db.session.scalar(select(FormResponse).where(FormResponse.status == "submitted"))
    spec = forms.specs(answer.form_version)[0]
    shown = forms.display_answer(spec, {"type": "gone-plugin", "value": 3}, registry, "sv")
    assert shown == forms.UNKNOWN_TYPE["sv"]


def test_form_definition_is_validated(app):
    registry = app.extensions["sob"].registry
    with pytest.raises(forms.FormDefinitionError, match="unknown type"):
        forms.create_form(
            db.session,
            registry,
            key="x",
            title={"sv": "X"},
            questions=[{"key": "a", "type": "nope", "label": {"sv": "A"}}],
        )
    with pytest.raises(forms.FormDefinitionError, match="earlier question"):
        forms.create_form(
            db.session,
            registry,
            key="x",
            title={"sv": "X"},
            questions=[
                {
                    "key": "a",
                    "type": "short_text",
                    "label": {"sv": "A"},
                    "show_if": {"question": "b", "equals": "1"},
                },
            ],
        )


def test_a_new_version_leaves_old_responses_on_their_version(app, demo_data):
    registry = app.extensions["sob"].registry
    old = db.session.scalar(select(FormResponse).where(FormResponse.status == "submitted"))
    old_version = old.form_version.version
    form = old.form_version.form
    forms.create_form(
        db.session,
        registry,
        key=form.key,
        title={"sv": "Ny"},
        questions=old.form_version.definition["questions"],
        scale_id=old.form_version.scale_id,
    )
    db.session.commit()
    db.session.refresh(old)
    assert old.form_version.version == old_version
    assert form.latest.version == old_version + 1


def test_recompute_scores_again(app, demo_data, runner):
    rows = db.session.scalars(select(Result)).all()
    for row in rows:
        row.value = -1
    db.session.commit()
    result = runner.invoke(args=["recompute"])
    assert result.exit_code == 0 and "recomputed" in result.output
    assert -1 not in db.session.scalars(select(Result.value)).all()


def test_plotly_is_served_from_the_package(client):
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert b"plotly.js" in response.data[:200]
    response.close()


def test_plotly_csp_markers():
    """The ids our chart page pre-places must be the ones the shipped plotly.js checks, or it
    would inject inline styles that the CSP refuses (a plotly upgrade must fail here first)."""
    from importlib.resources import files

    from sob_core.web.results import PLOTLY_MAPLIBRE_STYLE_ID

    source = (files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    assert f'getElementById("{PLOTLY_MAPLIBRE_STYLE_ID}")' in source
    assert '"plotly.js-style-"+e' in source and ".no-inline-styles" in source
    assert source.count('createElement("style")') == 2


def test_scale_without_texts_cannot_be_given_to_citizens(app):
    scale = app.extensions["sob"].registry.scales["core-om"]
    with pytest.raises(forms.ScaleTextsMissing):
        forms.scale_questions(db.session, app.extensions["sob"].registry, scale)


def test_text_pack_import(app, runner, tmp_path):
    scale = app.extensions["sob"].registry.scales["isi"]
    pack = {
        "format": "sob-scale-texts/1",
        "scale": "isi",
        "languages": {
            "sv": {
                "items": {item.id: f"Fråga {item.id}" for item in scale.items},
                "options": {
                    item.id: [f"Alt {i}" for i in range(len(item.scores))] for item in scale.items
                },
            }
        },
    }
    wrong = dict(pack, languages={"sv": {**pack["languages"]["sv"], "items": {"1": "x"}}})
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps(wrong))
    result = runner.invoke(args=["scales", "import-texts", str(bad_file)])
    assert result.exit_code == 2 and "has 1 items; isi has 7" in result.output
    assert runner.invoke(args=["scales", "list"]).output.count("texts not installed") >= 1
    good = tmp_path / "isi.json"
    good.write_text(json.dumps(pack))
    result = runner.invoke(args=["scales", "import-texts", str(good)])
    assert result.exit_code == 0, result.output
    questions = forms.scale_questions(db.session, app.extensions["sob"].registry, scale)
    assert questions[0]["label"]["sv"] == "Fråga 1"
    assert questions[0]["config"]["options"][0]["label"]["sv"] == "Alt 0"


def test_a_closed_assignment_cannot_be_answered(client, login):
    login("citizen", JOHN)
    assignment = _open_assignment(JOHN, "sleep-diary")
    assignment.status = "closed"  # its enrollment ended
    db.session.commit()
    assert client.get(f"/citizen/forms/{assignment.id}").status_code == 404


def test_staff_offer_and_send_only_their_units_own_forms_and_shared_ones(client, login):
    first, second = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()[:2]
    other = db.session.scalar(select(Form).where(Form.key == "audit"))
    own = db.session.scalar(select(Form).where(Form.key == "talk-about"))
    other.care_unit_id, own.care_unit_id = second, first
    db.session.commit()
    login("staff", TOMMY, unit_id=first)
    enrollment = _enrollment(JOHN)
    page = client.get(f"/staff/patients/{enrollment.id}").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(\d+)"', page))
    assert str(own.id) in offered  # the unit's own form
    phq = db.session.scalar(select(Form.id).where(Form.key == "phq-9"))
    assert str(phq) in offered  # a shared form
    assert str(other.id) not in offered  # another unit's own form
    before = db.session.scalar(select(func.count(FormAssignment.id)))
    refused = client.post(
        f"/staff/patients/{enrollment.id}/assign",
        data={"csrf_token": csrf_from(page), "form_id": str(other.id)},
    )
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count(FormAssignment.id))) == before
