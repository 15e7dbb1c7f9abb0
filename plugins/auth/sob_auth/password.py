"""Password login for staff: argon2id hashes, lockout, optional TOTP second factor."""

from __future__ import annotations

import click
import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, current_app, render_template, session
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from sob_core import (
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

MESSAGES = {
    "wrong": {"sv": "Fel HSA-id eller lösenord.", "en": "Wrong HSA-id or password."},
    "locked": {
        "sv": "Kontot är tillfälligt låst efter för många felaktiga försök. Försök igen senare.",
        "en": "The account is locked for a while after too many failed attempts. Try again later.",
    },
    "code": {"sv": "Fel engångskod.", "en": "Wrong one-time code."},
}


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
    return MESSAGES["locked" if locked else kind][_lang()]


@bp.route("/", methods=["GET", "POST"])
@public
def start():
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        hsa_id = form.hsa_id.data.strip()
        credential = load_credential(KEY, hsa_id)
        if credential is None or not credential.active:
            _hasher.hash(form.password.data[:64])  # same work whether or not the account exists
            error = MESSAGES["wrong"][_lang()]
        elif credential.locked():
            error = MESSAGES["locked"][_lang()]
        elif not _verify(credential.data.get("hash", ""), form.password.data):
            error = _fail(hsa_id)
        else:
            if _hasher.check_needs_rehash(credential.data["hash"]):
                save_credential(
                    KEY, hsa_id, {**credential.data, "hash": _hasher.hash(form.password.data)}
                )
            if credential.data.get("totp_secret"):
                session["password_login_pending"] = hsa_id
                return render_template("sob_auth/totp.html", form=CodeForm(formdata=None))
            record_success(KEY, hsa_id)
            return complete_login(VerifiedIdentity("staff", hsa_id, KEY, "loa2", credential.name))
    return render_template("sob_auth/password.html", form=form, error=error, lang=_lang())


@bp.route("/code", methods=["POST"])
@public
def code():
    hsa_id: str = session.get("password_login_pending") or ""
    form = CodeForm()
    credential = load_credential(KEY, hsa_id) if hsa_id else None
    if credential is None or credential.locked():
        session.pop("password_login_pending", None)
        return render_template(
            "sob_auth/password.html",
            form=PasswordForm(formdata=None),
            error=MESSAGES["locked" if credential else "wrong"][_lang()],
            lang=_lang(),
        )
    if form.validate_on_submit() and pyotp.TOTP(credential.data["totp_secret"]).verify(
        form.code.data, valid_window=1
    ):
        session.pop("password_login_pending", None)
        record_success(KEY, hsa_id)
        return complete_login(VerifiedIdentity("staff", hsa_id, KEY, "loa3", credential.name))
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
