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


def _answer(response) -> tuple[int, str]:
    """Status and the error message: what an attacker sees of a failed login."""
    import re

    match = re.search(r'role="alert"[^>]*>([^<]*)<', response.get_data(as_text=True))
    return response.status_code, match.group(1) if match else ""


@pytest.mark.parametrize("sob_config", [{"SOB_LOGIN_MAX_FAILURES": 2}])
def test_locked_unknown_and_wrong_answer_alike(client, password, sob_config, monkeypatch):
    from sob_auth import password as module

    wrong = _answer(_password_login(client, THERAPIST, "wrong password!!"))
    _password_login(client, THERAPIST, "wrong password!!")  # now locked
    checked: list[str] = []
    real_verify = module._verify
    monkeypatch.setattr(module, "_verify", lambda h, p: checked.append(h) or real_verify(h, p))
    locked = _answer(_password_login(client, THERAPIST, password))
    unknown = _answer(_password_login(client, "SE-NOBODY", "whatever password"))
    assert wrong == locked == unknown
    assert wrong[0] == 200 and "Fel HSA-id eller lösenord" in wrong[1]
    # A locked or unknown account still costs one argon2 verification (of the dummy hash).
    assert checked == [module._DUMMY_HASH, module._DUMMY_HASH]
    assert client.get("/staff/").status_code == 302


def test_the_dummy_hash_costs_one_real_verification():
    """The dummy hash is made without hashing, yet verifying it is a real argon2 verification."""
    from argon2 import extract_parameters
    from argon2.exceptions import VerifyMismatchError
    from sob_auth import password as module

    real = module._hasher.hash("a password of the staff")
    assert extract_parameters(module._DUMMY_HASH) == extract_parameters(real)
    assert not module._hasher.check_needs_rehash(module._DUMMY_HASH)
    # refused after the work (a mismatch), not before it (a malformed hash fails at once)
    with pytest.raises(VerifyMismatchError):
        module._hasher.verify(
            module._DUMMY_HASH, "not a password: only here to spend the same time"
        )
    assert not module._verify(module._DUMMY_HASH, "")


def _with_totp(runner) -> str:
    result = runner.invoke(args=["auth", "password", "totp", THERAPIST])
    assert result.exit_code == 0, result.output
    return pyotp.parse_uri(result.output.strip()).secret


def test_totp_code_is_accepted_once(client, app, password, runner):
    secret = _with_totp(runner)
    code = pyotp.TOTP(secret).now()
    first = _password_login(client, THERAPIST, password)
    token = csrf_from(first.get_data(as_text=True))
    ok = client.post("/auth/password/code", data={"csrf_token": token, "code": code})
    assert ok.status_code == 302
    # The same code again, from a fresh browser that knows the password: refused.
    other = app.test_client()
    second = _password_login(other, THERAPIST, password)
    token = csrf_from(second.get_data(as_text=True))
    replay = other.post("/auth/password/code", data={"csrf_token": token, "code": code})
    assert replay.status_code == 200 and "Fel engångskod" in replay.get_data(as_text=True)
    assert other.get("/staff/").status_code == 302


def test_totp_code_of_an_earlier_step_is_refused(client, app, password, runner):
    import time

    from sob_core import load_credential

    secret = _with_totp(runner)
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    first = _password_login(client, THERAPIST, password)
    token = csrf_from(first.get_data(as_text=True))
    assert (
        client.post(
            "/auth/password/code", data={"csrf_token": token, "code": totp.now()}
        ).status_code
        == 302
    )
    assert load_credential("password", THERAPIST).data["totp_last_step"] >= now_step
    other = app.test_client()
    token = csrf_from(_password_login(other, THERAPIST, password).get_data(as_text=True))
    earlier = totp.at((now_step - 1) * totp.interval)
    refused = other.post("/auth/password/code", data={"csrf_token": token, "code": earlier})
    assert "Fel engångskod" in refused.get_data(as_text=True)


def test_next_is_carried_through_the_password_form(client, password):
    client.get("/auth/login?next=/staff/patients")
    page = client.get("/auth/password/?next=/staff/patients").get_data(as_text=True)
    assert 'name="next"' in page and 'value="/staff/patients"' in page
    response = client.post(
        "/auth/password/",
        data={
            "csrf_token": csrf_from(page),
            "hsa_id": THERAPIST,
            "password": password,
            "next": "/staff/patients",
        },
    )
    assert response.headers["Location"] == "/staff/patients"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/staff/\n"]
)
def test_foreign_next_is_never_followed(client, password, target):
    page = client.get("/auth/password/").get_data(as_text=True)
    response = client.post(
        "/auth/password/",
        data={
            "csrf_token": csrf_from(page),
            "hsa_id": THERAPIST,
            "password": password,
            "next": target,
        },
    )
    assert response.headers["Location"] == "/staff/"
