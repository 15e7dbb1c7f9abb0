"""Yes/no questions: FHIR's ``boolean`` item, shown as two radio buttons (Ja / Nej).

No configuration. The payload is ``True`` or ``False``; in a QuestionnaireResponse it is
``valueBoolean`` and an ``enableWhen`` compares it with ``answerBoolean``. With
``"repeats": true`` (FHIR's ``repeats`` on a boolean item) it takes several, a list (``_repeats``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sob_core import QuestionSpec, QuestionType, hookimpl, local

from . import _fhir, _schema
from ._common import Option, config_mapping, config_validator, is_blank, nothing_answered
from ._fields import ChoiceQuestionField, field_factory
from ._messages import invalid
from ._repeats import repeatable

KEY = "yes_no"
YES = Option("true", {"sv": "Ja", "en": "Yes"})
NO = Option("false", {"sv": "Nej", "en": "No"})


class YesNoSettings:
    options = (YES, NO)


def settings(config: Any, lang: str) -> YesNoSettings:
    config_mapping(config, lang)
    return YesNoSettings()


class YesNoField(ChoiceQuestionField):
    """The radio buttons of a yes/no question; a stored payload (a bool) shows as chosen."""

    def is_selected(self, value: str) -> bool:
        data = self.data
        if isinstance(data, bool):
            data = "true" if data else "false"
        return data == value


def clean(spec: QuestionSpec, data: Any, lang: str) -> bool | None:
    settings(spec.config, lang)
    if isinstance(data, bool):
        return data
    if is_blank(data):
        return nothing_answered(spec, lang)
    if data == YES.value:
        return True
    if data == NO.value:
        return False
    raise invalid("unknown_option", lang)


def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
    if payload is True:
        return local(YES.label, lang)
    if payload is False:
        return local(NO.label, lang)
    return "" if payload is None else str(payload)


def fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    if payload is None:
        return []
    if not isinstance(payload, bool):
        raise invalid(
            "fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key=spec.type
        )
    return [{"valueBoolean": payload}]


def from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    _fhir.expect(item, KEY)
    return {}


YES_NO = repeatable(
    QuestionType(
        key=KEY,
        label={"sv": "Ja/nej-fråga", "en": "Yes/no"},
        make_field=field_factory(functools.partial(YesNoField, multiple=False), settings),
        clean=clean,
        fhir_type="boolean",
        config_schema=_schema.config_schema({}),
        validate_config=config_validator(settings),
        display=display,
        template="sob_questions/yes_no.html",
        fhir_answer=fhir_answer,
        from_fhir=from_fhir,
        fhir_matches=lambda item: _fhir.classify(item) == KEY,
    )
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [YES_NO]
