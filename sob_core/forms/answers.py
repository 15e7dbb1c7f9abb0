"""Answers: cleaning posted answers with their question types, and showing stored ones.

Answers are stored as ``{"type": key, "value": payload}`` per question, so a response stays
readable after its question-type plugin is gone. Cleaning reads a posted form only through
``getattr(form, key).data``, so this module needs no Flask: the web layer builds the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import results  # the module: results imports forms, names are read at call time
from ..models import FormResponse, FormVersion
from ..plugins import Registry
from ..types import QuestionSpec, local
from . import repeating
from .definitions import specs
from .skip_logic import condition_holds

log = logging.getLogger(__name__)

UNKNOWN_TYPE = {
    "sv": "Svar av en frågetyp som inte längre är installerad",
    "en": "Answer of a question type that is no longer installed",
}


@dataclass
class Outcome:
    values: dict[str, Any]  # question key -> cleaned payload (visible questions only)
    errors: dict[str, str]  # question key -> message


#: ``compute(question, answers so far)``: the value of a question the form computes itself (an
#: imported form's calculated or prefilled question, ``interchange.fhir.calculate``), or None
Compute = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
#: ``enabled(question, answers so far)``: whether an imported form's question is asked by its
#: own expression (``interchange.fhir.calculate``: SDC's enableWhenExpression)
Enabled = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]


def computed(question: Mapping[str, Any]) -> bool:
    """Whether the form computes the question's answer (the citizen cannot change it)."""
    return bool(
        question.get("calculated")
        or (question.get("initial_expression") and question.get("read_only"))
    )


