"""Security of the OpenID Connect and BankID logins (issue 13 item 6), against the local providers.

Sessions are server-side: the cookie holds only a random id, and signing out deletes the row, so
the old cookie is dead everywhere, also in a second client that copied it. A provider's login
view signs no one in before the identity is verified: until the callback (OIDC) or the collect
(BankID) completes, no session row belongs to a person and the cookie's session holds no user.
Single logout: after signing out here, a session from an OpenID Connect provider that offers an
end-session endpoint continues there (``id_token_hint``, ``post_logout_redirect_uri``, ``state``);
a provider without one just ends the local session.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from bankid_server import make_pki, serve
from oidc_provider import CLIENT_ID, LocalProvider
from sqlalchemy import select
from test_auth_oidc import freja, providers_for, siths

from sob_core.extensions import db
from sob_core.identity import sessions
from sob_core.models._types import utcnow
from sob_core.models.sessions import UserSession
from sob_core.testing import IsolatedClient, csrf_from

COOKIE = "sob_session"
COMPLETE = {"status": "complete"}
PENDING = {"status": "pending", "hintCode": "outstandingTransaction"}


@pytest.fixture(scope="module")
def idp():
    provider = LocalProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def fresh_knobs(idp):
    idp.knobs.__init__()
    idp.logouts.clear()
    yield


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("bankid-pki"))


@pytest.fixture(scope="module")
def standin_server(pki):
    server, state, url = serve(pki)
    yield server, state, url
    server.shutdown()
    server.server_close()


@pytest.fixture
def standin(standin_server):
    state = standin_server[1]
    state.plan, state.auth_error = [], None
    state.orders.clear()
    state.requests.clear()
    return state


@pytest.fixture
def sob_config(idp, standin_server, pki):
    cert, key = pki.rp_certificate("sob-rp")
    return {
        "SOB_OIDC_PROVIDERS": providers_for(idp),
        "SOB_BANKID_URL": standin_server[2],
        "SOB_BANKID_CERT": cert,
        "SOB_BANKID_KEY": key,
        "SOB_BANKID_CA": pki.server_ca,
    }


@pytest.fixture
def fast(monkeypatch):
    from sob_auth import bankid

    monkeypatch.setattr(bankid, "COLLECT_INTERVAL", 0.0)


# --- helpers -----------------------------------------------------------------------------------


def to_callback(client, idp, name: str, claims: dict) -> str:
    """Start at sob and let the provider answer; the callback path (not yet visited)."""
    idp.knobs.claims = claims
    started = client.get(f"/auth/oidc/{name}/")
    assert started.status_code == 302
    answered = requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    assert answered.status_code == 302
    return answered.headers["Location"].removeprefix("http://localhost")


def oidc_sign_in(client, idp, name: str = "freja", claims: dict | None = None):
    response = client.get(to_callback(client, idp, name, claims or freja()))
    assert response.status_code == 302 and not response.headers["Location"].startswith("/auth")
    return response


def bankid_start(client):
    page = client.get("/auth/bankid/").get_data(as_text=True)
    started = client.post("/auth/bankid/start", data={"csrf_token": csrf_from(page), "mode": "qr"})
    assert started.status_code == 303
    return started


def bankid_sign_in(client, standin):
    standin.plan = [PENDING, COMPLETE]
    bankid_start(client)
    assert client.get("/auth/bankid/wait").status_code == 200  # pending
    finished = client.get("/auth/bankid/wait")
    assert finished.status_code == 302 and finished.headers["Location"] == "/citizen/"
    return finished


def cookie(client) -> str:
    found = client.get_cookie(COOKIE)
    assert found is not None
    return found.value


def second_client(app, token: str):
    other = IsolatedClient(app, app.response_class, use_cookies=True)
    other.set_cookie(COOKIE, token)
    return other


def person_rows() -> list[UserSession]:
    """Session rows that belong to someone (a signed-in session)."""
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.person_id.is_not(None))))


def cookie_maps_to_a_user(client) -> bool:
    found = client.get_cookie(COOKIE)
    if found is None:
        return False
    db.session.expire_all()
    row = sessions.load(db.session, found.value, utcnow())
    return row is not None and (row.person_id is not None or '"_user_id"' in row.data)


def sign_out(client, page: str = "/citizen/"):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post("/auth/logout", data={"csrf_token": token})


def end_session_url(client, response) -> str:
    """Signed out here; the page that continues at the provider, and the URL it goes to."""
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    link = re.search(r'id="oidc-end-session" href="([^"]+)"', text)
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', text)
    assert link and refresh and link.group(1) == refresh.group(1)
    return html.unescape(link.group(1))


# --- server-side sessions, revoked on logout ---------------------------------------------------


@pytest.mark.parametrize("provider", ["oidc", "bankid"])
def test_logout_kills_the_old_cookie_also_in_a_second_client(
    app, client, idp, standin, fast, demo_data, provider
):
    if provider == "oidc":
        idp.knobs.end_session = False  # the local session alone: single logout has its own tests
        oidc_sign_in(client, idp)
    else:
        bankid_sign_in(client, standin)
    old = cookie(client)
    copy = second_client(app, old)
    assert copy.get("/citizen/").status_code == 200  # the copied cookie works while signed in
    (row,) = person_rows()
    assert row.person_kind == "citizen" and row.token_hash == sessions.token_hash(old)
    assert sign_out(client).status_code == 302
    assert person_rows() == []
    assert copy.get("/citizen/").status_code == 302  # dead in the second client
    client.set_cookie(COOKIE, old)
    assert client.get("/citizen/").status_code == 302  # and in the first, put back by hand


@pytest.mark.parametrize("provider", ["oidc", "bankid"])
def test_the_cookie_from_before_the_login_dies_at_login(
    app, client, idp, standin, fast, demo_data, provider
):
    if provider == "oidc":
        path = to_callback(client, idp, "freja", freja())
        before = cookie(client)  # the pending login's anonymous session
        client.get(path)
    else:
        standin.plan = [PENDING, COMPLETE]
        bankid_start(client)
        before = cookie(client)
        client.get("/auth/bankid/wait")
        client.get("/auth/bankid/wait")
    assert cookie(client) != before  # a new id at sign-in
    assert second_client(app, before).get("/citizen/").status_code == 302


# --- no session until the identity is verified -------------------------------------------------


def test_oidc_signs_no_one_in_before_the_callback(client, idp, demo_data):
    path = to_callback(client, idp, "freja", freja())
    assert person_rows() == [] and not cookie_maps_to_a_user(client)
    client.get(path)
    assert len(person_rows()) == 1 and cookie_maps_to_a_user(client)


@pytest.mark.parametrize(
    ("knob", "value"), [("nonce", "not-ours"), ("audience", "another"), ("lifetime", -3600)]
)
def test_a_refused_oidc_callback_leaves_no_user_session(client, idp, demo_data, knob, value):
    setattr(idp.knobs, knob, value)
    path = to_callback(client, idp, "freja", freja())
    assert client.get(path).status_code == 400
    assert person_rows() == [] and not cookie_maps_to_a_user(client)


def test_bankid_signs_no_one_in_before_collect_completes(client, standin, fast, demo_data):
    standin.plan = [PENDING, PENDING, COMPLETE]
    bankid_start(client)
    for _ in range(2):
        assert client.get("/auth/bankid/wait").status_code == 200
        assert client.get("/auth/bankid/qr").status_code == 200
        assert person_rows() == [] and not cookie_maps_to_a_user(client)
    assert client.get("/auth/bankid/wait").status_code == 302
    assert len(person_rows()) == 1 and cookie_maps_to_a_user(client)


def test_a_failed_bankid_order_leaves_no_user_session(client, standin, fast, demo_data):
    standin.plan = [PENDING, {"status": "failed", "hintCode": "userCancel"}]
    bankid_start(client)
    client.get("/auth/bankid/wait")
    assert client.get("/auth/bankid/wait").status_code == 200  # the start page, with the message
    assert person_rows() == [] and not cookie_maps_to_a_user(client)


# --- single logout at the OpenID Connect provider ----------------------------------------------


def test_logout_continues_at_the_providers_end_session_endpoint(client, idp, demo_data):
    oidc_sign_in(client, idp)
    issued_id_token = idp.issued[-2]
    response = sign_out(client)
    assert person_rows() == []  # signed out here before going there
    assert response.headers["Location"] == "/auth/oidc/freja/signing-out"  # form-action 'self'
    url = end_session_url(client, response)
    target = urlsplit(url)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{idp.url}/logout"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["id_token_hint"] == issued_id_token
    assert query["client_id"] == CLIENT_ID
    assert query["post_logout_redirect_uri"] == "http://localhost/auth/oidc/freja/logged-out"
    assert len(query["state"]) >= 32
    back = requests.get(url, allow_redirects=False, timeout=10)
    assert back.status_code == 302 and len(idp.logouts) == 1  # the provider accepted the hint
    home = client.get(back.headers["Location"].removeprefix("http://localhost"))
    assert home.status_code == 302 and home.headers["Location"] == "/"
    assert "Du är utloggad, även hos inloggningstjänsten." in client.get("/").get_data(as_text=True)


def test_the_return_from_logout_needs_our_state(client, idp, demo_data):
    oidc_sign_in(client, idp)
    end_session_url(client, sign_out(client))
    forged = client.get("/auth/oidc/freja/logged-out?state=someone-elses")
    assert forged.status_code == 400
    assert "hörde inte till någon utloggning" in forged.get_data(as_text=True)
    # the state is good once: it was used up by the forged try
    again = client.get("/auth/oidc/freja/logged-out")
    assert again.status_code == 400
    assert client.get("/auth/oidc/freja/logged-out?state=%C3%A5%00").status_code == 400
    assert client.get("/auth/oidc/nosuch/logged-out?state=x").status_code == 404


def test_a_provider_without_end_session_only_ends_the_local_session(client, idp, demo_data):
    idp.knobs.end_session = False
    oidc_sign_in(client, idp)
    response = sign_out(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert person_rows() == [] and idp.logouts == []


def test_single_logout_can_be_turned_off_per_provider(app, idp, make_app, demo_data):
    entries = providers_for(idp)
    entries[0]["single_logout"] = False
    other = make_app(config={"SOB_OIDC_PROVIDERS": entries})
    other.test_client_class = IsolatedClient
    with other.app_context():
        browser = other.test_client()
        oidc_sign_in(browser, idp)
        assert sign_out(browser).headers["Location"] == "/"


def test_a_staff_session_from_siths_logs_out_at_the_provider(client, idp, demo_data):
    start = oidc_sign_in(client, idp, "siths", siths()).headers["Location"]
    url = end_session_url(client, sign_out(client, start))
    assert url.startswith(f"{idp.url}/logout?")
    assert "siths%2Flogged-out" in url


def test_the_signing_out_page_without_a_pending_logout_goes_home(client, idp, demo_data):
    response = client.get("/auth/oidc/freja/signing-out")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_bankid_session_just_ends_locally(client, standin, fast, demo_data):
    bankid_sign_in(client, standin)
    response = sign_out(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
