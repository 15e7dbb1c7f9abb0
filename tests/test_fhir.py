"""FHIR R4 export and import: Questionnaire, QuestionnaireResponse, round trips, errors, HTTP, CLI."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from sob_core import forms
from sob_core.cli.fhir import forms_group
from sob_core.extensions import db
from sob_core.i18n import cli_language, translate_error
from sob_core.interchange import fhir
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Citizen,
    Enrollment,
    Form,
    FormResponse,
    FormVersion,
    MediaFile,
)

JOHN = "198503142393"
ELIN = "199207012486"
TOMMY = "SE2321000131-P000000000011"  # therapist at the first unit
SARA = "SE2321000131-P000000000015"  # designer and publisher at the first unit
DEMO_FORMS = ("audit", "dudit", "phq-9", "gad-7", "sleep-diary", "talk-about")

#: the answer[x] each Questionnaire item type may carry
ANSWER_KEYS = {
    "choice": {"valueCoding", "valueInteger", "valueString"},
    "integer": {"valueInteger"},
    "decimal": {"valueDecimal"},
    "string": {"valueString"},
    "text": {"valueString"},
    "date": {"valueDate"},
    "time": {"valueTime"},
    "quantity": {"valueQuantity"},
}


@pytest.fixture(autouse=True)
def fhir_routes(app):
    """Mount the blueprint when the app does not (yet) register it itself."""
    if "fhir" not in app.blueprints:
        from sob_core.web.fhir import bp

        app.register_blueprint(bp)


def _form(key: str) -> Form:
    return db.session.scalar(select(Form).where(Form.key == key))


def _unit(index: int) -> CareUnit:
    return db.session.scalars(select(CareUnit).order_by(CareUnit.id)).all()[index]


def _citizen(number: str) -> Citizen:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == number))


def _enrollment(number: str) -> Enrollment:
    return db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == _citizen(number).id))


def _submitted(number: str) -> list[FormResponse]:
    return db.session.scalars(
        select(FormResponse)
        .where(FormResponse.citizen_id == _citizen(number).id)
        .where(FormResponse.status == "submitted")
        .order_by(FormResponse.id)
    ).all()


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Form)),
        db.session.scalar(select(func.count()).select_from(FormVersion)),
    )


def _valid_questionnaire(resource: dict[str, Any]) -> None:
    json.dumps(resource, allow_nan=False)
    Questionnaire.model_validate(resource)


# --- comparing definitions -----------------------------------------------------------------------


def _without_empty(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_empty(v) for k, v in value.items() if v not in ("", None)}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def _normal(question: Mapping[str, Any], registry) -> dict[str, Any]:
    """A question as it behaves: type defaults filled in, empty texts gone."""
    schema = registry.question_types[question["type"]].config_schema.get("properties", {})
    defaults = {k: p["default"] for k, p in schema.items() if "default" in p}
    return {
        "key": question["key"],
        "type": question["type"],
        "label": _without_empty(question["label"]),
        "config": _without_empty(defaults | dict(question.get("config") or {})),
        "required": question.get("required", True),
        "help": _without_empty(question.get("help") or {}),
        "show_if": question.get("show_if"),
        "media": question.get("media"),
    }


def _assert_equivalent(original: FormVersion, imported: FormVersion, registry) -> None:
    before = [_normal(q, registry) for q in original.definition["questions"]]
    after = [_normal(q, registry) for q in imported.definition["questions"]]
    assert after == before
    assert _without_empty(imported.title) == _without_empty(original.title)
    assert _without_empty(imported.intro or {}) == _without_empty(original.intro or {})
    assert imported.scale_id == original.scale_id
    results = [
        {"citizen_visible": False} | _without_empty(r) for r in original.definition["results"]
    ]
    assert imported.definition["results"] == results


def _comparable(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in ("id", "url", "name", "date")}


# --- export --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_demo_form_exports_a_valid_questionnaire(app, demo_data, lang):
    registry = app.extensions["sob"].registry
    keys = db.session.scalars(select(Form.key)).all()
    assert set(DEMO_FORMS) <= set(keys)
    for key in keys:
        version = _form(key).latest
        resource = fhir.export_questionnaire(version, registry, lang)
        _valid_questionnaire(resource)
        assert resource["resourceType"] == "Questionnaire"
        assert resource["status"] == "active"
        assert resource["language"] == lang
        assert resource["version"] == str(version.version)
        assert resource["url"] == f"http://localhost/fhir/Questionnaire/{key}"
        questions = version.definition["questions"]
        assert [item["linkId"] for item in resource["item"]] == [q["key"] for q in questions]
        for item, question in zip(resource["item"], questions, strict=True):
            qtype = registry.question_types[question["type"]]
            assert item["required"] is question.get("required", True)
            assert item["type"] in (qtype.fhir_type, "decimal")
            assert item["text"] == (question["label"].get(lang) or question["label"]["sv"])
        if version.scale_id:
            assert resource["code"] == [
                {
                    "system": fhir.SCALE_SYSTEM,
                    "code": version.scale_id,
                    "display": registry.scales[version.scale_id].name.get(lang)
                    or registry.scales[version.scale_id].name["sv"],
                }
            ]


def test_texts_are_swedish_with_english_translations(app, demo_data):
    registry = app.extensions["sob"].registry
    resource = fhir.export_questionnaire(_form("talk-about").latest, registry)
    assert resource["title"] == "Jag vill prata om"
    assert resource["_title"] == {
        "extension": [
            {
                "url": fhir.TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": "en"},
                    {"url": "content", "valueString": "I want to talk about"},
                ],
            }
        ]
    }
    topics, nights = resource["item"]
    assert topics["text"] == "Jag vill prata om:"
    assert topics["repeats"] is True
    assert nights["enableWhen"] == [
        {
            "question": "topics",
            "operator": "=",
            "answerCoding": {"code": "sleep", "display": "Sömn"},
        }
    ]
    english = fhir.export_questionnaire(_form("talk-about").latest, registry, "en")
    assert english["item"][1]["text"] == "How many nights a week do you sleep badly?"
    assert english["item"][1]["_text"]["extension"][0]["extension"][0] == {
        "url": "lang",
        "valueCode": "sv",
    }


def test_show_if_in_and_min_and_help_are_exported(app):
    registry = app.extensions["sob"].registry
    version = forms.create_form(
        db.session,
        registry,
        key="conditions",
        title={"sv": "Villkor"},
        questions=[
            {
                "key": "mood",
                "type": "scale",
                "label": {"sv": "Humör"},
                "config": {"min": 0, "max": 10},
                "help": {"sv": "0 är sämst", "en": "0 is worst"},
            },
            {
                "key": "low",
                "type": "short_text",
                "label": {"sv": "Varför?"},
                "show_if": {"question": "mood", "in": [0, 1, 2]},
            },
            {
                "key": "high",
                "type": "short_text",
                "label": {"sv": "Vad hjälper?"},
                "show_if": {"question": "mood", "min": 7},
            },
        ],
    )
    resource = fhir.export_questionnaire(version, registry)
    _valid_questionnaire(resource)
    mood, low, high = resource["item"]
    help_item = mood["item"][-1]
    assert help_item["linkId"] == "mood.help"
    assert help_item["type"] == "display"
    assert help_item["text"] == "0 är sämst"
    assert help_item["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "help"
    assert low["enableBehavior"] == "any"
    assert low["enableWhen"] == [
        {"question": "mood", "operator": "=", "answerInteger": value} for value in (0, 1, 2)
    ]
    assert high["enableWhen"] == [{"question": "mood", "operator": ">=", "answerInteger": 7}]
    assert "enableBehavior" not in high


def test_every_submitted_demo_response_exports_a_valid_questionnaire_response(app, demo_data):
    registry = app.extensions["sob"].registry
    responses = db.session.scalars(
        select(FormResponse).where(FormResponse.status == "submitted")
    ).all()
    assert len(responses) >= 6
    for response in responses:
        resource = fhir.export_response(response, registry)
        json.dumps(resource, allow_nan=False)
        QuestionnaireResponse.model_validate(resource)
        questionnaire = fhir.export_questionnaire(response.form_version, registry)
        assert resource["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
        assert resource["status"] == "completed"
        assert resource["authored"] == response.submitted_at.isoformat(timespec="seconds")
        citizen = db.session.get(Citizen, response.citizen_id)
        assert resource["subject"] == {
            "identifier": {"system": fhir.PERSONNUMMER_SYSTEM, "value": citizen.personnummer}
        }
        items = {item["linkId"]: item for item in questionnaire["item"]}
        assert {item["linkId"] for item in resource["item"]} == set(response.answers)
        for item in resource["item"]:
            allowed = ANSWER_KEYS[items[item["linkId"]]["type"]]
            assert all(set(answer) <= allowed for answer in item["answer"]), item


def test_a_sleep_diary_response_maps_each_answer(app, demo_data):
    registry = app.extensions["sob"].registry
    diary = next(r for r in _submitted(JOHN) if r.form_version.form.key == "sleep-diary")
    items = {i["linkId"]: i["answer"] for i in fhir.export_response(diary, registry)["item"]}
    assert items["bedtime"] == [{"valueTime": f"{diary.answers['bedtime']['value']}:00"}]
    minutes = diary.answers["total_sleep_min"]["value"]
    assert items["total_sleep_min"][0]["valueQuantity"]["value"] == minutes
    assert items["total_sleep_min"][0]["valueQuantity"]["code"] == "min"


def test_a_draft_exports_in_progress(app, demo_data):
    registry = app.extensions["sob"].registry
    draft = next(r for r in _submitted(JOHN) if r.form_version.form.key == "phq-9")
    copy = FormResponse(
        form_version_id=draft.form_version_id,
        citizen_id=draft.citizen_id,
        submission_key="draft-key-for-fhir-test",
        answers={"1": draft.answers["1"]},
    )
    db.session.add(copy)
    db.session.flush()
    resource = fhir.export_response(copy, registry)
    QuestionnaireResponse.model_validate(resource)
    assert resource["status"] == "in-progress"
    assert [item["linkId"] for item in resource["item"]] == ["1"]


def test_answers_of_an_uninstalled_question_type_are_an_export_error(app, demo_data):
    registry = app.extensions["sob"].registry
    response = next(r for r in _submitted(JOHN) if r.form_version.form.key == "sleep-diary")
    answers = dict(response.answers)
    answers["notes"] = {"type": "no-such-type", "value": "hej"}
    response.answers = answers
    with pytest.raises(fhir.FhirExportError, match=r"'notes'.*'no-such-type'.*not installed"):
        fhir.export_response(response, registry)


def test_a_question_of_an_uninstalled_type_is_an_export_error(app):
    registry = app.extensions["sob"].registry
    form = Form(key="orphan")
    version = FormVersion(
        form=form,
        version=1,
        title={"sv": "Föräldralös"},
        definition={
            "questions": [{"key": "gone", "type": "no-such-type", "label": {"sv": "Borta"}}],
            "results": [],
        },
    )
    db.session.add_all([form, version])
    db.session.flush()
    with pytest.raises(fhir.FhirExportError, match=r"'gone'.*'no-such-type'"):
        fhir.export_questionnaire(version, registry)


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_demo_form_survives_export_and_import(app, demo_data, lang):
    registry = app.extensions["sob"].registry
    for key in DEMO_FORMS:
        original = _form(key).latest
        exported = fhir.export_questionnaire(original, registry, lang)
        imported = fhir.import_questionnaire(
            db.session, registry, json.dumps(exported), f"{key}-copy"
        )
        assert imported.form.key == f"{key}-copy" and imported.version == 1
        _assert_equivalent(original, imported, registry)
        again = fhir.export_questionnaire(imported, registry, lang)
        assert _comparable(again) == _comparable(exported)


def test_import_without_a_key_takes_it_from_the_url_and_adds_a_version(app, demo_data):
    registry = app.extensions["sob"].registry
    original = _form("talk-about").latest
    exported = fhir.export_questionnaire(original, registry)
    imported = fhir.import_questionnaire(db.session, registry, exported)
    assert imported.form.key == "talk-about"
    assert imported.version == original.version + 1
    _assert_equivalent(original, imported, registry)


OPTIONS = [
    {"value": "a", "label": {"sv": "Alltid", "en": "Always"}},
    {"value": "b", "label": {"sv": "Ibland"}},
    {"value": "c-3", "label": {"sv": "Aldrig", "en": "Never"}},
]
LABELS = {"min_label": {"sv": "Inte alls", "en": "Not at all"}, "max_label": {"sv": "Mycket"}}
#: a few configurations each installed question type accepts
CONFIGS: dict[str, list[dict[str, Any]]] = {
    "single_choice": [{"options": OPTIONS}, {"options": OPTIONS[:2]}],
    "dropdown": [{"options": OPTIONS}],
    "multiple_choice": [
        {"options": OPTIONS, "min_choices": 1, "max_choices": 3},
        {"options": OPTIONS, "min_choices": 2, "max_choices": 2},
    ],
    "number": [
        {},
        {"decimals": 0, "min": 0, "max": 7},
        {"decimals": 2, "min": -1.5, "max": 300, "unit": {"sv": "kilo", "en": "kg"}},
    ],
    "slider": [{}, {"min": 0, "max": 100, "step": 5, **LABELS}],
    "scale": [{}, {"min": 1, "max": 5, **LABELS}],
    "short_text": [{}, {"max_length": 20}],
    "long_text": [{}, {"max_length": 300}],
    "date": [{}, {"min": "2024-01-01", "max": "2024-12-31"}],
    "time": [{}],
    "duration": [{}, {"max_minutes": 600}],
}
WORDS = st.sampled_from(["Hur", "mår", "du", "idag", "sömn", "ångest", "äta", "Öl", "vänner", "?"])
TEXT = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)
LOCAL = st.fixed_dictionaries({"sv": TEXT}, optional={"en": TEXT})


def _conditions(question: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Conditions on an earlier question that its type can express."""
    kind, config = question["type"], question["config"]
    if kind in ("single_choice", "dropdown", "multiple_choice"):
        values = [o["value"] for o in config["options"]]
        return st.sampled_from(values).map(lambda v: {"equals": v}) | st.lists(
            st.sampled_from(values), min_size=1, unique=True
        ).map(lambda v: {"in": v})
    if kind in ("number", "slider", "scale"):
        low = config.get("min", 0)
        whole = st.integers(int(low) + 1, int(low) + 5)
        if kind == "number" and config.get("decimals"):
            return whole.map(lambda v: {"min": v + 0.25}) | whole.map(lambda v: {"equals": v})
        return whole.map(lambda v: {"min": v}) | st.lists(whole, min_size=1, unique=True).map(
            lambda v: {"in": v}
        )
    examples = {
        "short_text": {"equals": "ja"},
        "long_text": {"in": ["ja", "nej"]},
        "date": {"equals": "2024-05-01"},
        "time": {"equals": "07:30"},
        "duration": {"min": 60},
    }
    return st.just(examples[kind])


