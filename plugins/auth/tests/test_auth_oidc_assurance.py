"""Assurance: each provider declares its level, the installation sets a minimum per audience.

And the OpenID Connect configuration: every mistake in the providers file is one clear line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sob_core import LoginProvider, PluginContractError
from sob_core.config import assurance_level
from sob_core.testing import csrf_from
from sob_core.web.auth import assurance_enough, minimum_assurance

THERAPIST = "SE2321000131-P000000000011"
PASSWORD = "correct horse battery"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "login-providers.md"


# --- the minimum ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"SOB_ENV": "production"}, "loa3"),  # production default: BankID, Freja eID Plus, SITHS
        ({"SOB_ENV": "production", "SOB_DEMO": True}, ""),
        ({"SOB_ENV": "development"}, ""),
        ({"SOB_ENV": "production", "SOB_STAFF_MIN_ASSURANCE": "loa2"}, "loa2"),
        ({"SOB_ENV": "production", "SOB_STAFF_MIN_ASSURANCE": "none"}, ""),
        ({"SOB_ENV": "development", "SOB_STAFF_MIN_ASSURANCE": "loa4"}, "loa4"),
    ],
)
def test_minimum_per_audience(config, expected):
    assert minimum_assurance(config, "staff") == expected


def test_citizen_and_staff_minimums_are_separate():
    config = {"SOB_ENV": "production", "SOB_CITIZEN_MIN_ASSURANCE": "loa2"}
    assert minimum_assurance(config, "citizen") == "loa2"
    assert minimum_assurance(config, "staff") == "loa3"


def test_levels_are_ordered_and_unknown_ones_never_enough():
    assert assurance_enough("loa3", "loa3") and assurance_enough("loa4", "loa3")
    assert not assurance_enough("loa2", "loa3")
    assert not assurance_enough("demo", "loa1")
    assert not assurance_enough("made-up", "loa1")
    assert assurance_enough("made-up", "")


def test_the_setting_accepts_only_known_levels():
    assert assurance_level(" LOA3 ") == "loa3"
    assert assurance_level("none") == "none"
    for bad in ("loa5", "demo", "high"):
        with pytest.raises(ValueError, match="not one of none, loa1"):
            assurance_level(bad)


def test_a_provider_must_declare_a_known_level():
    from flask import Blueprint

    provider = LoginProvider("x", {"sv": "X"}, ("staff",), Blueprint("x", __name__), "gold")
    with pytest.raises(PluginContractError, match="assurance must be one of"):
        provider.validate()


# --- the first-party providers under a minimum ----------------------------------------------


@pytest.fixture
def password(app, demo_data):
    from sob_auth.password import KEY, hash_password

    from sob_core import save_credential

    save_credential(KEY, THERAPIST, {"hash": hash_password(PASSWORD)})


def _password_login(client):
    page = client.get("/auth/password/").get_data(as_text=True)
    return client.post(
        "/auth/password/",
        data={"csrf_token": csrf_from(page), "hsa_id": THERAPIST, "password": PASSWORD},
    )


@pytest.mark.parametrize("sob_config", [{"SOB_STAFF_MIN_ASSURANCE": "loa3"}])
def test_password_is_refused_where_staff_need_siths(client, password, sob_config):
    login_page = client.get("/auth/login").get_data(as_text=True)
    assert "Lösenord (personal)" not in login_page  # not offered ...
    response = _password_login(client)  # ... and refused if tried anyway
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/staff/").status_code == 302
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Logga in med ditt SITHS-kort." in page


@pytest.mark.parametrize("sob_config", [{"SOB_STAFF_MIN_ASSURANCE": "loa1"}])
def test_password_is_let_in_where_the_installation_allows_it(client, password, sob_config):
    assert "Lösenord (personal)" in client.get("/auth/login").get_data(as_text=True)
    assert _password_login(client).status_code == 302
    assert client.get("/staff/").status_code == 200


@pytest.mark.parametrize("sob_config", [{"SOB_CITIZEN_MIN_ASSURANCE": "loa3"}])
def test_demo_login_is_below_any_minimum(client, demo_data, sob_config):
    page = client.get("/auth/login").get_data(as_text=True)
    citizens = page[page.index('id="citizen-login"') : page.index('id="staff-login"')]
    assert "Demoinloggning" not in citizens
    assert "Demoinloggning" in page[page.index('id="staff-login"') :]  # staff: no minimum set


# --- the providers file ---------------------------------------------------------------------


def _entry(**changes):
    entry = {
        "name": "freja",
        "label": {"sv": "Freja eID Plus"},
        "audience": "citizen",
        "discovery_url": "https://oidc.example/.well-known/openid-configuration",
        "client_id": "sob",
        "client_secret_env": "SOB_FREJA_SECRET",
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Freja!"}, "'name' must be lower-case"),
        ({"audience": "guardian"}, "'audience' must be citizen or staff"),
        ({"discovery_url": "http://oidc.example/"}, "must be https"),
        ({"client_secret": "s"}, "exactly one of 'client_secret' and 'client_secret_env'"),
        ({"leeway_seconds": 3600}, "from 0 to 300"),
        ({"scopes": "profile"}, "must include openid"),
        ({"assurance": "gold"}, "'assurance' must be one of"),
        ({"assurance_claim": {"claim": "loa", "values": {"PLUS": "top"}}}, "'assurance_claim'"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"label": None}, "'label' must be an object"),
    ],
)
def test_a_bad_provider_entry_names_itself_and_its_field(changes, message):
    from sob_auth.oidc_config import providers_from

    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        providers_from([_entry(**changes)])
    if "name" not in changes:
        assert str(raised.value).startswith("provider 'freja': ")


def test_two_providers_with_one_name_are_refused():
    from sob_auth.oidc_config import providers_from

    with pytest.raises(ValueError, match="used twice: freja"):
        providers_from([_entry(), _entry()])


def test_the_setting_reads_a_json_file(tmp_path):
    from sob_auth.oidc import SETTINGS

    (setting,) = SETTINGS
    good = tmp_path / "oidc.json"
    good.write_text(json.dumps({"providers": [_entry()]}))
    (provider,) = setting.read({"SOB_OIDC_PROVIDERS": str(good)})
    assert provider.name == "freja" and provider.secret({"SOB_FREJA_SECRET": "s3"}) == "s3"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="SOB_OIDC_PROVIDERS=.* is invalid: .*is not JSON"):
        setting.read({"SOB_OIDC_PROVIDERS": str(bad)})
    with pytest.raises(ValueError, match="cannot read"):
        setting.read({"SOB_OIDC_PROVIDERS": str(tmp_path / "missing.json")})
    assert setting.read({}) == ()


def test_the_documented_configurations_are_valid():
    from sob_auth.oidc_config import providers_from

    blocks = re.findall(r"```json\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert blocks, "docs/login-providers.md shows its configuration"
    found = [p for block in blocks for p in providers_from(json.loads(block))]
    by_name = {p.name: p for p in found}
    assert by_name["freja"].audience == "citizen"
    assert set(by_name["freja"].assurance_values.values()) == {"loa3"}  # only Freja eID Plus
    assert by_name["siths"].audience == "staff" and by_name["siths"].shown_claims


def test_no_provider_configured_mounts_nothing(client):
    assert client.get("/auth/oidc/").status_code == 404
    assert "E-legitimation" not in client.get("/auth/login").get_data(as_text=True)


def test_a_missing_client_secret_stops_the_start(make_app):
    with pytest.raises(ValueError, match="'freja': SOB_FREJA_SECRET is not set"):
        make_app(config={"SOB_OIDC_PROVIDERS": [_entry()]})
