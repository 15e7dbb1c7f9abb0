"""Own results of forms (issue 11 item 4): validation, the formula evaluator, scoring, storing and
showing them with their bands to staff and to the citizen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.forms import own_results
from sob_core.forms.definitions import FormDefinitionError, validate_definition
from sob_core.forms.own_results import OwnResultError, parse_formula
from sob_core.models import Citizen, Enrollment, Form, Result, Staff
from sob_core.plugins import current_host
from sob_core.results import compute_results, pipeline
from sob_core.types import FormInfo, QuestionSpec

JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"

CHOICE = {
    "options": [
        {"value": "0", "label": {"sv": "Aldrig"}},
        {"value": "1", "label": {"sv": "Ibland"}},
        {"value": "3", "label": {"sv": "Ofta"}},
    ]
}
QUESTIONS = [
    {"key": "in_bed", "type": "duration", "label": {"sv": "Tid i sängen"}},
    {"key": "asleep", "type": "duration", "label": {"sv": "Sovtid"}},
    {"key": "bed", "type": "time", "label": {"sv": "Lade mig"}},
    {"key": "mood", "type": "scale", "label": {"sv": "Humör"}, "config": {"min": 0, "max": 10}},
    {"key": "worry", "type": "single_choice", "label": {"sv": "Oro"}, "config": CHOICE},
    {"key": "note", "type": "short_text", "label": {"sv": "Anteckning"}, "required": False},
    {
        "key": "extra",
        "type": "number",
        "label": {"sv": "Extra"},
        "required": False,
        "show_if": {"question": "mood", "min": 5},
    },
]
BANDS = [
    {
        "slug": "low",
        "label": {"sv": "Låg", "en": "Low"},
        "lower": None,
        "upper": 85,
        "colour": "amber",
        "citizen_text": {"sv": "Du sov oroligt."},
        "staff_text": {"sv": "Överväg sömnrestriktion."},
    },
    {
        "slug": "good",
        "label": {"sv": "Bra", "en": "Good"},
        "lower": 85,
        "upper": None,
        "colour": "green",
        "citizen_text": {"sv": "Du sov bra."},
        "staff_text": {"sv": "Ingen åtgärd."},
    },
]
EFFICIENCY = {
    "key": "efficiency",
    "label": {"sv": "Sömneffektivitet", "en": "Sleep efficiency"},
    "citizen_visible": True,
    "explanation": {"sv": "Andelen av tiden i sängen som du sov."},
    "method": "formula",
    "formula": "asleep / in_bed * 100",
    "decimals": 0,
    "bands": BANDS,
}


def _registry():
    return current_host().registry


def _specs(questions=QUESTIONS):
    return [QuestionSpec(q["key"], q["type"], q["label"], q.get("config", {})) for q in questions]


def _refused(result, code, field=None):
    with pytest.raises(OwnResultError) as caught:
        own_results.check_result(result, _specs(), _registry())
    assert caught.value.code == code, str(caught.value)
    if field is not None:
        assert caught.value.field == field
    return caught.value


def _kinds():
    return {s.key: own_results.answer_kind(s, _registry()) for s in _specs()}


# --- which answers are numbers -------------------------------------------------------------------


def test_answer_kinds_come_from_the_question_types(app):
    assert _kinds() == {
        "in_bed": "number",
        "asleep": "number",
        "bed": "time",
        "mood": "number",
        "worry": "number",  # single choice whose option values are numbers
        "note": None,
        "extra": "number",
    }
    words = QuestionSpec(
        "w",
        "single_choice",
        {"sv": "x"},
        {
            "options": [
                {"value": "ja", "label": {"sv": "Ja"}},
                {"value": "1", "label": {"sv": "Ett"}},
            ]
        },
    )
    many = QuestionSpec("m", "multiple_choice", {"sv": "x"}, CHOICE)
    assert own_results.answer_kind(words, _registry()) is None
    assert own_results.answer_kind(many, _registry()) is None
    several = QuestionSpec("n", "number", {"sv": "x"}, {"repeats": True})
    assert own_results.answer_kind(several, _registry()) is None  # several numbers are not one
    assert own_results.answer_kind(QuestionSpec("n", "number", {"sv": "x"}, {}), _registry()) == (
        "number"
    )


# --- validation: each refusal --------------------------------------------------------------------


def _sum(**changes):
    return {
        "key": "total",
        "label": {"sv": "Summa"},
        "method": "sum",
        "questions": ["mood", "worry"],
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"key": "Total Score"}, "result_key", "key"),
        ({"label": {"en": "Total"}}, "result_label", "label"),
        ({"explanation": "text"}, "result_text", "explanation"),
        ({"method": "median"}, "result_method", "method"),
        ({"questions": []}, "result_no_questions", "questions"),
        ({"questions": ["mood", "nope"]}, "result_question_unknown", "questions"),
        ({"questions": ["mood", "mood"]}, "result_question_twice", "questions"),
        ({"questions": ["mood", "note"]}, "result_question_not_numeric", "questions"),
        ({"questions": ["mood", "bed"]}, "result_question_not_numeric", "questions"),
        ({"decimals": 7}, "result_decimals", "decimals"),
        ({"decimals": 1.5}, "result_decimals", "decimals"),
        ({"citizen_visible": "yes"}, "result_visible", "citizen_visible"),
        ({"bands": "low"}, "bands_not_a_list", "bands"),
        ({"bands": [dict(BANDS[0], slug="Low Distress"), BANDS[1]]}, "band_slug", "bands.0.slug"),
        ({"bands": [BANDS[0], dict(BANDS[1], slug="low")]}, "band_slug_twice", "bands.1.slug"),
        ({"bands": [dict(BANDS[0], label={"en": "Low"}), BANDS[1]]}, "band_label", "bands.0.label"),
        ({"bands": [dict(BANDS[0], upper="85"), BANDS[1]]}, "band_bound", "bands.0.upper"),
        ({"bands": [dict(BANDS[0], lower=90), BANDS[1]]}, "band_empty", "bands.0.upper"),
        ({"bands": [BANDS[0], dict(BANDS[1], lower=None)]}, "band_open_below", "bands.1.lower"),
        ({"bands": [dict(BANDS[0], upper=None), BANDS[1]]}, "band_open_above", "bands.0.upper"),
        ({"bands": [BANDS[0], dict(BANDS[1], lower=86)]}, "band_gap", "bands.1.lower"),  # a gap
        ({"bands": [BANDS[0], dict(BANDS[1], lower=80)]}, "band_gap", "bands.1.lower"),  # overlap
        ({"bands": [BANDS[1], BANDS[0]]}, "band_open_above", "bands.0.upper"),  # not sorted
        ({"bands": [dict(BANDS[0], colour="#ffff00"), BANDS[1]]}, "band_colour", "bands.0.colour"),
        ({"bands": [dict(BANDS[0], colour="rosa"), BANDS[1]]}, "band_colour", "bands.0.colour"),
        ({"bands": [dict(BANDS[0], staff_text=3), BANDS[1]]}, "band_text", "bands.0.staff_text"),
    ],
)
def test_each_refusal_names_the_problem_and_its_field(app, changes, code, field):
    _refused(_sum(**changes), code, field)


def test_a_good_result_passes_and_validate_definition_uses_the_same_checks(app):
    own_results.check_result(_sum(bands=BANDS), _specs(), _registry())
    definition = {"questions": QUESTIONS, "results": [EFFICIENCY, _sum()]}
    validate_definition(definition, _registry())
    broken = {"questions": QUESTIONS, "results": [dict(EFFICIENCY, formula="asleep ** 2")]}
    with pytest.raises(FormDefinitionError, match=r"powers \(\*\*\)") as caught:
        validate_definition(broken, _registry())
    assert isinstance(caught.value.__cause__, OwnResultError)
    twice = {"questions": QUESTIONS, "results": [_sum(), _sum()]}
    with pytest.raises(FormDefinitionError, match="used twice"):
        validate_definition(twice, _registry())
    scale = {"questions": QUESTIONS, "results": [_sum()]}
    with pytest.raises(FormDefinitionError, match="scored by the scale"):
        validate_definition(scale, _registry(), scale_form=True)
    # a scale form's and a plugin's result descriptions keep their old shape
    validate_definition(
        {"questions": QUESTIONS, "results": [{"key": "sleep-efficiency.efficiency"}]}, _registry()
    )


# --- the formula evaluator -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("__import__('os')", "formula_not_allowed"),
        ("__import__('os').system('true')", "formula_not_allowed"),
        ("asleep.__class__", "formula_not_allowed"),
        ("asleep.real", "formula_not_allowed"),
        ("in_bed ** 2", "formula_power"),
        ("9 ** 9 ** 9 ** 9", "formula_power"),
        ("pow(asleep, 99999)", "formula_not_allowed"),
        ("abs(asleep)", "formula_not_allowed"),
        ("min(asleep)", "formula_function_args"),
        ("round(asleep, in_bed)", "formula_function_args"),
        ("round(asleep, key=1)", "formula_not_allowed"),
        ("asleep if in_bed else 0", "formula_not_allowed"),
        ("asleep > in_bed", "formula_not_allowed"),
        ("asleep % 7", "formula_not_allowed"),
        ("asleep // 7", "formula_not_allowed"),
        ("[asleep][0]", "formula_not_allowed"),
        ("'a' + asleep", "formula_not_allowed"),
        ("True + asleep", "formula_not_allowed"),
        ("+asleep", "formula_not_allowed"),
        ("(lambda: 1)()", "formula_not_allowed"),
        ("sleep / in_bed", "formula_unknown_name"),
        ("{nope} + 1", "formula_unknown_name"),
        ("__sob_q0 + asleep", "formula_unknown_name"),
        ("note + 1", "formula_not_numeric"),
        ("1 + 2", "formula_no_question"),
        ("asleep +", "formula_syntax"),
        ("", "formula_missing"),
        ("asleep + " * 80 + "1", "formula_too_long"),
        ("-" * 120 + "asleep", "formula_too_big"),
        ("min(asleep, " * 34 + "1" + ")" * 34, "formula_too_big"),
        ("asleep * 1" + "0" * 400, "formula_number"),
    ],
)
def test_the_evaluator_refuses_everything_off_the_whitelist(app, text, code):
    with pytest.raises(OwnResultError) as caught:
        parse_formula(text, _kinds(), "efficiency")
    assert caught.value.code == code, str(caught.value)
    assert caught.value.field == "formula"
    assert "'efficiency'" in str(caught.value)


def test_the_evaluator_computes_what_is_allowed(app):
    kinds = _kinds()
    assert parse_formula("asleep / in_bed * 100", kinds).evaluate(
        {"asleep": 420, "in_bed": 480}
    ) == pytest.approx(87.5)
    assert (
        parse_formula("-(asleep - in_bed) + min(1, 2, mood) - max(mood, 3)", kinds).evaluate(
            {"asleep": 1, "in_bed": 5, "mood": 0}
        )
        == 4 + 0 - 3
    )
    assert parse_formula("round({in_bed} / 7, 1)", kinds).evaluate({"in_bed": 10}) == 1.4
    assert parse_formula("(" * 120 + "asleep" + ")" * 120, kinds).evaluate({"asleep": 2}) == 2
    assert parse_formula("round(bed / 60)", kinds).evaluate({"bed": 1410}) == 24
    # division by zero, a missing answer, an overflow: no value, never a crash
    assert parse_formula("asleep / in_bed", kinds).evaluate({"asleep": 1, "in_bed": 0}) is None
    assert parse_formula("asleep / in_bed", kinds).evaluate({"asleep": 1}) is None
    huge = parse_formula("asleep * 1e300 * 1e300", kinds)
    assert huge.evaluate({"asleep": 1}) is None


# --- scoring -------------------------------------------------------------------------------------


def _info(results):
    return FormInfo("sleep-own", 1, None, tuple(_specs()), tuple(results))


def _compute(results, answers):
    return {r.key: r for r in compute_results(current_host(), _info(results), answers, {})}


def test_sum_mean_and_formula_with_bands_at_their_edges(app):
    mean = _sum(key="mean", method="mean", decimals=1)
    answers = {"in_bed": 480, "asleep": 408, "mood": 4, "worry": "3", "bed": "23:30"}
    found = _compute([EFFICIENCY, _sum(), mean], answers)
    assert found["sleep-own.efficiency"].value == 85  # 408 / 480 = 85 %: the edge is in "good"
    assert found["sleep-own.efficiency"].band == "good"
    assert found["sleep-own.efficiency"].label["sv"] == "Sömneffektivitet"
    assert found["sleep-own.total"].value == 7 and found["sleep-own.total"].band is None
    assert found["sleep-own.mean"].value == 3.5
    below = _compute([EFFICIENCY], {**answers, "asleep": 407})["sleep-own.efficiency"]
    assert below.value == 85 and below.band == "good"  # 84.79 rounds to 85 before banding
    low = _compute([EFFICIENCY], {**answers, "asleep": 400})["sleep-own.efficiency"]
    assert low.value == 83 and low.band == "low"


def test_a_missing_or_hidden_answer_gives_no_value(app):
    answers = {"in_bed": 480, "mood": 4, "worry": "1"}  # asleep missing
    found = _compute([EFFICIENCY, _sum(questions=["mood", "extra"])], answers)
    assert found["sleep-own.efficiency"].value is None
    assert found["sleep-own.efficiency"].band is None
    # "extra" is shown only when mood >= 5, so it is not stored: the sum has no value
    assert found["sleep-own.total"].value is None
    assert _compute([EFFICIENCY], {"in_bed": 0, "asleep": 0})["sleep-own.efficiency"].value is None


# --- storing and showing -------------------------------------------------------------------------


@pytest.fixture
def own_form(app, demo_data):
    registry = _registry()
    version = forms.create_form(
        db.session,
        registry,
        key="sleep-own",
        title={"sv": "Egen sömndagbok", "en": "Own sleep diary"},
        questions=QUESTIONS,
        results=[EFFICIENCY, dict(_sum(), citizen_visible=False, label={"sv": "Oropoäng"})],
    )
    db.session.commit()
    return version


def _submit(version, answers):
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.citizen_id == citizen.id).order_by(Enrollment.id)
    )
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.flush()
    response = forms.open_response(db.session, assignment)
    forms.submit(db.session, current_host(), response, answers)
    db.session.commit()
    return enrollment, response


ANSWERS = {"in_bed": 480, "asleep": 420, "bed": "23:00", "mood": 6, "worry": "1", "extra": 2}


def test_pipeline_stores_values_and_bands_with_citizen_visibility(own_form):
    _enrollment, response = _submit(own_form, ANSWERS)
    rows = {r.key: r for r in response.results}
    assert rows["sleep-own.efficiency"].value == 88
    assert rows["sleep-own.efficiency"].band == "good"
    assert rows["sleep-own.efficiency"].citizen_visible is True
    assert rows["sleep-own.total"].value == 7 and rows["sleep-own.total"].citizen_visible is False
    again = pipeline.score(db.session, current_host(), response)
    assert sorted(r.key for r in again) == ["sleep-own.efficiency", "sleep-own.total"]


def test_staff_see_the_band_label_swatch_and_staff_text(client, login, own_form):
    enrollment, _response = _submit(own_form, ANSWERS)
    login("staff", TOMMY, unit_id=enrollment.care_unit_id)
    listing = client.get(f"/staff/patients/{enrollment.id}/results").get_data(as_text=True)
    assert "Sömneffektivitet" in listing and "Oropoäng" in listing
    page = client.get(f"/staff/patients/{enrollment.id}/results/sleep-own.efficiency").get_data(
        as_text=True
    )
    assert "Andelen av tiden i sängen som du sov." in page
    assert 'data-colour="#2e7d32"></span>Bra' in page  # swatch and the written label
    assert "85 eller mer" in page  # the band's range, whole numbers (no decimals)
    assert "Ingen åtgärd." in page and "Du sov bra." in page  # staff text, and what she reads
    assert '"fillcolor": "#8d6e00"' in page.replace("&#34;", '"')  # the chart's bands


def test_the_citizen_sees_a_visible_result_with_her_text_only(client, login, own_form):
    _submit(own_form, ANSWERS)
    login("citizen", JOHN)
    listing = client.get("/citizen/results").get_data(as_text=True)
    assert "Sömneffektivitet" in listing and "Oropoäng" not in listing
    page = client.get("/citizen/results/sleep-own.efficiency").get_data(as_text=True)
    assert "Bra" in page and "Du sov bra." in page
    assert "Ingen åtgärd." not in page and "Överväg" not in page
    assert client.get("/citizen/results/sleep-own.total").status_code == 404


def test_a_stored_value_keeps_its_band_label_when_the_form_changes(client, login, own_form):
    enrollment, _response = _submit(own_form, ANSWERS)
    renamed = [
        dict(BANDS[0], upper=90),
        dict(BANDS[1], slug="fine", lower=90, label={"sv": "Fint"}),
    ]
    forms.create_form(
        db.session,
        _registry(),
        key="sleep-own",
        title={"sv": "Egen sömndagbok"},
        questions=QUESTIONS,
        results=[dict(EFFICIENCY, bands=renamed)],
    )
    db.session.commit()
    login("staff", TOMMY, unit_id=enrollment.care_unit_id)
    page = client.get(f"/staff/patients/{enrollment.id}/results/sleep-own.efficiency").get_data(
        as_text=True
    )
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Bra" in table and "85 eller mer" in table  # the version answered, not the new one
    assert "Fint" in page  # the legend shows today's bands


def test_create_form_refuses_an_own_result_on_a_scale_form(app, demo_data):
    with pytest.raises(FormDefinitionError, match="scored by the scale"):
        forms.create_form(
            db.session,
            _registry(),
            key="phq-own",
            title={"sv": "x"},
            questions=QUESTIONS,
            results=[_sum()],
            scale_id="phq-9",
        )
    assert db.session.scalar(select(Form).where(Form.key == "phq-own")) is None
    assert db.session.scalar(select(Result).where(Result.key == "phq-own.total")) is None
