"""OpenID Connect login against a real provider on 127.0.0.1 (``oidc_provider``, built here).

Each refusal is a clear message in Swedish (the default language) and leaves no signed-in
session behind: ``_signed_in`` asks the session itself.
"""

from __future__ import annotations

import logging
import socket

import pytest
import requests
from oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider

from sob_core.extensions import db
from sob_core.models import AuditEvent, Citizen

NEW_CITIZEN = "191212121212"  # a valid test personnummer not in the demo data
BAD_CHECK_DIGIT = "191212121213"
THERAPIST = "SE2321000131-P000000000011"  # a demo staff member
PNR_CLAIM = "https://frejaeid.com/oidc/claims/personalIdentityNumber"
LEVEL_CLAIM = "https://frejaeid.com/oidc/claims/registrationLevel"


@pytest.fixture(scope="module")
def idp():
    provider = LocalProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def fresh_knobs(idp):
    idp.knobs.__init__()  # every test starts from a well-behaved provider
    yield


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def providers_for(idp: LocalProvider) -> list[dict]:
    common = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return [
        {
            "name": "freja",
            "label": {"sv": "Freja eID Plus", "en": "Freja eID Plus"},
            "audience": "citizen",
            "discovery_url": idp.discovery_url,
            "scopes": "openid profile https://frejaeid.com/oidc/scopes/personalIdentityNumber",
            "claims": {"identifier": PNR_CLAIM, "name": ["given_name", "family_name"]},
            "assurance_claim": {"claim": LEVEL_CLAIM, "values": {"PLUS": "loa3"}},
            **common,
        },
        {
            "name": "siths",
            "label": {"sv": "SITHS-kort", "en": "SITHS card"},
            "audience": "staff",
            "discovery_url": idp.discovery_url,
            "claims": {"identifier": "employeeHsaId", "name": "name"},
            "assurance": "loa3",
            "shown_claims": {"units": "healthCareUnitNames", "roles": "commissionPurposes"},
            **common,
        },
        {
            "name": "down",
            "label": {"sv": "Nere"},
            "audience": "staff",
            "discovery_url": f"http://127.0.0.1:{_free_port()}/.well-known/openid-configuration",
            **common,
        },
    ]


@pytest.fixture
def sob_config(idp):
    return {"SOB_OIDC_PROVIDERS": providers_for(idp)}


def freja(pnr: str = NEW_CITIZEN, level: str = "PLUS") -> dict:
    return {PNR_CLAIM: pnr, LEVEL_CLAIM: level, "given_name": "Tolvan", "family_name": "Tolvansson"}


def siths(hsa_id: str = THERAPIST) -> dict:
    return {
        "employeeHsaId": hsa_id,
        "name": "Tommy Skjulsvik",
        "healthCareUnitNames": ["Psykiatri Norr", "Beroendemottagningen"],
        "commissionPurposes": ["Vård och behandling"],
    }


def _to_provider(client, idp, name: str, claims: dict) -> str:
    """Start at sob, let the provider sign in ``claims``; the callback path it sends back."""
    idp.knobs.claims = claims
    started = client.get(f"/auth/oidc/{name}/")
    assert started.status_code == 302, started.get_data(as_text=True)
    assert started.headers["Location"].startswith(f"{idp.url}/authorize?")
    answered = requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    assert answered.status_code == 302
    return answered.headers["Location"].removeprefix("http://localhost")


def sign_in(client, idp, name: str = "freja", claims: dict | None = None):
    path = _to_provider(client, idp, name, claims if claims is not None else freja())
    return client.get(path)


def _signed_in(client) -> bool:
    with client.session_transaction() as stored:
        return bool(stored.get("_user_id"))


def _refused(response, status: int, text: str) -> None:
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and text in page


# --- a citizen ------------------------------------------------------------------------------


