"""The expressions of an imported form evaluated as it is filled in (``expressions.py`` reads them):
calculated questions, prefills from ``%patient`` and whether a question is asked
(``enableWhenExpression``, ``Calculator.enabled``; hidden on the page the server makes, ``hidden``).

- **The response.** ``%resource`` is a QuestionnaireResponse of the answers so far: each
  answered question as its type gives it (``fhir_answer``, as ``response.py`` exports it),
  nested in the form's groups (every group is there, answered or not, so ``item[0]`` is the
  first group as in the Questionnaire) and a follow-up in its question's answer.
  ``%questionnaire`` is the form version exported (``questionnaire.py``); ``%context`` the
  response item of the question (of the group, for a group's variables).
- **Variables.** The SDC ``variable`` extensions sob keeps (on the Questionnaire, on the groups
  around the question and on the question itself) are evaluated in that order, each over the
  response or its item, before the expression.
- **The patient.** ``%patient`` is a FHIR Patient of the signed-in citizen and no one else
  (``patient_resource``): the identifier the responses name her by (``response.py``: personal
  identity or coordination number), her name, birth date and legal sex as ``gender``. Its ``id``
  is ``citizen-<her number in this sob>``, the pattern of the ids of the exported responses
  (``response-<number>``): a stable, opaque id inside this deployment that says nothing of who
  she is. Where there is no citizen (the design tool's preview) ``%patient`` is empty.
- **Failures** never reach the page: an expression that fails gives no value (the question stays
  empty, the other answers are kept) and is logged by form version and question key only, never
  with the answers or the evaluator's message (which may quote them).

The values are the question's payloads (``prefill._payload`` by the item's type), accepted only
when the question type gives an answer for them (``fhir_answer``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from ...forms import repeating, skip_logic
from ...forms.definitions import specs
from ...models import Citizen, FormVersion
from ...plugins import Registry
from ...types import QuestionSpec, QuestionType
from .common import PERSONNUMMER_SYSTEM, SAMORDNINGSNUMMER_SYSTEM, fhir_id, read_text
from .expressions import FHIRPATH, constraint_parts, own_variables
from .fhirpath import FhirPathError, evaluate
from .prefill import _payload

log = logging.getLogger(__name__)

#: the payload kind of an item type (``prefill._payload``)
_KINDS = {
    "decimal": "Decimal",
    "integer": "Integer",
    "boolean": "Boolean",
    "string": "String",
    "text": "String",
    "url": "String",
    "date": "Date",
    "dateTime": "DateTime",
    "time": "Time",
    "quantity": "Quantity",
}


def patient_resource(citizen: Citizen) -> dict[str, Any]:
    """The FHIR Patient ``%patient`` is: the citizen herself (see the module's notes)."""
    system = SAMORDNINGSNUMMER_SYSTEM if citizen.coordination_number else PERSONNUMMER_SYSTEM
    name: dict[str, Any] = {"use": "official", "text": citizen.name}
    words = (citizen.name or "").split()
    if len(words) > 1:  # sob keeps one name: the family name is taken to be its last word
        name.update({"family": words[-1], "given": words[:-1]})
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": fhir_id("citizen", citizen.id),
        "identifier": [{"system": system, "value": citizen.personnummer}],
        "name": [name],
        "gender": citizen.legal_sex if citizen.legal_sex in ("female", "male") else "unknown",
    }
    if citizen.birth_date is not None:
        patient["birthDate"] = citizen.birth_date.isoformat()
    return patient


def has_expressions(version: FormVersion) -> bool:
    return any(
        isinstance(q, Mapping)
        and (
            q.get("calculated")
            or q.get("initial_expression")
            or q.get("enable_expression")
            or q.get("constraints")
        )
        for q in version.definition.get("questions") or []
    )


