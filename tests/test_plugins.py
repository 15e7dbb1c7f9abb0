"""The plugin host: loading, blocking, failing loudly, introspection."""

from __future__ import annotations

import json
import types
from importlib.metadata import EntryPoint

import pytest

from sob_core import LoginProvider, QuestionType, Scale, ScaleItem, ScaleScore, Subscale, hookimpl
from sob_core.plugins import PluginHost, PluginLoadError
from sob_core.testing import build_app


def _module(name: str, **functions) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in functions.items():
        setattr(module, key, value)
    return module


def _qtype(key: str) -> QuestionType:
    return QuestionType(
        key=key,
        label={"sv": key},
        make_field=lambda spec, lang: None,
        clean=lambda spec, data, lang: data,
        fhir_type="string",
    )


def _app(tmp_path, plugins, **extra):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    return build_app(url, tmp_path, plugins, extra)


def test_entry_point_plugins_are_listed_with_distribution_and_hooks(app):
    host = app.extensions["sob"]
    assert "demo_login" in host.plugins
    info = host.plugins["password_login"]
    assert info.distribution == "sob-auth"
    assert info.version
    assert info.hooks == ["sob_login_providers", "sob_settings"]
    assert host.owner("login provider", "password") == "password_login"


def test_misspelled_hook_stops_start_up_naming_the_plugin(tmp_path):
    bad = _module("bad_plugin", sob_question_typos=hookimpl(lambda: []))
    with pytest.raises(
        PluginLoadError, match="bad_plugin.*sob_question_typos|sob_question_typos.*bad"
    ):
        _app(tmp_path, [("bad_plugin", bad)])


def test_duplicate_key_stops_start_up_naming_both_plugins(tmp_path):
    first = _module("first", sob_question_types=hookimpl(lambda: [_qtype("same")]))
    second = _module("second", sob_question_types=hookimpl(lambda: [_qtype("same")]))
    with pytest.raises(PluginLoadError) as info:
        _app(tmp_path, [("first", first), ("second", second)])
    message = str(info.value)
    assert "'same'" in message and "'first'" in message and "'second'" in message


def test_plugin_that_cannot_be_imported_is_named(monkeypatch):
    broken = EntryPoint(name="broken", value="no_such_module_for_sob", group="sob")
    monkeypatch.setattr("sob_core.plugins.entry_points", lambda group: [broken])
    host = PluginHost()
    with pytest.raises(PluginLoadError, match="'broken'.*could not be imported"):
        host.load_entry_points()


def test_entry_point_block_list_skips_import(monkeypatch):
    broken = EntryPoint(name="broken", value="no_such_module_for_sob", group="sob")
    monkeypatch.setattr("sob_core.plugins.entry_points", lambda group: [broken])
    host = PluginHost()
    host.load_entry_points(disabled=["broken"])
    assert host.plugins == {}


def test_wrong_return_type_is_refused(tmp_path):
    odd = _module("odd", sob_scales=hookimpl(lambda: ["not a scale"]))
    with pytest.raises(PluginLoadError, match="'odd'.*Scale"):
        _app(tmp_path, [("odd", odd)])


def test_invalid_description_is_refused_with_its_reason(tmp_path):
    scale = Scale(
        id="Bad Id",
        name={"sv": "x"},
        version="1",
        citation="c",
        licence="l",
        items=(ScaleItem("1", (0, 1), {"sv": "t"}),),
        subscales=(Subscale("total", {"sv": "t"}),),
        score=lambda a, c: ScaleScore({}),
    )
    bad = _module("badscale", sob_scales=hookimpl(lambda: [scale]))
    with pytest.raises(PluginLoadError, match="'badscale'.*scale key 'Bad Id'"):
        _app(tmp_path, [("badscale", bad)])


def test_hook_that_raises_is_named(tmp_path):
    def explode():
        raise RuntimeError("boom")

    bad = _module("explodes", sob_notification_channels=hookimpl(explode))
    with pytest.raises(
        PluginLoadError, match="'explodes' failed in sob_notification_channels: boom"
    ):
        _app(tmp_path, [("explodes", bad)])


def test_sob_plugins_command_lists_plugins(runner):
    result = runner.invoke(args=["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["demo_login"]["distribution"] == "sob-auth"
    assert "login provider:demo" in rows["demo_login"]["provides"]
    table = runner.invoke(args=["plugins"])
    assert "password_login" in table.output and "sob_login_providers" in table.output


def test_admin_plugins_page_lists_plugins(client, login, app):
    login("staff", "SE2321000131-P000000000014", unit_id=_unit(app, 0))
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "demo_login" in page and "sob-auth" in page and "sob_login_providers" in page
    # what each plugin provides is named in the page's language, not by the host's own words
    assert "Frågetyp: single_choice" in page and "Inloggningsmetod: demo" in page
    assert "question type:" not in page


def test_plugin_static_files_are_served_by_convention(client, app):
    static = app.extensions["sob_plugin_static"]
    for dist, folder in static.items():
        files = [p for p in folder.rglob("*") if p.is_file()]
        if files:
            rel = files[0].relative_to(folder).as_posix()
            response = client.get(f"/plugins/{dist}/static/{rel}")
            assert response.status_code == 200
            response.close()
            break
    assert client.get("/plugins/nope/static/x.css").status_code == 404


def test_demo_provider_is_not_mounted_outside_demo_mode(tmp_path):
    application = build_app(
        f"sqlite:///{tmp_path / 'y.sqlite3'}", tmp_path, config={"SOB_DEMO": False}
    )
    assert "demo" not in application.extensions["sob_login_providers"]
    assert "demo_login.start" not in application.view_functions


def test_login_provider_contract_is_validated():
    with pytest.raises(Exception, match="audiences"):
        LoginProvider(
            key="x", label={"sv": "x"}, audiences=("robots",), blueprint=object()
        ).validate()


def _unit(app, index: int) -> int:
    from sqlalchemy import select

    from sob_core.extensions import db
    from sob_core.models import CareUnit

    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()[index]
