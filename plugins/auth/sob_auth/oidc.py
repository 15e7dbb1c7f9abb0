"""OpenID Connect login through Authlib's Flask client, for any number of identity providers.

The providers come from ``SOB_OIDC_PROVIDERS`` (see ``oidc_config`` and docs/login-providers.md):
Freja eID for citizens, Inera's identity provider for SITHS for staff, or any other. The flow is
the authorization code flow with PKCE (S256), ``state`` and ``nonce``; the ID token's signature is
checked against the provider's published keys (JWKS), and its issuer, audience, nonce and times
with a bounded clock skew. Until all of that holds nothing signs anyone in: the session only
keeps the pending login's state (Authlib's, dropped when the answer comes back, so an answer
is good once). Nothing of a token, a code or a personnummer is logged.

Single logout: where the provider's discovery document names an ``end_session_endpoint``,
signing out here (the core's logout view, through ``LoginProvider.logout``) continues there with
``id_token_hint``, ``post_logout_redirect_uri`` and a ``state`` that the return must carry.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from sob_core import LoginProvider, Setting, complete_login, hookimpl, public

from .oidc_config import ClaimProblem, IdentityProvider, providers_from, read_file

# Authlib, joserfc and requests (a quarter of a second of imports) are imported where a login
# uses them, not when the app starts: most installations configure no OpenID Connect provider.

KEY = "oidc"
NEXT_KEY = "oidc_login_next"
#: the signed-in session's key for what single logout needs: provider, ID token, end-session URL
LOGOUT_KEY = "oidc_logout"
#: the signed-out session's key for the ``state`` a return from the provider's logout must carry
LOGOUT_STATE_KEY = "oidc_logout_state"
#: seconds to wait for a provider (discovery, keys, token) before calling it down
TIMEOUT = 10
log = logging.getLogger(__name__)
# Authlib logs the PKCE code verifier at DEBUG: never let a debug log carry it.
logging.getLogger("authlib").setLevel(max(logging.getLogger("authlib").level, logging.INFO))
#: what of a URL in a request log line is a login secret (the callback's code, a state, a hint)
SECRET_PARAMETER = re.compile(r"([?&](?:code|state|session_state|id_token_hint)=)[^&\s\"]+")


class RedactLoginParameters(logging.Filter):
    """Blanks the values of ``code``, ``state`` and ``id_token_hint`` in request log lines.

    For werkzeug's request log (``sob run``, the development server), which writes each request
    line with its query string: the OIDC callback's carries the authorization code. A production
    app server's access log is its own (docs/operating.md says how to keep query strings out).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_PARAMETER.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_werkzeug_log = logging.getLogger("werkzeug")
if not any(isinstance(f, RedactLoginParameters) for f in _werkzeug_log.filters):
    _werkzeug_log.addFilter(RedactLoginParameters())
bp = Blueprint("oidc_login", __name__, template_folder="templates")
_lock = threading.Lock()

SETTINGS = (
    Setting(
        "SOB_OIDC_PROVIDERS",
        (),
        "Path of a JSON file listing the OpenID Connect identity providers (docs/login-providers.md).",
        read_file,
        "(unset: none)",
    ),
)

