"""The demo login provider: pick a demo person, only in demo mode, CSRF-protected."""

from __future__ import annotations

import pytest

from sob_core.testing import csrf_from

THERAPIST = "SE2321000131-P000000000011"
CITIZEN = "198503142393"


def _demo_login(client, audience, identifier):
    page = client.get(f"/auth/demo/?audience={audience}").get_data(as_text=True)
    return client.post(
        "/auth/demo/",
        data={"csrf_token": csrf_from(page), "identifier": identifier, "audience": audience},
    )


def test_demo_login_as_therapist_and_citizen(client, demo_data):
    assert _demo_login(client, "staff", THERAPIST).status_code == 302
    assert "Tommy Skjulsvik" in client.get("/staff/").get_data(as_text=True)
    assert _demo_login(client, "citizen", CITIZEN).status_code == 302
    assert client.get("/citizen/").status_code == 200
    # The citizen login replaced the staff session: no staff pages any more.
    assert client.get("/staff/").status_code == 403


def test_demo_login_refuses_unknown_people(client, demo_data):
    page = client.get("/auth/demo/?audience=staff").get_data(as_text=True)
    response = client.post(
        "/auth/demo/",
        data={"csrf_token": csrf_from(page), "identifier": "SE-NOBODY", "audience": "staff"},
    )
    assert response.status_code == 400


def test_post_without_csrf_token_is_refused(client, demo_data):
    response = client.post("/auth/demo/", data={"identifier": THERAPIST, "audience": "staff"})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_next_parameter_only_follows_local_paths(client, demo_data):
    client.get("/auth/login?next=https://evil.example/")
    page = client.get("/auth/demo/?audience=citizen").get_data(as_text=True)
    response = client.post(
        "/auth/demo/",
        data={"csrf_token": csrf_from(page), "identifier": CITIZEN, "audience": "citizen"},
    )
    assert response.headers["Location"] == "/citizen/"


@pytest.mark.parametrize("sob_config", [{"SOB_DEMO": False}])
def test_demo_provider_is_not_mounted_outside_demo_mode(client, sob_config):
    assert client.get("/auth/demo/?audience=citizen").status_code == 404


def test_next_is_followed_after_demo_login(client, demo_data):
    """Today's bug: the page asked for before sign-in was dropped (Flask-Login popped it)."""
    from sob_core.testing import csrf_from

    start = client.get("/staff/patients")
    login_page = client.get(start.headers["Location"]).get_data(as_text=True)
    assert "next=/staff/patients" in login_page  # the provider links carry it
    page = client.get("/auth/demo/?audience=staff&next=/staff/patients").get_data(as_text=True)
    response = client.post(
        "/auth/demo/",
        data={
            "csrf_token": csrf_from(page),
            "identifier": "SE2321000131-P000000000011",
            "audience": "staff",
            "next": "/staff/patients",
        },
    )
    assert response.headers["Location"] == "/staff/patients"


def test_next_is_followed_from_the_session_too(client, demo_data):
    from sob_core.testing import csrf_from

    client.get("/auth/login?next=/citizen/messages")
    page = client.get("/auth/demo/?audience=citizen").get_data(as_text=True)
    response = client.post(
        "/auth/demo/",
        data={"csrf_token": csrf_from(page), "identifier": "198503142393", "audience": "citizen"},
    )
    assert response.headers["Location"] == "/citizen/messages"
