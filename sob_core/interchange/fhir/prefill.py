"""``initial`` and ``readOnly``: a question's prefilled answer, and whether the citizen may change it.

On import an item's ``initial`` (one ``value[x]``, or several for an item that ``repeats``: a
list) becomes the question's ``"initial"`` payload, the value its type stores for that answer (an
open choice's ``valueString`` is an answer of one's own, ``[{"other": ...}]``); it is accepted only when the type gives the same answer
back for it (``fhir_answer``), so nothing is changed on the way. ``readOnly`` becomes
``"read_only": true``: the form shows the value and does not let the citizen change it, and the
stored answer is the initial one. On export both are written again from the question.

An answer option marked ``initialSelected`` (R4's way to preselect an option: an item with
``answerOption`` may not have ``initial``) is the question's ``"initial"`` too, the option's value
(a list of them for a question that ``repeats``), and ``"initial_selected": true`` says it came so:
the export marks the options ``initialSelected`` again instead of writing ``initial``.

An ``initial`` the question type writes again itself from its settings (``fhir_item``) is part
of them, not an answer: a quantity item that names no unit but whose initial value does (Android
FHIR's "unit only") takes that unit as its one unit, ``sob_questions.quantity``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...types import QuestionSpec, QuestionType
from .errors import FhirExportError, FhirImportError

_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?")


def read_prefill(
    item: Mapping[str, Any], question: dict[str, Any], qtype: QuestionType, link: str
) -> None:
    """Put the item's ``initial`` and ``readOnly`` on ``question``; an error when they cannot be
    represented faithfully."""
    where = {"link": repr(link)}
    if item.get("readOnly") is True:
        question["read_only"] = True
    if _read_selected(item, question, qtype, link):
        return
    initial = item.get("initial")
    if not initial or _carried(initial, question, qtype):
        return
    if not isinstance(initial, list) or not all(isinstance(v, Mapping) for v in initial):
        raise FhirImportError("initial_value", **where)
    if len(initial) > 1 and item.get("repeats") is not True:
        raise FhirImportError("initial_many", **where)
    given = []
    for entry in initial:
        values = [(k, v) for k, v in entry.items() if k.startswith("value")]
        if len(values) != 1:
            raise FhirImportError("initial_value", **where)
        given.append(values[0])
    pieces = [_piece(name, value, question, qtype) for name, value in given]
    if any(piece is None for piece in pieces):
        raise FhirImportError("initial_value", **where)
    payload: Any = pieces[0]
    many = isinstance(question["config"], Mapping) and question["config"].get("repeats") is True
    if len(pieces) > 1 or many or isinstance(payload, Mapping) and "other" in payload:
        # several answers, an own text, or a question that takes several answers (a text or
        # number question that repeats stores a list, one value too)
        payload = pieces
    spec = _spec(question)
    try:
        again = qtype.fhir_answer(spec, payload)
    except (ValueError, TypeError) as error:
        raise FhirImportError("initial_type", **where, detail=error) from error
    if not isinstance(again, list) or len(again) != len(given):
        raise FhirImportError("initial_value", **where)
    if not all(_same([one], name, value) for one, (name, value) in zip(again, given, strict=True)):
        raise FhirImportError("initial_value", **where)
    question["initial"] = payload


def _carried(initial: Any, question: Mapping[str, Any], qtype: QuestionType) -> bool:
    """Whether the question type writes the item's ``initial`` itself, as it came (a part of its
    settings, not an answer: a quantity's unit given with no value, ``sob_questions.quantity``)."""
    spec = _spec(question)
    try:
        again = qtype.fhir_item(spec, "sv")
    except ValueError:
        return False
    return isinstance(again, Mapping) and again.get("initial") == initial


def _piece(name: str, value: Any, question: Mapping[str, Any], qtype: QuestionType) -> Any:
    """The payload (or, for a question that repeats, the part of it) for one initial value."""
    kind = name.removeprefix("value")
    options = [str(v) for v in _option_values(question.get("config"))]
    if isinstance(value, int | str) and not isinstance(value, bool) and str(value) in options:
        return str(value)  # an integer, date, time or string item answered from its options
    if kind == "String" and qtype.fhir_type == "open-choice" and isinstance(value, str) and value:
        return {"other": value}  # an answer of one's own
    return _payload(kind, value)


