"""Information text: a text shown in the form between questions, which asks nothing.

A FHIR ``display`` item that is not a question's help text is an information text (the type
``information``, ``fhir_type`` ``display``). It has no configuration and no answer: its field
renders nothing and posts nothing, ``clean`` always gives None (nothing is stored) and a response
has no answer for it. Its text is the question's label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import Field

from sob_core import QuestionSpec, QuestionType, hookimpl

from . import _fhir
from ._common import config_mapping


class InformationField(Field):
    """A field with no input: the template shows the text only."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None  # nothing can be answered, whatever was posted


def _make_field(spec: QuestionSpec, lang: str) -> Any:
    return InformationField(None, [])


def _clean(spec: QuestionSpec, data: Any, lang: str) -> None:
    return None


def _validate_config(config: Mapping[str, Any], lang: str) -> None:
    config_mapping(config, lang)  # an information text has no settings


def _fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
    return []


def _from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    _fhir.expect(item, "information")
    return {}


INFORMATION = QuestionType(
    key="information",
    label={"sv": "Informationstext", "en": "Information text"},
    make_field=_make_field,
    clean=_clean,
    fhir_type="display",
    validate_config=_validate_config,
    display=lambda spec, payload, lang: "",
    template="sob_questions/information.html",
    fhir_answer=_fhir_answer,
    from_fhir=_from_fhir,
    fhir_matches=lambda item: _fhir.classify(item) == "information",
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [INFORMATION]
