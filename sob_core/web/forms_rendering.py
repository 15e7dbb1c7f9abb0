"""Rendering a form version as a FlaskForm: the web side of ``sob_core.forms``."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from ..forms import specs
from ..models import FormVersion
from ..plugins import Registry


def build_form_class(version: FormVersion, registry: Registry, lang: str) -> type[FlaskForm]:
    """A FlaskForm class with one field per question (unknown types get no field)."""
    attributes: dict[str, Any] = {}
    for spec in specs(version):
        qtype = registry.question_types.get(spec.type)
        if qtype is not None:
            attributes[spec.key] = qtype.make_field(spec, lang)
    return type("ResponseForm", (FlaskForm,), attributes)
