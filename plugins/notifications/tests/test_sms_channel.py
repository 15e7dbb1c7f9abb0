"""The SMS channel (46elks' HTTP API) against a local stand-in for the gateway.

The real gateway (https://api.46elks.com/a1/sms) cannot be reached from here, so the tests run
``sob_notifications.fakes.FakeElks``: a small HTTP server on 127.0.0.1 that speaks the part of
46elks' documented API the channel uses (form POST with Basic auth, JSON answer with id/status),
and the delivery-report callback is POSTed the way 46elks posts it (id, status, delivered).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sob_notifications import sms as sms_channel
from sob_notifications.fakes import PASSWORD, USERNAME, FakeElks

from sob_core import Notice

BASE_URL = "https://sob.example.se"
BODY = {
    "sv": "Du har fått ett nytt meddelande. Logga in i Stöd och behandling för att läsa det.",
    "en": "You have a new message. Sign in to Support and treatment to read it.",
}
NUMBER = "+46701234567"


@pytest.fixture
def elks() -> Iterator[FakeElks]:
    fake = FakeElks().start()
    try:
        yield fake
    finally:
        fake.stop()


def elks_config(elks: FakeElks, **extra: Any) -> dict[str, Any]:
    config = {
        "SOB_46ELKS_API_URL": elks.url,
        "SOB_46ELKS_USERNAME": USERNAME,
        "SOB_46ELKS_PASSWORD": PASSWORD,
        "SOB_SMS_SENDER": "SoB",
        "SOB_BASE_URL": BASE_URL,
    }
    config.update(extra)
    return config


def notice(**changes: Any) -> Notice:
    values: dict[str, Any] = {
        "recipient_kind": "citizen",
        "recipient_id": 7,
        "subject": {"sv": "Ämne", "en": "Subject"},
        "body": BODY,
        "link": "/citizen/",
        "address": {"phone": NUMBER, "email": "anna@example.se"},
        "reference": "sob-notice-3",
        "report_url": f"{BASE_URL}/notices/report/3/abc",
    }
    values.update(changes)
    return Notice(**values)


def test_the_channel_is_registered_with_its_own_settings(make_app) -> None:
    app = make_app(config={"SOB_DISABLED_PLUGINS": []})
    host = app.extensions["sob"]
    assert host.registry.channels["sms"] is sms_channel.CHANNEL
    assert sms_channel.CHANNEL.carries_health_data is False
    assert sms_channel.CHANNEL.delivery_reports and sms_channel.CHANNEL.quiet_hours
    for setting in sms_channel.SETTINGS:
        assert host.owner("setting", setting.name) == "sms"
    assert app.config["SOB_46ELKS_API_URL"] == "https://api.46elks.com/a1/sms"
    assert app.config["SOB_46ELKS_USERNAME"] is None


def test_the_message_is_the_generic_text_in_the_recipients_language(elks) -> None:
    fields = sms_channel.compose(notice(), elks_config(elks))
    assert fields == {
        "from": "SoB",
        "to": NUMBER,
        "message": f"{BODY['sv']}\n{BASE_URL}/citizen/",
        "whendelivered": f"{BASE_URL}/notices/report/3/abc",
    }
    english = sms_channel.compose(notice(language="en", report_url=""), elks_config(elks))
    assert english["message"] == f"{BODY['en']}\n{BASE_URL}/citizen/"
    assert "whendelivered" not in english


def test_send_posts_to_the_gateway_and_returns_its_id(elks) -> None:
    ref = sms_channel.send(notice(), elks_config(elks))
    [sms] = elks.accepted
    assert ref == sms.id and ref.startswith("s")
    assert sms.fields["to"] == NUMBER
    assert sms.fields["whendelivered"] == f"{BASE_URL}/notices/report/3/abc"
    assert "anna@example.se" not in str(sms.fields)


def test_wrong_credentials_are_an_error_without_the_number(elks) -> None:
    with pytest.raises(sms_channel.SmsChannelError, match="HTTP 401") as caught:
        sms_channel.send(notice(), elks_config(elks, SOB_46ELKS_PASSWORD="wrong"))
    assert NUMBER not in str(caught.value)
    assert elks.accepted == []


def test_a_refusal_quoting_the_number_is_reported_without_it(elks) -> None:
    elks.refuse_with = 403
    with pytest.raises(sms_channel.SmsChannelError, match="HTTP 403") as caught:
        sms_channel.send(notice(), elks_config(elks))
    assert NUMBER not in str(caught.value)


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"SOB_46ELKS_USERNAME": None}, "SOB_46ELKS_USERNAME"),
        ({"SOB_46ELKS_PASSWORD": ""}, "SOB_46ELKS_PASSWORD"),
        ({"SOB_SMS_SENDER": "Stöd och behandling"}, "SOB_SMS_SENDER"),
    ],
)
def test_missing_settings_are_clear_errors(elks, config, match) -> None:
    with pytest.raises(sms_channel.SmsNotConfigured, match=match):
        sms_channel.send(notice(), elks_config(elks, **config))
    assert elks.accepted == []


@pytest.mark.parametrize("phone", ["", "0701234567", "+46 70 123"])
def test_no_usable_number_is_a_clear_error(elks, phone) -> None:
    with pytest.raises(sms_channel.NoMobileNumber):
        sms_channel.send(notice(address={"phone": phone}), elks_config(elks))
    assert elks.accepted == []


def test_an_unreachable_gateway_is_an_error() -> None:
    config = {
        "SOB_46ELKS_API_URL": "http://127.0.0.1:1/a1/sms",
        "SOB_46ELKS_USERNAME": USERNAME,
        "SOB_46ELKS_PASSWORD": PASSWORD,
    }
    with pytest.raises(sms_channel.SmsChannelError, match="could not be reached"):
        sms_channel.send(notice(), config)


# --- through the outbox, and the delivery report --------------------------------------------


@pytest.fixture
def sob_config(elks: FakeElks) -> dict[str, Any]:
    return elks_config(elks, SOB_BASE_URL="http://localhost", SOB_SMS_QUIET_HOURS="off")


def make_citizen():
    from sob_core.extensions import db
    from sob_core.models import Citizen, NoticePreference

    citizen = Citizen(
        personnummer="199001012380",
        name="Anna Andersson",
        birth_date=date(1990, 1, 1),
        legal_sex="female",
        phone=NUMBER,
    )
    db.session.add(citizen)
    db.session.flush()
    db.session.add(NoticePreference(person_kind="citizen", person_id=citizen.id, channels=["sms"]))
    db.session.commit()
    return citizen


def test_outbox_sends_the_sms_and_records_the_delivery_report(app, client, elks) -> None:
    from sob_core import notifications as notify
    from sob_core.extensions import db
    from sob_core.models import Notification

    citizen = make_citizen()
    [inbox, row] = notify.notify_citizen(
        db.session,
        citizen.id,
        "new_message",
        link="/citizen/",
        coalesce_key="conversation:1",
        channels=app.extensions["sob"].registry.channels,
        settings=app.config,
    )
    assert (inbox.channel, row.channel) == ("inbox", "sms")
    row_id = row.id
    db.session.commit()  # in-process: delivered after the commit

    [sms] = elks.accepted
    assert sms.fields["to"] == NUMBER
    for personal in ("Anna", "Andersson", "199001012380"):
        assert personal not in str(sms.fields)
    db.session.expire_all()
    row = db.session.get(Notification, row_id)
    assert (row.status, row.provider_ref) == ("sent", sms.id)
    report = sms.fields["whendelivered"]
    assert report == notify.report_url(dict(app.config), row_id)
    path = report.removeprefix("http://localhost")

    # What 46elks posts: wrong token, wrong id and unknown status change nothing.
    bad = {"id": sms.id, "status": "delivered", "delivered": "2026-12-02T08:00:01"}
    assert client.post(path[:-3] + "xyz", data=bad).status_code == 404
    assert client.post(path, data={**bad, "id": "s-other"}).status_code == 404
    assert client.post(path, data={**bad, "status": "sent"}).status_code == 404
    assert client.get(path).status_code == 405
    db.session.expire_all()
    assert db.session.get(Notification, row_id).report_status is None

    assert client.post(path, data=bad).status_code == 204  # no CSRF token: exempt, validated
    db.session.expire_all()
    row = db.session.get(Notification, row_id)
    assert row.report_status == "delivered" and row.reported_at is not None

    failed = client.post(path, data={**bad, "status": "failed"})
    assert failed.status_code == 204
    db.session.expire_all()
    row = db.session.get(Notification, row_id)
    assert row.report_status == "failed"
    assert "not delivered" in row.last_error
