"""Text questions: short text (one line) and long text (a textarea).

Configuration: ``max_length`` in characters (short text: default 200, at most 1000; long text:
default 5000, at most 50000); ``fhir_max_length: false`` for a question imported from a FHIR
item without ``maxLength`` (it takes up to the most and is exported without one). The payload is the text, NFC-normalised, without outer whitespace,
with ``\\n`` line breaks; control characters other than line breaks and tabs are refused. With
``"repeats": true`` a question takes several texts, a list (``_repeats``).

A short text with ``"format": "url"`` is a web address (FHIR's ``url`` item): the answer must
be an absolute ``http://`` or ``https://`` address with a host, and it is exported as an item of
type ``url`` answered with ``valueUri``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sob_core import QuestionSpec, QuestionType, hookimpl

from . import _fhir, _schema
from ._common import (
    clean_text,
    config_int,
    config_mapping,
    config_validator,
    nothing_answered,
    safe_display,
)
from ._fields import LongTextQuestionField, TextQuestionField, field_factory
from ._messages import invalid, message
from ._repeats import repeatable


@dataclass(frozen=True)
class Kind:
    key: str
    multiline: bool
    default_length: int
    max_length: int
    fhir_type: str


SHORT = Kind("short_text", False, 200, 1000, "string")
LONG = Kind("long_text", True, 5000, 50000, "text")
#: the one ``format`` a short text takes: a web address (FHIR ``url``, answered as ``valueUri``)
URL = "url"


@dataclass(frozen=True)
class TextSettings:
    max_length: int
    #: False for a question imported from a FHIR item without ``maxLength``: the page takes up
    #: to the type's most (1000 / 50000 characters), and the export adds no ``maxLength``
    fhir_max_length: bool = True
    #: ``"url"``: the answer is an absolute http(s) address (short text only)
    format: str | None = None

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"max_length": self.max_length}
        if not self.fhir_max_length:
            config["fhir_max_length"] = False
        if self.format:
            config["format"] = self.format
        return config


def settings(kind: Kind, config: Any, lang: str) -> TextSettings:
    config = config_mapping(config, lang)
    in_fhir = config.get("fhir_max_length", True)
    if not isinstance(in_fhir, bool):
        raise invalid("cfg_bool", lang, name="fhir_max_length")
    shape = config.get("format")
    if shape is not None and (shape != URL or kind.multiline):
        raise invalid("cfg_text_format", lang)
    return TextSettings(
        config_int(config, "max_length", kind.default_length, lang, 1, kind.max_length),
        in_fhir,
        shape,
    )


def web_address(text: str, lang: str) -> str:
    """``text`` when it is an absolute http(s) address with a host; else a ``ValueError``."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise invalid("not_url", lang) from None
    if parts.scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in text):
        raise invalid("not_url", lang)
    return text


def _question_type(kind: Kind, label: dict[str, str]) -> QuestionType:
    def clean(spec: QuestionSpec, data: Any, lang: str) -> str | None:
        found = settings(kind, spec.config, lang)
        text = clean_text(data, lang, kind.multiline)
        if text is None:
            return nothing_answered(spec, lang)
        if len(text) > found.max_length:
            raise invalid("too_long", lang, max=found.max_length, length=len(text))
        return web_address(text, lang) if found.format == URL else text

    def read(config: Any, lang: str) -> TextSettings:
        return settings(kind, config, lang)

    def hint(found: TextSettings, lang: str) -> str:
        # Every text question says its limit, and the input has no maxlength: a browser cuts a
        # pasted text at maxlength without a word, the server says how much is too much.
        if found.format == URL:
            return message("hint_url", lang, max=found.max_length)
        return message("hint_max_length", lang, max=found.max_length)

    @safe_display
    def display(spec: QuestionSpec, payload: Any, lang: str) -> str:
        return payload if isinstance(payload, str) else str(payload)

    def fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
        found = settings(kind, spec.config, lang)
        item: dict[str, Any] = {"type": "url"} if found.format == URL else {}
        if found.fhir_max_length:
            item["maxLength"] = found.max_length
        return item

    def fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
        if payload is None:
            return []
        if not isinstance(payload, str) or not payload:
            raise invalid(
                "fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key=kind.key
            )
        if settings(kind, spec.config, _fhir.BASE_LANGUAGE).format == URL:
            return [{"valueUri": payload}]
        return [{"valueString": payload}]

    def from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
        item = _fhir.expect(item, kind.key)
        config: dict[str, Any]
        if item.get("maxLength") is None:  # no limit in the source: none added to it
            config = {"max_length": kind.max_length, "fhir_max_length": False}
        else:
            config = {"max_length": item.get("maxLength")}
        if item.get("type") == "url":
            config["format"] = URL
        return settings(kind, config, _fhir.IMPORTING).to_config()

    return repeatable(
        QuestionType(
            key=kind.key,
            label=label,
            make_field=field_factory(
                LongTextQuestionField if kind.multiline else TextQuestionField, read, hint
            ),
            clean=clean,
            fhir_type=kind.fhir_type,
            config_schema=_schema.config_schema(
                {
                    "max_length": _schema.integer(
                        "Högsta antal tecken",
                        "Most characters",
                        1,
                        kind.max_length,
                        default=kind.default_length,
                    ),
                    **(
                        {}
                        if kind.multiline
                        else {
                            "format": _schema.titled(
                                {"type": "string", "enum": [URL]},
                                "Svaret är en webbadress (https://...)",
                                "The answer is a web address (https://...)",
                            )
                        }
                    ),
                }
            ),
            validate_config=config_validator(read),
            display=display,
            template=f"sob_questions/{kind.key}.html",
            fhir_item=fhir_item,
            fhir_answer=fhir_answer,
            from_fhir=from_fhir,
            fhir_matches=lambda item: _fhir.classify(item) == kind.key,
        )
    )


SHORT_TEXT = _question_type(SHORT, {"sv": "Kort text", "en": "Short text"})
LONG_TEXT = _question_type(LONG, {"sv": "Lång text", "en": "Long text"})


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [SHORT_TEXT, LONG_TEXT]
