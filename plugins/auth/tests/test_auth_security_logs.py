"""No personnummer, token, code or secret is logged, not even with DEBUG logging.

Each test captures every log record the app emits (the root logger at DEBUG, so the app's,
Authlib's, requests' and urllib3's, Flask's and SQLAlchemy's records all reach the capture) during
a full login and logout against the local providers, then asserts that none of them contains any
of the secrets the login handled: the personnummer (in every spelling), and for OpenID Connect the authorization
code, state, nonce, PKCE verifier and challenge, ID token and access token; for BankID the
orderRef, autoStartToken, qrStartToken and qrStartSecret. The session cookie's ids too.

What is not sob's is left out: the stand-in providers serve in threads of their own (their
records are theirs: a real provider's logs are its own), and what the browser does at the
provider (``browser_get``, here with ``requests``) runs with logging switched off. The app under
test runs in the test's own thread (the Flask test client), so its records are those of this
thread.
"""

from __future__ import annotations

import logging
import threading
import traceback

import pytest
import requests
from test_auth_oidc import freja, providers_for
from test_auth_security import (
    COMPLETE,
    PENDING,
    bankid_start,
    cookie,
    end_session_url,
    fresh_knobs,  # noqa: F401  (an autouse fixture of that module, used here too)
    idp,  # noqa: F401
    pki,  # noqa: F401
    sign_out,
    standin,  # noqa: F401
    standin_server,  # noqa: F401
)

from sob_core.identity import personnummer

NUMBER = "191212121212"


@pytest.fixture
def sob_config(idp, standin_server, pki, everything):  # noqa: F811  (logging set up first)
    cert, key = pki.rp_certificate("sob-rp-logs")
    return {
        "SOB_OIDC_PROVIDERS": providers_for(idp),
        "SOB_BANKID_URL": standin_server[2],
        "SOB_BANKID_CERT": cert,
        "SOB_BANKID_KEY": key,
        "SOB_BANKID_CA": pki.server_ca,
    }


@pytest.fixture
def everything(caplog):
    """Every record at DEBUG and up, from every logger that propagates to the root.

    Set up before the app is built, as an installation's logging is. SQLAlchemy keeps its loggers
    at WARNING unless told: an operator's DEBUG throughout includes them.
    """
    engine = logging.getLogger("sqlalchemy.engine")
    level = engine.level  # the app caps it (no row logging): put back for the other tests
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    yield caplog
    engine.setLevel(level)


def spellings(number: str) -> set[str]:
    parsed = personnummer.parse(number)
    return {number, number[2:], parsed.formatted, parsed.formatted.replace("-", "")}


def browser_get(url: str):
    """What the browser does at the provider: not the app's doing, so not captured."""
    logging.disable(logging.CRITICAL)
    try:
        return requests.get(url, allow_redirects=False, timeout=10)
    finally:
        logging.disable(logging.NOTSET)


def logged_text(caplog) -> list[str]:
    texts = []
    ours = threading.get_ident()
    for record in caplog.records:
        if record.thread != ours:
            continue  # a stand-in provider's own log
        text = f"{record.name} {record.getMessage()}"
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        texts.append(text)
    return texts


def assert_none_logged(caplog, secrets: set[str]) -> None:
    texts = logged_text(caplog)
    assert texts, "nothing was logged: the capture is not working"
    leaks = [(secret, text) for secret in secrets if secret for text in texts if secret in text]
    assert leaks == []


def test_an_oidc_login_and_logout_log_no_secret(client, idp, demo_data, everything):  # noqa: F811
    idp.knobs.claims = freja(NUMBER)
    started = client.get("/auth/oidc/freja/")
    answered = browser_get(started.headers["Location"])
    signed_in = client.get(answered.headers["Location"].removeprefix("http://localhost"))
    assert signed_in.headers["Location"] == "/citizen/"
    session_id = cookie(client)
    out = sign_out(client)
    back = browser_get(end_session_url(client, out))
    client.get(back.headers["Location"].removeprefix("http://localhost"))
    assert len(idp.issued) >= 7  # code, state, nonce, challenge, verifier, ID and access token
    assert_none_logged(everything, spellings(NUMBER) | set(idp.issued) | {session_id})


def test_a_refused_oidc_login_logs_no_secret(client, idp, demo_data, everything):  # noqa: F811
    idp.knobs.claims = freja(NUMBER)
    idp.knobs.nonce = "not-the-nonce-we-sent"
    started = client.get("/auth/oidc/freja/")
    answered = browser_get(started.headers["Location"])
    assert client.get(answered.headers["Location"].removeprefix("http://localhost")).status_code
    assert_none_logged(everything, spellings(NUMBER) | set(idp.issued))


def test_a_bankid_login_and_logout_log_no_secret(
    client,
    standin,  # noqa: F811
    demo_data,
    everything,
    monkeypatch,
):
    from sob_auth import bankid

    monkeypatch.setattr(bankid, "COLLECT_INTERVAL", 0.0)
    standin.person = {**standin.person, "personalNumber": NUMBER}
    standin.plan = [PENDING, COMPLETE]
    bankid_start(client)
    client.get("/auth/bankid/wait")
    client.get("/auth/bankid/qr")
    client.get("/auth/bankid/status")
    assert client.get("/auth/bankid/wait").headers["Location"] == "/citizen/"
    session_id = cookie(client)
    sign_out(client)
    (order,) = standin.orders.values()
    secrets = {
        order.order_ref,
        order.auto_start_token,
        order.qr_start_token,
        order.qr_start_secret,
        session_id,
    }
    assert_none_logged(everything, spellings(NUMBER) | secrets)


def test_the_development_servers_request_log_blanks_the_code_and_state(everything):
    from sob_auth.oidc import RedactLoginParameters

    line = (
        '127.0.0.1 - - [02/Dec/2026 18:15:19] "GET /auth/oidc/freja/callback?code=SECRETCODE&'
        'state=SECRETSTATE HTTP/1.1" 302 -'
    )
    logging.getLogger("werkzeug").info(line)
    logging.getLogger("werkzeug").info("%s %s", "/auth/oidc/freja/logged-out?state=S2", "ok")
    (first, second) = [r.getMessage() for r in everything.records if r.name == "werkzeug"]
    assert "SECRETCODE" not in first and "SECRETSTATE" not in first
    assert "callback?code=[redacted]&state=[redacted] HTTP/1.1" in first
    assert second == "/auth/oidc/freja/logged-out?state=[redacted] ok"
    assert any(isinstance(f, RedactLoginParameters) for f in logging.getLogger("werkzeug").filters)
