"""The password provider: argon2id hashes, lockout (its own settings), TOTP, its command."""

from __future__ import annotations

import pyotp
import pytest

from sob_core.testing import csrf_from

THERAPIST = "SE2321000131-P000000000011"


@pytest.fixture
def password(app, demo_data):
    from sob_auth.password import KEY, hash_password

    from sob_core import save_credential

    save_credential(KEY, THERAPIST, {"hash": hash_password("correct horse battery")})
    return "correct horse battery"


def _password_login(client, hsa_id, secret):
    page = client.get("/auth/password/").get_data(as_text=True)
    return client.post(
        "/auth/password/",
        data={"csrf_token": csrf_from(page), "hsa_id": hsa_id, "password": secret},
    )


def test_password_login(client, password):
    response = _password_login(client, THERAPIST, password)
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_stored_hash_is_argon2id(app, password):
    from sob_core import load_credential

    assert load_credential("password", THERAPIST).data["hash"].startswith("$argon2id$")


def test_wrong_password_and_lockout(client, password):
    for _ in range(4):
        response = _password_login(client, THERAPIST, "wrong password!!")
        assert "Fel HSA-id eller lösenord" in response.get_data(as_text=True)
    locked = _password_login(client, THERAPIST, "wrong password!!")
    assert "låst" in locked.get_data(as_text=True)
    # Even the right password is refused while locked.
    still = _password_login(client, THERAPIST, password)
    assert still.status_code == 200 and "låst" in still.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_unknown_account_gets_the_same_answer(client, password):
    response = _password_login(client, "SE-NOBODY", "whatever password")
    assert "Fel HSA-id eller lösenord" in response.get_data(as_text=True)


def test_totp_second_factor(client, password, runner):
    result = runner.invoke(args=["auth", "password", "totp", THERAPIST])
    assert result.exit_code == 0, result.output
    secret = pyotp.parse_uri(result.output.strip()).secret
    first = _password_login(client, THERAPIST, password)
    assert first.status_code == 200 and "Engångskod" in first.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # not signed in before the code
    token = csrf_from(first.get_data(as_text=True))
    wrong = client.post("/auth/password/code", data={"csrf_token": token, "code": "000000"})
    assert "Fel engångskod" in wrong.get_data(as_text=True)
    ok = client.post(
        "/auth/password/code", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()}
    )
    assert ok.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_set_password_command_validates(runner, demo_data):
    short = runner.invoke(args=["auth", "password", "set", THERAPIST], input="short\nshort\n")
    assert short.exit_code != 0 and "at least" in short.output
    unknown = runner.invoke(
        args=["auth", "password", "set", "SE-NOBODY"], input="long enough pw\nlong enough pw\n"
    )
    assert unknown.exit_code != 0 and "no staff member" in unknown.output


def test_lockout_settings_are_the_plugins_own(app):
    from sob_auth import password

    assert {s.name for s in password.SETTINGS} == {
        "SOB_LOGIN_MAX_FAILURES",
        "SOB_LOGIN_LOCK_MINUTES",
    }
    assert app.config["SOB_LOGIN_MAX_FAILURES"] == 5
    assert app.config["SOB_LOGIN_LOCK_MINUTES"] == 15


@pytest.mark.parametrize("sob_config", [{"SOB_LOGIN_MAX_FAILURES": 2}])
def test_lockout_follows_the_setting(client, password, sob_config):
    _password_login(client, THERAPIST, "wrong password!!")
    locked = _password_login(client, THERAPIST, "wrong password!!")
    assert "låst" in locked.get_data(as_text=True)
