"""The corpus of public FHIR R4 Questionnaires in tests/fhir_corpus: every file imports or is
refused with a coded reason naming every problem, none crashes, and what imports exports again
item by item (``export(import(q))`` is ``q``: linkIds, types, texts, required, answer codings with
their ``system``, enableWhen).

Run ``pytest tests/test_fhir_corpus.py -s`` to see the report (imported / refused, with reasons).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from sob_core import forms
from sob_core.extensions import db
from sob_core.interchange import fhir
from sob_core.interchange.fhir.scores import EXPRESSIONS

CORPUS = Path(__file__).parent / "fhir_corpus"
FILES = sorted(CORPUS.glob("*.json"))

#: the files that import as given (the baseline on main was 2 of 15: smart-forms and va; see
#: docs/fhir.md for why LHC-Forms' targetConstraint form is refused)
IMPORTS = {
    "android-fhir-behavior-skip-logic.json",  # its display children kept as notes (issue 16)
    "android-fhir-behavior-questionnaire-constraint.json",  # checked at submission (issue 16)
    "android-fhir-component-help.json",  # options that are only a display (issue 16)
    "android-fhir-component-initial-value.json",  # a quantity's unit from its initial value
    "android-fhir-repeated-group.json",  # a repeating group, skip logic per repetition (issue 16)
    "medplum-sick-note-bundle.json",
    "r4-questionnaire-example-f201-lifelines.json",
    "r4-questionnaire-example-bluebook.json",
    "r4-questionnaire-example-gcs.json",
    "r4-questionnaire-zika-virus-exposure-assessment.json",  # its quantity items (issue 16)
    "sdc-hunger-vital-signs.json",  # its risk, a FHIRPath calculation (issue 16: fhirpathpy)
    "sdc-phq9.json",
    "smart-forms-simple-bp.json",
    "va-pre-visit-agenda.json",
}


def _registry(app: Any) -> Any:
    return app.extensions["sob"].registry


def _questionnaire(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_bytes())
    if data.get("resourceType") == "Bundle":
        (data,) = [
            e["resource"]
            for e in data["entry"]
            if e.get("resource", {}).get("resourceType") == "Questionnaire"
        ]
    return data


def _questions(items: Any, inherited: tuple[Any, ...] = ()) -> Iterator[Mapping[str, Any]]:
    """The question items in document order, groups and help/display children left out; each
    with the ``enableWhen`` of its enclosing groups joined to its own, since a group's condition
    is what decides whether its questions are asked (sob keeps it on the questions)."""
    for item in items or []:
        if item.get("type") == "group":
            yield from _questions(item.get("item"), (*inherited, *(item.get("enableWhen") or [])))
        elif item.get("type") != "display":
            yield {**item, "enableWhen": [*inherited, *(item.get("enableWhen") or [])]}
            yield from _questions(item.get("item"), inherited)  # its follow-up questions


def _groups(items: Any, parent: Any = None) -> list[tuple[Any, ...]]:
    """Every group (linkId, text, required, enclosing group) in document order."""
    found: list[tuple[Any, ...]] = []
    for item in items or []:
        if item.get("type") == "group":
            link = item["linkId"]
            occurs = sorted(
                (str(e.get("url")), e.get("valueInteger"))
                for e in item.get("extension") or []
                if str(e.get("url")).endswith(
                    ("questionnaire-minOccurs", "questionnaire-maxOccurs")
                )
            )
            found.append(
                (
                    link,
                    item.get("text"),
                    bool(item.get("required")),
                    parent,
                    bool(item.get("repeats")),
                    occurs,
                )
            )
            found += _groups(item.get("item"), link)
    return found


ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def _options(item: Mapping[str, Any], source: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The item's answer options; an ``answerValueSet`` ``#id`` read from the contained value
    set (its expansion or its listed concepts, as answer options with the same codings)."""
    reference = item.get("answerValueSet")
    if not isinstance(reference, str) or not reference.startswith("#"):
        return list(item.get("answerOption") or [])
    (value_set,) = [c for c in source.get("contained") or [] if c.get("id") == reference[1:]]
    if "expansion" in value_set:
        return [{"valueCoding": c} for c in value_set["expansion"]["contains"]]
    return [
        {"valueCoding": {"system": include.get("system"), **concept}}
        for include in value_set["compose"]["include"]
        for concept in include["concept"]
    ]