#: what a refused login says; the Swedish and English texts of each kind
MESSAGES: dict[str, dict[str, str]] = {
    "down": {
        "sv": "Inloggningstjänsten går inte att nå just nu. Försök igen om en stund.",
        "en": "The sign-in service cannot be reached right now. Try again in a while.",
    },
    "state": {
        "sv": "Inloggningen kunde inte slutföras: svaret hör inte till någon inloggning som pågår "
        "i den här webbläsaren, eller har redan använts. Börja om.",
        "en": "The sign-in could not be completed: the answer belongs to no sign-in going on in "
        "this browser, or has been used already. Start again.",
    },
    "issuer": {
        "sv": "Inloggningen avbröts: svaret kom inte från den inloggningstjänst som väntades.",
        "en": "The sign-in was stopped: the answer did not come from the expected sign-in service.",
    },
    "audience": {
        "sv": "Inloggningen avbröts: svaret var inte utfärdat till den här tjänsten.",
        "en": "The sign-in was stopped: the answer was not issued to this service.",
    },
    "expired": {
        "sv": "Inloggningen avbröts: svaret från inloggningstjänsten har gått ut. Börja om.",
        "en": "The sign-in was stopped: the answer from the sign-in service has expired. "
        "Start again.",
    },
    "nonce": {
        "sv": "Inloggningen avbröts: svaret hör inte till den här inloggningen. Börja om.",
        "en": "The sign-in was stopped: the answer does not belong to this sign-in. Start again.",
    },
    "invalid": {
        "sv": "Inloggningen avbröts: svaret från inloggningstjänsten gick inte att kontrollera.",
        "en": "The sign-in was stopped: the answer from the sign-in service could not be verified.",
    },
    "refused": {
        "sv": "Inloggningen avbröts hos inloggningstjänsten.",
        "en": "The sign-in was cancelled at the sign-in service.",
    },
    "identifier": {
        "sv": "Inloggningstjänsten skickade ingen identitet som den här tjänsten kan använda.",
        "en": "The sign-in service sent no identity this service can use.",
    },
    "assurance": {
        "sv": "Din e-legitimation har inte den tillitsnivå som krävs här. Freja eID godtas bara "
        "som Freja eID Plus; logga in med en e-legitimation på högre nivå.",
        "en": "Your e-identification does not have the assurance level required here. Freja eID "
        "is accepted only as Freja eID Plus; sign in with a higher-level e-identification.",
    },
    "logout_state": {
        "sv": "Du är utloggad här. Svaret från inloggningstjänsten hörde inte till någon "
        "utloggning i den här webbläsaren och har inte använts.",
        "en": "You are signed out here. The answer from the sign-in service belonged to no "
        "sign-out in this browser and was not used.",
    },
}
HEADINGS = {
    "units": {"sv": "Vårdenheter", "en": "Care units"},
    "roles": {"sv": "Roller", "en": "Roles"},
}
ASSERTED = {"sv": "Inloggningstjänsten anger", "en": "The sign-in service asserts"}
SIGNED_OUT = {
    "sv": "Du är utloggad, även hos inloggningstjänsten.",
    "en": "You are signed out, also at the sign-in service.",
}


def _lang() -> str:
    lang = session.get("lang", current_app.config.get("BABEL_DEFAULT_LOCALE", "sv"))
    return lang if lang in ("sv", "en") else "sv"


# -- the configured providers and their Authlib clients ---------------------------------------


def providers(app: Flask) -> tuple[IdentityProvider, ...]:
    """The app's identity providers, read from its config once (a test may set a list there)."""
    found = app.extensions.get("sob_oidc_providers")
    if found is None:
        found = providers_from(app.config.get("SOB_OIDC_PROVIDERS") or ())
        environ = app.extensions.get("sob_environ", {})
        for idp in found:
            if not idp.secret(environ):  # found at start-up, not at a citizen's first login
                raise ValueError(
                    f"OpenID Connect provider {idp.name!r}: {idp.client_secret_env} is not set"
                )
        app.extensions["sob_oidc_providers"] = found
    return found


def _provider(name: str) -> IdentityProvider:
    for idp in providers(current_app):
        if idp.name == name:
            return idp
    abort(404)


def _client(idp: IdentityProvider) -> Any:
    from authlib.integrations.flask_client import OAuth  # type: ignore[import-untyped]

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        oauth = app.extensions.get("sob_oidc_oauth")
        if oauth is None:
            oauth = app.extensions["sob_oidc_oauth"] = OAuth(app)
        client = oauth.create_client(idp.name)
        if client is None:
            client = oauth.register(
                idp.name,
                client_id=idp.client_id,
                client_secret=idp.secret(app.extensions.get("sob_environ", {})),
                server_metadata_url=idp.discovery_url,
                client_kwargs={
                    "scope": idp.scopes,
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": idp.token_endpoint_auth_method,
                    "default_timeout": TIMEOUT,
                },
            )
    return client


