"""BankID login (RP API v6) against a local stand-in for BankID over mutual TLS.

BankID cannot be reached from here, so ``bankid_server`` stands in for it: it implements the
documented v6 calls (/auth, /phone/auth, /collect, /cancel) and demands an RP client certificate
issued by its RP CA, with certificates these tests generate. Covered: a completed order signs the
citizen in (registered on first sign-in, name from completionData.user), user cancel, expiry,
start failed, the user's certificate error, RP certificate errors on both sides of the TLS
handshake, BankID down, the animated QR code, collect throttling, the hint-code messages, and
``sob auth bankid check``. Never a 500, never a session from a failed order.
"""

from __future__ import annotations

import json
import time

import pytest
from bankid_server import make_pki, serve
from sqlalchemy import select

from sob_core.testing import csrf_from

PENDING = {"status": "pending", "hintCode": "outstandingTransaction"}
USER_SIGN = {"status": "pending", "hintCode": "userSign"}
COMPLETE = {"status": "complete"}


def failed(hint: str) -> dict[str, str]:
    return {"status": "failed", "hintCode": hint}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("bankid-pki"))


@pytest.fixture(scope="module")
def rp(pki):
    return pki.rp_certificate("sob-rp")


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
def sob_config(standin_server, rp, pki):
    cert, key = rp
    return {
        "SOB_BANKID_URL": standin_server[2],
        "SOB_BANKID_CERT": cert,
        "SOB_BANKID_KEY": key,
        "SOB_BANKID_CA": pki.server_ca,
    }


@pytest.fixture
def fast(monkeypatch):
    """Collect on every poll (the real interval, 2 s, has a test of its own)."""
    from sob_auth import bankid

    monkeypatch.setattr(bankid, "COLLECT_INTERVAL", 0.0)


def _start(client, mode="qr"):
    page = client.get("/auth/bankid/").get_data(as_text=True)
    return client.post("/auth/bankid/start", data={"csrf_token": csrf_from(page), "mode": mode})


def _status(client) -> dict:
    response = client.get("/auth/bankid/status")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def _signed_in(client) -> bool:
    return client.get("/citizen/").status_code == 200


def test_completed_order_signs_the_citizen_in(app, client, standin, fast):
    from sob_core.models import Citizen

    standin.plan = [PENDING, USER_SIGN, COMPLETE]
    started = _start(client)
    assert started.status_code == 303 and started.location.endswith("/auth/bankid/wait")
    assert standin.requests[0] == ("/rp/v6.0/auth", {"endUserIp": "127.0.0.1"})
    waiting = client.get("/auth/bankid/wait")
    page = waiting.get_data(as_text=True)
    assert waiting.status_code == 200 and "Starta BankID-appen." in page
    assert 'id="bankid-qr"' in page and "bankid:///?autostarttoken=" in page
    assert not _signed_in(client)
    assert _status(client)["message"].startswith("Skriv in din säkerhetskod i BankID-appen")
    done = _status(client)
    assert done["state"] == "complete" and done["redirect"] == "/auth/bankid/wait"
    finish = client.get("/auth/bankid/wait")
    assert finish.status_code == 302
    assert _signed_in(client)
    citizen = app.extensions["sqlalchemy"].session.scalar(
        select(Citizen).where(Citizen.personnummer == "199001012385")
    )
    assert citizen is not None and citizen.name == "Karin Andersson"


def test_the_qr_secret_never_reaches_the_browser(client, standin, fast):
    standin.plan = [PENDING]
    _start(client)
    (order,) = standin.orders.values()
    seen = [
        client.get("/auth/bankid/wait").get_data(as_text=True),
        client.get("/auth/bankid/status").get_data(as_text=True),
        client.get("/auth/bankid/qr").get_data(as_text=True),
    ]
    assert all(order.qr_start_secret not in text for text in seen)
    assert order.qr_start_token not in seen[0]  # only inside the QR image


def _shown_qr(client, order) -> tuple[bytes, str]:
    """The QR image the page gets now, and the QR text it encodes (found by the stand-in's data)."""
    from sob_auth.bankid import qr_svg
    from sob_auth.bankid_api import qr_data

    image = client.get("/auth/bankid/qr")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    elapsed = int(time.time() - order.started)
    for seconds in range(max(0, elapsed - 2), elapsed + 2):
        text = qr_data(order.qr_start_token, order.qr_start_secret, seconds)
        if qr_svg(text) == image.data:
            return image.data, text
    raise AssertionError("the QR shown is none of this order's codes")


def test_animated_qr_changes_every_second_and_scans(client, standin, fast):
    standin.plan = [PENDING, USER_SIGN]
    _start(client)
    (order,) = standin.orders.values()
    first_image, first_text = _shown_qr(client, order)
    assert standin.scan(first_text)  # the BankID app accepts it: token, time and HMAC
    time.sleep(1.05)
    second_image, second_text = _shown_qr(client, order)
    assert second_image != first_image
    assert int(second_text.split(".")[2]) > int(first_text.split(".")[2])
    assert not standin.scan(second_text.replace(order.qr_start_token, "0" * 36))


