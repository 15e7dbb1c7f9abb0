"""Helpers for the sob-questions tests: the types, specs, FHIR wrappers, an HTML tree, strategies."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import strategies as st
from sob_questions import boolean, choice, numeric, open_choice, quantity, temporal, text

from sob_core import QuestionSpec, QuestionType, local

MODULES = (boolean, choice, numeric, text, temporal, open_choice, quantity)
TYPES: dict[str, QuestionType] = {t.key: t for m in MODULES for t in m.sob_question_types()}
LANGS = ("sv", "en")

OPTIONS = [
    {"value": "body", "label": {"sv": "Min kropp", "en": "My body"}},
    {"value": "food", "label": {"sv": "Matproblem", "en": "Eating problems"}},
    {"value": "sleep", "label": {"sv": "Sömn", "en": "Sleep"}},
    {"value": "friends", "label": {"sv": "Vänner"}},
]


def make_spec(
    type_key: str,
    config: Mapping[str, Any] | None = None,
    *,
    key: str | None = None,
    required: bool = True,
    help: Mapping[str, str] | None = None,
) -> QuestionSpec:
    return QuestionSpec(
        key=key or type_key.replace("_", "-"),
        type=type_key,
        label={"sv": f"Fråga ({type_key})", "en": f"Question ({type_key})"},
        config=dict(config or {}),
        required=required,
        help=dict(help or {}),
    )


#: one representative, fully configured question of every type
EXAMPLES: dict[str, QuestionSpec] = {
    "single_choice": make_spec("single_choice", {"options": OPTIONS}),
    "multiple_choice": make_spec(
        "multiple_choice", {"options": OPTIONS, "min_choices": 1, "max_choices": 2}
    ),
    "dropdown": make_spec("dropdown", {"options": OPTIONS}),
    "yes_no": make_spec("yes_no", {}),
    "number": make_spec("number", {"decimals": 1, "min": 0, "max": 300, "unit": "kg"}),
    "slider": make_spec(
        "slider",
        {
            "min": 0,
            "max": 100,
            "step": 5,
            "min_label": {"sv": "Ingen smärta", "en": "No pain"},
            "max_label": {"sv": "Värsta tänkbara", "en": "Worst imaginable"},
        },
    ),
    "scale": make_spec(
        "scale",
        {
            "min": 0,
            "max": 10,
            "min_label": {"sv": "Inte alls", "en": "Not at all"},
            "max_label": {"sv": "Mycket", "en": "Very much"},
        },
    ),
    "short_text": make_spec("short_text", {"max_length": 20}),
    "long_text": make_spec("long_text", {"max_length": 300}),
    "date": make_spec("date", {"min": "2024-01-01", "max": "2024-12-31"}),
    "time": make_spec("time"),
    "duration": make_spec("duration", {"max_minutes": 16 * 60}),
    "date_time": make_spec("date_time"),
    "open_choice": make_spec("open_choice", {"options": OPTIONS, "multiple": True}),
    "quantity": make_spec(
        "quantity",
        {"units": [{"code": "kg", "system": "http://unitsofmeasure.org"}], "decimals": 1},
    ),
}


def optional(spec: QuestionSpec) -> QuestionSpec:
    return QuestionSpec(spec.key, spec.type, spec.label, spec.config, False, spec.help)


def clean(spec: QuestionSpec, data: Any, lang: str = "sv") -> Any:
    return TYPES[spec.type].clean(spec, data, lang)


def error(spec: QuestionSpec, data: Any, lang: str) -> str:
    """The message ``clean`` raises for ``data``; fails when it does not raise."""
    try:
        payload = clean(spec, data, lang)
    except ValueError as exc:
        return str(exc)
    raise AssertionError(f"{data!r} was accepted as {payload!r}")


def config_error(type_key: str, config: Any, lang: str) -> str:
    try:
        TYPES[type_key].validate_config(config, lang)
    except ValueError as exc:
        return str(exc)
    raise AssertionError(f"{config!r} was accepted")


# --- FHIR ----------------------------------------------------------------------------------------

ANSWER_KEYS = {
    "choice": {"valueCoding", "valueInteger", "valueString"},
    "integer": {"valueInteger"},
    "decimal": {"valueDecimal"},
    "string": {"valueString"},
    "text": {"valueString"},
    "url": {"valueUri"},
    "date": {"valueDate"},
    "time": {"valueTime"},
    "dateTime": {"valueDateTime"},
    "open-choice": {"valueCoding", "valueInteger", "valueString", "valueDate", "valueTime"},
    "quantity": {"valueQuantity"},
}


def fhir_item(spec: QuestionSpec, lang: str = "sv") -> dict[str, Any]:
    """The exported item as the host builds it, checked by a full R4 Questionnaire model."""
    qtype = TYPES[spec.type]
    item: dict[str, Any] = {
        "linkId": spec.key,
        "text": local(spec.label, lang),
        "type": qtype.fhir_type,
        "required": spec.required,
    }
    item.update(qtype.fhir_item(spec, lang))
    Questionnaire.model_validate(
        {"resourceType": "Questionnaire", "status": "draft", "language": lang, "item": [item]}
    )
    json.dumps(item, allow_nan=False)
    return item


def fhir_answer(spec: QuestionSpec, payload: Any, lang: str = "sv") -> list[dict[str, Any]]:
    """The answers, checked by a full R4 QuestionnaireResponse and against the item they answer."""
    answers = TYPES[spec.type].fhir_answer(spec, payload)
    QuestionnaireResponse.model_validate(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "item": [{"linkId": spec.key, "answer": answers}],
        }
    )
    item = fhir_item(spec, lang)
    for answer in answers:
        (key,) = answer
        assert key in ANSWER_KEYS[item["type"]], (key, item["type"])
        if item["type"] == "choice":
            allowed = [
                o.get("valueCoding", {}).get("code", o.get("valueInteger"))
                for o in item["answerOption"]
            ]
            given = answer[key]["code"] if key == "valueCoding" else answer[key]
            assert given in allowed
    return answers


# --- HTML ----------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def __getitem__(self, name: str) -> str | None:
        return self.attrs[name]

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    @property
    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed as a browser shows it."""
        return " ".join(self.raw_text.split())

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def by_id(self, element_id: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == element_id]
        assert len(found) == 1, f"{len(found)} elements with id {element_id!r}"
        return found[0]

    def ancestor(self, tag: str) -> Node | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, f"<{builder.current.tag}> is never closed"
    return builder.root