def test_first_sign_in_registers_the_citizen_with_her_name(client, idp, demo_data):
    checked = idp.pkce_checked
    response = sign_in(client, idp)
    assert response.status_code == 302 and response.headers["Location"] == "/citizen/"
    assert idp.pkce_checked == checked + 1  # the provider checked our PKCE verifier
    citizen = db.session.query(Citizen).filter_by(personnummer=NEW_CITIZEN).one()
    assert citizen.name == "Tolvan Tolvansson"
    assert client.get("/citizen/").status_code == 200
    login = db.session.query(AuditEvent).filter_by(action="login").one()
    assert login.detail == {"provider": "oidc"}


def test_the_pending_login_is_no_session(client, idp, demo_data):
    _to_provider(client, idp, "freja", freja())
    assert not _signed_in(client)
    assert client.get("/citizen/").status_code == 302


def test_next_page_is_followed_after_the_provider(client, idp, demo_data):
    idp.knobs.claims = freja()
    started = client.get("/auth/oidc/freja/?next=/citizen/messages")
    answered = requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    response = client.get(answered.headers["Location"].removeprefix("http://localhost"))
    assert response.headers["Location"] == "/citizen/messages"


def test_freja_below_plus_is_refused(client, idp, demo_data):
    response = sign_in(client, idp, claims=freja(level="EXTENDED"))
    _refused(response, 403, "Freja eID Plus")
    assert not _signed_in(client)
    assert db.session.query(Citizen).filter_by(personnummer=NEW_CITIZEN).count() == 0


def test_personnummer_failing_its_check_digit_is_refused(client, idp, demo_data):
    response = sign_in(client, idp, claims=freja(BAD_CHECK_DIGIT))
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert not _signed_in(client)
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Personnumret från inloggningen är inte giltigt." in page
    assert db.session.query(Citizen).filter_by(personnummer=BAD_CHECK_DIGIT).count() == 0


def test_missing_identity_claim_is_refused(client, idp, demo_data):
    response = sign_in(client, idp, claims={LEVEL_CLAIM: "PLUS"})
    _refused(response, 400, "ingen identitet")
    assert not _signed_in(client)


# --- what the token says and who says it ----------------------------------------------------


@pytest.mark.parametrize(
    ("knob", "value", "text"),
    [
        ("issuer", "https://someone-else.example", "inte från den inloggningstjänst som väntades"),
        ("audience", "another-client", "inte utfärdat till den här tjänsten"),
        ("lifetime", -3600, "har gått ut"),
        ("nonce", "not-the-nonce-we-sent", "hör inte till den här inloggningen"),
        ("foreign_key", True, "gick inte att kontrollera"),
    ],
)
def test_a_token_that_fails_a_check_is_refused(client, idp, demo_data, knob, value, text):
    setattr(idp.knobs, knob, value)
    response = sign_in(client, idp)
    _refused(response, 400, text)
    assert not _signed_in(client)
    assert db.session.query(Citizen).filter_by(personnummer=NEW_CITIZEN).count() == 0


def test_clock_skew_is_allowed_only_within_its_bound(client, idp, demo_data):
    idp.knobs.lifetime = -30  # expired half a minute ago: within the default 60 s
    assert sign_in(client, idp).headers["Location"] == "/citizen/"


def test_a_replayed_answer_is_refused(client, idp, app, demo_data):
    path = _to_provider(client, idp, "freja", freja())
    # Another browser that got hold of the answer: it has no such pending login.
    other = app.test_client()
    _refused(other.get(path), 400, "har redan använts")
    assert not _signed_in(other)
    assert client.get(path).status_code == 302  # the browser that started it signs in
    # ... once: the same answer again is refused (its state is gone from the session).
    _refused(client.get(path), 400, "har redan använts")


def test_an_answer_without_state_is_refused(client, idp, demo_data):
    _refused(client.get("/auth/oidc/freja/callback?code=abc"), 400, "Börja om")
    assert not _signed_in(client)


def test_cancelled_at_the_provider(client, idp, demo_data):
    idp.knobs.deny = True
    _refused(sign_in(client, idp), 400, "avbröts hos inloggningstjänsten")
    assert not _signed_in(client)


def test_a_provider_that_is_down(client, idp, demo_data):
    _refused(client.get("/auth/oidc/down/"), 503, "går inte att nå just nu")
    assert not _signed_in(client)