def _score(option: Mapping[str, Any]) -> Any:
    for element in (option, option.get("valueCoding") or {}):
        for extension in element.get("extension") or []:
            if extension.get("url") == ORDINAL:
                return extension.get("valueDecimal", extension.get("valueInteger"))
    return None


def _codings(
    item: Mapping[str, Any], source: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Each answer option's coding (system, code) or value, with its score (ordinalValue)."""
    return [
        (
            (o["valueCoding"].get("system"), o["valueCoding"].get("code"))
            if "valueCoding" in o
            else next((k, v) for k, v in o.items() if k.startswith("value"))
        )
        + (_score(o),)
        for o in _options(item, source or {})
    ]


def _initial(item: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (name, value.get("code") if isinstance(value, dict) else value)
        for answer in item.get("initial") or []
        for name, value in answer.items()
    ]


def _follow_ups(item: Mapping[str, Any]) -> list[Any]:
    return [c["linkId"] for c in item.get("item") or [] if c.get("type") != "display"]


#: what the core or a question type writes itself (compared on its own above)
_MAPPED = {"item", "text", "_text", "type", "required", "repeats", "answerOption", "answerValueSet"}
_MAPPED |= {"enableWhen", "enableBehavior", "initial", "readOnly", "extension", "linkId"}


def _kept_keys(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _MAPPED and v not in (None, [], {}, "")}


def _extension_urls(item: Mapping[str, Any]) -> list[Any]:
    return sorted(str(e.get("url")) for e in item.get("extension") or [])


def _whens(item: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            w.get("question"),
            w.get("operator"),
            json.dumps(
                {k: _compared(v) for k, v in w.items() if k.startswith("answer")}, sort_keys=True
            ),
        )
        for w in item.get("enableWhen") or []
    )


def _expressions(item: Mapping[str, Any]) -> list[Any]:
    return [e for e in item.get("extension") or [] if e.get("url") in EXPRESSIONS]


def _compared(answer: Any) -> Any:
    """An enableWhen answer as FHIR compares it: a Coding by its system and code (sob writes
    the option's display beside them, which a source may leave out)."""
    if isinstance(answer, Mapping) and "code" in answer:
        return {k: v for k, v in answer.items() if k in ("system", "code")}
    return answer


def test_every_corpus_file_has_its_source_and_licence() -> None:
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert len(FILES) == 19
    for path in FILES:
        rows = [line for line in sources.splitlines() if line.startswith(f"| {path.name} |")]
        assert len(rows) == 1, path.name
        assert rows[0].count("|") >= 7, path.name  # repository, path, commit, licence, blob


def test_corpus_imports_or_refuses_with_reasons(app: Any) -> None:
    registry = _registry(app)
    imported, refused = [], {}
    for path in FILES:
        try:
            with db.session.begin_nested():
                fhir.import_questionnaire(
                    db.session, registry, path.read_bytes(), file_name=path.name
                )
        except fhir.FhirImportError as error:
            refused[path.name] = str(error)
            assert str(error), path.name
            for part in error.errors:
                assert str(part) in str(error)
        else:
            imported.append(path.name)
    print(f"\nFHIR corpus: {len(imported)} of {len(FILES)} import as given")
    for name, reason in refused.items():
        print(f"  refused {name}: {reason}")
    assert set(imported) == IMPORTS


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_round_trip_keeps_every_item(app: Any, name: str) -> None:
    registry = _registry(app)
    source = _questionnaire(CORPUS / name)
    version = fhir.import_questionnaire(
        db.session, registry, (CORPUS / name).read_bytes(), file_name=name
    )
    db.session.flush()
    again = fhir.export_questionnaire(version, registry, "sv")
    calculated = {q["key"] for q in version.definition["questions"] if q.get("calculated")}
    for name in ("url", "version", "status", "copyright", "language"):
        assert again.get(name) == source.get(name, again.get(name)), name
    if source.get("url"):
        canonical = fhir.questionnaire_canonical(version)
        assert canonical.split("|")[0] == source["url"]
    assert _groups(again["item"]) == _groups(source.get("item"))
    before, after = list(_questions(source.get("item"))), list(_questions(again["item"]))
    assert [i["linkId"] for i in after] == [i["linkId"] for i in before]
    for old, new in zip(before, after, strict=True):
        assert new["type"] == old["type"], old["linkId"]
        assert new.get("text") == old.get("text"), old["linkId"]
        assert bool(new.get("required")) == bool(old.get("required")), old["linkId"]
        assert bool(new.get("repeats")) == bool(old.get("repeats")), old["linkId"]
        assert _codings(new, again) == _codings(old, source), old["linkId"]
        if old["linkId"] in calculated:  # a calculated question: its expression as it came
            assert _expressions(new) == _expressions(old), old["linkId"]
        elif any(e.get("url") in EXPRESSIONS for e in old.get("extension") or []):
            assert new == old, old["linkId"]  # a score total comes back as it came
        assert _whens(new) == _whens(old), old["linkId"]
        assert bool(new.get("readOnly")) == bool(old.get("readOnly")), old["linkId"]
        assert _initial(new) == _initial(old), old["linkId"]
        assert _follow_ups(new) == _follow_ups(old), old["linkId"]
        # nothing the source carried is lost (sob's own additions are checked elsewhere)
        assert _kept_keys(old).items() <= _kept_keys(new).items(), old["linkId"]
        assert set(_extension_urls(old)) <= set(_extension_urls(new)), old["linkId"]
        assert ("text" in new) == ("text" in old), old["linkId"]
        assert (new.get("enableBehavior") or "any") == (old.get("enableBehavior") or "any") or (
            len(old.get("enableWhen") or []) < 2
        ), old["linkId"]


