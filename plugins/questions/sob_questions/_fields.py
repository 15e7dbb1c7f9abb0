"""The WTForms fields behind the question types.

The fields keep what was posted as it came (strings, a list for checkboxes, a dict for a duration)
and carry no validators: the host decides only CSRF with WTForms and hands each field's ``data`` to
the type's ``clean()``, which judges it (and knows which questions skip logic hid).
The question's templates render the fields; ``settings`` (the parsed configuration) and ``ui(key)``
(a text in the field's language) are what they read besides the usual ``id``, ``name``, ``data``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wtforms import Field, StringField, TextAreaField
from wtforms.utils import unset_value

from sob_core import QuestionSpec, local

from ._common import Option
from ._messages import message

Read = Callable[[Any, str], Any]


class QuestionField(Field):
    """What every question field adds: its settings, its language and its texts.

    ``in_group`` marks one input of a question with several answers (``_repeats``), ``first``
    the first of them (the one a required question marks ``required``).
    """

    in_group = False
    first = True

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        settings: Any = None,
        lang: str = "sv",
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.settings = settings
        self.lang = lang

    def ui(self, key: str, **values: Any) -> str:
        return message(key, self.lang, **values)

    def process_formdata(self, valuelist: list[Any]) -> None:
        # one value as posted; several (a tampered post) as a list, which clean() refuses
        if valuelist:
            self.data = valuelist[0] if len(valuelist) == 1 else list(valuelist)

    def _value(self) -> str:
        data = self.data
        if data is None or isinstance(data, list | dict | bool):
            return ""
        return data if isinstance(data, str) else str(data)


class TextQuestionField(QuestionField, StringField):
    """A one-line input (text, number, date, time, range)."""


class SliderQuestionField(TextQuestionField):
    """A range input and its "I have chosen my value" checkbox, posted as ``<name>:set``.

    A range input always posts a value, an untouched one too, so the position alone is no
    answer: ``data`` is the posted value only when the box is ticked (questions.js ticks it when
    the slider moves), else None. ``position`` is where the slider stood, to draw it there again;
    ``chosen`` says whether the box is ticked. Filled from a stored payload, both are that value.
    """

    chosen = False
    position = ""

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        self.position = self._value()
        if formdata is None:
            self.chosen = self.data is not None and self.data != ""
            return
        self.chosen = bool(formdata.get(f"{self.name}:set"))
        if not self.chosen:
            self.data = None  # moved or not, not given as an answer


class LongTextQuestionField(QuestionField, TextAreaField):
    """A textarea."""


class ChoiceQuestionField(QuestionField):
    """Radio buttons, checkboxes or a select over ``settings.options``."""

    def __init__(self, *args: Any, multiple: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.multiple = multiple

    @property
    def options(self) -> tuple[Option, ...]:
        return self.settings.options

    def option_label(self, option: Option) -> str:
        return option.shown(self.lang)

    def is_selected(self, value: str) -> bool:
        data = self.data
        if isinstance(data, list | tuple | set):
            return value in data
        return data == value

    def process_formdata(self, valuelist: list[Any]) -> None:
        if self.multiple:
            self.data = list(valuelist)
        else:
            super().process_formdata(valuelist)


class OpenChoiceQuestionField(ChoiceQuestionField):
    """Options (radio buttons, or checkboxes when several answers are allowed) and a text input
    ``<name>:other`` for an answer of one's own; one answer only also has an "Other" radio button.

    ``data`` is ``{"chosen": [...], "other": "..."}`` as posted, None when nothing was given, or
    the stored payload (a list of option values, the own text as ``{"other": ...}``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.multiple = bool(self.settings and self.settings.multiple)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)
        if formdata is None:
            return
        chosen = [v for v in formdata.getlist(self.name) if isinstance(v, str)]
        other = formdata.get(f"{self.name}:other")
        self.raw_data = [*chosen, *([other] if other is not None else [])]
        if any(v.strip() for v in chosen) or (isinstance(other, str) and other.strip()):
            self.data = {"chosen": chosen, "other": other}
        else:
            self.data = None

    def is_selected(self, value: str) -> bool:
        data = self.data
        if isinstance(data, Mapping):
            return value in (data.get("chosen") or [])
        if isinstance(data, list):
            if value == ":other":
                return any(isinstance(v, Mapping) for v in data)
            return value in data
        return False

    @property
    def other_text(self) -> str:
        data = self.data
        if isinstance(data, Mapping):
            other = data.get("other")
            return other if isinstance(other, str) else ""
        if isinstance(data, list):
            for value in data:
                if isinstance(value, Mapping) and isinstance(value.get("other"), str):
                    return value["other"]
        return ""