def clean_answers(
    version: FormVersion,
    registry: Registry,
    form: Any,
    lang: str,
    final: bool,
    compute: Compute | None = None,
    enabled: Enabled | None = None,
) -> Outcome:
    """Clean every posted answer with its question type; on ``final`` required ones must be there.

    A question the form computes (``computed``) is not read from the form: its value is
    ``compute``'s, from the answers before it, computed again from all the answers at the end
    (without ``compute`` it has none). A question with
    an ``enable_expression`` is asked when ``enabled`` says so (without ``enabled``, always)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    by_key = {spec.key: spec for spec in specs(version)}
    never = repeating.hidden_questions(version.definition)
    shown: list[str] = []
    inside = repeating.repeated_questions(version.definition)
    per_group: dict[str, dict[str, list[Any]]] = {}  # group -> question -> payload per repetition
    for question in version.definition["questions"]:
        key = question["key"]
        if key in inside and key in never:
            continue  # never shown, and no value of the form's own in a repeating group
        if key in inside:  # skip logic holds per repetition (repeating.py)
            qtype = registry.question_types.get(by_key[key].type)
            earlier = per_group.setdefault(inside[key], {})
            if qtype is not None:
                earlier[key] = _clean_repetitions(
                    by_key[key],
                    qtype,
                    form,
                    lang,
                    final,
                    errors,
                    question.get("show_if"),
                    values,
                    earlier,
                )
                if any(value is not _HIDDEN for value in earlier[key]):
                    shown.append(key)
            continue
        if not condition_holds(question.get("show_if"), values):
            continue  # hidden by skip logic: not asked, so not stored
        expression = enabled is not None and question.get("enable_expression")
        if expression and enabled is not None and not enabled(question, values):
            continue  # hidden by its own expression, likewise
        shown.append(key)
        if computed(question):
            value = compute(question, values) if compute is not None else None
            if value is not None:
                values[key] = value
            continue
        if question.get("read_only") or key in never:
            # not changed by the citizen (shown read-only, or never shown): what is stored is
            # the form's own value
            if question.get("initial") is not None:
                values[key] = question["initial"]
            continue
        spec = by_key[key]
        qtype = registry.question_types.get(spec.type)
        field = getattr(form, key, None)
        if qtype is None or field is None:
            continue
        try:
            payload = qtype.clean(spec, field.data, lang)
        except ValueError as error:
            if final or not _is_empty(field.data):
                errors[key] = str(error)
            continue
        if payload is None and final and spec.required:
            errors[key] = _required_message(lang)
            continue
        if payload is not None:
            values[key] = payload
    for group, answered in per_group.items():
        _keep_repetitions(version, group, answered, by_key, values, errors, final, lang)
    if compute is not None:  # again, now that every answer is known (one may name a later one)
        for question in version.definition["questions"]:
            if question["key"] in shown and computed(question):
                value = compute(question, values)
                if value is None:
                    values.pop(question["key"], None)
                else:
                    values[question["key"]] = value
    if final:
        for key, message in group_problems(version, shown, values, lang).items():
            errors.setdefault(key, message)
    return Outcome(values, errors)


def _clean_repetitions(
    spec: QuestionSpec,
    qtype: Any,
    form: Any,
    lang: str,
    final: bool,
    errors: dict[str, str],
    show_if: Any,
    values: Mapping[str, Any],
    earlier: Mapping[str, list[Any]],
) -> list[Any]:
    """One question of a repeating group cleaned in each repetition the form has (``<key>@<n>``):
    its payloads (None when blank, ``_HIDDEN`` where its skip logic, read with that repetition's
    earlier answers, hides it); an invalid answer's error goes under its field's name."""
    payloads: list[Any] = []
    number = 1
    optional = QuestionSpec(spec.key, spec.type, spec.label, spec.config, False, spec.help)
    while (field := getattr(form, repeating.field_name(spec.key, number), None)) is not None:
        row = {
            k: v[number - 1]
            for k, v in earlier.items()
            if number <= len(v) and v[number - 1] not in (None, _INVALID, _HIDDEN)
        }
        if not condition_holds(show_if, {**values, **row}):
            payloads.append(_HIDDEN)
        else:
            try:
                payloads.append(qtype.clean(optional, field.data, lang))
            except ValueError as error:
                payloads.append(_INVALID)
                if final or not _is_empty(field.data):
                    errors[field.name] = str(error)
        number += 1
    return payloads


_INVALID = object()  # a repetition's answer that did not clean: kept from being dropped as blank
_HIDDEN = object()  # a repetition's question its skip logic hides: not asked, stored as None


def _keep_repetitions(
    version: FormVersion,
    group_key: str,
    answered: Mapping[str, list[Any]],
    by_key: Mapping[str, QuestionSpec],
    values: dict[str, Any],
    errors: dict[str, str],
    final: bool,
    lang: str,
) -> None:
    """The repetitions of a group with anything in them go to ``values`` (a list per question,
    None where one was left blank); on ``final`` a required question blank in a kept repetition
    and too few repetitions are errors, each naming its repetition."""
    group = repeating.repeating(version.definition)[group_key]
    count = max((len(v) for v in answered.values()), default=0)
    kept = [
        n
        for n in range(count)
        if any(n < len(v) and v[n] not in (None, _HIDDEN) for v in answered.values())
    ]
    for key, payloads in answered.items():
        row = [payloads[n] if n < len(payloads) else None for n in kept]
        row = [None if value is _INVALID or value is _HIDDEN else value for value in row]
        if any(value is not None for value in row):
            values[key] = row
    if not final:
        return
    for n in kept:  # named by its place on the page (a blank one before it is still shown)
        for key, payloads in answered.items():
            name = repeating.field_name(key, n + 1)
            if by_key[key].required and n < len(payloads) and payloads[n] is None:
                errors.setdefault(name, _repetition_message(group, n + 1, lang))
    low = repeating.least(group)
    if len(kept) < low and answered:
        first = repeating.field_name(next(iter(answered)), 1)
        errors.setdefault(first, _too_few_message(group, low, lang))


def _repetition_message(group: Mapping[str, Any], number: int, lang: str) -> str:
    where = repeating.heading(group, number, lang)
    if lang == "sv":
        return f"{where}: frågan måste besvaras."
    return f"{where}: this question must be answered."


def _too_few_message(group: Mapping[str, Any], low: int, lang: str) -> str:
    heading = local(group.get("text"), lang) if group.get("text") else ""
    if lang == "sv":
        return f"Fyll i minst {low} ”{heading}”." if heading else f"Fyll i minst {low} gånger."
    return f"Fill in at least {low} “{heading}”." if heading else f"Fill in at least {low} times."


def group_problems(
    version: FormVersion, shown: list[str], values: Mapping[str, Any], lang: str
) -> dict[str, str]:
    """A required group (``definition["groups"]``, e.g. FHIR's) with none of its shown questions
    answered, its nested groups' included: the message under its first shown question's key. A
    group whose questions are all hidden by skip logic is not asked, so not required."""
    groups = [g for g in version.definition.get("groups") or [] if isinstance(g, Mapping)]
    parent_of = {g.get("key"): g.get("parent") for g in groups}

    def within(group_key: Any, target: Any) -> bool:
        seen: set[Any] = set()
        while group_key is not None and group_key not in seen:
            if group_key == target:
                return True
            seen.add(group_key)
            group_key = parent_of.get(group_key)
        return False

    group_of = {q["key"]: q.get("group") for q in version.definition["questions"]}
    inside = repeating.repeated_questions(version.definition)
    never = repeating.hidden_questions(version.definition)  # not asked, so not required
    problems: dict[str, str] = {}
    for group in groups:
        if not group.get("required") or group.get("repeats") is True:
            continue  # a repeating group counts its repetitions itself (_keep_repetitions)
        members = [
            key for key in shown if key not in never and within(group_of.get(key), group.get("key"))
        ]
        if members and not any(key in values for key in members):
            first = repeating.field_name(members[0], 1) if members[0] in inside else members[0]
            problems.setdefault(first, _group_message(group.get("text"), lang))
    return problems


def _group_message(text: Any, lang: str) -> str:
    heading = local(text, lang) if text else ""
    if lang == "sv":
        return (
            f"Besvara minst en fråga under ”{heading}”."
            if heading
            else ("Besvara minst en av frågorna i den här gruppen.")
        )
    return (
        f"Answer at least one question under “{heading}”."
        if heading
        else ("Answer at least one of the questions in this group.")
    )


def check_response(
    version: FormVersion, registry: Registry, values: Mapping[str, Any], lang: str
) -> dict[str, str]:
    """Cross-field checks of a whole response before it is submitted: question key -> message.

    The form's scale (``Scale.check_answers``) looks at the cleaned answers together, e.g. a
    sleep diary's time asleep against its time in bed. A problem that names no question of the
    form is returned under the key ``""`` (shown above the form). A check that itself fails is a
    plugin bug: it is logged, and the response goes on to scoring, which records a failure.
    """
    scale = registry.scales.get(version.scale_id) if version.scale_id else None
    if scale is None or scale.check_answers is None:
        return {}
    answers = {**values, **results.scale_answers(scale, values)}
    try:
        problems = list(scale.check_answers(answers))
    except Exception:
        log.exception("scale %s: check_answers failed on form version %s", scale.id, version.id)
        return {}
    keys = {question["key"] for question in version.definition["questions"]}
    errors: dict[str, str] = {}
    for problem in problems:
        message = local(problem.message, lang)
        named = [item for item in problem.items if item in keys] or [""]
        for key in named:
            errors[key] = f"{errors[key]} {message}" if key in errors else message
    return errors


def _is_empty(data: Any) -> bool:
    return data is None or data == "" or data == [] or data == {}


def _required_message(lang: str) -> str:
    return "Frågan måste besvaras." if lang == "sv" else "This question must be answered."


def display_answer(
    spec: QuestionSpec,
    stored: Mapping[str, Any],
    registry: Registry,
    lang: str,
    repeated: bool = False,
) -> str:
    """A stored answer as text; ``repeated``: the question is in a repeating group (its value a
    list, one payload per repetition), shown as "1: … | 2: …" ("–" for one left blank)."""
    qtype = registry.question_types.get(stored.get("type", spec.type))
    if qtype is None:
        return local(UNKNOWN_TYPE, lang)
    value = stored.get("value")
    if repeated and isinstance(value, list):
        one = {**stored}
        return " | ".join(
            f"{n}: "
            + (display_answer(spec, {**one, "value": v}, registry, lang) if v is not None else "–")
            for n, v in enumerate(value, start=1)
        )
    try:
        return qtype.display(spec, stored.get("value"), lang)
    except Exception:  # a broken display must not hide that an answer exists; logged, not lost
        log.exception("question type %s could not display an answer", qtype.key)
        return str(stored.get("value"))


def store_answers(response: FormResponse, version: FormVersion, values: Mapping[str, Any]) -> None:
    types = {q["key"]: q["type"] for q in version.definition["questions"]}
    response.answers = {key: {"type": types[key], "value": value} for key, value in values.items()}


def payloads(response: FormResponse) -> dict[str, Any]:
    return {key: stored.get("value") for key, stored in (response.answers or {}).items()}


def prefilled(version: FormVersion, saved: Mapping[str, Any]) -> dict[str, Any]:
    """What a form shows: the questions' ``initial`` values, then what the citizen saved, and a
    read-only (or never shown) question's own value over anything (she cannot change it)."""
    questions = [q for q in version.definition.get("questions", []) if isinstance(q, Mapping)]
    initial = {q["key"]: q["initial"] for q in questions if q.get("initial") is not None}
    never = repeating.hidden_questions(version.definition)  # not shown, so not changed
    # (a question in a repeating group has no initial value: repeating.problems refuses it)
    fixed = {
        k: v
        for k, v in initial.items()
        if any(q["key"] == k and q.get("read_only") for q in questions) or k in never
    }
    return {**initial, **saved, **fixed}
