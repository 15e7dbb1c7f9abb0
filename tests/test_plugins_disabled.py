"""SOB_DISABLED_PLUGINS blocks a plugin by its entry-point name."""

from __future__ import annotations

import pytest


@pytest.fixture
def sob_config():
    return {"SOB_DISABLED_PLUGINS": ["password_login"]}


def test_disabled_plugin_is_not_loaded_and_app_starts(app, client):
    host = app.extensions["sob"]
    assert "password_login" not in host.plugins
    assert "password" not in host.registry.login_providers
    assert client.get("/auth/password/").status_code == 404
    assert client.get("/").status_code == 200
