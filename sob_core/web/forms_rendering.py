"""Rendering a form version as a FlaskForm: the web side of ``sob_core.forms``.

A question in a repeating group (``forms.repeating``) gets one field per repetition shown,
``<key>@1``, ``<key>@2`` ..., each its type's own field for the same question; ``rows`` lays the
questions out for ``forms/_questions.html``, a repeating group as one row of repetitions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm

from ..forms import computed, repeating, specs
from ..models import FormVersion
from ..plugins import Registry


def build_form_class(
    version: FormVersion,
    registry: Registry,
    lang: str,
    counts: Mapping[str, int] | None = None,
) -> type[FlaskForm]:
    """A FlaskForm class with one field per question (unknown types get no field); a question
    in a repeating group has one per repetition, ``counts[group]`` of them (default 1)."""
    inside = repeating.repeated_questions(version.definition)
    attributes: dict[str, Any] = {}
    for spec in specs(version):
        qtype = registry.question_types.get(spec.type)
        if qtype is None:
            continue
        if spec.key not in inside:
            attributes[spec.key] = qtype.make_field(spec, lang)
            continue
        for number in range(1, (counts or {}).get(inside[spec.key], 1) + 1):
            name = repeating.field_name(spec.key, number)
            attributes[name] = qtype.make_field(dataclasses.replace(spec, key=name), lang)
    return type("ResponseForm", (FlaskForm,), attributes)


def rows(
    version: FormVersion,
    form: Any,
    registry: Registry,
    counts: Mapping[str, int],
    lang: str,
    shown: Mapping[str, Any] | None = None,
    hidden: Any = frozenset(),
) -> list[dict[str, Any]]:
    """The questions as the page shows them, in order: a question, or a repeating group (its
    first question's place) with its ``repetitions``, each a list of its questions' rows.
    ``shown`` holds the values the form computes (not posted), ``hidden`` the questions their
    own expression hides given the answers (``interchange.fhir.calculate``). A question the form
    never shows (``repeating.hidden_questions``) is laid out hidden and read-only: nothing of it
    is posted, and what is stored is the form's own value."""
    inside = repeating.repeated_questions(version.definition)
    never = repeating.hidden_questions(version.definition)
    groups = repeating.repeating(version.definition)
    laid: list[dict[str, Any]] = []
    placed: dict[str, dict[str, Any]] = {}
    for spec, question in zip(specs(version), version.definition["questions"], strict=True):
        row = {
            "spec": spec,
            "qtype": registry.question_types.get(spec.type),
            "field": getattr(form, spec.key, None),
            "show_if": question.get("show_if"),
            "media": question.get("media"),
            "read_only": bool(question.get("read_only") or computed(question) or spec.key in never),
            "calculated": bool(question.get("calculated")),
            "parent": question.get("parent"),
            # by its own expression, given the answers, or always (FHIR's questionnaire-hidden)
            "hidden": spec.key in hidden or spec.key in never,
        }
        group_key = inside.get(spec.key)
        if group_key is None:
            if computed(question) and row["field"] is not None:
                row["field"].data = (shown or {}).get(spec.key)  # computed by the form, not posted
            elif row["read_only"] and row["field"] is not None:
                row["field"].data = question.get("initial")  # not posted (disabled)
            laid.append(row)
            continue
        if group_key not in placed:
            group = groups[group_key]
            count = counts.get(group_key, 1)
            placed[group_key] = {
                "group": group,
                "count": count,
                "count_name": repeating.COUNT_PREFIX + group_key,
                "can_add": count < repeating.most(group),
                "can_remove": count > 1,
                "headings": [repeating.heading(group, n, lang) for n in range(1, count + 1)],
                "repetitions": [[] for _ in range(count)],
                # a group none of whose questions is ever shown (questionnaire-hidden)
                "hidden": all(k in never for k, g in inside.items() if g == group_key),
            }
            laid.append(placed[group_key])
        block = placed[group_key]
        own = [k for k, g in inside.items() if g == group_key]
        for number, members in enumerate(block["repetitions"], start=1):
            name = repeating.field_name(spec.key, number)
            members.append(
                {
                    **row,
                    "spec": dataclasses.replace(spec, key=name),
                    "field": getattr(form, name, None),
                    "show_if": repeating.for_repetition(row["show_if"], own, number),
                    "parent": repeating.field_name(row["parent"], number)
                    if row["parent"] in own
                    else row["parent"],
                }
            )
    return laid
