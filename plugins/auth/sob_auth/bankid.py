"""BankID login for citizens (the BankID relying-party API, version 6).

The flow, all server-side: the start page's form (POST, CSRF) calls ``/auth`` with the user's IP
address; the order (with its ``qrStartSecret``) is kept in the user's server-side session, so the
secret never leaves the server. The waiting page shows the animated QR code (computed here every
second: the page's script fetches ``qr`` once a second) and a link that opens BankID on this
device with the autostart token; the script asks ``status`` every 2 seconds, which calls
``/collect`` (at most once per 2 seconds per order, however often it is asked). Without
JavaScript the page's refresh button does the same. Each hint code is shown as BankID's
recommended message (``bankid_messages``). A complete order signs the citizen in through the
core's ``complete_login`` (registered on first sign-in, name from completionData.user); a failed
one, a cancelled one and a BankID that cannot be reached end on the start page with the message.
No personnummer, token or secret is logged.
"""

from __future__ import annotations

import io
import logging
import time
from base64 import b64encode
from datetime import UTC, datetime
from typing import Any

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length

from sob_core import LoginProvider, Setting, VerifiedIdentity, complete_login, hookimpl, public

from . import bankid_messages as messages
from .bankid_api import PRODUCTION_URL, BankIDClient, BankIDError, autostart_url, qr_data

KEY = "bankid"
ORDER = "bankid_order"  # the session key of the order in progress
#: BankID asks relying parties to call collect every two seconds while an order is pending
COLLECT_INTERVAL = 2.0
log = logging.getLogger(__name__)
bp = Blueprint("bankid_login", __name__, template_folder="templates")

SETTINGS = (
    Setting(
        "SOB_BANKID_URL",
        PRODUCTION_URL,
        "Base URL of the BankID RP API v6 (test: https://appapi2.test.bankid.com/rp/v6.0).",
    ),
    Setting(
        "SOB_BANKID_CERT",
        "",
        "PEM file with the BankID RP certificate (the key too, unless SOB_BANKID_KEY is set); "
        "BankID login is offered only when this and SOB_BANKID_CA are set.",
    ),
    Setting("SOB_BANKID_KEY", "", "PEM file with the RP certificate's private key (unencrypted)."),
    Setting("SOB_BANKID_CA", "", "PEM file with BankID's SSL root CA, to check the BankID server."),
)


def _lang() -> str:
    return session.get("lang", current_app.config.get("BABEL_DEFAULT_LOCALE", "sv"))


def _available(app: Flask) -> bool:
    return bool(app.config.get("SOB_BANKID_CERT") and app.config.get("SOB_BANKID_CA"))


def client(app: Flask) -> BankIDClient:
    return BankIDClient(
        app.config["SOB_BANKID_URL"],
        cert=app.config["SOB_BANKID_CERT"],
        key=app.config.get("SOB_BANKID_KEY") or None,
        ca=app.config["SOB_BANKID_CA"],
    )


class StartForm(FlaskForm):
    mode = HiddenField()  # "qr" or "device": set by the button pressed
    next = HiddenField(validators=[Length(max=2048)])


class CancelForm(FlaskForm):
    pass


def _mobile() -> bool:
    agent = request.headers.get("User-Agent", "")
    return any(word in agent for word in ("Mobi", "Android", "iPhone", "iPad"))