def _read_selected(
    item: Mapping[str, Any], question: dict[str, Any], qtype: QuestionType, link: str
) -> bool:
    """Put the values of the options marked ``initialSelected`` on ``question`` as its
    ``"initial"``; False when none is marked."""
    options = item.get("answerOption")
    if not isinstance(options, list):
        return False
    marked = [
        number
        for number, option in enumerate(options)
        if isinstance(option, Mapping) and option.get("initialSelected") is True
    ]
    if not marked:
        return False
    values = _option_values(question.get("config"))
    many = item.get("repeats") is True
    if len(values) != len(options) or (len(marked) > 1 and not many):
        raise FhirImportError("preselected", link=repr(link))
    payload: Any = [values[n] for n in marked] if many else values[marked[0]]
    spec = _spec(question)
    try:
        again = qtype.fhir_answer(spec, payload)
    except (ValueError, TypeError) as error:
        raise FhirImportError("initial_type", **{"link": repr(link)}, detail=error) from error
    if not isinstance(again, list) or len(again) != len(marked):
        raise FhirImportError("preselected", link=repr(link))
    question["initial"] = payload
    question["initial_selected"] = True
    return True


def _option_values(config: Any) -> list[Any]:
    options = config.get("options") if isinstance(config, Mapping) else None
    if not isinstance(options, list):
        return []
    return [o.get("value") if isinstance(o, Mapping) else None for o in options]


def write_prefill(
    question: Mapping[str, Any],
    spec: QuestionSpec,
    qtype: QuestionType,
    options: Any = None,
) -> dict[str, Any]:
    """The ``initial`` and ``readOnly`` keys of the question's exported item (or its
    ``answerOption``, the exported ``options``, with the initial ones marked ``initialSelected``)."""
    found: dict[str, Any] = {}
    initial = question.get("initial")
    if initial is not None and question.get("initial_selected") and isinstance(options, list):
        chosen = set(initial) if isinstance(initial, list) else {initial}
        values = _option_values(spec.config)
        if len(values) != len(options) or not chosen <= set(values):
            raise FhirExportError("preselected", key=repr(spec.key))
        found["answerOption"] = [
            {**option, "initialSelected": True} if value in chosen else option
            for option, value in zip(options, values, strict=True)
        ]
    elif initial is not None:
        found["initial"] = list(qtype.fhir_answer(spec, initial))
    if question.get("read_only"):
        found["readOnly"] = True
    return found


def _payload(kind: str, value: Any) -> Any:
    """The payload a type stores for an answer ``value[kind]``, or None when sob has no such one."""
    if kind == "Coding" and isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return value["code"]
    if kind in ("Integer", "Decimal") and isinstance(value, int | float):
        if isinstance(value, bool):
            return None
        return int(value) if float(value).is_integer() else value
    if kind in ("String", "Uri", "Date", "DateTime") and isinstance(value, str):
        return value
    if kind == "Quantity" and isinstance(value, Mapping) and isinstance(value.get("code"), str):
        number = value.get("value")
        if isinstance(number, int | float) and not isinstance(number, bool):
            return {
                "value": int(number) if float(number).is_integer() else number,
                "unit": value["code"],
            }
    if kind == "Time" and isinstance(value, str) and _TIME.fullmatch(value):
        return value[:5]
    if kind == "Boolean" and isinstance(value, bool):
        return value
    return None


def _same(answers: Any, name: str, value: Any) -> bool:
    """Whether the type's answer for the payload is the item's initial value."""
    if not isinstance(answers, list) or len(answers) != 1 or name not in answers[0]:
        return False
    again = answers[0][name]
    if isinstance(value, Mapping) and isinstance(again, Mapping):
        return again.get("code") == value.get("code") and (
            "system" not in value or again.get("system") == value.get("system")
        )
    if name == "valueTime":
        return str(again)[:5] == str(value)[:5]
    if name == "valueQuantity" and isinstance(value, Mapping) and isinstance(again, Mapping):
        same = all(again.get(k) == value.get(k) for k in ("value", "code"))
        return same and ("system" not in value or again.get("system") == value.get("system"))
    if name == "valueDateTime" and isinstance(value, str) and isinstance(again, str):
        try:
            return datetime.fromisoformat(again) == datetime.fromisoformat(value)
        except ValueError:
            return False
    return bool(again == value)


def _spec(question: Mapping[str, Any]) -> QuestionSpec:
    """What a question type's functions are given of an imported question."""
    return QuestionSpec(
        key=question["key"],
        type=question["type"],
        label=question["label"],
        config=question["config"],
    )