@st.composite
def definitions(draw, types: list[str], media_id: int | None = None) -> list[dict[str, Any]]:
    keys = draw(
        st.lists(
            st.from_regex(r"[a-z0-9][a-z0-9_-]{0,11}", fullmatch=True),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    questions: list[dict[str, Any]] = []
    for key in keys:
        kind = draw(st.sampled_from(types))
        question: dict[str, Any] = {
            "key": key,
            "type": kind,
            "label": draw(LOCAL),
            "config": draw(st.sampled_from(CONFIGS[kind])),
            "required": draw(st.booleans()),
        }
        if draw(st.booleans()):
            question["help"] = draw(LOCAL)
        if media_id is not None and draw(st.integers(0, 5)) == 0:
            alt = draw(st.sampled_from([{"sv": "En bild"}, {"sv": "En bild", "en": "A picture"}]))
            question["media"] = {"kind": "image", "media_id": media_id, "alt": alt}
        if questions and draw(st.booleans()):
            source = draw(st.sampled_from(questions))
            condition = draw(_conditions(source))
            question["show_if"] = {"question": source["key"], **condition}
        questions.append(question)
    return questions


_NUMBERS = itertools.count()


def _image_id() -> int:
    """An image in the media table (its bytes are not needed to export a form showing it)."""
    found = db.session.scalar(select(MediaFile.id).where(MediaFile.storage_key == "fhir/image"))
    if found is None:
        row = MediaFile(
            sha256="0" * 64,
            filename="bild.png",
            content_type="image/png",
            size=1,
            storage_key="fhir/image",
        )
        db.session.add(row)
        db.session.flush()
        found = row.id
    return found


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_forms_survive_export_and_import(app, data):
    registry = app.extensions["sob"].registry
    types = sorted(set(registry.question_types) & set(CONFIGS))
    assert len(types) >= 5, "the standard question types are installed"
    questions = data.draw(definitions(types, _image_id()))
    lang = data.draw(st.sampled_from(["sv", "en"]))
    number = next(_NUMBERS)
    original = forms.create_form(
        db.session,
        registry,
        key=f"random-{number}",
        title=data.draw(LOCAL),
        intro=data.draw(st.none() | LOCAL),
        questions=questions,
        results=[{"key": "x.total", "citizen_visible": data.draw(st.booleans())}],
    )
    exported = fhir.export_questionnaire(original, registry, lang)
    _valid_questionnaire(exported)
    imported = fhir.import_questionnaire(db.session, registry, exported, f"random-{number}-copy")
    _assert_equivalent(original, imported, registry)
    again = fhir.export_questionnaire(imported, registry, lang)
    assert _comparable(again) == _comparable(exported)


# --- import errors -------------------------------------------------------------------------------


def _questionnaire(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "item": list(items), **extra}


SIMPLE = {"linkId": "ok", "text": "Hur mår du?", "type": "string"}
SIMPLE_QUESTION = {"key": "ok", "type": "short_text", "label": {"sv": "Hur mår du?"}}
#: a slider takes one answer (text, number, date ... questions take several: ``repeats``)
REPEATING_SLIDER = {
    "linkId": "ok",
    "text": "Hur mår du?",
    "type": "integer",
    "repeats": True,
    "extension": [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
            "valueCodeableConcept": {"coding": [{"code": "slider"}]},
        }
    ],
}


# (a url item and an open-choice without options import now: test_fhir_free_answers.py; an
# attachment item too: test_answer_files.py)
@pytest.mark.parametrize("kind", ["reference"])
def test_an_unsupported_item_type_fails_naming_the_link_id(app, kind):
    registry = app.extensions["sob"].registry
    before = _counts()
    resource = _questionnaire(SIMPLE, {"linkId": "upload-1", "text": "Bifoga", "type": kind})
    with pytest.raises(fhir.FhirImportError, match=rf"'upload-1'.*'{kind}'"):
        fhir.import_questionnaire(db.session, registry, resource, "unsupported")
    assert _counts() == before


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (REPEATING_SLIDER, r"'ok'.*'repeats'"),
        ({**SIMPLE, "initial": [{"valueInteger": 3}]}, r"'ok'.*initial value"),
        (
            {
                **SIMPLE,
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
                        "sdc-questionnaire-calculatedExpression",
                        "valueExpression": {"language": "text/fhirpath", "expression": "1 +"},
                    }
                ],
            },
            r"'ok'.*calculatedExpression '1 \+' cannot be evaluated as FHIRPath",
        ),
        (
            {
                **SIMPLE,
                "modifierExtension": [{"url": "http://example.org/m", "valueBoolean": True}],
            },
            r"'ok'.*modifier extension",
        ),
        (
            {"linkId": "pick", "text": "Välj", "type": "choice", "answerValueSet": "http://x"},
            r"'pick'",
        ),
        (
            {
                "linkId": "weighted",
                "text": "Hur ofta?",
                "type": "choice",
                "answerOption": [
                    {
                        "valueCoding": {
                            "code": "a",
                            "display": "Ofta",
                            "extension": [
                                {
                                    "url": "http://example.org/fhir/StructureDefinition/weight",
                                    "valueDecimal": 3,
                                }
                            ],
                        }
                    }
                ],
            },
            r"'weighted'.*example.org/fhir/StructureDefinition/weight",
        ),
    ],
)
def test_what_sob_cannot_represent_is_refused(app, item, message):
    registry = app.extensions["sob"].registry
    before = _counts()
    with pytest.raises(fhir.FhirImportError, match=message):
        fhir.import_questionnaire(db.session, registry, _questionnaire(item), "refused")
    assert _counts() == before


