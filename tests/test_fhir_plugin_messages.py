"""The question-types plugin's FHIR messages: English by ``str()``, translated where shown.

A plugin's message inside a coded import error used to come out Swedish inside the English
``str()``; the plugin now raises a ``TranslatedError`` that ``i18n.translate_error`` tells in the
reader's language, like the core's own messages (issue 16).
"""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale

from sob_core import TranslatedError
from sob_core.cli.fhir import forms_group
from sob_core.extensions import db
from sob_core.i18n import translate_error
from sob_core.interchange import fhir

NO_OPTIONS = {"linkId": "mood", "text": "Hur mår du?", "type": "choice"}
OTHER = {"linkId": "upload", "text": "Bifoga", "type": "reference"}
SWEDISH = "FHIR-frågan saknar svarsalternativ"
ENGLISH = "The FHIR item has no options"


def _questionnaire(*items):
    return {"resourceType": "Questionnaire", "status": "active", "item": list(items)}


def _refusal(app, *items):
    registry = app.extensions["sob"].registry
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.import_questionnaire(db.session, registry, _questionnaire(*items), "k")
    return caught.value


def test_translated_error_is_english_by_str_and_speaks_each_language():
    error = TranslatedError({"sv": "på svenska", "en": "in English"})
    assert str(error) == "in English"
    assert error.in_language("sv") == "på svenska"
    assert error.in_language("de") == "på svenska"  # Swedish first when the language is missing


def test_a_plugin_message_is_english_by_str_and_translated_by_the_web(app):
    error = _refusal(app, NO_OPTIONS, OTHER)
    assert len(error.errors) == 2
    assert ENGLISH in str(error)
    assert SWEDISH not in str(error)
    with app.test_request_context():
        with force_locale("sv"):
            swedish = translate_error(error)
        with force_locale("en"):
            english = translate_error(error)
    assert SWEDISH in swedish and ENGLISH not in swedish
    assert "item 'mood' av typen 'choice'" in swedish
    assert "item 'upload' av typen 'reference'" in swedish
    assert english == str(error)


@pytest.mark.parametrize(
    ("lang", "shown", "hidden"), [("sv", SWEDISH, ENGLISH), ("en", ENGLISH, SWEDISH)]
)
def test_the_cli_tells_a_plugin_message_in_its_language(app, runner, tmp_path, lang, shown, hidden):
    path = tmp_path / "q.json"
    path.write_text(json.dumps(_questionnaire(NO_OPTIONS)), encoding="utf-8")
    result = runner.invoke(forms_group, ["import", str(path)], env={"SOB_DEFAULT_LOCALE": lang})
    assert result.exit_code == 2
    assert shown in result.stderr
    assert hidden not in result.stderr


# --- answers to options that are not Codings (issue 16) -----------------------------------------


def _options(link, kind, *values):
    return {
        "linkId": link,
        "text": link,
        "type": "choice",
        "answerOption": [{f"value{kind}": value} for value in values],
    }


@pytest.mark.parametrize(
    ("kind", "values", "payload", "answer"),
    [
        ("Integer", [0, 3], "3", {"valueInteger": 3}),
        ("String", ["Ja", "Nej"], "Nej", {"valueString": "Nej"}),
        ("Date", ["2024-01-01", "2024-02-01"], "2024-02-01", {"valueDate": "2024-02-01"}),
        ("Time", ["08:00:00", "20:00:00"], "20:00:00", {"valueTime": "20:00:00"}),
    ],
)
def test_an_answer_keeps_its_options_fhir_type(app, demo_data, kind, values, payload, answer):
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
    from sqlalchemy import select

    from sob_core import forms
    from sob_core.models import Citizen, FormResponse

    registry = app.extensions["sob"].registry
    resource = _questionnaire(_options("q", kind, *values))
    version = fhir.import_questionnaire(db.session, registry, resource, f"typed-{kind.lower()}")
    db.session.flush()
    spec = forms.specs(version)[0]
    citizen = db.session.scalars(
        select(Citizen).where(Citizen.personnummer == "198503142393")
    ).one()
    response = FormResponse(
        form_version_id=version.id,
        citizen_id=citizen.id,
        submission_key=f"typed-{kind}",
        answers={"q": {"type": spec.type, "value": payload}},
    )
    db.session.add(response)
    db.session.flush()
    exported = fhir.export_response(response, registry)
    QuestionnaireResponse.model_validate(exported)
    assert exported["item"][0]["answer"] == [answer]


# --- publishing a draft of an imported form keeps what the editor does not show ------------------


def test_publishing_a_draft_of_an_imported_form_keeps_origin_and_groups(app, demo_data):
    from pathlib import Path

    from sqlalchemy import select

    from sob_core.forms import drafts
    from sob_core.models import CareUnit

    registry = app.extensions["sob"].registry
    path = Path(__file__).parent / "fhir_corpus" / "r4-questionnaire-example-f201-lifelines.json"
    unit = db.session.scalars(select(CareUnit).order_by(CareUnit.id)).first()
    first = fhir.import_questionnaire(
        db.session, registry, path.read_bytes(), "lifelines", care_unit_id=unit.id
    )
    db.session.flush()
    assert first.definition.get("origin") and first.definition.get("groups")
    before = fhir.export_questionnaire(first, registry, "sv")
    draft = drafts.open_draft(db.session, first.form, None)
    second = drafts.publish(db.session, registry, draft, None)
    assert second.version == first.version + 1
    assert second.definition["origin"] == first.definition["origin"]
    assert second.definition["groups"] == first.definition["groups"]
    after = fhir.export_questionnaire(second, registry, "sv")
    assert {k: v for k, v in after.items() if k != "id"} == {
        k: v for k, v in before.items() if k != "id"
    }


LONG_CODE = "x" * 70
BAD_OPTIONS = {
    "linkId": "often",
    "text": "Hur ofta?",
    "type": "choice",
    "answerOption": [
        {"valueCoding": {"code": "a", "display": "Aldrig"}},
        {"valueCoding": {"code": "a", "display": "Ofta"}},
    ],
}
LONG_OPTION = {
    "linkId": "long",
    "text": "Vilken?",
    "type": "choice",
    "answerOption": [{"valueCoding": {"code": LONG_CODE, "display": "Lång"}}],
}


def test_settings_the_import_read_are_refused_in_the_readers_language(app):
    """A question's settings the type refuses on import (two options of one code, a code over
    64 characters) are the importer's to read: English by ``str()``, Swedish on a Swedish page."""
    error = _refusal(app, BAD_OPTIONS, LONG_OPTION)
    assert len(error.errors) == 2
    text = str(error)
    assert "must be unique" in text and "Option 1 needs a value" in text, text
    assert "Svarsalternativ" not in text
    with app.test_request_context(), force_locale("sv"):
        swedish = translate_error(error)
    assert "måste vara unika" in swedish and "Svarsalternativ 1 behöver ett värde" in swedish
