"""The demo login provider: choose a demo person. Only in demo mode, never in production."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import HiddenField

from sob_core import LoginProvider, VerifiedIdentity, complete_login, demo_people, hookimpl, public

bp = Blueprint("demo_login", __name__, template_folder="templates")


class PickForm(FlaskForm):
    identifier = HiddenField()
    audience = HiddenField()


def _demo_mode(app) -> bool:
    return bool(app.config.get("SOB_DEMO"))


@bp.before_request
def refuse_outside_demo():
    # Mounting is already refused outside demo mode; this guards against a config change at runtime.
    if not _demo_mode(current_app):
        abort(404)


@bp.route("/", methods=["GET", "POST"])
@public
def start():
    audience = request.values.get("audience", "citizen")
    if audience not in ("staff", "citizen"):
        abort(400)
    form = PickForm()
    # Carried through the form into complete_login, which follows it only when it is same-site.
    next_url = (request.values.get("next") or "")[:2048]
    if form.validate_on_submit():
        people = {p[0]: p for p in demo_people(form.audience.data)}
        person = people.get(form.identifier.data)
        if person is None:
            abort(400)
        return complete_login(
            VerifiedIdentity(
                audience=form.audience.data,
                identifier=person[0],
                provider="demo",
                assurance="demo",
                name=person[1],
            ),
            next_url,
        )
    return render_template(
        "sob_auth/demo.html",
        audience=audience,
        people=demo_people(audience),
        form=form,
        next_url=next_url,
    )


@hookimpl
def sob_login_providers():
    return [
        LoginProvider(
            key="demo",
            label={"sv": "Demoinloggning", "en": "Demo login"},
            audiences=("staff", "citizen"),
            blueprint=bp,
            assurance="demo",
            available=_demo_mode,
        )
    ]