@pytest.mark.parametrize(
    ("when", "behaviour", "message"),
    [
        # every operator and enableBehavior all/any are read now (test_skip_logic_operators.py)
        ([{"question": "ok", "operator": "exists", "answerString": "x"}], None, "answerBoolean"),
        (
            [
                {"question": "ok", "operator": "=", "answerString": "x"},
                {"question": "ok", "operator": "!=", "answerString": "y"},
            ],
            None,
            "enableBehavior 'any' or 'all'",
        ),
        ([{"question": "ok", "operator": "~", "answerString": "x"}], None, "'~'"),
        ([{"question": "later", "operator": "=", "answerString": "x"}], None, "earlier question"),
    ],
)
def test_conditions_sob_cannot_represent_are_refused(app, when, behaviour, message):
    registry = app.extensions["sob"].registry
    second = {"linkId": "second", "text": "Och?", "type": "string", "enableWhen": when}
    if behaviour:
        second["enableBehavior"] = behaviour
    before = _counts()
    with pytest.raises(fhir.FhirImportError, match=message):
        fhir.import_questionnaire(db.session, registry, _questionnaire(SIMPLE, second), "cond")
    assert _counts() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"resourceType": "Patient"}, "not a Questionnaire"),
        (
            _questionnaire(SIMPLE, unknownField=1),
            r"not a valid FHIR R4 Questionnaire.*unknownField",
        ),
        (_questionnaire({"text": "Ingen linkId", "type": "string"}), "not a valid FHIR"),
        (_questionnaire({**SIMPLE, "required": "yes"}), "not a valid FHIR"),
        (_questionnaire(), "at least one question"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_a_malformed_resource_fails_clearly_and_imports_nothing(app, data, message):
    registry = app.extensions["sob"].registry
    before = _counts()
    with pytest.raises(fhir.FhirImportError, match=message):
        fhir.import_questionnaire(db.session, registry, data, "malformed")
    assert _counts() == before


def test_a_questionnaire_of_an_uninstalled_scale_is_refused(app):
    registry = app.extensions["sob"].registry
    resource = _questionnaire(SIMPLE, code=[{"system": fhir.SCALE_SYSTEM, "code": "no-such"}])
    with pytest.raises(fhir.FhirImportError, match="no-such"):
        fhir.import_questionnaire(db.session, registry, resource, "scaled")
    assert _counts() == (0, 0)


def test_another_units_form_key_is_refused(app, demo_data):
    registry = app.extensions["sob"].registry
    forms.create_form(
        db.session,
        registry,
        key="theirs",
        title={"sv": "Deras"},
        questions=[{"key": "a", "type": "short_text", "label": {"sv": "A"}}],
        care_unit_id=_unit(1).id,
    )
    with pytest.raises(fhir.FhirImportError, match="another care unit"):
        fhir.import_questionnaire(
            db.session, registry, _questionnaire(SIMPLE), "theirs", care_unit_id=_unit(0).id
        )


# --- importing questionnaires made elsewhere -----------------------------------------------------


def test_a_foreign_questionnaire_with_a_group_is_flattened(app):
    registry = app.extensions["sob"].registry
    resource = {
        "resourceType": "Questionnaire",
        "id": "PHQ-2.example",
        "language": "en",
        "status": "active",
        "title": "Over the last two weeks",
        "item": [
            {
                "linkId": "interest",
                "prefix": "1.",
                "text": "Little interest or pleasure in doing things",
                "type": "choice",
                "required": True,
                "answerOption": [
                    {
                        "valueCoding": {
                            "system": "http://loinc.org",
                            "code": "LA6568-5",
                            "display": "Not at all",
                        }
                    },
                    {
                        "valueCoding": {
                            "system": "http://loinc.org",
                            "code": "LA6569-3",
                            "display": "Several days",
                        }
                    },
                ],
            },
            {
                "linkId": "more",
                "type": "group",
                "text": "If you answered several days",
                "enableWhen": [
                    {"question": "interest", "operator": "=", "answerCoding": {"code": "LA6569-3"}}
                ],
                "item": [
                    {"linkId": "since", "text": "Since when?", "type": "date"},
                    {
                        "linkId": "hours",
                        "text": "Hours of sleep",
                        "type": "decimal",
                        "extension": [
                            {
                                "url": "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces",
                                "valueInteger": 1,
                            }
                        ],
                    },
                ],
            },
        ],
    }
    version = fhir.import_questionnaire(db.session, registry, resource)
    assert version.form.key == "phq-2.example"
    assert version.title == {"sv": "Over the last two weeks"}  # sob needs a Swedish text
    interest, since, hours = version.definition["questions"]
    assert interest["type"] == "single_choice" and interest["required"] is True
    assert [o["value"] for o in interest["config"]["options"]] == ["LA6568-5", "LA6569-3"]
    condition = {"question": "interest", "equals": "LA6569-3"}
    assert since["type"] == "date" and since["show_if"] == condition
    assert since["required"] is False
    assert hours["type"] == "number" and hours["config"]["decimals"] == 1
    assert hours["show_if"] == condition


def test_a_repeating_group_inside_a_repeating_group_is_refused(app):
    """A repeating group imports (tests/test_fhir_repeating_groups.py); one inside another cannot."""
    registry = app.extensions["sob"].registry
    inner = {"linkId": "in", "type": "group", "repeats": True, "item": [SIMPLE]}
    with pytest.raises(fhir.FhirImportError, match="'in' repeats inside the repeating group 'rep'"):
        fhir.import_questionnaire(
            db.session,
            registry,
            _questionnaire({"linkId": "rep", "type": "group", "repeats": True, "item": [inner]}),
            "groups",
        )
    assert _counts() == (0, 0)


# --- HTTP ----------------------------------------------------------------------------------------


def test_staff_get_a_forms_questionnaire(client, login):
    login("staff", SARA, unit_id=_unit(0).id)
    form = _form("phq-9")
    response = client.get(f"/staff/forms/{form.id}/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    resource = response.get_json(force=True)
    _valid_questionnaire(resource)
    assert resource["version"] == str(form.latest.version)
    english = client.get(f"/staff/forms/{form.id}/fhir?lang=en").get_json(force=True)
    assert english["language"] == "en"
    assert client.get("/staff/forms/999999/fhir").status_code == 404
    assert client.get(f"/staff/forms/{form.id}/fhir?lang=xx").status_code == 400


def test_another_units_form_answers_404(client, login, app):
    registry = app.extensions["sob"].registry
    theirs = forms.create_form(
        db.session,
        registry,
        key="theirs",
        title={"sv": "Deras"},
        questions=[{"key": "a", "type": "short_text", "label": {"sv": "A"}}],
        care_unit_id=_unit(1).id,
    )
    db.session.commit()
    login("staff", TOMMY, unit_id=_unit(0).id)
    assert client.get(f"/staff/forms/{theirs.form_id}/fhir").status_code == 404


def test_a_therapist_exports_a_response_and_it_is_audited(client, login):
    login("staff", TOMMY, unit_id=_unit(0).id)
    enrollment = _enrollment(JOHN)
    answer = _submitted(JOHN)[0]
    response = client.get(f"/staff/patients/{enrollment.id}/responses/{answer.id}/fhir")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    resource = response.get_json(force=True)
    QuestionnaireResponse.model_validate(resource)
    assert resource["subject"]["identifier"]["value"] == JOHN
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc())
    )
    assert event is not None
    assert event.what == "form_response"
    assert event.citizen_id == enrollment.citizen_id
    assert event.care_unit_id == _unit(0).id
    assert event.detail == {"response": answer.id}