def test_a_bundle_without_exactly_one_questionnaire_is_refused(app: Any) -> None:
    bundle = json.loads((CORPUS / "medplum-sick-note-bundle.json").read_bytes())
    bundle["entry"] = bundle["entry"] * 2
    with pytest.raises(fhir.FhirImportError, match="holds 2 Questionnaires"):
        fhir.read_questionnaire(_registry(app), bundle)
    bundle["entry"] = []
    with pytest.raises(fhir.FhirImportError, match="holds 0 Questionnaires"):
        fhir.read_questionnaire(_registry(app), bundle)


def _three_modifiers() -> dict[str, Any]:
    """The GCS example with an unknown modifier extension on each of its three items."""
    data = json.loads((CORPUS / "r4-questionnaire-example-gcs.json").read_bytes())
    for item in data["item"]:
        item["modifierExtension"] = [{"url": "http://example.org/negate", "valueBoolean": True}]
    return data


def test_a_refusal_names_every_problem_at_once(app: Any) -> None:
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), _three_modifiers())
    assert raised.value.code == "several"
    links = [part.params.get("link") for part in raised.value.errors]
    assert links == ["'1.1'", "'1.2'", "'1.3'"]


def _small(item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "id": "small",
        "item": [item],
        **extra,
    }


LOINC = "http://loinc.org"
CONTAINED = {
    "resourceType": "ValueSet",
    "id": "often",
    "status": "active",
    "compose": {
        "include": [
            {
                "system": LOINC,
                "concept": [
                    {"code": "LA6568-5", "display": "Not at all"},
                    {"code": "LA6569-3", "display": "Several days"},
                ],
            }
        ]
    },
}


@pytest.mark.parametrize("shape", ["compose", "expansion"])
def test_answer_value_set_to_a_contained_value_set_keeps_its_codings(app: Any, shape: str) -> None:
    value_set = dict(CONTAINED)
    if shape == "expansion":
        del value_set["compose"]
        value_set["expansion"] = {
            "timestamp": "2026-01-01T00:00:00Z",
            "contains": [
                {"system": LOINC, "code": "LA6568-5", "display": "Not at all"},
                {"system": LOINC, "code": "LA6569-3", "display": "Several days"},
            ],
        }
    item = {"linkId": "q1", "text": "Hur ofta?", "type": "choice", "answerValueSet": "#often"}
    registry = _registry(app)
    version = fhir.import_questionnaire(db.session, registry, _small(item, contained=[value_set]))
    (question,) = version.definition["questions"]
    assert question["config"]["options"] == [
        {"value": "LA6568-5", "label": {"sv": "Not at all"}, "system": LOINC},
        {"value": "LA6569-3", "label": {"sv": "Several days"}, "system": LOINC},
    ]
    (exported,) = fhir.export_questionnaire(version, registry)["item"]
    assert [o["valueCoding"]["system"] for o in exported["answerOption"]] == [LOINC, LOINC]
    assert [o["valueCoding"]["code"] for o in exported["answerOption"]] == ["LA6568-5", "LA6569-3"]