def test_user_cancel_explains_itself(client, standin, fast):
    standin.plan = [PENDING, failed("userCancel")]
    _start(client)
    assert client.get("/auth/bankid/wait").status_code == 200
    assert _status(client)["state"] == "failed"
    page = client.get("/auth/bankid/wait")
    assert page.status_code == 200
    assert 'role="alert"' in page.get_data(as_text=True)
    assert "Åtgärden avbröts." in page.get_data(as_text=True)
    assert not _signed_in(client)
    # the order is over: the waiting page now sends back to the start
    assert client.get("/auth/bankid/wait").status_code == 302


@pytest.mark.parametrize(
    ("hint", "mode", "message"),
    [
        ("expiredTransaction", "qr", "BankID-appen svarar inte."),
        ("startFailed", "qr", "Misslyckades att läsa av QR-koden."),
        ("startFailed", "device", "Du verkar inte ha BankID-appen."),
        ("certificateErr", "qr", "Ditt BankID är för gammalt eller spärrat."),
        ("cancelled", "qr", "Åtgärden avbröts. Försök igen."),
        ("somethingNew", "qr", "Något gick fel. Försök igen."),
    ],
)
def test_failed_orders_get_the_recommended_message(client, standin, fast, hint, mode, message):
    standin.plan = [failed(hint)]
    _start(client, mode)
    page = client.get("/auth/bankid/wait")
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert not _signed_in(client)


def test_cancel_button_cancels_the_order_at_bankid(client, standin, fast):
    standin.plan = [PENDING]
    _start(client)
    page = client.get("/auth/bankid/wait").get_data(as_text=True)
    response = client.post("/auth/bankid/cancel", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200 and "Åtgärden avbröts." in response.get_data(as_text=True)
    (order,) = standin.orders.values()
    assert order.cancelled
    assert client.get("/auth/bankid/wait").status_code == 302


def test_starting_again_cancels_the_waiting_order(client, standin):
    _start(client)
    _start(client, "device")
    first, second = standin.orders.values()
    assert first.cancelled and not second.cancelled
    page = client.get("/auth/bankid/wait").get_data(as_text=True)
    assert "Försöker starta BankID-appen." in page  # RFA13: the autostart was chosen


def test_cancel_needs_the_csrf_token(client, standin, fast):
    _start(client)
    assert client.post("/auth/bankid/cancel").status_code == 400
    (order,) = standin.orders.values()
    assert not order.cancelled


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ((400, "alreadyInProgress"), "pågår redan för ditt personnummer"),
        ((503, "maintenance"), "Något gick fel. Försök igen."),
        ((500, "internalError"), "Något gick fel. Försök igen."),
    ],
)
def test_auth_errors_get_the_recommended_message(client, standin, error, message):
    standin.auth_error = error
    response = _start(client)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert client.get("/auth/bankid/wait").status_code == 302  # no order was kept


def test_rp_certificate_bankid_does_not_accept(app, client, standin, pki):
    cert, key = pki.rp_certificate("rogue-rp", rogue=True)
    app.config.update(SOB_BANKID_CERT=cert, SOB_BANKID_KEY=key)
    response = _start(client)
    assert response.status_code == 200
    assert "Något gick fel. Försök igen." in response.get_data(as_text=True)
    assert standin.requests == []  # the handshake failed: BankID never saw the call


def test_server_certificate_our_ca_does_not_vouch_for(app, client, standin, pki):
    app.config["SOB_BANKID_CA"] = pki.rp_ca  # not the CA of the server's certificate
    response = _start(client)
    assert response.status_code == 200
    assert "Något gick fel. Försök igen." in response.get_data(as_text=True)
    assert standin.requests == []


def test_missing_rp_certificate_file(app, client, standin, tmp_path):
    app.config["SOB_BANKID_CERT"] = str(tmp_path / "gone.pem")
    response = _start(client)
    assert response.status_code == 200 and "Något gick fel" in response.get_data(as_text=True)


def test_bankid_down(app, client, standin):
    app.config["SOB_BANKID_URL"] = "https://127.0.0.1:9/rp/v6.0"
    response = _start(client)
    assert response.status_code == 200 and "Något gick fel" in response.get_data(as_text=True)


def test_collect_is_called_at_most_every_two_seconds(client, standin):
    standin.plan = [PENDING]
    _start(client)
    for _ in range(4):
        _status(client)
        client.get("/auth/bankid/wait")
    collects = [path for path, _ in standin.requests if path.endswith("/collect")]
    assert len(collects) == 1


def test_completion_without_a_valid_personal_number(client, standin, fast):
    standin.person = {**standin.person, "personalNumber": "199001012384"}  # wrong check digit
    try:
        standin.plan = [COMPLETE]
        _start(client)
        page = client.get("/auth/bankid/wait")
        assert page.status_code == 200 and "Något gick fel" in page.get_data(as_text=True)
        assert not _signed_in(client)
    finally:
        standin.person = {**standin.person, "personalNumber": "199001012385"}


