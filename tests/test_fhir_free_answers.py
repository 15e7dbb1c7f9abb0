"""Items whose answers are not a list sob was given (issue 16): a ``url`` item (a web address,
``valueUri``), an ``open-choice`` with no options (a free string, R4), and a ``choice`` whose only
options are its ``initial`` Codings (Android FHIR's extraction items). Each imports, is answered
and exports again as it came; an item whose options come from an extension sob cannot evaluate
is refused naming that extension, not as one "with no options"."""

from __future__ import annotations

from typing import Any

import pytest
from fhir_helpers import assigned, import_resource, post_page, registry, stored
from flask_babel import force_locale
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.i18n import translate_error
from sob_core.interchange import fhir
from sob_core.models import FormResponse

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
HIDDEN = {
    "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden",
    "valueBoolean": True,
}
FEVER = {"system": "http://snomed.info/sct", "code": "386661006", "display": "Fever"}
COUGH = {"system": "http://snomed.info/sct", "code": "49727002", "display": "Cough"}


def _form(*items: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Questionnaire", "status": "active", "id": "free", "item": list(items)}


def _round_trip(app: Any, *items: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    version = import_resource(app, _form(*items))
    return version.definition["questions"], fhir.export_questionnaire(version, registry(app))[
        "item"
    ]


def _answers(app: Any, assignment: Any) -> dict[str, Any]:
    response = db.session.scalar(
        select(FormResponse).where(FormResponse.assignment_id == assignment.id)
    )
    exported = fhir.export_response(response, registry(app))
    return {item["linkId"]: item["answer"] for item in exported["item"]}


def _refusal(app: Any, *items: dict[str, Any]) -> fhir.FhirImportError:
    with pytest.raises(fhir.FhirImportError) as caught:
        fhir.read_questionnaire(registry(app), _form(*items))
    return caught.value


# --- url -----------------------------------------------------------------------------------------

HOMEPAGE = {"linkId": "home", "text": "Din mottagnings webbplats", "type": "url"}


def test_a_url_item_is_a_web_address_question_exported_again_as_url(app: Any) -> None:
    limited = {"linkId": "link", "text": "Länk", "type": "url", "maxLength": 300}
    given = {**HOMEPAGE, "linkId": "given", "initial": [{"valueUri": "https://www.1177.se"}]}
    (home, link, prefilled), (again, again_limited, again_given) = _round_trip(
        app, HOMEPAGE, limited, given
    )
    assert home["type"] == "short_text"
    assert home["config"] == {"max_length": 1000, "fhir_max_length": False, "format": "url"}
    assert link["config"] == {"max_length": 300, "format": "url"}
    assert prefilled["initial"] == "https://www.1177.se"
    assert {k: v for k, v in again.items() if k != "required"} == HOMEPAGE  # nothing added
    assert again_limited["type"] == "url" and again_limited["maxLength"] == 300
    assert again_given["initial"] == [{"valueUri": "https://www.1177.se"}]


def test_a_web_address_is_checked_stored_and_answered_as_value_uri(
    app: Any, client: Any, demo_data: Any
) -> None:
    assignment = assigned(app, client, _form(HOMEPAGE))
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert 'inputmode="url"' in page
    refused = post_page(client, assignment, page, home="www.1177.se")
    assert refused.status_code == 422
    assert "Ange en fullständig webbadress som börjar med https://" in refused.get_data(
        as_text=True
    )
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    sent = post_page(client, assignment, page, home=" https://www.1177.se/sömn ")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert stored(assignment) == ("submitted", {"home": "https://www.1177.se/sömn"})
    assert _answers(app, assignment)["home"] == [{"valueUri": "https://www.1177.se/sömn"}]


# --- open-choice without options -----------------------------------------------------------------

PET = {"linkId": "pet", "text": "Vilket husdjur har du?", "type": "open-choice"}


def test_an_open_choice_without_options_is_a_free_text_exported_without_options(
    app: Any,
) -> None:
    many = {**PET, "linkId": "pets", "repeats": True, "initial": [{"valueString": "Katt"}]}
    (pet, pets), (again, again_many) = _round_trip(app, PET, many)
    assert (pet["type"], pet["config"]) == ("open_choice", {"free_text": True})
    assert pets["config"] == {"free_text": True, "multiple": True}
    assert pets["initial"] == [{"other": "Katt"}]
    assert {k: v for k, v in again.items() if k != "required"} == PET  # no answerOption added
    assert again_many["type"] == "open-choice" and again_many["repeats"] is True
    assert "answerOption" not in again_many
    assert again_many["initial"] == [{"valueString": "Katt"}]


def test_a_free_text_open_choice_is_one_text_input_answered_with_value_string(
    app: Any, client: Any, demo_data: Any
) -> None:
    assignment = assigned(app, client, _form(PET))
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    assert 'name="pet:other"' in page
    assert "Annat, nämligen" not in page and 'value=":other"' not in page  # nothing to choose
    sent = post_page(client, assignment, page, **{"pet:other": "  Marsvin "})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert stored(assignment) == ("submitted", {"pet": [{"other": "Marsvin"}]})
    assert _answers(app, assignment)["pet"] == [{"valueString": "Marsvin"}]


def test_a_calculated_free_text_open_choice_stores_its_values_as_own_answers(
    app: Any, client: Any, demo_data: Any
) -> None:
    word = {"linkId": "word", "text": "Ett ord", "type": "string"}
    letters = {
        "linkId": "letters",
        "text": "Bokstäverna",
        "type": "open-choice",
        "repeats": True,
        "readOnly": True,
        "extension": [
            {
                "url": SDC + "sdc-questionnaire-calculatedExpression",
                "valueExpression": {
                    "language": "text/fhirpath",
                    "expression": "%resource.item.where(linkId='word').answer.value.toChars()",
                },
            }
        ],
    }
    assignment = assigned(app, client, _form(word, letters))
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    sent = post_page(client, assignment, page, word="hej")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert stored(assignment)[1]["letters"] == [{"other": "h"}, {"other": "e"}, {"other": "j"}]
    assert _answers(app, assignment)["letters"] == [
        {"valueString": "h"},
        {"valueString": "e"},
        {"valueString": "j"},
    ]


def test_skip_logic_on_a_free_text_open_choice_compares_its_text(
    app: Any, client: Any, demo_data: Any
) -> None:
    """FHIR compares an open-choice's valueString with answerString: the own text counts."""
    why = {
        "linkId": "why",
        "text": "Varför en katt?",
        "type": "string",
        "enableWhen": [{"question": "pet", "operator": "=", "answerString": "Katt"}],
    }
    assignment = assigned(app, client, _form(PET, why))
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    sent = post_page(client, assignment, page, **{"pet:other": "Hund", "why": "för att"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert stored(assignment)[1] == {"pet": [{"other": "Hund"}]}  # not asked: not stored
    again = assigned(app, client, {**_form(PET, why), "id": "free-2"})
    page = client.get(f"/citizen/forms/{again.id}").get_data(as_text=True)
    sent = post_page(client, again, page, **{"pet:other": "Katt", "why": "för att"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert stored(again)[1] == {"pet": [{"other": "Katt"}], "why": "för att"}


@pytest.mark.parametrize(
    ("extension", "shown"),
    [
        (
            {
                "url": SDC + "sdc-questionnaire-answerExpression",
                "valueExpression": {
                    "language": "text/fhirpath",
                    "expression": "%vsExpansion.expansion.contains",
                },
            },
            "(text/fhirpath '%vsExpansion.expansion.contains')",
        ),
        (
            {
                "url": SDC + "sdc-questionnaire-answerExpression",
                "valueExpression": {
                    "language": "application/x-fhir-query",
                    "expression": "Task?status=ready",
                },
            },
            "(application/x-fhir-query 'Task?status=ready')",
        ),
        (
            {
                "url": "http://lhcforms.nlm.nih.gov/fhir/StructureDefinition/"
                "questionnaire-externallydefined",
                "valueUri": "https://clinicaltables.nlm.nih.gov/api/conditions/v3/search",
            },
            "('https://clinicaltables.nlm.nih.gov/api/conditions/v3/search')",
        ),
        (
            {
                "url": "http://lhcforms.nlm.nih.gov/fhirExt/dataControl",
                "valueString": '[{"source": {"sourceLinkId": "/drug"}}]',
            },
            """('[{"source": {"sourceLinkId": "/drug"}}]')""",
        ),
    ],
)
@pytest.mark.parametrize("kind", ["open-choice", "choice"])
def test_options_from_an_extension_sob_cannot_evaluate_are_refused_naming_it(
    app: Any, kind: str, extension: dict[str, Any], shown: str
) -> None:
    item = {"linkId": "pick", "text": "Välj", "type": kind, "extension": [extension]}
    error = _refusal(app, item)
    assert str(error) == (
        f"item 'pick': its answer options come from the extension {extension['url']!r} {shown}, "
        "which sob cannot evaluate: sob reads answer options from answerOption or an "
        "answerValueSet"
    )
    assert "has no options" not in str(error)
    with app.test_request_context(), force_locale("sv"):
        assert "svarsalternativen kommer från tillägget" in translate_error(error)


def test_an_open_choice_with_an_answer_value_set_nothing_resolves_is_no_free_text(
    app: Any,
) -> None:
    item = {**PET, "answerValueSet": "http://example.org/ValueSet/pets"}
    assert "which sob cannot look up" in str(_refusal(app, item))


# --- choice whose options are its initial values -------------------------------------------------

SYMPTOM = {
    "linkId": "1.2.1",
    "type": "choice",
    "definition": "http://hl7.org/fhir/StructureDefinition/Observation#Observation.code",
    "initial": [{"valueCoding": FEVER}],
}


def test_a_choice_with_only_initial_codings_takes_them_as_its_options(app: Any) -> None:
    hidden = {**SYMPTOM, "linkId": "2.1.2", "extension": [HIDDEN]}
    many = {
        "linkId": "both",
        "text": "Symtom",
        "type": "choice",
        "repeats": True,
        "initial": [{"valueCoding": FEVER}, {"valueCoding": COUGH}],
    }
    (symptom, secret, both), exported = _round_trip(app, SYMPTOM, hidden, many)
    assert symptom["type"] == "single_choice"
    assert symptom["config"] == {
        "options": [
            {"value": "386661006", "label": {"sv": "Fever"}, "system": "http://snomed.info/sct"}
        ],
        "option_source": "initial",
    }
    assert symptom["initial"] == "386661006"
    assert secret["hidden"] is True and secret["initial"] == "386661006"
    assert both["type"] == "multiple_choice" and both["initial"] == ["386661006", "49727002"]
    assert {k: v for k, v in exported[0].items() if k != "required"} == SYMPTOM  # as it came
    assert exported[1]["extension"] == [HIDDEN]  # no radio buttons added to a hidden item
    for source, again in zip((SYMPTOM, hidden, many), exported, strict=True):
        assert "answerOption" not in again  # the options were the initial values: not added
        assert again["initial"] == source["initial"]
        assert again["type"] == "choice"
        assert again.get("definition") == source.get("definition")


def test_a_hidden_choice_from_its_initial_value_stores_that_value(
    app: Any, client: Any, demo_data: Any
) -> None:
    hidden = {**SYMPTOM, "linkId": "code", "extension": [HIDDEN]}
    asked = {"linkId": "temp", "text": "Har du feber?", "type": "boolean"}
    assignment = assigned(app, client, _form(asked, hidden))
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    sent = post_page(client, assignment, page, temp="true", code="49727002")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert stored(assignment) == ("submitted", {"temp": True, "code": "386661006"})
    assert _answers(app, assignment)["code"] == [{"valueCoding": FEVER}]


def test_a_choice_with_no_options_and_no_initial_value_is_still_refused(app: Any) -> None:
    bare = {"linkId": "2.1.2", "text": "pT category", "type": "choice"}
    error = _refusal(app, bare)
    assert str(error).startswith("item '2.1.2' of type 'choice': The FHIR item has no options:")
    assert "for a choice item, its initial values (initial valueCoding)" in str(error)
    with app.test_request_context(), force_locale("sv"):
        assert "FHIR-frågan saknar svarsalternativ" in translate_error(error)
    as_text = {**bare, "initial": [{"valueString": "T1"}]}  # a choice is answered by a Coding
    assert "The FHIR item has no options" in str(_refusal(app, as_text))