def test_a_provider_that_goes_down_before_the_token(client, idp, app, demo_data):
    path = _to_provider(client, idp, "freja", freja())
    oauth = app.extensions["sob_oidc_oauth"]
    token_url = oauth.freja.server_metadata["token_endpoint"]
    oauth.freja.server_metadata["token_endpoint"] = token_url.replace(
        str(idp.server.server_port), str(_free_port())
    )
    try:
        _refused(client.get(path), 503, "går inte att nå just nu")
    finally:
        oauth.freja.server_metadata["token_endpoint"] = token_url
    assert not _signed_in(client)


def test_messages_are_in_english_too(client, idp, demo_data):
    with client.session_transaction() as stored:
        stored["lang"] = "en"
    idp.knobs.audience = "another-client"
    _refused(sign_in(client, idp), 400, "was not issued to this service")


def test_unknown_provider_name_is_404(client, idp):
    assert client.get("/auth/oidc/nobody/").status_code == 404


# --- staff ----------------------------------------------------------------------------------


def test_staff_sign_in_with_an_hsa_id_shows_units_and_roles(client, idp, demo_data):
    response = sign_in(client, idp, "siths", siths())
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Tommy Skjulsvik" in page
    assert "Vårdenheter: Psykiatri Norr, Beroendemottagningen" in page
    assert "Roller: Vård och behandling" in page


def test_unknown_staff_is_refused(client, idp, demo_data):
    response = sign_in(client, idp, "siths", siths("SE2321000131-P999999999999"))
    assert response.headers["Location"] == "/auth/login"
    assert not _signed_in(client)
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Du är inte registrerad som personal" in page


def test_chooser_goes_straight_to_the_only_citizen_provider(client, idp):
    response = client.get("/auth/oidc/?audience=citizen")
    assert response.headers["Location"] == "/auth/oidc/freja/"
    staff = client.get("/auth/oidc/?audience=staff").get_data(as_text=True)
    assert "SITHS-kort" in staff and "Nere" in staff


def test_nothing_secret_is_logged(client, idp, demo_data, caplog):
    caplog.set_level(logging.DEBUG)
    path = _to_provider(client, idp, "freja", freja())
    client.get(path)
    code = path.split("code=")[1].split("&")[0]
    assert NEW_CITIZEN not in caplog.text
    assert code not in caplog.text
    assert "code_verifier" not in caplog.text


def test_an_installation_minimum_above_the_provider_refuses(make_app, idp):
    from sob_core.testing import IsolatedClient

    strict = make_app(
        config={"SOB_OIDC_PROVIDERS": providers_for(idp), "SOB_CITIZEN_MIN_ASSURANCE": "loa4"}
    )
    strict.test_client_class = IsolatedClient
    client = strict.test_client()
    response = sign_in(client, idp)  # Freja eID Plus is loa3
    assert response.headers["Location"] == "/auth/login"
    assert not _signed_in(client)
    assert "Logga in med BankID eller Freja eID Plus." in client.get("/auth/login").get_data(
        as_text=True
    )


def test_every_oidc_route_declares_its_access(app):
    from sob_core.web.access import rule_for

    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/auth/oidc/")]
    assert {r.rule for r in rules} == {
        "/auth/oidc/",
        "/auth/oidc/<name>/",
        "/auth/oidc/<name>/callback",
        "/auth/oidc/<name>/logged-out",
        "/auth/oidc/<name>/signing-out",
    }
    assert all(rule_for(app, r.endpoint) is not None for r in rules)


def test_the_sign_in_page_offers_e_identification(client, idp):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/oidc/?audience=citizen"' in page
    assert 'href="/auth/oidc/?audience=staff"' in page


def test_an_audience_without_a_provider_gets_no_button(make_app, idp):
    citizens_only = make_app(config={"SOB_OIDC_PROVIDERS": providers_for(idp)[:1]})
    page = citizens_only.test_client().get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/oidc/?audience=citizen"' in page
    assert "/auth/oidc/?audience=staff" not in page
