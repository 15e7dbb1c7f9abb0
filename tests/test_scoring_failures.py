"""Nothing is lost behind "Tack!": an impossible sleep diary is refused with a clear message while
the citizen keeps her answers, and a scoring failure (a plugin's bug) keeps the response, is
recorded and shown to staff, and is filled in by a later recompute."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from sob_core import PluginContractError, Scale, ScaleItem, ScaleScore, Subscale, forms, hookimpl
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.models import (
    Citizen,
    Enrollment,
    Form,
    FormAssignment,
    FormResponse,
    FormVersion,
    Result,
    Staff,
)
from sob_core.plugins import current_host
from sob_core.results import pipeline
from sob_core.testing import csrf_from

JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"


def _citizen() -> Citizen:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))


def _enrollment() -> Enrollment:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.citizen_id == _citizen().id).order_by(Enrollment.id)
    )


def _diary() -> FormAssignment:
    return db.session.scalar(
        select(FormAssignment)
        .join(FormAssignment.form_version)
        .join(Form)
        .where(
            FormAssignment.citizen_id == _citizen().id,
            Form.key == "sleep-diary",
            FormAssignment.status == "open",
        )
    )


def _post(client, assignment_id: int, data: dict, action: str = "submit"):
    page = client.get(f"/citizen/forms/{assignment_id}").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    payload = {"csrf_token": csrf_from(page), "submission_key": key, "action": action, **data}
    return client.post(f"/citizen/forms/{assignment_id}", data=payload)


def _night(bed: str, rise: str, in_bed: tuple[int, int], asleep: tuple[int, int]) -> dict:
    return {
        "bedtime": bed,
        "rise_time": rise,
        "time_in_bed_min:hours": str(in_bed[0]),
        "time_in_bed_min:minutes": str(in_bed[1]),
        "total_sleep_min:hours": str(asleep[0]),
        "total_sleep_min:minutes": str(asleep[1]),
    }


def _results() -> int:
    return db.session.scalar(
        select(func.count(Result.id)).where(Result.key == "sleep-efficiency.efficiency")
    )


# --- (a) cross-field checks are validation -------------------------------------------------------


def test_an_impossible_sleep_diary_is_refused_and_her_answers_kept(client, login):
    login("citizen", JOHN)
    diary = _diary()
    before = _results()
    refused = _post(client, diary.id, _night("23:00", "07:00", (7, 0), (9, 0)))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Du kan inte ha sovit längre än du låg i sängen" in html
    assert "9 h sömn men 7 h i sängen" in html
    assert 'role="alert"' in html
    # The message sits in the field it is about, and every value she wrote is still there.
    sleep_field = html.split('id="question-total_sleep_min"')[1].split('id="question-notes"')[0]
    assert "Du kan inte ha sovit" in sleep_field and 'aria-invalid="true"' in sleep_field
    assert 'value="23:00"' in html and 'value="07:00"' in html
    assert re.search(r'name="time_in_bed_min:hours"\s+value="7"', html)
    assert re.search(r'name="total_sleep_min:hours"\s+value="9"', html)
    db.session.expire_all()
    response = db.session.scalar(select(FormResponse).where(FormResponse.assignment_id == diary.id))
    assert response.status == "draft" and response.answers["total_sleep_min"]["value"] == 540
    assert db.session.get(FormAssignment, diary.id).status == "open"
    assert _results() == before  # nothing scored, nothing submitted


def test_more_time_in_bed_than_between_bedtime_and_rising_is_refused(client, login):
    login("citizen", JOHN)
    client.get("/lang/en")
    refused = _post(client, _diary().id, _night("23:00", "06:00", (9, 0), (6, 0)))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "You gave 9 h in bed, but from 23:00 to 06:00 is 7 h." in html
    same = _post(client, _diary().id, _night("23:00", "23:00", (7, 0), (6, 0)))
    assert "The time you got up cannot be the same as the time you went to bed." in same.get_data(
        as_text=True
    )


def test_a_possible_night_past_midnight_is_accepted(client, login):
    login("citizen", JOHN)
    diary = _diary()
    before = _results()
    accepted = _post(client, diary.id, _night("23:30", "07:00", (7, 30), (6, 0)))
    assert accepted.status_code == 302
    assert _results() == before + 1


def test_the_check_is_part_of_the_contract_and_the_domain(app):
    host = current_host()
    scale = host.registry.scales["sleep-efficiency"]
    assert scale.check_answers is not None
    problems = scale.check_answers({"time_in_bed_min": 0, "total_sleep_min": 0})
    assert [p.items for p in problems] == [("time_in_bed_min",)]
    assert problems[0].message["sv"] and problems[0].message["en"]
    assert scale.check_answers({"time_in_bed_min": 480, "total_sleep_min": 420}) == []


def test_check_response_maps_problems_to_fields(app, demo_data):
    version = db.session.scalar(
        select(FormVersion).join(Form).where(Form.key == "sleep-diary").order_by(FormVersion.id)
    )
    registry = current_host().registry
    errors = forms.check_response(
        version, registry, {"time_in_bed_min": 420, "total_sleep_min": 540}, "en"
    )
    assert (
        list(errors) == ["total_sleep_min"]
        and "cannot have slept longer" in errors["total_sleep_min"]
    )


# --- (b) a scoring failure is kept, recorded, shown and filled in later ----------------------------


class Flaky:
    """A scale plugin with a bug that a later release fixes."""

    broken = True

    @staticmethod
    def score(answers, context=None) -> ScaleScore:
        if Flaky.broken:
            raise ZeroDivisionError("division by zero in the flaky scale")
        return ScaleScore(scores={"total": answers.get("q1", 0) * 2})

    @hookimpl
    def sob_scales(self):
        return [
            Scale(
                id="flaky",
                name={"sv": "Ostadig skala", "en": "Flaky scale"},
                version="1.0",
                citation="A test scale.",
                licence="Test.",
                items=(ScaleItem(id="q1", kind="number", text={"sv": "Hur många?"}),),
                subscales=(Subscale(id="total", label={"sv": "Summa", "en": "Total"}),),
                score=Flaky.score,
            )
        ]


@pytest.fixture
def flaky(register_plugin, demo_data):
    Flaky.broken = True
    register_plugin(Flaky(), "flaky-test")
    form = Form(key="flaky-form")
    db.session.add(form)
    db.session.flush()
    db.session.add(
        FormVersion(
            form=form,
            version=1,
            title={"sv": "Ostadigt formulär", "en": "Flaky form"},
            intro={},
            scale_id="flaky",
            definition={
                "questions": [
                    {"key": "q1", "type": "number", "required": True, "label": {"sv": "Antal"}}
                ],
                "results": [{"key": "flaky.total", "citizen_visible": True}],
            },
        )
    )
    db.session.flush()
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, _enrollment(), form, tommy.id)
    db.session.commit()
    yield assignment
    Flaky.broken = True


def test_a_failing_scale_keeps_the_response_records_and_shows_the_failure(
    client, login, runner, flaky, caplog
):
    login("citizen", JOHN)
    with caplog.at_level(logging.ERROR, logger="sob_core.results.pipeline"):
        sent = _post(client, flaky.id, {"q1": "4"})
    assert sent.status_code == 302  # "Tack!" is true: the answers are saved
    assert any("scoring response" in r.getMessage() and r.exc_info for r in caplog.records)
    db.session.expire_all()
    response = db.session.scalar(select(FormResponse).where(FormResponse.assignment_id == flaky.id))
    assert response.status == "submitted" and response.answers["q1"]["value"] == 4
    assert response.scoring_failed_at is not None
    assert "ZeroDivisionError: division by zero in the flaky scale" in response.scoring_error
    assert response.results == []
    assert [r.id for r in pipeline.failed_responses(db.session, _citizen().id)] == [response.id]

    enrollment = _enrollment()
    login("staff", TOMMY, unit_id=enrollment.care_unit_id)
    base = f"/staff/patients/{enrollment.id}"
    shown = client.get(f"{base}/responses/{response.id}").get_data(as_text=True)
    assert "Poängberäkningen misslyckades" in shown and "ZeroDivisionError" in shown
    tab = client.get(f"{base}/results").get_data(as_text=True)
    assert "Poängberäkningen misslyckades för 1 inskickat formulär" in tab
    assert f'href="{base}/responses/{response.id}"' in tab

    # Still broken: recompute says so and keeps the failure.
    again = runner.invoke(args=["recompute", "--form", "flaky-form"])
    assert again.exit_code == 1 and f"response {response.id}" in again.output
    # Fixed: recompute fills the result in and clears the failure.
    Flaky.broken = False
    fixed = runner.invoke(args=["recompute", "--form", "flaky-form"])
    assert fixed.exit_code == 0, fixed.output
    db.session.expire_all()
    response = db.session.get(FormResponse, response.id)
    assert response.scoring_failed_at is None and response.scoring_error is None
    assert [(r.key, r.value) for r in response.results] == [("flaky.total", 8.0)]
    tab = client.get(f"{base}/results").get_data(as_text=True)
    assert "Poängberäkningen misslyckades" not in tab
    shown = client.get(f"{base}/responses/{response.id}").get_data(as_text=True)
    assert "Poängberäkningen misslyckades" not in shown


def test_another_units_failures_are_not_counted(app, flaky):
    db.session.add(
        FormResponse(
            form_version_id=flaky.form_version_id,
            citizen_id=flaky.citizen_id,
            assignment_id=flaky.id,
            submission_key="flaky-other-unit",
            status="submitted",
            answers={},
            submitted_at=_enrollment().started_at,
            scoring_error="RuntimeError: boom",
            scoring_failed_at=_enrollment().started_at,
        )
    )
    db.session.commit()
    here = _enrollment().care_unit_id
    assert len(pipeline.failed_responses(db.session, flaky.citizen_id, care_unit_id=here)) == 1
    assert pipeline.failed_responses(db.session, flaky.citizen_id, care_unit_id=here + 999) == []


def test_a_check_that_is_not_callable_breaks_the_contract():
    scale = Flaky().sob_scales()[0]
    bad = Scale(**{**scale.__dict__, "check_answers": "not a function"})
    with pytest.raises(PluginContractError, match="check_answers must be callable"):
        bad.validate()
    scale.validate()  # without a check, the scale is fine
