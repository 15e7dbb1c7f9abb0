"""JSON-Schema pieces for the design tool's configuration forms.

Each property carries a Swedish ``title`` (the tool's default language) and ``x-title`` with the
title per language, so the tool can label its inputs in either.
"""

from __future__ import annotations

from typing import Any

from ._common import MAX_OPTION_VALUE, MAX_OPTIONS


def titled(schema: dict[str, Any], sv: str, en: str) -> dict[str, Any]:
    return {**schema, "title": sv, "x-title": {"sv": sv, "en": en}}


def config_schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
    }
    if required:
        schema["required"] = list(required)
    return schema


def local_text(sv: str, en: str) -> dict[str, Any]:
    """A text per language; Swedish required."""
    return titled(
        {
            "type": "object",
            "properties": {"sv": {"type": "string"}, "en": {"type": "string"}},
            "required": ["sv"],
            "additionalProperties": {"type": "string"},
        },
        sv,
        en,
    )


def integer(
    sv: str,
    en: str,
    minimum: int | None = None,
    maximum: int | None = None,
    default: int | None = None,
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    for name, value in (("minimum", minimum), ("maximum", maximum), ("default", default)):
        if value is not None:
            schema[name] = value
    return titled(schema, sv, en)


def number(sv: str, en: str) -> dict[str, Any]:
    return titled({"type": "number"}, sv, en)


def options() -> dict[str, Any]:
    return titled(
        {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_OPTIONS,
            "description": "Values must be unique within the question.",
            "items": {
                "type": "object",
                "required": ["value", "label"],
                "properties": {
                    "value": titled(
                        {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": MAX_OPTION_VALUE,
                            "pattern": r"^\S(.*\S)?$",
                        },
                        "Värde",
                        "Value",
                    ),
                    "label": local_text("Etikett", "Label"),
                    "system": titled(
                        {"type": "string", "minLength": 1, "maxLength": 255},
                        "Kodsystem",
                        "Code system",
                    ),
                    "score": titled({"type": "number"}, "Poäng", "Score"),
                    "value_type": titled(
                        {"enum": ["integer", "string", "display", "date", "time"]},
                        "FHIR-värdetyp",
                        "FHIR value type",
                    ),
                    "prefix": local_text("Prefix före etiketten", "Prefix before the label"),
                    "score_as": titled(
                        {"enum": ["itemWeight"]},
                        "Poängen i FHIR som",
                        "Score in FHIR as",
                    ),
                },
            },
        },
        "Svarsalternativ",
        "Options",
    )
