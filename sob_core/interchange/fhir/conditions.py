"""Skip logic and FHIR ``enableWhen``: a question's ``show_if`` read from an item and written again.

Each ``enableWhen`` is one condition (``forms.skip_logic``): ``=`` equals, ``!=`` not_equals,
``>=`` min, ``<=`` max, ``>`` greater, ``<`` less, ``exists`` exists (with ``answerBoolean``).
Several are combined by ``enableBehavior``: ``all`` or ``any``; several ``=`` on one question with
``any`` are read as ``in`` (and ``in`` is written so). The answer is ``answerCoding`` (its code),
``answerBoolean``, ``answerInteger``, ``answerDecimal``, ``answerDate``, ``answerDateTime``,
``answerTime``, ``answerString`` or ``answerQuantity`` (its value). A group's ``enableWhen``
passes to the questions inside it, combined with a question's own by ``all`` (``combine``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ...forms import skip_logic
from ...types import QuestionSpec, QuestionType
from .errors import FhirExportError, FhirImportError

#: FHIR operator -> skip-logic operator, and back
FROM_FHIR = {
    "=": "equals",
    "!=": "not_equals",
    ">=": "min",
    "<=": "max",
    ">": "greater",
    "<": "less",
    "exists": "exists",
}
TO_FHIR = {name: operator for operator, name in FROM_FHIR.items()}
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?")
#: a question's conditions as FHIR writes them: (enableWhen list, enableBehavior or None)
Whens = tuple[list[Any], Any]


def combine(parts: Sequence[Whens], link: str, group: str) -> Whens:
    """The groups' and the item's own ``enableWhen`` (outermost first) as one: all of them must
    hold, so several are joined with ``all``; a part that itself needs ``any`` of several cannot
    be joined (sob's conditions are one level deep) and is refused."""
    parts = [p for p in parts if p[0]]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return [], None
    for whens, behaviour in parts:
        if len(whens) > 1 and behaviour != "all":
            raise FhirImportError("group_condition", child=repr(link), link=repr(group))
    return [when for whens, _ in parts for when in whens], "all"


def read_condition(item: Mapping[str, Any], link: str) -> dict[str, Any] | None:
    """The ``show_if`` of an item's ``enableWhen`` and ``enableBehavior`` (None without any)."""
    whens = item.get("enableWhen") or []
    if not whens:
        return None
    where = {"link": repr(link)}
    if not isinstance(whens, list) or not all(isinstance(when, Mapping) for when in whens):
        raise FhirImportError("condition_malformed", **where)
    conditions = [_read_when(when, link) for when in whens]
    behaviour = item.get("enableBehavior")
    if len(conditions) == 1 and not (behaviour == "any" and "equals" in conditions[0]):
        return conditions[0]
    if behaviour not in skip_logic.COMBINATIONS:
        raise FhirImportError("condition_behaviour", **where)
    questions = {c["question"] for c in conditions}
    if behaviour == "any" and len(questions) == 1 and all("equals" in c for c in conditions):
        return {"question": conditions[0]["question"], "in": [c["equals"] for c in conditions]}
    return {behaviour: conditions}


def _read_when(when: Mapping[str, Any], link: str) -> dict[str, Any]:
    where = {"link": repr(link)}
    source = when.get("question")
    if not isinstance(source, str) or not source:
        raise FhirImportError("condition_malformed", **where)
    operator = when.get("operator")
    name = FROM_FHIR.get(operator) if isinstance(operator, str) else None
    if name is None:
        raise FhirImportError("condition_operator", **where, operator=repr(operator))
    value = answer_value(when, link)
    if name == "exists" and not isinstance(value, bool):
        raise FhirImportError("condition_exists", **where)
    if name in skip_logic.ORDERING and isinstance(value, bool):
        raise FhirImportError("condition_min", **where)
    return {"question": source, name: value}


def answer_value(when: Mapping[str, Any], link: str) -> Any:
    """The stored payload an ``enableWhen.answer[x]`` compares with."""
    found = [(k, v) for k, v in when.items() if k.startswith("answer")]
    if len(found) != 1:
        raise FhirImportError("condition_answers", link=repr(link))
    ((name, value),) = found
    kind = name.removeprefix("answer")
    if kind == "Coding" and isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return value["code"]
    if kind == "Quantity" and isinstance(value, Mapping):
        value = value.get("value")
        kind = "Decimal"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "Integer" and number and float(value).is_integer():
        return int(value)
    if kind == "Decimal" and number:
        return value
    if kind in ("String", "Date", "DateTime") and isinstance(value, str) and value:
        return value
    if kind == "Time" and isinstance(value, str) and _TIME.fullmatch(value):
        return value[:5] if value[5:] in ("", ":00") else value  # sob stores HH:MM
    if kind == "Boolean" and isinstance(value, bool):
        return value
    raise FhirImportError("condition_answer", link=repr(link), name=repr(name))


# --- export --------------------------------------------------------------------------------------

#: the questions before the one being exported, which its ``show_if`` may name
Earlier = Mapping[str, tuple[QuestionSpec, QuestionType | None]]


def enable_when(key: str, condition: Mapping[str, Any], earlier: Earlier) -> dict[str, Any]:
    """``{"enableWhen": [...], "enableBehavior": ...}`` of a question's ``show_if``."""
    for mode in skip_logic.COMBINATIONS:
        if mode in condition:
            listed = condition[mode]
            if not isinstance(listed, list) or not listed:
                raise FhirExportError("show_if_kind", key=repr(key))
            whens = [w for c in listed for w in _whens(key, c, earlier)]
            return (
                {"enableWhen": whens, "enableBehavior": mode}
                if len(whens) > 1
                else {"enableWhen": whens}
            )
    whens = _whens(key, condition, earlier)
    if "in" in condition:  # also of one value, so that it is read as ``in`` again
        return {"enableWhen": whens, "enableBehavior": "any"}
    return {"enableWhen": whens}


def _whens(key: str, condition: Any, earlier: Earlier) -> list[dict[str, Any]]:
    if not isinstance(condition, Mapping):
        raise FhirExportError("show_if_kind", key=repr(key))
    source = condition.get("question")
    if not isinstance(source, str) or source not in earlier:
        raise FhirExportError("show_if_source", key=repr(key))
    spec, qtype = earlier[source]
    if qtype is None:
        raise FhirExportError("show_if_source_type", key=repr(key), source=repr(source))
    operator = skip_logic.operator_of(condition)
    if operator is None:
        raise FhirExportError("show_if_kind", key=repr(key))
    value = condition[operator]
    if operator == "in":
        if not isinstance(value, list | tuple) or not value:
            raise FhirExportError("show_if_in", key=repr(key))
        return [
            {"question": source, "operator": "=", **_answer(key, spec, qtype, v)} for v in value
        ]
    if operator == "exists":
        if not isinstance(value, bool):
            raise FhirExportError("show_if_kind", key=repr(key))
        return [{"question": source, "operator": "exists", "answerBoolean": value}]
    if operator in skip_logic.ORDERING:
        answer = _ordered_answer(key, spec, qtype, value)
    else:
        answer = _answer(key, spec, qtype, value)
    return [{"question": source, "operator": TO_FHIR[operator], **answer}]


def _answer(key: str, spec: QuestionSpec, qtype: QuestionType, value: Any) -> dict[str, Any]:
    """``{"answerCoding": ...}``: the answer the source question gives for ``value``; a number
    compared with a choice stays a number, a time keeps its seconds."""
    if qtype.fhir_type == "choice" and isinstance(value, int | float):
        return _plain(key, value)
    if qtype.fhir_type == "time" and isinstance(value, str) and len(value) > 5:
        return {"answerTime": value}
    compared = {"key": repr(key), "source": repr(spec.key), "value": repr(value)}
    try:
        answers = qtype.fhir_answer(spec, value)
    except ValueError as error:
        raise FhirExportError("show_if_compare", **compared, detail=error) from error
    if len(answers) != 1 or len(answers[0]) != 1:
        raise FhirExportError("show_if_one_answer", **compared)
    ((name, answer),) = answers[0].items()
    return {"answer" + name.removeprefix("value"): answer}


def _ordered_answer(key: str, spec: QuestionSpec, qtype: QuestionType, value: Any) -> dict:
    if isinstance(value, bool):
        raise FhirExportError("show_if_min", key=repr(key))
    if qtype.fhir_type in ("integer", "decimal", "quantity") and isinstance(value, int | float):
        try:
            answer = _answer(key, spec, qtype, value)
        except FhirExportError:
            answer = {}
        if set(answer) & {"answerInteger", "answerDecimal", "answerQuantity"}:
            return answer
    return _plain(key, value, qtype.fhir_type)


def _plain(key: str, value: Any, kind: str = "") -> dict[str, Any]:
    """The answer[x] of a value by its own type (and the kind of the question for texts)."""
    if isinstance(value, bool):
        return {"answerBoolean": value}
    if isinstance(value, int):
        return {"answerInteger": value}
    if isinstance(value, float):
        return {"answerDecimal": value}
    if isinstance(value, str):
        names = {"date": "answerDate", "dateTime": "answerDateTime", "time": "answerTime"}
        if kind in names:
            return {names[kind]: value}
        return {"answerString": value}
    raise FhirExportError("show_if_min", key=repr(key))