def test_start_needs_the_csrf_token(client, standin):
    response = client.post("/auth/bankid/start", data={"mode": "qr"})
    assert response.status_code == 400
    assert standin.requests == []


def test_english_messages(client, standin, fast):
    with client.session_transaction() as session:
        session["lang"] = "en"
    standin.plan = [PENDING, failed("userCancel")]
    _start(client)
    assert "Start your BankID app." in client.get("/auth/bankid/wait").get_data(as_text=True)
    assert "The action was cancelled." in client.get("/auth/bankid/wait").get_data(as_text=True)


def test_wait_and_status_without_an_order(client, standin):
    assert client.get("/auth/bankid/wait").status_code == 302
    assert _status(client)["state"] == "none"
    assert client.get("/auth/bankid/qr").status_code == 404


def test_not_offered_without_certificate_settings(make_app):
    other = make_app(config={"SOB_BANKID_CERT": "", "SOB_BANKID_CA": ""})
    assert "bankid" not in other.extensions["sob_login_providers"]
    assert other.test_client().get("/auth/bankid/").status_code == 404


def test_login_page_offers_bankid_to_citizens(client, standin):
    page = client.get("/auth/login").get_data(as_text=True)
    citizens = page.split('id="citizen-login"', 1)[1].split('id="staff-login"', 1)[0]
    assert "/auth/bankid/" in citizens


def test_phone_auth(app, standin):
    from sob_auth.bankid import client as bankid_client
    from sob_auth.bankid_api import BankIDError

    api = bankid_client(app)
    order_ref = api.phone_auth("199001012385", "user")
    assert order_ref in standin.orders
    assert api.collect(order_ref).hint_code == "outstandingTransaction"
    with pytest.raises(BankIDError) as error:
        api.phone_auth("199001012385", "nobody")
    assert error.value.code == "invalidParameters" and error.value.status == 400


def test_hint_codes_map_to_bankids_messages():
    from sob_auth.bankid_messages import failed_code, pending_code, text

    assert pending_code("outstandingTransaction", autostart=True, mobile=False) == "RFA13"
    assert pending_code("outstandingTransaction", autostart=False, mobile=False) == "RFA1"
    assert pending_code("noClient", autostart=True, mobile=True) == "RFA1"
    assert pending_code("started", autostart=True, mobile=False) == "RFA15A"
    assert pending_code("started", autostart=True, mobile=True) == "RFA15B"
    assert pending_code("userSign", autostart=False, mobile=False) == "RFA9"
    assert pending_code("userMrtd", autostart=False, mobile=False) == "RFA23"
    assert pending_code("anythingNew", autostart=False, mobile=False) == "RFA21"
    assert failed_code("userCancel", autostart=False) == "RFA6"
    assert failed_code("anythingNew", autostart=False) == "RFA22"
    assert text("RFA6", "en") == "The action was cancelled."
    assert text("RFA6", "de") == "Åtgärden avbröts."


# --- sob auth bankid check -------------------------------------------------------------------


def test_check_a_valid_certificate(runner, rp):
    result = runner.invoke(args=["auth", "bankid", "check"])
    assert result.exit_code == 0, result.output
    assert "sob-rp" in result.output and "ok:" in result.output


def test_check_warns_30_days_before_expiry(app, runner, pki):
    cert, key = pki.rp_certificate("soon", days=29.5)
    app.config.update(SOB_BANKID_CERT=cert, SOB_BANKID_KEY=key)
    result = runner.invoke(args=["auth", "bankid", "check"])
    assert result.exit_code == 1 and "warning: the BankID RP certificate expires in 29 days" in (
        result.output
    )
    # 31 days left: no warning yet
    cert, key = pki.rp_certificate("later", days=31.5)
    app.config.update(SOB_BANKID_CERT=cert, SOB_BANKID_KEY=key)
    assert runner.invoke(args=["auth", "bankid", "check"]).exit_code == 0


def test_check_an_expired_certificate(app, runner, pki):
    cert, key = pki.rp_certificate("old", days=-0.5)
    app.config.update(SOB_BANKID_CERT=cert, SOB_BANKID_KEY=key)
    result = runner.invoke(args=["auth", "bankid", "check"])
    assert result.exit_code == 1 and "has expired" in result.output


def test_check_bad_files(app, runner, pki, tmp_path):
    app.config["SOB_BANKID_CERT"] = str(tmp_path / "gone.pem")
    missing = runner.invoke(args=["auth", "bankid", "check"])
    assert missing.exit_code == 2 and missing.output.count("\n") == 1
    assert "cannot read the RP cert" in missing.output
    cert, _ = pki.rp_certificate("one")
    _, other_key = pki.rp_certificate("two")
    app.config.update(SOB_BANKID_CERT=cert, SOB_BANKID_KEY=other_key)
    mismatch = runner.invoke(args=["auth", "bankid", "check"])
    assert mismatch.exit_code == 2 and "does not belong" in mismatch.output
    app.config["SOB_BANKID_CERT"] = ""
    unset = runner.invoke(args=["auth", "bankid", "check"])
    assert unset.exit_code == 2 and "SOB_BANKID_CERT is not set" in unset.output