def test_response_export_refuses_what_is_not_the_units_or_the_citizens(client, login):
    login("staff", TOMMY, unit_id=_unit(0).id)
    john, elin = _enrollment(JOHN), _enrollment(ELIN)
    linnea = db.session.scalar(select(Enrollment).where(Enrollment.care_unit_id == _unit(1).id))
    answer = _submitted(JOHN)[0]
    elins = _submitted(ELIN)[0]
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    # another unit's enrollment answers like a missing one
    assert client.get(f"/staff/patients/{linnea.id}/responses/{answer.id}/fhir").status_code == 404
    # a response of another citizen through this enrollment
    assert client.get(f"/staff/patients/{john.id}/responses/{elins.id}/fhir").status_code == 404
    assert client.get(f"/staff/patients/{elin.id}/responses/{elins.id}/fhir").status_code == 200
    assert client.get(f"/staff/patients/{john.id}/responses/999999/fhir").status_code == 404
    after = db.session.scalar(select(func.count()).select_from(AuditEvent))
    exports = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
    ).all()
    assert after - before == 1 + sum(1 for e in exports if e.what != "form_response")
    assert [e.detail for e in exports] == [{"response": elins.id}]


def test_an_unexportable_response_answers_422_and_is_not_audited(client, login):
    login("staff", TOMMY, unit_id=_unit(0).id)
    john = _enrollment(JOHN)
    answer = next(r for r in _submitted(JOHN) if r.form_version.form.key == "sleep-diary")
    answer.answers = {**answer.answers, "notes": {"type": "no-such-type", "value": "hej"}}
    db.session.commit()
    response = client.get(f"/staff/patients/{john.id}/responses/{answer.id}/fhir")
    assert response.status_code == 422
    outcome = response.get_json(force=True)
    assert outcome["resourceType"] == "OperationOutcome"
    assert "no-such-type" in outcome["issue"][0]["diagnostics"]
    assert outcome["issue"][0]["diagnostics"].startswith("svaret på frågan 'notes'")
    with client.session_transaction() as browser:
        browser["lang"] = "en"
    english = client.get(f"/staff/patients/{john.id}/responses/{answer.id}/fhir")
    assert english.get_json(force=True)["issue"][0]["diagnostics"].startswith(
        "the answer to question 'notes' is of the question type 'no-such-type'"
    )
    exports = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
    assert db.session.scalar(exports) == 0


