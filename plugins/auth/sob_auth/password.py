"""Password login for staff: argon2id hashes, lockout, optional TOTP second factor.

Nothing here tells who has an account: an unknown, inactive or locked account gets the same
answer as a wrong password, after the same argon2 work (a dummy hash is verified instead).
A TOTP code is good once: the last accepted time step is kept with the credential.
Assurance: a password alone is loa1, with TOTP loa2 -- below the production minimum for staff
(loa3, SITHS), so an installation lets password logins in only by lowering
``SOB_STAFF_MIN_ASSURANCE`` (to loa2: password with TOTP).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time

import click
import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION
from flask import Blueprint, current_app, render_template, request, session
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from sob_core import (
    Credential,
    LoginProvider,
    Setting,
    VerifiedIdentity,
    complete_login,
    hookimpl,
    load_credential,
    public,
    record_failure,
    record_success,
    save_credential,
)

KEY = "password"
MIN_LENGTH = 12
bp = Blueprint("password_login", __name__, template_folder="templates")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

#: one answer for a wrong password, an unknown account and a locked one (no enumeration)
MESSAGES = {
    "wrong": {
        "sv": "Fel HSA-id eller lösenord. Efter för många felaktiga försök är kontot låst en stund.",
        "en": "Wrong HSA-id or password. After too many failed attempts the account is locked "
        "for a while.",
    },
    "code": {"sv": "Fel engångskod.", "en": "Wrong one-time code."},
}


def _unmatchable_hash(hasher: PasswordHasher) -> str:
    """A hash as ``hasher`` writes one, with its parameters, that no password matches.

    Verifying it is as much argon2 work as verifying a real hash (the parameters the string
    carries set the work); making it is none, where hashing would cost a third of a second or
    more at every start of the app. Salt and digest are random: no password's digest.
    """

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii").rstrip("=")

    return (
        f"$argon2{hasher.type.name.lower()}$v={ARGON2_VERSION}"
        f"$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
        f"${b64(secrets.token_bytes(hasher.salt_len))}${b64(secrets.token_bytes(hasher.hash_len))}"
    )


#: verified when there is no real hash to verify, so every answer costs the same argon2 work
_DUMMY_HASH = _unmatchable_hash(_hasher)
TOTP_STEP_KEY = "totp_last_step"


SETTINGS = (
    Setting(
        "SOB_LOGIN_MAX_FAILURES",
        5,
        "Failed password attempts before a staff account is locked.",
        int,
        "5",
    ),
    Setting(
        "SOB_LOGIN_LOCK_MINUTES", 15, "How long a locked staff account stays locked.", int, "15"
    ),
)


def _lang() -> str:
    return session.get("lang", current_app.config.get("BABEL_DEFAULT_LOCALE", "sv"))


class PasswordForm(FlaskForm):
    hsa_id = StringField(validators=[InputRequired(), Length(max=64)])
    password = PasswordField(validators=[InputRequired(), Length(max=1024)])
    next = HiddenField(validators=[Length(max=2048)])


class CodeForm(FlaskForm):
    code = StringField(validators=[InputRequired(), Regexp(r"^\d{6}$")])


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _fail(hsa_id: str, kind: str = "wrong") -> str:
    locked = record_failure(
        KEY,
        hsa_id,
        current_app.config["SOB_LOGIN_MAX_FAILURES"],
        current_app.config["SOB_LOGIN_LOCK_MINUTES"],
    )
    return MESSAGES["wrong" if locked else kind][_lang()]


def _accept_totp(credential: Credential, code: str) -> bool:
    """Check ``code`` against the current step ±1, refusing a step at or before the last used one.

    The accepted step is saved before the session starts, so a replayed code (the same one, or
    an earlier one still inside the window) is refused even from another browser.
    """
    totp = pyotp.TOTP(credential.data["totp_secret"])
    now = int(time.time()) // totp.interval
    last = int(credential.data.get(TOTP_STEP_KEY, -1))
    for step in (now - 1, now, now + 1):
        if step > last and hmac.compare_digest(totp.at(step * totp.interval), code):
            save_credential(KEY, credential.hsa_id, {**credential.data, TOTP_STEP_KEY: step})
            return True
    return False


def _next_from_request() -> str:
    """The page to continue to; ``complete_login`` follows it only when it is same-site."""
    return (request.values.get("next") or "")[:2048]


def _login_page(form: PasswordForm, error: str | None):
    if not form.next.data:
        form.next.data = _next_from_request()
    return render_template("sob_auth/password.html", form=form, error=error, lang=_lang())


@bp.route("/", methods=["GET", "POST"])
@public
def start():
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        hsa_id = form.hsa_id.data.strip()
        credential = load_credential(KEY, hsa_id)
        if credential is None or not credential.active or credential.locked():
            _verify(_DUMMY_HASH, form.password.data)  # the same work as a real check
            error = MESSAGES["wrong"][_lang()]
        elif not _verify(credential.data.get("hash", ""), form.password.data):
            error = _fail(hsa_id)
        else:
            if _hasher.check_needs_rehash(credential.data["hash"]):
                save_credential(
                    KEY, hsa_id, {**credential.data, "hash": _hasher.hash(form.password.data)}
                )
            next_url = form.next.data or ""
            if credential.data.get("totp_secret"):
                session["password_login_pending"] = hsa_id
                session["password_login_next"] = next_url
                return render_template("sob_auth/totp.html", form=CodeForm(formdata=None))
            record_success(KEY, hsa_id)
            return complete_login(
                VerifiedIdentity("staff", hsa_id, KEY, "loa1", credential.name), next_url
            )
    return _login_page(form, error)


@bp.route("/code", methods=["POST"])
@public
def code():
    hsa_id: str = session.get("password_login_pending") or ""
    form = CodeForm()
    credential = load_credential(KEY, hsa_id) if hsa_id else None
    if credential is None or credential.locked() or not credential.data.get("totp_secret"):
        session.pop("password_login_pending", None)
        return _login_page(PasswordForm(formdata=None), MESSAGES["wrong"][_lang()])
    if form.validate_on_submit() and _accept_totp(credential, form.code.data):
        session.pop("password_login_pending", None)
        next_url = session.pop("password_login_next", None) or ""
        record_success(KEY, hsa_id)
        return complete_login(
            VerifiedIdentity("staff", hsa_id, KEY, "loa2", credential.name), next_url
        )
    error = _fail(hsa_id, "code")
    return render_template("sob_auth/totp.html", form=form, error=error)


@click.group("password")
def cli() -> None:
    """Manage staff passwords."""


@cli.command("set")
@click.argument("hsa_id")
@click.password_option()
@with_appcontext
def set_password(hsa_id: str, password: str) -> None:
    """Set the password of a staff member (clears a lockout, keeps TOTP)."""
    existing = load_credential(KEY, hsa_id)
    try:
        data = {**(existing.data if existing else {}), "hash": hash_password(password)}
        save_credential(KEY, hsa_id, data)
    except (ValueError, LookupError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"password set for {hsa_id}")


@cli.command("totp")
@click.argument("hsa_id")
@with_appcontext
def enable_totp(hsa_id: str) -> None:
    """Turn on a TOTP second factor and print the provisioning URI for an authenticator app."""
    existing = load_credential(KEY, hsa_id)
    if existing is None:
        raise click.ClickException("set a password first")
    secret = pyotp.random_base32()
    save_credential(KEY, hsa_id, {**existing.data, "totp_secret": secret})
    click.echo(pyotp.TOTP(secret).provisioning_uri(name=hsa_id, issuer_name="sob"))


@hookimpl
def sob_login_providers():
    return [
        LoginProvider(
            key=KEY,
            label={"sv": "Lösenord (personal)", "en": "Password (staff)"},
            audiences=("staff",),
            blueprint=bp,
            assurance="loa2",
            cli=cli,
        )
    ]


@hookimpl
def sob_settings() -> tuple[Setting, ...]:
    return SETTINGS