def _callback_url(idp: IdentityProvider) -> str:
    base = str(current_app.config.get("SOB_BASE_URL") or request.host_url).rstrip("/")
    return base + url_for(".callback", name=idp.name)


# -- refusals -----------------------------------------------------------------------------------


def _refuse(kind: str, idp: IdentityProvider | None = None, status: int = 400):
    return (
        render_template(
            "sob_auth/oidc_error.html", message=MESSAGES[kind][_lang()], idp=idp, kind=kind
        ),
        status,
    )


def _kind_of(error: Exception) -> str:
    """Which message a failed callback gets (the error object is never logged: it may quote)."""
    import requests
    from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
    from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

    if isinstance(error, ExpiredTokenError):
        return "expired"
    if isinstance(error, ClaimError):
        # a wrong audience shows as a missing "azp" (needed when aud is not only us)
        kinds = {"iss": "issuer", "aud": "audience", "azp": "audience", "nonce": "nonce"}
        return {**kinds, "exp": "expired"}.get(error.claim, "invalid")
    if isinstance(error, JoseError):
        return "invalid"
    if isinstance(error, requests.RequestException):
        return "down"
    if isinstance(error, AuthlibBaseError):
        code = getattr(error, "error", "")
        if code == "mismatching_state":
            return "state"
        if code == "invalid_grant":  # the code was used already, or is too old
            return "state"
        if request.args.get("error"):
            return "refused"
    return "invalid"


# -- views --------------------------------------------------------------------------------------


@bp.route("/")
@public
def start():
    """Choose an identity provider of the audience; with only one, go straight to it."""
    audience = request.args.get("audience", "citizen")
    if audience not in ("citizen", "staff"):
        abort(400)
    next_url = (request.args.get("next") or "")[:2048]
    offered = [idp for idp in providers(current_app) if idp.audience == audience]
    if len(offered) == 1:
        return redirect(url_for(".login", name=offered[0].name, next=next_url or None))
    return render_template(
        "sob_auth/oidc.html", audience=audience, offered=offered, next_url=next_url or None
    )


@bp.route("/<name>/")
@public
def login(name: str):
    """Send the browser to the provider (state, nonce and PKCE verifier kept in the session)."""
    import requests

    idp = _provider(name)
    try:
        response = _client(idp).authorize_redirect(_callback_url(idp))
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as error:
        log.warning(
            "OpenID Connect provider %s unreachable at login (%s)", name, type(error).__name__
        )
        return _refuse("down", idp, 503)
    next_url = (request.args.get("next") or "")[:2048]
    if next_url:
        session[NEXT_KEY] = next_url
    return response


@bp.route("/<name>/callback")
@public
def callback(name: str):
    """The provider's answer: verify it all, then (and only then) sign in."""
    idp = _provider(name)
    client = _client(idp)
    try:
        issuer = idp.issuer or str(client.load_server_metadata().get("issuer", ""))
        token = client.authorize_access_token(
            leeway=idp.leeway_seconds,
            claims_options={"iss": {"essential": True, "values": [issuer]}},
        )
    except Exception as error:  # every failure is a refusal with a message, never a 500
        kind = _kind_of(error)
        log.info("OpenID Connect login at %s refused: %s (%s)", name, kind, type(error).__name__)
        return _refuse(kind, idp, 503 if kind == "down" else 400)
    claims = token.get("userinfo")
    if not isinstance(claims, Mapping):  # no ID token: nothing was verified
        return _refuse("invalid", idp)
    try:
        identity = idp.identity(claims, KEY)
    except ClaimProblem as problem:
        log.info("OpenID Connect login at %s refused: %s", name, problem.kind)
        return _refuse(problem.kind, idp, 403 if problem.kind == "assurance" else 400)
    response = complete_login(identity, session.pop(NEXT_KEY, None) or "")
    if not session.get("_user_id"):  # refused by the core (assurance, unknown staff, ...)
        return response
    _remember_for_logout(idp, client, token)
    asserted = idp.asserted(claims)
    if asserted:  # signed in: say what the token asserts
        lang = _lang()
        parts = [
            f"{HEADINGS.get(what, {}).get(lang, what)}: {', '.join(values)}"
            for what, values in asserted.items()
        ]
        flash(f"{ASSERTED[lang]}: " + ". ".join(parts) + ".", "info")
    return response