def test_a_draft_response_is_not_exported_over_http(client, login):
    john = _enrollment(JOHN)
    draft = FormResponse(
        form_version_id=_form("sleep-diary").latest.id,
        citizen_id=john.citizen_id,
        submission_key="draft-over-http",
        answers={},
    )
    db.session.add(draft)
    db.session.commit()
    login("staff", TOMMY, unit_id=_unit(0).id)
    assert client.get(f"/staff/patients/{john.id}/responses/{draft.id}/fhir").status_code == 404


@pytest.mark.parametrize(
    ("who", "form_status", "response_status"),
    [
        (None, 302, 302),  # not signed in: to the login page
        (("staff", SARA), 200, 403),  # designer and publisher: forms yes, patients no
        (("citizen", JOHN), 403, 403),
    ],
)
def test_roles_and_audiences(client, login, who, form_status, response_status):
    if who is not None:  # the login fixture loads the demo data either way
        login(*who, unit_id=_unit(0).id if who[0] == "staff" else None)
    form = _form("phq-9")
    john = _enrollment(JOHN)
    answer = _submitted(JOHN)[0]
    assert client.get(f"/staff/forms/{form.id}/fhir").status_code == form_status
    url = f"/staff/patients/{john.id}/responses/{answer.id}/fhir"
    assert client.get(url).status_code == response_status


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_export_and_import(app, demo_data, runner, tmp_path):
    registry = app.extensions["sob"].registry
    out = tmp_path / "phq-9.json"
    result = runner.invoke(forms_group, ["export", "phq-9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _valid_questionnaire(json.loads(out.read_text(encoding="utf-8")))
    printed = runner.invoke(forms_group, ["export", "sleep-diary", "--version", "1"])
    assert printed.exit_code == 0
    assert json.loads(printed.output)["url"].endswith("/Questionnaire/sleep-diary")
    result = runner.invoke(forms_group, ["import", str(out), "--key", "phq-9-copy"])
    assert result.exit_code == 0, result.output
    assert "phq-9-copy version 1" in result.output
    db.session.expire_all()
    _assert_equivalent(_form("phq-9").latest, _form("phq-9-copy").latest, registry)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "no-such-form"], "no form 'no-such-form'"),
        (["export", "tiny", "--version", "99"], "no version 99"),
        (["import", "{missing}"], "cannot read"),
        (["import", "{bad}"], "not valid JSON"),
        (["import", "{attachment}", "--key", "x"], "'upload'"),
    ],
)
def test_cli_errors_exit_2_with_one_line(app, runner, tmp_path, args, message):
    forms.create_form(
        db.session,
        app.extensions["sob"].registry,
        key="tiny",
        title={"sv": "Liten"},
        questions=[SIMPLE_QUESTION],
    )
    db.session.commit()
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    attachment = tmp_path / "attachment.json"
    attachment.write_text(
        json.dumps(_questionnaire({"linkId": "upload", "text": "Fil", "type": "reference"})),
        encoding="utf-8",
    )
    paths = {"missing": tmp_path / "missing.json", "bad": bad, "attachment": attachment}
    args = [a.format(**paths) for a in args]
    before = _counts()
    result = runner.invoke(forms_group, args, env={"SOB_DEFAULT_LOCALE": "en"})
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert _counts() == before


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"SOB_DEFAULT_LOCALE": "sv", "LANG": "en_GB.UTF-8"}, "sv"),
        ({"SOB_DEFAULT_LOCALE": "en"}, "en"),
        ({"LANG": "sv_SE.UTF-8"}, "sv"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "sv_SE.UTF-8"}, "en"),
        ({"SOB_DEFAULT_LOCALE": "de", "LANG": "sv_SE"}, "sv"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_cli_speaks_sob_default_locale_else_the_shells_language(environ, language):
    assert cli_language(environ) == language


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SOB_DEFAULT_LOCALE": "sv"}, "fel: inte giltig JSON: "),
        ({"SOB_DEFAULT_LOCALE": None, "LC_ALL": None, "LANG": "sv_SE.UTF-8"}, "fel: inte giltig"),
        ({"SOB_DEFAULT_LOCALE": "en"}, "error: not valid JSON: "),
    ],
)
def test_cli_import_errors_are_in_the_cli_language(app, runner, tmp_path, env, message):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = runner.invoke(forms_group, ["import", str(bad)], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_cli_import_refusal_and_success_in_swedish(app, runner, tmp_path):
    path = tmp_path / "q.json"
    path.write_text(json.dumps(_questionnaire({"linkId": "upload", "type": "reference"})))
    refused = runner.invoke(forms_group, ["import", str(path)], env={"SOB_DEFAULT_LOCALE": "sv"})
    assert refused.exit_code == 2
    assert "item 'upload' av typen 'reference'" in refused.stderr
    path.write_text(json.dumps(_questionnaire(SIMPLE)), encoding="utf-8")
    args = ["import", str(path), "--key", "enkel"]
    done = runner.invoke(forms_group, args, env={"SOB_DEFAULT_LOCALE": "sv"})
    assert done.exit_code == 0, done.output
    assert "importerade enkel version 1 (1 frågor)" in done.output


def test_errors_are_coded_english_by_str_and_translated_where_shown(app):
    registry = app.extensions["sob"].registry
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.import_questionnaire(db.session, registry, "[]", "k")
    error = caught.value
    assert (error.code, error.params) == ("not_object", {})
    assert str(error) == "not a FHIR resource: a JSON object is needed"
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.import_questionnaire(db.session, registry, _questionnaire(REPEATING_SLIDER), "k")
    error = caught.value
    assert (error.code, error.params) == ("item_key", {"link": "'ok'", "name": "'repeats'"})
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("sv"):
            assert translate_error(error) == "item 'ok': 'repeats' kan inte återges i sob"
        with force_locale("en"):
            assert translate_error(error) == str(error)
            assert str(error) == "item 'ok': 'repeats' cannot be represented in sob"


def test_every_fhir_error_message_is_in_the_swedish_catalogue():
    from pathlib import Path

    from babel.messages.pofile import read_po

    import sob_core

    po = Path(sob_core.__file__).parent / "translations/sv/LC_MESSAGES/messages.po"
    with po.open("rb") as file:
        catalogue = read_po(file)
    messages = {**fhir.errors.EXPORT_MESSAGES, **fhir.errors.IMPORT_MESSAGES}
    swedish = {m: catalogue.get(m) for m in messages.values()}
    assert all(entry is not None and entry.string for entry in swedish.values())


def test_the_canonical_url_starts_with_the_base_url_the_caller_passes(app, demo_data):
    registry = app.extensions["sob"].registry
    version = _form("phq-9").latest
    resource = fhir.export_questionnaire(version, registry, base_url="https://stod.example.se/")
    assert resource["url"] == "https://stod.example.se/fhir/Questionnaire/phq-9"
    answer = _submitted(JOHN)[0]
    exported = fhir.export_response(answer, registry, base_url="https://stod.example.se")
    key = answer.form_version.form.key
    version_number = answer.form_version.version
    assert exported["questionnaire"] == (
        f"https://stod.example.se/fhir/Questionnaire/{key}|{version_number}"
    )


def test_the_web_export_uses_sob_base_url(app, client, login):
    app.config["SOB_BASE_URL"] = "https://stod.example.se"
    login("staff", SARA, unit_id=_unit(0).id)
    form = _form("phq-9")
    resource = client.get(f"/staff/forms/{form.id}/fhir").get_json(force=True)
    assert resource["url"] == "https://stod.example.se/fhir/Questionnaire/phq-9"


def test_a_form_built_in_the_design_tool_survives_export_and_import(app, client, login, demo_data):
    """Issue 11: a form made through the form builder's pages (every question type, help texts,
    a skip rule) exports a valid Questionnaire, and importing it gives an equivalent form."""
    from form_builder_helpers import build_every_type, publish

    registry = app.extensions["sob"].registry
    unit = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()
    login("staff", SARA, unit_id=unit)
    draft = build_every_type(client, "byggd-enkat")
    assert publish(client, draft).status_code == 302
    original = _form("byggd-enkat").latest
    assert any(q.get("show_if") for q in original.definition["questions"])
    assert any(q.get("help") for q in original.definition["questions"])
    for lang in ("sv", "en"):
        exported = fhir.export_questionnaire(original, registry, lang)
        _valid_questionnaire(exported)
        imported = fhir.import_questionnaire(
            db.session, registry, json.dumps(exported), f"byggd-enkat-{lang}"
        )
        _assert_equivalent(original, imported, registry)
