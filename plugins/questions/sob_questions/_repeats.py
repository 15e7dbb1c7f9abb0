"""Several answers to one question: ``repeatable(qtype)`` lets a non-choice type take a list.

A question of a wrapped type (short and long text, number, date, time, date and time, duration,
quantity) whose configuration says ``"repeats": true`` takes several answers of its own kind
(FHIR's ``repeats``): a list, e.g. the names of one's medicines. ``max_answers`` (FHIR's
``questionnaire-maxOccurs``) caps how many, ``min_answers`` (``questionnaire-minOccurs``) asks for
at least so many once any is given. Without ``repeats`` the type is exactly the one wrapped: its
field, payload, display and FHIR are untouched, so stored answers of existing questions stay.

With ``repeats``:

- the payload is a list of the type's own payloads, each cleaned by its ``clean()`` (blank
  entries dropped, a single value read as a list of one); ``required`` means at least one;
- the web form (``RepeatingField``, rendered by ``repeatable.html``) is a fieldset with the
  question as its legend and several inputs of the type, ``<key>:1``, ``<key>:2`` ... each
  labelled "Svar 1", "Svar 2" ...: the answers given and one empty, at least three, never more
  than ``max_answers``. It works without JavaScript; an answer that does not fit is named in the
  message ("Svar 2: ...") and its input marked invalid;
- ``display`` joins the answers with "; ", ``fhir_item`` adds ``repeats: true`` (and the
  min/maxOccurs extensions), ``fhir_answer`` gives one answer per value, ``from_fhir`` reads them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wtforms.fields.core import Label
from wtforms.utils import unset_value

from sob_core import QuestionSpec, QuestionType

from . import _fhir, _schema
from ._common import check_order, config_int, config_mapping, is_blank, safe_display
from ._fields import QuestionField
from ._messages import invalid, message

#: how many answers a repeating question takes at most, whatever its settings say
MAX_ANSWERS = 50
#: how many inputs a repeating question shows at least (when max_answers allows)
SHOWN_AT_LEAST = 3
#: the settings this module reads; the rest of the configuration is the wrapped type's
KEYS = ("repeats", "max_answers", "min_answers")


@dataclass(frozen=True)
class RepeatSettings:
    repeats: bool = False
    max_answers: int | None = None
    min_answers: int | None = None

    def to_config(self) -> dict[str, Any]:
        if not self.repeats:
            return {}
        config: dict[str, Any] = {"repeats": True}
        if self.max_answers is not None:
            config["max_answers"] = self.max_answers
        if self.min_answers is not None:
            config["min_answers"] = self.min_answers
        return config


def read_repeats(config: Any, lang: str) -> tuple[RepeatSettings, dict[str, Any]]:
    """``(the repeat settings, the wrapped type's configuration)`` of a question's config."""
    config = config_mapping(config, lang)
    repeats = config.get("repeats", False)
    if repeats is None:
        repeats = False
    if not isinstance(repeats, bool):
        raise invalid("cfg_bool", lang, name="repeats")
    most = config_int(config, "max_answers", None, lang, 1, MAX_ANSWERS)
    least = config_int(config, "min_answers", None, lang, 0, MAX_ANSWERS)
    if not repeats:
        for name, value in (("max_answers", most), ("min_answers", least)):
            if value is not None:
                raise invalid("cfg_needs_repeats", lang, name=name)
    check_order(least, most, "min_answers", "max_answers", lang, strict=False)
    inner = {k: v for k, v in config.items() if k not in KEYS}
    return RepeatSettings(repeats, most, least), inner


def _inner_spec(spec: QuestionSpec, config: Mapping[str, Any]) -> QuestionSpec:
    """The question as the wrapped type sees one answer of it: its own settings, optional."""
    return dataclasses.replace(spec, config=dict(config), required=False)


def _blank(value: Any) -> bool:
    """Nothing was answered in one input (a two-part input, e.g. a duration, posts a mapping)."""
    return is_blank(value) or value == [] or value == {}


def _as_list(payload: Any) -> list[Any]:
    if payload is None:
        return []
    return list(payload) if isinstance(payload, list | tuple) else [payload]


class RepeatingField(QuestionField):
    """Several inputs of one question type, posted as ``<name>:1``, ``<name>:2`` ...

    ``data`` is the list of what each input posted (None when all were left empty), or the
    stored payload (a list of the type's payloads) when filled from one. ``entries`` are the
    inputs to draw: bound fields of the wrapped type, labelled "Svar 1" ... (``in_group``).
    """

    def __init__(self, *args: Any, inner: Any = None, check: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inner = inner  # the wrapped type's unbound field
        self.check = check  # one answer's clean(): which input an error belongs to

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)
        if formdata is None:
            return
        pattern = re.compile(re.escape(self.name) + r":(\d{1,3})(?::|$)")
        numbers = [int(m.group(1)) for key in formdata if (m := pattern.match(key))]
        count = min(max(numbers, default=0), self._most())
        posted = [self._entry(number, formdata=formdata).data for number in range(1, count + 1)]
        self.raw_data = posted
        self.data = posted if any(not _blank(v) for v in posted) else None

    def _most(self) -> int:
        most = self.settings.max_answers if self.settings else None
        return most if most is not None else MAX_ANSWERS

    def _entry(self, number: int, formdata: Any = None, data: Any = unset_value) -> Any:
        entry = self.inner.bind(None, f"{self.name}:{number}", _meta=self.meta, description="")
        entry.process(formdata, data)
        entry.label = Label(entry.id, message("answer_number", self.lang, number=number))
        entry.in_group = True
        entry.first = number == 1
        return entry

    @property
    def entries(self) -> list[Any]:
        values = _as_list(self.data)
        given = [v for v in values if not _blank(v)]
        shown = max(len(values), len(given) + 1, SHOWN_AT_LEAST)
        if values and _blank(values[-1]):
            shown = max(len(values), SHOWN_AT_LEAST)  # as posted: an empty one is there
        shown = min(shown, self._most())
        entries = []
        for number in range(1, shown + 1):
            value = values[number - 1] if number <= len(values) else None
            entry = self._entry(number, data=value)
            if self.errors and self.check is not None and not _blank(value):
                try:
                    self.check(value)
                except ValueError as error:
                    entry.errors = [str(error)]
            entries.append(entry)
        return entries


def repeatable(qtype: QuestionType) -> QuestionType:
    """``qtype`` able to take several answers when a question's settings say ``repeats``."""

    def settings(spec: QuestionSpec, lang: str) -> tuple[RepeatSettings, QuestionSpec]:
        found, inner = read_repeats(spec.config, lang)
        return found, _inner_spec(spec, inner)

    def make_field(spec: QuestionSpec, lang: str) -> Any:
        found, inner = settings(spec, lang)
        if not found.repeats:
            return qtype.make_field(spec, lang)
        unbound = qtype.make_field(inner, lang)
        own = str(unbound.kwargs.get("description") or "").strip()
        if own and not own.endswith((".", "!", "?")):
            own += "."  # the type's hint and the answers' one, as two sentences
        hints = [own, _hint(found, lang)]
        return RepeatingField(
            unbound.args[0] if unbound.args else "",
            [],
            settings=found,
            lang=lang,
            description=" ".join(h for h in hints if h),
            inner=unbound,
            check=lambda value: qtype.clean(inner, value, lang),
        )

    def clean(spec: QuestionSpec, data: Any, lang: str) -> Any:
        found, inner = settings(spec, lang)
        if not found.repeats:
            return qtype.clean(spec, data, lang)
        values = _as_list(data)
        if len(values) > MAX_ANSWERS:
            raise invalid("too_many_answers", lang, max=found.max_answers or MAX_ANSWERS)
        answers = []
        for number, value in enumerate(values, start=1):
            try:
                payload = qtype.clean(inner, value, lang)
            except ValueError as error:
                raise invalid("answer_error", lang, number=number, error=error) from None
            if payload is not None:
                answers.append(payload)
        if not answers:
            if spec.required:
                raise invalid("required", lang)
            return None
        if found.max_answers is not None and len(answers) > found.max_answers:
            raise invalid("too_many_answers", lang, max=found.max_answers)
        if found.min_answers is not None and len(answers) < found.min_answers:
            raise invalid("too_few_answers", lang, min=found.min_answers)
        return answers

    def validate_config(config: Mapping[str, Any], lang: str) -> None:
        _found, inner = read_repeats(config, lang)
        qtype.validate_config(inner, lang)

    @safe_display
    def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
        if not isinstance(payload, list):
            return qtype.display(spec, payload, lang)
        _found, inner = settings(spec, lang)
        return "; ".join(qtype.display(inner, value, lang) for value in payload)

    def fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
        found, inner = settings(spec, lang)
        if not found.repeats:
            return dict(qtype.fhir_item(spec, lang))
        item = dict(qtype.fhir_item(inner, lang))
        item["repeats"] = True
        extensions = list(item.get("extension") or [])
        for url, value in (
            (_fhir.MIN_OCCURS, found.min_answers),
            (_fhir.MAX_OCCURS, found.max_answers),
        ):
            if value is not None:
                extensions.append(_fhir.extension(url, "Integer", value))
        if extensions:
            item["extension"] = extensions
        return item

    def fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
        found, inner = settings(spec, _fhir.BASE_LANGUAGE)
        if not found.repeats:
            return qtype.fhir_answer(spec, payload)
        return [one for value in _as_list(payload) for one in qtype.fhir_answer(inner, value)]

    def from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
        assert qtype.from_fhir is not None
        config = dict(qtype.from_fhir(item))
        if item.get("repeats") is True:
            config["repeats"] = True
            for name, url in (("min_answers", _fhir.MIN_OCCURS), ("max_answers", _fhir.MAX_OCCURS)):
                value = _fhir.extension_value(item, url, "Integer")
                if value is not None:
                    config[name] = value
            found, _inner = read_repeats(config, _fhir.IMPORTING)
            config.update(found.to_config())
        return config

    schema = dict(qtype.config_schema or _schema.config_schema({}))
    schema["properties"] = {**(schema.get("properties") or {}), **SCHEMA}
    return dataclasses.replace(
        qtype,
        make_field=make_field,
        clean=clean,
        validate_config=validate_config,
        display=display,
        template="sob_questions/repeatable.html",
        fhir_item=fhir_item,
        fhir_answer=fhir_answer,
        from_fhir=from_fhir if qtype.from_fhir is not None else None,
        config_schema=schema,
    )


def _hint(found: RepeatSettings, lang: str) -> str:
    if found.max_answers is not None:
        return message("hint_answers_max", lang, max=found.max_answers)
    return message("hint_answers", lang)


SCHEMA: dict[str, Any] = {
    "repeats": _schema.titled(
        {"type": "boolean", "default": False},
        "Flera svar",
        "Several answers",
    ),
    "max_answers": _schema.integer(
        "Högsta antal svar (med flera svar)", "Most answers (with several answers)", 1, MAX_ANSWERS
    ),
    "min_answers": _schema.integer(
        "Minsta antal svar (med flera svar)",
        "Fewest answers (with several answers)",
        0,
        MAX_ANSWERS,
    ),
}