# -- single logout (OpenID Connect RP-Initiated Logout 1.0) ------------------------------------


def _remember_for_logout(idp: IdentityProvider, client: Any, token: Mapping[str, Any]) -> None:
    """Keep, in the signed-in (server-side) session, what signing out at the provider needs."""
    metadata = getattr(client, "server_metadata", None) or {}
    endpoint = metadata.get("end_session_endpoint") if idp.single_logout else None
    if isinstance(endpoint, str) and endpoint.startswith(
        ("https://", "http://127.0.0.1", "http://localhost")
    ):
        session[LOGOUT_KEY] = {
            "name": idp.name,
            "end_session": endpoint,
            "id_token": str(token.get("id_token") or ""),
        }


def single_logout(held: Mapping[str, Any]) -> str | None:
    """Where signing out continues: the provider's end-session endpoint, when it offers one.

    Called by the core's logout view once the local session is revoked (``LoginProvider.logout``).
    The URL carries ``id_token_hint``, ``post_logout_redirect_uri`` and a fresh ``state``, which
    the new anonymous session keeps until the provider sends the browser back.
    """
    kept = held.get(LOGOUT_KEY)
    if not isinstance(kept, Mapping) or not kept.get("end_session"):
        return None  # a provider without single logout: the local session's end is all
    idp = next((p for p in providers(current_app) if p.name == kept.get("name")), None)
    if idp is None or not idp.single_logout:
        return None
    state = secrets.token_urlsafe(32)
    base = str(current_app.config.get("SOB_BASE_URL") or request.host_url).rstrip("/")
    params = {
        "client_id": idp.client_id,
        "post_logout_redirect_uri": base + url_for("oidc_login.logged_out", name=idp.name),
        "state": state,
    }
    if kept.get("id_token"):
        params["id_token_hint"] = str(kept["id_token"])
    endpoint = str(kept["end_session"])
    target = endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)
    session[LOGOUT_STATE_KEY] = {"name": idp.name, "state": state, "target": target}
    # Not the provider's URL itself: the logout form's redirect may not leave the site (CSP
    # form-action 'self'); a page of ours continues there with a navigation of its own.
    return url_for("oidc_login.signing_out", name=idp.name)


@bp.route("/<name>/signing-out")
@public
def signing_out(name: str):
    """On to the provider's end-session endpoint (a refresh, and a link for who stops it)."""
    idp = _provider(name)
    pending = session.get(LOGOUT_STATE_KEY)
    if not isinstance(pending, Mapping) or pending.get("name") != idp.name:
        return redirect("/")
    target = pending.get("target")
    if not isinstance(target, str) or not target:
        return redirect("/")
    return render_template("sob_auth/oidc_logout.html", idp=idp, target=target)


@bp.route("/<name>/logged-out")
@public
def logged_out(name: str):
    """The provider's return after its logout: the ``state`` must be the one we sent."""
    idp = _provider(name)
    pending = session.pop(LOGOUT_STATE_KEY, None)
    state = request.args.get("state", "")
    if (
        not isinstance(pending, Mapping)
        or pending.get("name") != idp.name
        or not state
        or not secrets.compare_digest(str(pending.get("state", "")).encode(), state.encode())
    ):
        log.info("OpenID Connect logout return at %s refused: state", name)
        return _refuse("logout_state", idp)
    flash(SIGNED_OUT[_lang()], "info")
    return redirect("/")


@hookimpl
def sob_login_providers():
    return [
        LoginProvider(
            key=KEY,
            label={"sv": "E-legitimation", "en": "E-identification"},
            audiences=("citizen", "staff"),
            blueprint=bp,
            assurance="loa4",  # the highest a configured provider may declare
            available=lambda app: bool(providers(app)),
            offers=lambda app, audience: any(p.audience == audience for p in providers(app)),
            logout=single_logout,
        )
    ]


@hookimpl
def sob_settings() -> tuple[Setting, ...]:
    return SETTINGS