class QuantityQuestionField(QuestionField):
    """A number, posted as ``<name>``, and (when the citizen chooses it) a unit, ``<name>:unit``.

    ``data`` is ``{"value": ..., "unit": ...}`` as posted, None when no number was typed, or the
    stored payload (a number, or ``{"value": ..., "unit": ...}``) when filled from one.
    """

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)
        if formdata is None:
            return
        value, unit = formdata.get(self.name), formdata.get(f"{self.name}:unit")
        self.raw_data = [v for v in (value, unit) if v is not None]
        if isinstance(value, str) and value.strip():
            self.data = {"value": value, "unit": unit}
        else:
            self.data = None

    def part(self, name: str) -> str:
        """What the number input (``value``) or the unit select (``unit``) shows."""
        data = self.data
        if isinstance(data, Mapping):
            found = data.get(name)
            return "" if found is None or isinstance(found, bool) else str(found)
        if name == "value" and isinstance(data, int | float) and not isinstance(data, bool):
            return str(data)
        return ""


class DurationQuestionField(QuestionField):
    """Hours and minutes, posted as ``<name>:hours`` and ``<name>:minutes``.

    ``data`` is ``{"hours": ..., "minutes": ...}`` as posted, None when both were left empty, or
    the stored payload (total minutes) when the form was filled from one.
    """

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)
        if formdata is None:
            return
        names = (f"{self.name}:hours", f"{self.name}:minutes")
        self.raw_data = [formdata.get(name) for name in names if name in formdata]
        if any(isinstance(v, str) and v.strip() for v in self.raw_data):
            self.data = {"hours": formdata.get(names[0]), "minutes": formdata.get(names[1])}
        else:
            self.data = None  # nothing typed: empty, as the host counts emptiness

    def part(self, name: str) -> str:
        """What the hours or minutes input shows."""
        data = self.data
        if isinstance(data, Mapping):
            value = data.get(name)
            return "" if value is None else str(value)
        if isinstance(data, int) and not isinstance(data, bool) and 0 <= data < 10**7:
            return str(data // 60 if name == "hours" else data % 60)
        return ""


class DateTimeQuestionField(QuestionField):
    """A date and a time of day, posted as ``<name>:date`` and ``<name>:time``.

    ``data`` is ``{"date": ..., "time": ...}`` as posted, None when both were left empty, or the
    stored payload (an ISO date-time with its offset) when the form was filled from one.
    """

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)
        if formdata is None:
            return
        names = (f"{self.name}:date", f"{self.name}:time")
        self.raw_data = [formdata.get(name) for name in names if name in formdata]
        if any(isinstance(v, str) and v.strip() for v in self.raw_data):
            self.data = {"date": formdata.get(names[0]), "time": formdata.get(names[1])}
        else:
            self.data = None

    def part(self, name: str) -> str:
        """What the date or time input shows: as posted, or the stored answer in Swedish time."""
        data = self.data
        if isinstance(data, Mapping):
            value = data.get(name)
            return value if isinstance(value, str) else ""
        local_parts = self.settings.local_parts(data) if self.settings else None
        if local_parts is None:
            return ""
        return local_parts[0] if name == "date" else local_parts[1]


def field_factory(
    field_class: Callable[..., Field],
    read: Read,
    hint: Callable[[Any, str], str] | None = None,
) -> Callable[[QuestionSpec, str], Any]:
    """A type's ``make_field``: an unbound ``field_class`` labelled in ``lang``, its settings
    read from the question's configuration and ``hint`` (from the settings) as its description."""

    def make_field(spec: QuestionSpec, lang: str) -> Any:
        found = read(spec.config, lang)
        return field_class(
            local(spec.label, lang),
            [],
            settings=found,
            lang=lang,
            description=hint(found, lang) if hint else "",
        )

    return make_field
