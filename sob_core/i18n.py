"""Swedish first, English second: locale choice, the language switch and coded errors' texts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from flask import Flask, current_app, g, has_request_context, session
from flask_babel import Domain, get_locale, gettext
from markupsafe import Markup

from .extensions import babel
from .types import LANGUAGES, TranslatedError, local

#: the POSIX variables that name a shell's language, strongest first
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class CodedError(Protocol):
    """An error whose English ``template`` (marked for the catalogue) is filled with ``params``.

    Read-only members: an error's ``params`` may be any mapping (a ``dict[str, str]`` too), which a
    settable ``Mapping[str, Any]`` attribute would refuse as invariant.
    """

    @property
    def template(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Any]: ...


def select_locale() -> str:
    # Outside a request (CLI, jobs) there is no session: the default language applies.
    chosen = session.get("lang") if has_request_context() else None
    if chosen in LANGUAGES:
        return chosen
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "sv"


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """The language a command prints in: ``SOB_DEFAULT_LOCALE``, else the shell's (``LANG``).

    A shell in a language sob does not speak (``C.UTF-8``, say) gets English, what command-line
    tools speak there.
    """
    environ = os.environ if environ is None else environ
    chosen = _language_of(environ.get("SOB_DEFAULT_LOCALE"))
    if chosen in LANGUAGES:
        return chosen
    shell = next((environ[name] for name in _LOCALE_VARIABLES if environ.get(name)), "")
    chosen = _language_of(shell)
    return chosen if chosen in LANGUAGES else "en"


def _language_of(locale: str | None) -> str:
    """``sv`` of ``sv_SE.UTF-8``."""
    return (locale or "").split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()


def translate_error(error: CodedError) -> str:
    """A coded error's message in the current language (a request's, or ``force_locale``'s).

    A combined error (one with ``errors``) is its own message followed by each of its errors'.
    A parameter that is itself an error (``details``: a plugin's ``TranslatedError``, or a coded
    error) is told in the same language, so no English or Swedish part leaks into the other."""
    params = dict(error.params)
    for name, value in (getattr(error, "details", None) or {}).items():
        if isinstance(value, TranslatedError):
            params[name] = value.in_language(current_language())
        elif hasattr(value, "template") and hasattr(value, "params"):
            params[name] = translate_error(value)
    message = gettext(error.template, **params)
    parts = getattr(error, "errors", ())
    if parts:
        message = " ".join([message, "; ".join(translate_error(part) for part in parts)])
    return message


def text_language(text: Any, lang: str) -> str:
    """The language ``local(text, lang)`` shows: ``lang`` when the text has it, else Swedish,
    else the first it has (a plain string is Swedish)."""
    if isinstance(text, Mapping):
        for code in (lang, "sv", *text):
            if text.get(code):
                return str(code)
    return "sv" if text else lang


def lang_attribute(text: Any) -> Markup:
    """`` lang="sv"`` for a text shown in another language than the page's (WCAG 3.1.2: the
    Swedish a citizen reads when there is no English), nothing when it is the page's."""
    page = current_language()
    code = text_language(text, page)
    return Markup("") if code == page else Markup(' lang="{}"').format(code)


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding a request's translations once per locale it uses.

    Flask-Babel finds them again for every string (the context, the locale, a cache key): a
    tenth of the CPU of a staff page of some 150 strings. ``force_locale`` sets a new locale
    object and its end puts the old one back, so keying on the object keeps both right."""

    def get_translations(self) -> Any:
        state: Any = g.get("_flask_babel") if g else None
        locale = getattr(state, "babel_locale", None)
        if state is None or locale is None:  # a request's first string, or outside a request
            return super().get_translations()
        cached = getattr(state, "sob_translations", None)
        if cached is not None and cached[0] is locale and cached[1] is self:
            return cached[2]
        translations = super().get_translations()
        state.sob_translations = (locale, self, translations)
        return translations


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # jinja2.ext.i18n (which Flask-Babel adds) puts this method on the environment
    # the domain every gettext, lazy_gettext and template string of the app goes through
    # (Flask-Babel makes it once, as a cached property of the extension)
    vars(babel)["domain_instance"] = RequestDomain(
        domain=app.config.get("BABEL_DOMAIN", "messages")
    )
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["local"] = local
    app.jinja_env.filters["local"] = lambda text: local(text, current_language())
    app.jinja_env.filters["lang_attribute"] = lang_attribute