def _valid_personnummer(number: str) -> bool:
    """Twelve digits with a right check digit: what BankID's personalNumber always is."""
    if len(number) != 12 or not number.isdigit():
        return False
    digits = [int(d) for d in number[2:]]
    total = sum(d if i % 2 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _start_page(error_code: str | None = None, status: int = 200):
    form = StartForm(formdata=None)
    form.next.data = (request.values.get("next") or "")[:2048]
    error = messages.text(error_code, _lang()) if error_code else None
    return render_template("sob_auth/bankid.html", form=form, error=error), status


def _qr_text(order: dict[str, Any]) -> str:
    seconds = max(0, int(time.time() - order["started"]))
    return qr_data(order["qr_start_token"], order["qr_start_secret"], seconds)


def qr_svg(text: str) -> bytes:
    """The QR code of ``text`` as an SVG image."""
    import segno  # only a BankID login draws one

    out = io.BytesIO()
    segno.make(text, error="l").save(out, kind="svg", scale=5, border=4)
    return out.getvalue()


def _qr_svg(order: dict[str, Any]) -> bytes:
    return qr_svg(_qr_text(order))


def _advance(order: dict[str, Any]) -> dict[str, Any]:
    """Collect the order's state from BankID, at most once per ``COLLECT_INTERVAL``.

    Returns the order as now stored: ``state`` is "pending", "failed" or "complete"; ``code`` is
    the RFA code of the message to show; a complete order holds the verified ``user``.
    """
    if order.get("state") != "pending":
        return order
    now = time.time()
    if now - order.get("collected", 0.0) < COLLECT_INTERVAL:
        return order
    autostart = order.get("mode") == "device"
    try:
        collected = client(current_app).collect(order["order_ref"])
    except BankIDError as error:
        log.warning("BankID collect failed: %s", error.code)
        order.update(state="failed", code=messages.error_code(error.code))
    else:
        if collected.status == "pending":
            code = messages.pending_code(collected.hint_code, autostart=autostart, mobile=_mobile())
            order.update(state="pending", code=code, hint=collected.hint_code)
        elif collected.status == "failed":
            order.update(
                state="failed", code=messages.failed_code(collected.hint_code, autostart=autostart)
            )
        else:
            user = collected.user or {}
            number = str(user.get("personalNumber", ""))
            if _valid_personnummer(number):
                order.update(
                    state="complete",
                    code="RFA21",
                    user={"personal_number": number, "name": str(user.get("name") or "")},
                )
            else:
                log.warning("BankID completed an order without a valid personalNumber")
                order.update(state="failed", code="RFA22")
    order["collected"] = now
    session[ORDER] = order
    return order


def _order() -> dict[str, Any] | None:
    order = session.get(ORDER)
    return order if isinstance(order, dict) and "order_ref" in order else None


def _finish(order: dict[str, Any]):
    """End a finished order: sign in on complete, else back to the start page with its message."""
    session.pop(ORDER, None)
    if order["state"] == "complete":
        user = order["user"]
        identity = VerifiedIdentity("citizen", user["personal_number"], KEY, "loa3", user["name"])
        return complete_login(identity, order.get("next") or "")
    return _start_page(order.get("code") or "RFA22")


@bp.route("/", methods=["GET"])
@public
def start():
    return _start_page()


@bp.route("/start", methods=["POST"])
@public
def begin():
    form = StartForm()
    if not form.validate_on_submit():
        return _start_page("RFA22", 400)
    mode = "device" if form.mode.data == "device" else "qr"
    earlier = _order()
    if earlier is not None and earlier.get("state") == "pending":
        _cancel_at_bankid(earlier)  # a new start replaces an order still waiting at BankID
    try:
        started = client(current_app).auth(request.remote_addr or "127.0.0.1")
    except BankIDError as error:
        log.warning("BankID auth failed: %s", error.code)
        return _start_page(messages.error_code(error.code))
    session[ORDER] = {
        "order_ref": started.order_ref,
        "auto_start_token": started.auto_start_token,
        "qr_start_token": started.qr_start_token,
        "qr_start_secret": started.qr_start_secret,
        "started": time.time(),
        "collected": 0.0,
        "mode": mode,
        "state": "pending",
        "code": "RFA13" if mode == "device" else "RFA1",
        "next": form.next.data or "",
    }
    return redirect(url_for("bankid_login.wait"), code=303)


@bp.route("/wait", methods=["GET"])
@public
def wait():
    order = _order()
    if order is None:
        return redirect(url_for("bankid_login.start"))
    order = _advance(order)
    if order["state"] != "pending":
        return _finish(order)
    qr = "data:image/svg+xml;base64," + b64encode(_qr_svg(order)).decode()
    return render_template(
        "sob_auth/bankid_wait.html",
        order=order,
        qr=qr,
        autostart=autostart_url(order["auto_start_token"]),
        message=messages.text(order["code"], _lang()),
        cancel_form=CancelForm(),
        poll_ms=int(COLLECT_INTERVAL * 1000),
    )


@bp.route("/status", methods=["GET"])
@public
def status():
    """The order's state for the waiting page's script (polled every 2 seconds)."""
    order = _order()
    if order is None:
        return jsonify(state="none", redirect=url_for("bankid_login.start"))
    order = _advance(order)
    answer: dict[str, Any] = {
        "state": order["state"],
        "message": messages.text(order["code"], _lang()),
    }
    if order["state"] != "pending":
        answer["redirect"] = url_for("bankid_login.wait")
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/qr", methods=["GET"])
@public
def qr():
    """The animated QR code as it is this second (an SVG image; the page refreshes it)."""
    order = _order()
    if order is None or order.get("state") != "pending":
        return Response(status=404)
    return Response(_qr_svg(order), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.route("/cancel", methods=["POST"])
@public
def cancel():
    form = CancelForm()
    order = _order()
    if not form.validate_on_submit():
        return _start_page("RFA22", 400)
    session.pop(ORDER, None)
    if order is not None:
        _cancel_at_bankid(order)
    return _start_page("RFA6")


def _cancel_at_bankid(order: dict[str, Any]) -> None:
    try:
        client(current_app).cancel(order["order_ref"])
    except BankIDError as error:  # the order ends anyway: it expires at BankID
        log.warning("BankID cancel failed: %s", error.code)


# --- sob auth bankid ... ---------------------------------------------------------------------


@click.group("bankid")
def cli() -> None:
    """BankID relying-party settings."""


@cli.command("check")
@click.option("--days", default=30, show_default=True, help="Warn this many days before expiry.")
@with_appcontext
def check(days: int) -> None:
    """Check the RP certificate: readable, matching its key, and not expiring within DAYS.

    Exit 0 when fine, 1 when it expires within DAYS days or has expired, 2 when the settings or
    files are wrong.
    """
    from .bankid_certs import CertificateProblem, inspect

    config = current_app.config
    try:
        info = inspect(config.get("SOB_BANKID_CERT") or "", config.get("SOB_BANKID_KEY") or None)
    except CertificateProblem as problem:
        click.echo(f"error: {problem}", err=True)
        raise SystemExit(2) from problem
    left = (info.not_after - datetime.now(UTC)).days
    click.echo(f"RP certificate {info.subject}, valid until {info.not_after:%Y-%m-%d %H:%M} UTC")
    if info.not_after <= datetime.now(UTC):
        click.echo("error: the BankID RP certificate has expired", err=True)
        raise SystemExit(1)
    if left < days:
        click.echo(
            f"warning: the BankID RP certificate expires in {left} days: order a new one", err=True
        )
        raise SystemExit(1)
    click.echo(f"ok: {left} days left")


@hookimpl
def sob_login_providers():
    return [
        LoginProvider(
            key=KEY,
            label={"sv": "BankID", "en": "BankID"},
            audiences=("citizen",),
            blueprint=bp,
            assurance="loa3",
            available=_available,
            cli=cli,
        )
    ]


@hookimpl
def sob_settings() -> tuple[Setting, ...]:
    return SETTINGS