class Calculator:
    """The expressions of one form version for one citizen (``patient``, None in a preview)."""

    def __init__(
        self,
        version: FormVersion,
        registry: Registry,
        patient: Mapping[str, Any] | None = None,
    ) -> None:
        self.version = version
        self.registry = registry
        self.patient = dict(patient) if patient is not None else None
        self.questions = [
            q for q in version.definition.get("questions") or [] if isinstance(q, Mapping)
        ]
        self.specs = {spec.key: spec for spec in specs(version)}
        self.groups = {
            g["key"]: g
            for g in version.definition.get("groups") or []
            if isinstance(g, Mapping) and isinstance(g.get("key"), str)
        }
        #: question key -> the repeating group it is answered in, once per repetition
        self.repeated = repeating.repeated_questions(version.definition)
        self._questionnaire: dict[str, Any] | None = None
        #: the questions ``shown`` found hidden by their ``enable_expression``
        self.hidden: set[str] = set()
        #: the questions ``shown`` found asked (neither skip logic nor an expression hides them)
        self.asked: set[str] = set()

    # --- what the form does with it ------------------------------------------------------------

    def __call__(self, question: Mapping[str, Any], answers: Mapping[str, Any]) -> Any:
        """The value of a computed question given the ``answers`` so far: its calculation, or
        its prefill when it is read-only; None when there is none."""
        if question.get("calculated"):
            return self._value(question, question["calculated"], answers)
        if question.get("initial_expression") and question.get("read_only"):
            return self._value(question, question["initial_expression"], answers)
        return None

    def enabled(self, question: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
        """Whether the question's ``enable_expression`` holds given the ``answers`` before it
        (true without one). Empty is false, as SDC renderers read it; an expression that fails
        (logged) shows the question: it is better asked once too often than lost."""
        expression = question.get("enable_expression")
        if not isinstance(expression, Mapping):
            return True
        try:
            if expression.get("language") != FHIRPATH:
                raise FhirPathError("not FHIRPath")
            found = self._evaluate(question, str(expression.get("expression")), answers)
            if len(found) > 1 or (found and not isinstance(found[0], bool)):
                raise FhirPathError("not one boolean")
        except Exception as error:  # whatever fails, the page and the other answers stay
            log.warning(
                "form version %s, question %s: its enableWhenExpression failed (%s)",
                self.version.id,
                question.get("key"),
                type(error).__name__,
            )
            return True
        return bool(found and found[0])

    def violations(self, answers: Mapping[str, Any], lang: str) -> list[tuple[str, str, str]]:
        """The ``questionnaire-constraint``s the ``answers`` (those submitted: the questions
        asked) break: ``(question key, severity, its human message in lang)``, in form order. A
        constraint is broken when its expression gives false; empty or true keeps it, and one that
        fails is logged and kept (no answer is refused for sob's own failure)."""
        found = []
        for question in self.questions:
            if question.get("constraints") and not (
                skip_logic.condition_holds(question.get("show_if"), answers)
                and self.enabled(question, answers)
            ):
                continue  # not asked: nothing of it to check
            for constraint in question.get("constraints") or []:
                parts = constraint_parts(constraint) if isinstance(constraint, Mapping) else {}
                try:
                    result = self._evaluate(question, str(parts.get("expression")), answers)
                    if len(result) > 1 or (result and not isinstance(result[0], bool)):
                        raise FhirPathError("not one boolean")
                except Exception as error:  # whatever fails, the submission stays possible
                    log.warning(
                        "form version %s, question %s: its constraint %s failed (%s)",
                        self.version.id,
                        question.get("key"),
                        parts.get("key"),
                        type(error).__name__,
                    )
                    continue
                if result == [False]:
                    human = read_text(parts.get("human"), "valueString")
                    text = human.get(lang) or next(iter(human.values()), "")
                    found.append((str(question["key"]), str(parts.get("severity")), text))
        return found

    def shown(self, data: Mapping[str, Any], prefill: bool = True) -> dict[str, Any]:
        """What the form shows: ``data`` (``forms.prefilled``) with every computed question's
        value, and, with ``prefill`` (the form is shown before she saved anything), a prefill
        where a question has no value yet (questions in order, hidden ones
        left out as the submission leaves them out; those hidden by an ``enable_expression`` are
        ``hidden``)."""
        values = dict(data)
        self.hidden, self.asked = set(), set()
        for question in self.questions:
            key = question["key"]
            if not skip_logic.condition_holds(question.get("show_if"), values):
                continue
            if not self.enabled(question, values):
                self.hidden.add(key)
                values.pop(key, None)
                continue
            self.asked.add(key)
            computed = question.get("calculated") or (
                question.get("initial_expression") and question.get("read_only")
            )
            if computed:
                value = self(question, values)
            elif prefill and question.get("initial_expression") and values.get(key) is None:
                value = self._value(question, question["initial_expression"], values)
            else:
                continue
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return values

    # --- evaluating ----------------------------------------------------------------------------

    def _value(
        self, question: Mapping[str, Any], expression: Mapping[str, Any], answers: Mapping[str, Any]
    ) -> Any:
        key = str(question.get("key"))
        try:
            if expression.get("language") != FHIRPATH:
                raise FhirPathError("not FHIRPath")
            found = self._evaluate(question, str(expression.get("expression")), answers)
            return self._payload(question, found)
        except Exception as error:  # whatever fails, the page and the other answers stay
            log.warning(
                "form version %s, question %s: its expression gave no value (%s)",
                self.version.id,
                key,
                type(error).__name__,
            )
            return None

    def _evaluate(self, question: Mapping[str, Any], text: str, answers: Mapping[str, Any]) -> list:
        response, nodes = self._response(answers)
        environment: dict[str, Any] = {
            "resource": response,
            "rootResource": response,
            "questionnaire": self._questionnaire_resource()
            if "questionnaire" in text or (self._mentions_questionnaire(question))
            else None,
            "patient": self.patient,
            "context": response,
            # FHIRPath's own (fhirpathpy has %ucum only)
            "sct": "http://snomed.info/sct",
            "loinc": "http://loinc.org",
        }
        scopes: list[tuple[Any, Any]] = [(self.version.definition.get("kept"), response)]
        for group in self._groups_around(question):
            scopes.append((group.get("kept"), nodes.get(("group", group["key"])) or {}))
        own = nodes.get(("question", question["key"])) or {"linkId": question["key"]}
        scopes.append((question.get("kept"), own))
        for kept, base in scopes:
            environment["context"] = base
            for name, expression in own_variables(kept):
                try:
                    path = None if base is response else "QuestionnaireResponse.item"
                    environment[name] = evaluate(expression, base, environment, path)
                except FhirPathError:
                    environment[name] = []  # a variable that fails is empty, as SDC renderers do
        environment["context"] = own
        return evaluate(text, response, environment, "QuestionnaireResponse.item")

    def _mentions_questionnaire(self, question: Mapping[str, Any]) -> bool:
        kept = [self.version.definition.get("kept"), question.get("kept")]
        kept += [g.get("kept") for g in self._groups_around(question)]
        return any(
            "questionnaire" in expression for k in kept for _, expression in own_variables(k)
        )

    def _questionnaire_resource(self) -> dict[str, Any] | None:
        if self._questionnaire is None:
            from .questionnaire import export_questionnaire

            try:
                self._questionnaire = export_questionnaire(self.version, self.registry)
            except Exception:  # a preview's unsaved version, a type not installed ...
                log.warning(
                    "form version %s: no Questionnaire for %%questionnaire", self.version.id
                )
                self._questionnaire = {}
        return self._questionnaire or None

    def _groups_around(self, question: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The groups the question is in, the outermost first."""
        path: list[Mapping[str, Any]] = []
        key = question.get("group")
        while isinstance(key, str) and key in self.groups and all(g["key"] != key for g in path):
            path.insert(0, self.groups[key])
            key = self.groups[key].get("parent")
        return path

    def _response(
        self, answers: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]]]:
        """The QuestionnaireResponse of ``answers``, and its items by ``("question"|"group",
        key)``."""
        top: list[dict[str, Any]] = []
        nodes: dict[tuple[str, str], dict[str, Any]] = {}
        for question in self.questions:
            key = question["key"]
            if key in self.repeated:
                # one answer per repetition (forms.repeating), each in its repetition's group item
                stored = answers.get(key)
                for number, value in enumerate(stored if isinstance(stored, list) else [], 1):
                    self._add(question, value, top, nodes, number)
                continue
            self._add(question, answers.get(key), top, nodes, None)
        return {
            "resourceType": "QuestionnaireResponse",
            "status": "in-progress",
            "item": top,
        }, nodes

    def _add(self, question, value, top, nodes, number: int | None) -> None:
        key = question["key"]
        spec = self.specs.get(key)
        node: dict[str, Any] = {"linkId": key}
        qtype = self.registry.question_types.get(spec.type) if spec is not None else None
        if value is not None and qtype is not None and spec is not None:
            with contextlib.suppress(ValueError, TypeError):
                node["answer"] = [dict(a) for a in qtype.fhir_answer(spec, value)]
        suffix = "" if number is None else f"@{number}"
        nodes[("question", key + suffix)] = node
        parent = nodes.get(("question", f"{question.get('parent')}{suffix}"))
        if question.get("parent") and parent is not None:
            holder = parent["answer"][0] if parent.get("answer") else parent
            holder.setdefault("item", []).append(node)
            return
        self._place(node, question, top, nodes, number)

    def _place(self, node, question, top, nodes, number: int | None = None) -> None:
        """Put ``node`` in its groups' items; in repetition ``number`` of its repeating group,
        that group (and every group inside it) is the repetition's own item."""
        siblings = top
        repeated = self.repeated.get(question["key"]) if number is not None else None
        within = False
        for group in self._groups_around(question):
            within = within or group["key"] == repeated
            name = f"{group['key']}@{number}" if within else group["key"]
            found = nodes.get(("group", name))
            if found is None:
                found = {"linkId": group["key"], "item": []}
                nodes[("group", name)] = found
                siblings.append(found)
            siblings = found["item"]
        siblings.append(node)

    def _payload(self, question: Mapping[str, Any], found: list[Any]) -> Any:
        spec = self.specs[question["key"]]
        qtype = self.registry.question_types.get(spec.type)
        if qtype is None or not found:
            return None
        kind = _item_type(spec, qtype)
        config = spec.config if isinstance(spec.config, Mapping) else {}
        # an open choice takes several answers by ``multiple``, and its payload is always a list
        listed = kind == "open-choice"
        many = config.get("multiple" if listed else "repeats") is True
        if len(found) > 1 and not many:
            raise FhirPathError("several values for one answer")
        pieces = [_piece(kind, value, spec) for value in found]
        if any(piece is None for piece in pieces):
            raise FhirPathError("a value of another type")
        payload = pieces if many or listed else pieces[0]
        qtype.fhir_answer(spec, payload)  # the type refuses what it cannot store (ValueError)
        return payload


def _item_type(spec: QuestionSpec, qtype: QuestionType) -> str:
    try:
        return str(dict(qtype.fhir_item(spec, "sv")).get("type") or qtype.fhir_type)
    except ValueError:
        return qtype.fhir_type


def _piece(kind: str, value: Any, spec: QuestionSpec) -> Any:
    if isinstance(value, Mapping) and "code" in value and kind not in ("quantity",):
        return _payload("Coding", value)
    if kind in ("choice", "open-choice"):
        options = [
            o.get("value") for o in spec.config.get("options") or [] if isinstance(o, Mapping)
        ]
        for option in options:
            if str(option) == str(value):
                return option
        return {"other": value} if kind == "open-choice" and isinstance(value, str) else None
    if kind == "integer" and isinstance(value, float):
        return int(value) if value.is_integer() else None
    if (
        kind in ("string", "text")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        value = str(value)
    name = _KINDS.get(kind)
    return _payload(name, value) if name else None
