"""Templates' and Python's strings follow the request's language, and a forced language inside it
(``force_locale``, as the design tool's preview in the other language uses), then the
request's again: the translations the templates look up once per locale stay right."""

from __future__ import annotations

from flask import render_template_string, session
from flask_babel import force_locale, refresh

TEMPLATE = "{{ _('Patients') }}|{{ ngettext('%(num)s day', '%(num)s days', 2) }}"


def test_a_template_speaks_the_request_language_then_the_forced_one_then_the_request_one(app):
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert render_template_string(TEMPLATE) == "Patients|2 days"
        with force_locale("sv"):
            assert render_template_string(TEMPLATE) == "Patienter|2 dagar"
        assert render_template_string(TEMPLATE) == "Patients|2 days"


def test_a_language_switch_within_a_request_is_followed(app):
    with app.test_request_context("/"):
        assert render_template_string(TEMPLATE) == "Patienter|2 dagar"
        session["lang"] = "en"
        refresh()  # what the language switch does after changing the session
        assert render_template_string(TEMPLATE) == "Patients|2 days"


def test_outside_a_request_templates_speak_the_default_language(app):
    with app.app_context():
        assert render_template_string(TEMPLATE).startswith("Patienter")


def test_python_strings_follow_the_forced_language_too(app):
    from flask_babel import gettext, lazy_gettext

    with app.test_request_context("/"):
        label = lazy_gettext("Patients")
        assert gettext("Patients") == str(label) == "Patienter"
        with force_locale("en"):
            assert gettext("Patients") == str(label) == "Patients"
        assert gettext("Patients") == "Patienter"
