"""Each hook, exercised through the core path that uses it (one test per hook, by name)."""

from __future__ import annotations

import types

import pytest
from flask import Blueprint

from sob_core import (
    ComputedResult,
    FormInfo,
    LoginProvider,
    NotificationChannel,
    QuestionSpec,
    QuestionType,
    Scale,
    ScaleItem,
    ScaleScore,
    Setting,
    Subscale,
    VerifiedIdentity,
    complete_login,
    hookimpl,
    public,
    results,
)


def _plugin(name: str, **hooks) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, fn in hooks.items():
        setattr(module, key, hookimpl(fn))
    return module


def _two_item_scale(scale_id: str = "tiny") -> Scale:
    def score(answers, context):
        return ScaleScore({"total": sum(answers.values())}, {"total": "low"}, ["f"])

    return Scale(
        id=scale_id,
        name={"sv": "Liten"},
        version="1",
        citation="test",
        licence="CC0",
        items=(ScaleItem("1", (0, 1), {"sv": "a"}), ScaleItem("2", (0, 1), {"sv": "b"})),
        subscales=(Subscale("total", {"sv": "Summa"}, ("1", "2")),),
        score=score,
        options=({"sv": "Nej"}, {"sv": "Ja"}),  # one label per score, shared by both items
    )


def test_hook_sob_question_types(make_app):
    qtype = QuestionType(
        key="colour",
        label={"sv": "Färg"},
        make_field=lambda spec, lang: None,
        clean=lambda spec, data, lang: str(data),
        fhir_type="string",
    )
    app = make_app([("colours", _plugin("colours", sob_question_types=lambda: [qtype]))])
    registered = app.extensions["sob"].registry.question_types["colour"]
    spec = QuestionSpec(key="q1", type="colour", label={"sv": "Favoritfärg"})
    assert registered.clean(spec, 7, "sv") == "7"


def test_hook_sob_scales(make_app):
    app = make_app([("tiny", _plugin("tiny", sob_scales=lambda: [_two_item_scale()]))])
    result = app.test_cli_runner().invoke(args=["score", "tiny", "--answers", '{"1": 1, "2": 1}'])
    assert result.exit_code == 0, result.output
    assert '"total": 2' in result.output and '"flags": ["f"]' in result.output


def test_hook_sob_score_response(make_app):
    def efficiency(form, answers, context):
        if form.key != "diary":
            return None
        return [ComputedResult("diary.efficiency", answers["slept"] / answers["in_bed"] * 100)]

    app = make_app(
        [
            ("tiny", _plugin("tiny", sob_scales=lambda: [_two_item_scale()])),
            ("diary", _plugin("diary", sob_score_response=efficiency)),
        ]
    )
    host = app.extensions["sob"]
    diary = FormInfo(key="diary", version=1, scale_id=None, questions=())
    out = results.compute_results(host, diary, {"slept": 360, "in_bed": 480}, {})
    assert [(r.key, r.value) for r in out] == [("diary.efficiency", 75.0)]
    scale_form = FormInfo(key="tiny-form", version=3, scale_id="tiny", questions=())
    out = results.compute_results(host, scale_form, {"1": 1, "2": 0}, {})
    assert [(r.key, r.value, r.band, tuple(r.flags)) for r in out] == [
        ("tiny.total", 1, "low", ("f",))
    ]


def test_hook_sob_notification_channels(make_app):
    sent = []
    channel = NotificationChannel(
        key="pigeon",
        label={"sv": "Duva"},
        send=lambda notice, config: sent.append(notice) or "p1",
    )
    app = make_app([("pigeon", _plugin("pigeon", sob_notification_channels=lambda: [channel]))])
    from sob_core import demo
    from sob_core import notifications as notify
    from sob_core.extensions import db
    from sob_core.jobs import tasks

    with app.app_context():
        demo.load(db.session, app.extensions["sob"])
        registry = app.extensions["sob"].registry
        row = notify.queue_notification(
            db.session,
            recipient_kind="citizen",
            recipient_id=1,
            channel="pigeon",
            kind="new_message",
            channels=registry.channels,
        )
        db.session.commit()
        assert tasks.dispatch_notification(row.id) == "sent"
        assert tasks.dispatch_notification(row.id) == "sent"  # idempotent: not sent again
    assert len(sent) == 1
    assert sent[0].subject["sv"] == "Nytt meddelande i Stöd och behandling"