def test_an_answer_value_set_that_is_not_contained_is_refused(app: Any) -> None:
    item = {"linkId": "q1", "text": "Hur ofta?", "type": "choice", "answerValueSet": "#other"}
    with pytest.raises(fhir.FhirImportError, match="'q1'"):
        fhir.read_questionnaire(_registry(app), _small(item, contained=[CONTAINED]))


def test_a_boolean_item_becomes_a_yes_no_question_and_returns(app: Any) -> None:
    registry = _registry(app)
    items = [
        {"linkId": "smoker", "text": "Röker du?", "type": "boolean", "required": True},
        {
            "linkId": "how_much",
            "text": "Hur mycket?",
            "type": "string",
            "enableWhen": [{"question": "smoker", "operator": "=", "answerBoolean": True}],
        },
    ]
    data = {"resourceType": "Questionnaire", "status": "active", "id": "smoke", "item": items}
    version = fhir.import_questionnaire(db.session, registry, data)
    first, second = version.definition["questions"]
    assert first["type"] == "yes_no"
    assert second["show_if"] == {"question": "smoker", "equals": True}
    qtype = registry.question_types["yes_no"]
    spec = forms.specs(version)[0]
    assert qtype.clean(spec, "true", "sv") is True
    assert qtype.clean(spec, "false", "sv") is False
    with pytest.raises(ValueError):
        qtype.clean(spec, "maybe", "sv")
    with pytest.raises(ValueError):
        qtype.clean(spec, "", "sv")  # required
    assert qtype.display(spec, True, "sv") == "Ja"
    assert qtype.display(spec, False, "en") == "No"
    assert qtype.fhir_answer(spec, False) == [{"valueBoolean": False}]
    exported = fhir.export_questionnaire(version, registry)["item"]
    assert exported[0]["type"] == "boolean"
    assert exported[1]["enableWhen"] == [
        {"question": "smoker", "operator": "=", "answerBoolean": True}
    ]


ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def test_an_options_ordinal_value_is_its_score_and_is_exported_again(app: Any) -> None:
    registry = _registry(app)
    options = [
        {
            "extension": [{"url": ORDINAL, "valueDecimal": score}],
            "valueCoding": {"system": LOINC, "code": code, "display": display},
        }
        for score, code, display in ((0, "LA6568-5", "Not at all"), (1.5, "LA6569-3", "Often"))
    ]
    item = {"linkId": "q1", "text": "Hur ofta?", "type": "choice", "answerOption": options}
    version = fhir.import_questionnaire(db.session, registry, _small(item))
    (question,) = version.definition["questions"]
    assert [o.get("score") for o in question["config"]["options"]] == [0, 1.5]
    (exported,) = fhir.export_questionnaire(version, registry)["item"]
    assert [o["extension"] for o in exported["answerOption"]] == [
        [{"url": ORDINAL, "valueDecimal": 0}],
        [{"url": ORDINAL, "valueDecimal": 1.5}],
    ]


def test_a_contained_concepts_ordinal_value_is_read_too(app: Any) -> None:
    value_set = json.loads(json.dumps(CONTAINED))
    for score, concept in enumerate(value_set["compose"]["include"][0]["concept"]):
        concept["extension"] = [{"url": ORDINAL, "valueDecimal": score}]
    item = {"linkId": "q1", "text": "Hur ofta?", "type": "choice", "answerValueSet": "#often"}
    version = fhir.import_questionnaire(
        db.session, _registry(app), _small(item, contained=[value_set])
    )
    (question,) = version.definition["questions"]
    assert [o.get("score") for o in question["config"]["options"]] == [0, 1]


def test_an_unknown_option_extension_is_named(app: Any) -> None:
    weight = "http://example.org/fhir/StructureDefinition/weight"  # itemWeight is a score now
    option = {"extension": [{"url": weight, "valueDecimal": 1}], "valueCoding": {"code": "a"}}
    item = {"linkId": "q1", "text": "Vad?", "type": "choice", "answerOption": [option]}
    with pytest.raises(fhir.FhirImportError, match="example.org/fhir/StructureDefinition/weight"):
        fhir.read_questionnaire(_registry(app), _small(item))