# --- strategies ----------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.decimals()
    | st.sampled_from(
        [
            float("nan"),
            float("inf"),
            -float("inf"),
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("-Infinity"),
            Decimal("1e999999"),
            10**4000,
            -(10**20),
            "9" * 5000,
            "1e999",
            "NaN",
            "-inf",
            "Infinity",
            "0x1f",
            "1_000",
            "٣",
            "\x00",
            "\ud800",
            " " * 10_000,
            "a" * 100_000,
            "1" * 100_000,
            "25:00",
            "2024-02-30",
            "+007.50",
            "7,5,5",
            "1 2",
        ]
    )
)

#: JSON-like values, nested
json_values = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)

#: other Python objects a caller could pass
python_values = st.sampled_from(
    [int, float, str, bytes, bool, complex, Decimal, Fraction, date, datetime, time, timedelta]
).flatmap(st.from_type)

#: what the server might hand clean(): anything, and shapes close to real answers
anything = (
    json_values
    | python_values
    | st.tuples(json_values, json_values)
    | st.sets(st.text(max_size=6), max_size=4)
    | st.dictionaries(st.sampled_from(["hours", "minutes", "x"]), json_values, max_size=3)
    | st.lists(st.sampled_from([o["value"] for o in OPTIONS]) | st.text(max_size=3), max_size=6)
)
