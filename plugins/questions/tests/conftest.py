"""A tiny Flask host for rendering the question templates the way the sob host does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import sob_questions
from flask import Flask, jsonify, render_template, request, send_from_directory
from flask_wtf import FlaskForm
from jinja2 import FileSystemLoader
from questions_testkit import TYPES

from sob_core import QuestionSpec, local

PACKAGE = Path(sob_questions.__file__).parent
PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>sob-questions</title>
<link rel="stylesheet" href="/plugins/sob-questions/static/sob_questions/questions.css"></head>
<body><main><h1>Formulär</h1>
<form method="post" action="/form" novalidate>{body}
<button type="submit">Skicka</button></form></main></body></html>"""


def build_app(specs: Sequence[QuestionSpec], lang: str = "sv") -> Flask:
    """A Flask app with one form holding ``specs``, used the way the sob host uses it: GET renders
    each question's template; a POST cleans every answer with its type and answers with the
    payloads as JSON, or renders the form again with the errors set on the fields."""
    app = Flask(__name__, static_folder=None)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False, SECRET_KEY="test")
    app.jinja_loader = FileSystemLoader(PACKAGE / "templates")

    class QuestionForm(FlaskForm):
        pass

    for spec in specs:
        setattr(QuestionForm, spec.key, TYPES[spec.type].make_field(spec, lang))

    @app.route("/form", methods=["GET", "POST"])
    def form_view():
        form = QuestionForm()
        if request.method == "POST":
            # as the sob host does: WTForms decides CSRF only, each type cleans its own answer
            assert form.validate(), form.errors
            payloads = {}
            for s in specs:
                try:
                    payloads[s.key] = TYPES[s.type].clean(s, form[s.key].data, lang)
                except ValueError as error:
                    form[s.key].errors = [str(error)]
            if len(payloads) == len(specs):
                return jsonify(payloads)
        body = "".join(
            render_template(
                TYPES[s.type].template,
                field=form[s.key],
                spec=s,
                lang=lang,
                qtype=TYPES[s.type],
                local=local,
            )
            for s in specs
        )
        return PAGE.format(lang=lang, body=body)

    @app.route("/plugins/sob-questions/static/<path:name>")
    def plugin_static(name: str):
        return send_from_directory(PACKAGE / "static", name)

    return app


@pytest.fixture
def make_app() -> Callable[..., Flask]:
    return build_app