@pytest.mark.parametrize(
    ("locale", "several"), [("sv", "3 problem, så ingenting importerades:"), ("en", "3 problems")]
)
def test_the_cli_names_every_problem_in_its_language(
    app: Any, runner: Any, locale: str, several: str, tmp_path: Path
) -> None:
    from sob_core.cli.fhir import forms_group

    path = str(tmp_path / "gcs.json")
    Path(path).write_text(json.dumps(_three_modifiers()), encoding="utf-8")
    result = runner.invoke(forms_group, ["import", path], env={"SOB_DEFAULT_LOCALE": locale})
    assert result.exit_code == 2
    assert several in result.stderr
    for link in ("'1.1'", "'1.2'", "'1.3'"):
        assert f"item {link}" in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_imported_questionnaire_keeps_its_identity_and_its_responses_name_it(app: Any) -> None:
    registry = _registry(app)
    item = {"linkId": "q1", "text": "How are you?", "type": "string"}
    data = _small(
        item,
        url="http://example.org/Questionnaire/wellbeing",
        version="2.1",
        status="draft",
        copyright="(c) Example 2020",
        language="en",
    )
    version = fhir.import_questionnaire(db.session, registry, data)
    assert version.definition["origin"]["copyright"] == "(c) Example 2020"
    again = fhir.export_questionnaire(version, registry)
    assert (again["url"], again["version"], again["status"]) == (
        "http://example.org/Questionnaire/wellbeing",
        "2.1",
        "draft",
    )
    assert (again["copyright"], again["language"]) == ("(c) Example 2020", "en")
    assert fhir.questionnaire_canonical(version) == "http://example.org/Questionnaire/wellbeing|2.1"


def test_sobs_own_forms_keep_the_deployments_identity(app: Any) -> None:
    registry = _registry(app)
    item = {"linkId": "q1", "text": "Hur mår du?", "type": "string"}
    version = fhir.import_questionnaire(db.session, registry, _small(item), key="egen")
    assert "origin" not in version.definition or "url" not in version.definition["origin"]
    again = fhir.export_questionnaire(version, registry, base_url="https://sob.region.se")
    assert again["url"] == "https://sob.region.se/fhir/Questionnaire/egen"
    assert again["version"] == str(version.version)


def test_nested_groups_keep_their_structure_headings_and_required(app: Any) -> None:
    registry = _registry(app)
    items = [
        {
            "linkId": "g1",
            "text": "Om dig",
            "type": "group",
            "required": True,
            "item": [
                {"linkId": "q1", "text": "Namn?", "type": "string"},
                {
                    "linkId": "g2",
                    "text": "Sömn",
                    "type": "group",
                    "item": [{"linkId": "q2", "text": "Hur sov du?", "type": "text"}],
                },
                {"linkId": "q3", "text": "Ålder?", "type": "integer"},
            ],
        },
        {"linkId": "q4", "text": "Något mer?", "type": "string"},
    ]
    data = {"resourceType": "Questionnaire", "status": "active", "id": "nested", "item": items}
    version = fhir.import_questionnaire(db.session, registry, data)
    assert [q.get("group") for q in version.definition["questions"]] == ["g1", "g2", "g1", None]
    assert version.definition["groups"] == [
        {"key": "g1", "parent": None, "text": {"sv": "Om dig"}, "required": True},
        {"key": "g2", "parent": "g1", "text": {"sv": "Sömn"}},
    ]
    again = fhir.export_questionnaire(version, registry)["item"]
    assert _groups(again) == _groups(items)
    assert [i["linkId"] for i in _questions(again)] == ["q1", "q2", "q3", "q4"]
    assert [i["linkId"] for i in again[0]["item"]] == ["q1", "g2", "q3"]


def test_what_a_group_carries_that_sob_cannot_keep_is_named(app: Any) -> None:
    group = {
        "linkId": "g1",
        "text": "Om dig",
        "type": "group",
        "readOnly": True,
        "extension": [{"url": "http://example.org/x", "valueString": "y"}],
        "item": [{"linkId": "q1", "text": "Namn?", "type": "string"}],
    }
    with pytest.raises(fhir.FhirImportError) as raised:
        fhir.read_questionnaire(_registry(app), _small(group))
    text = str(raised.value)
    assert "'readOnly'" in text
    assert "http://example.org/x" in text