def test_hook_sob_login_providers(make_app):
    bp = Blueprint("magic_login", __name__)

    @bp.route("/")
    @public
    def start():
        return complete_login(VerifiedIdentity("citizen", "198503142393", "magic", "loa3", "J"))

    provider = LoginProvider(
        key="magic", label={"sv": "Magi"}, audiences=("citizen",), blueprint=bp
    )
    app = make_app([("magic", _plugin("magic", sob_login_providers=lambda: [provider]))])
    client = app.test_client()
    response = client.get("/auth/magic/")
    assert response.status_code == 302 and response.headers["Location"] == "/citizen/"
    assert client.get("/citizen/").status_code == 200
    assert "Magi" in client.get("/auth/login").get_data(as_text=True)


def test_hook_sob_settings(make_app, monkeypatch):
    settings = [
        Setting("PIGEON_LOFT", "roof", "Where the pigeons live."),
        Setting("PIGEON_COUNT", 3, "How many pigeons.", int, "3"),
    ]
    plugin = ("pigeon", _plugin("pigeon", sob_settings=lambda: settings))
    app = make_app([plugin])
    assert (app.config["PIGEON_LOFT"], app.config["PIGEON_COUNT"]) == ("roof", 3)
    assert app.extensions["sob"].owner("setting", "PIGEON_COUNT") == "pigeon"
    # A test's (or a deployment's) own configuration wins over the default.
    assert make_app([plugin], config={"PIGEON_COUNT": 7}).config["PIGEON_COUNT"] == 7


def test_plugin_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    from sob_core.app import create_app

    for name, value in {
        "PIGEON_COUNT": "12",
        "SOB_SECRET_KEY": "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'env.sqlite3'}",
        "SOB_UPLOAD_DIR": str(tmp_path / "uploads"),
    }.items():
        monkeypatch.setenv(name, value)
    plugin = _plugin("pigeon", sob_settings=lambda: [Setting("PIGEON_COUNT", 3, "Pigeons.", int)])
    app = create_app({"TESTING": True, "SOB_PLUGINS": [("pigeon", plugin)]})
    assert app.config["PIGEON_COUNT"] == 12


def test_a_setting_that_does_not_parse_stops_start_up(make_app):
    from sob_core.host import apply_settings
    from sob_core.plugins import PluginLoadError

    bad = _plugin("bad", sob_settings=lambda: [Setting("BAD_NUMBER", 1, "A number.", int)])
    app = make_app([("bad", bad)])
    del app.config["BAD_NUMBER"]
    app.extensions["sob_environ"] = {"BAD_NUMBER": "many"}
    with pytest.raises(PluginLoadError, match="BAD_NUMBER='many'"):
        apply_settings(app, app.extensions["sob"])


def test_a_plugin_cannot_redeclare_a_core_setting(make_app):
    from sob_core.plugins import PluginLoadError

    thief = _plugin("thief", sob_settings=lambda: [Setting("SOB_DEMO", True, "Demo, always.")])
    with pytest.raises(PluginLoadError, match="thief.*SOB_DEMO"):
        make_app([("thief", thief)])


def test_scale_forms_use_the_question_type_that_serves_the_items(make_app):
    from sob_core import forms
    from sob_core.extensions import db

    def ticks(item, option_labels):
        if item.kind != "choice":
            return None
        return {"ticks": [label["sv"] for label in option_labels]}

    ticker = QuestionType(
        key="ticker",
        label={"sv": "Bockar"},
        make_field=lambda spec, lang: None,
        clean=lambda spec, data, lang: data,
        fhir_type="choice",
        for_scale_item=ticks,
    )
    scale = _two_item_scale()
    app = make_app(
        [
            ("tiny", _plugin("tiny", sob_scales=lambda: [scale])),
            ("ticker", _plugin("ticker", sob_question_types=lambda: [ticker])),
        ]
    )
    with app.app_context():
        questions = forms.scale_questions(db.session, app.extensions["sob"].registry, scale)
    assert [(q["key"], q["type"]) for q in questions] == [("1", "ticker"), ("2", "ticker")]
    assert questions[0]["label"]["sv"] == "a"


def test_a_scale_form_without_a_serving_question_type_names_scale_and_item(make_app):
    from sob_core import forms
    from sob_core.extensions import db

    scale = _two_item_scale()
    app = make_app([("tiny", _plugin("tiny", sob_scales=lambda: [scale]))])
    with app.app_context(), pytest.raises(ValueError, match="scale 'tiny' item '1'"):
        forms.scale_questions(db.session, app.extensions["sob"].registry, scale)
