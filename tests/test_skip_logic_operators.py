"""Skip logic beyond equals/in/min: every operator on its kinds of answers, all/any of several
conditions, the checks' coded reasons, and FHIR enableWhen read and written again per operator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sob_core.forms.skip_logic import condition_holds, condition_problem
from sob_core.interchange.fhir.conditions import read_condition
from sob_core.interchange.fhir.errors import FhirImportError


@pytest.mark.parametrize(
    ("condition", "answers", "shown"),
    [
        ({"question": "a", "not_equals": "x"}, {"a": "y"}, True),
        ({"question": "a", "not_equals": "x"}, {"a": "x"}, False),
        ({"question": "a", "not_equals": "x"}, {}, True),  # FHIR: no answer equals it
        ({"question": "a", "not_equals": "x"}, {"a": ["x", "y"]}, False),
        ({"question": "n", "max": 3}, {"n": 3}, True),
        ({"question": "n", "max": 3}, {"n": 4}, False),
        ({"question": "n", "greater": 3}, {"n": 3}, False),
        ({"question": "n", "greater": 3}, {"n": 3.5}, True),
        ({"question": "n", "less": 3}, {"n": 2}, True),
        ({"question": "n", "less": 3}, {}, False),
        ({"question": "d", "greater": "2000-01-01"}, {"d": "2000-01-02"}, True),
        ({"question": "d", "max": "2000-01-01"}, {"d": "2000-01-02"}, False),
        ({"question": "t", "greater": "11:11:11"}, {"t": "11:12"}, True),
        ({"question": "t", "max": "11:11:11"}, {"t": "11:11"}, True),
        ({"question": "c", "less": 2.1}, {"c": "1.1"}, True),  # a choice with numeric values
        ({"question": "c", "less": 2.1}, {"c": "2.2"}, False),
        ({"question": "b", "equals": True}, {"b": True}, True),
        ({"question": "b", "not_equals": True}, {"b": False}, True),
        ({"question": "a", "exists": True}, {"a": "x"}, True),
        ({"question": "a", "exists": True}, {}, False),
        ({"question": "a", "exists": False}, {}, True),
        ({"question": "a", "exists": False}, {"a": []}, True),
        (
            {"question": "x", "greater": "2020-01-01T10:00:00Z"},
            {"x": "2020-01-01T11:30:00+01:00"},
            True,
        ),
        (
            {"all": [{"question": "a", "equals": "x"}, {"question": "n", "min": 2}]},
            {"a": "x", "n": 1},
            False,
        ),
        (
            {"all": [{"question": "a", "equals": "x"}, {"question": "n", "min": 2}]},
            {"a": "x", "n": 2},
            True,
        ),
        (
            {"any": [{"question": "a", "equals": "x"}, {"question": "n", "min": 2}]},
            {"a": "y", "n": 2},
            True,
        ),
        (
            {"any": [{"question": "a", "equals": "x"}, {"question": "n", "min": 2}]},
            {"a": "y", "n": 1},
            False,
        ),
        ({"question": "a", "equals": "x"}, {"a": "x"}, True),  # the old shapes still hold
        ({"question": "a", "in": ["x", "z"]}, {"a": "z"}, True),
        ({"question": "n", "min": 2}, {"n": 1}, False),
    ],
)
def test_each_operator_and_combination(condition: Any, answers: Any, shown: bool) -> None:
    assert condition_holds(condition, answers) is shown


QUESTIONS = [
    {"key": "n", "type": "number", "config": {}},
    {"key": "c", "type": "single_choice", "config": {"options": [{"value": "x"}, {"value": "y"}]}},
    {"key": "d", "type": "date", "config": {}},
    {"key": "t", "type": "short_text", "config": {}},
    {"key": "q", "type": "short_text", "config": {}},
]
KINDS = {"n": "integer", "c": "choice", "d": "date", "t": "string"}


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ({"question": "n", "greater": 2}, None),
        ({"question": "n", "greater": "two"}, "number"),
        ({"question": "c", "greater": 2}, "order"),  # its option values are not numbers
        ({"question": "c", "not_equals": "z"}, "option"),
        ({"question": "d", "less": "2000-13-01"}, "value"),
        ({"question": "d", "less": "2000-12-01"}, None),
        ({"question": "t", "greater": "a"}, "order"),
        ({"question": "t", "exists": "yes"}, "exists"),
        ({"all": []}, "combination"),
        ({"any": [{"question": "n", "min": 1}, {"question": "q", "equals": "a"}]}, "self"),
        ({"any": [{"question": "n", "min": 1}, {"question": "c", "in": ["x", "y"]}]}, None),
        ({"question": "n", "min": 1, "max": 2}, "shape"),
    ],
)
def test_conditions_are_checked_with_coded_reasons(condition: Any, code: str | None) -> None:
    assert condition_problem(QUESTIONS, 4, condition, KINDS) == code


@pytest.mark.parametrize(
    ("whens", "behaviour", "expected"),
    [
        (
            [{"question": "a", "operator": "!=", "answerString": "x"}],
            None,
            {"question": "a", "not_equals": "x"},
        ),
        (
            [{"question": "a", "operator": "<=", "answerDate": "2000-01-01"}],
            None,
            {"question": "a", "max": "2000-01-01"},
        ),
        (
            [{"question": "a", "operator": ">", "answerTime": "11:11:11"}],
            None,
            {"question": "a", "greater": "11:11:11"},
        ),
        (
            [{"question": "a", "operator": "<", "answerDecimal": 2.1}],
            None,
            {"question": "a", "less": 2.1},
        ),
        (
            [{"question": "a", "operator": "exists", "answerBoolean": False}],
            None,
            {"question": "a", "exists": False},
        ),
        (
            [{"question": "a", "operator": ">=", "answerQuantity": {"value": 5, "unit": "min"}}],
            None,
            {"question": "a", "min": 5},
        ),
        (
            [{"question": "a", "operator": "=", "answerDateTime": "2020-01-01T10:00:00Z"}],
            None,
            {"question": "a", "equals": "2020-01-01T10:00:00Z"},
        ),
        (
            [
                {"question": "a", "operator": "=", "answerCoding": {"code": "8"}},
                {"question": "b", "operator": "=", "answerInteger": 4},
            ],
            "all",
            {"all": [{"question": "a", "equals": "8"}, {"question": "b", "equals": 4}]},
        ),
        (
            [
                {"question": "a", "operator": "=", "answerBoolean": True},
                {"question": "b", "operator": "!=", "answerString": "x"},
            ],
            "any",
            {"any": [{"question": "a", "equals": True}, {"question": "b", "not_equals": "x"}]},
        ),
    ],
)
def test_every_enable_when_operator_is_read(whens: Any, behaviour: Any, expected: Any) -> None:
    item = {"enableWhen": whens, **({"enableBehavior": behaviour} if behaviour else {})}
    assert read_condition(item, "q") == expected


def test_exists_needs_a_boolean_and_several_need_a_behaviour() -> None:
    with pytest.raises(FhirImportError) as error:
        read_condition(
            {"enableWhen": [{"question": "a", "operator": "exists", "answerString": "x"}]}, "q"
        )
    assert error.value.code == "condition_exists"
    with pytest.raises(FhirImportError) as error:
        read_condition(
            {"enableWhen": [{"question": "a", "operator": "=", "answerString": "x"}] * 2}, "q"
        )
    assert error.value.code == "condition_behaviour"


def test_the_sdc_enable_when_file_has_no_enable_when_problem_left(app: Any) -> None:
    from sob_core.interchange import fhir

    data = (Path(__file__).parent / "fhir_corpus" / "sdc-test-enablewhen.json").read_bytes()
    registry = app.extensions["sob"].registry
    with pytest.raises(fhir.FhirImportError) as error:
        fhir.import_questionnaire(
            __import__("sob_core.extensions").extensions.db.session, registry, data
        )
    # what is left is the choice without options (another change's), no enableWhen problem
    assert "enableWhen" not in str(error.value)
    json.loads(data)
