"""A guardian's pages: choose the child she acts for, and switch back to herself.

The acting itself is in ``web.access`` (``acting_citizen``): while ``ACTING_KEY`` holds a child
the guardian may act for, every citizen page shows the child's data, the guardian is the actor in
the audit log, and the messages she writes are signed with her name.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ... import audit, guardians
from ...enrollments.clock import local_date
from ...extensions import db
from ...plugins import current_host
from ..access import ACTING_KEY, acting_guardian, require
from . import bp


def _wards() -> guardians.Wards:
    return guardians.children_of(
        db.session,
        current_host().registry.guardianship_sources.values(),
        current_user.personnummer,
        local_date(datetime.now(UTC)),
        current_app.config,
    )


def _record(action: str, child_id: int) -> None:
    audit.record(
        db.session,
        actor_kind="citizen",
        actor_id=current_user.id,
        action=action,
        what="guardian.acting",
        citizen_id=child_id,
        detail={"on_behalf_of": child_id},
        ip=request.remote_addr,
    )


def signed(body: str) -> str:
    """A message a guardian writes for the child ends with who wrote it (herself otherwise)."""
    guardian = acting_guardian()
    if guardian is None or not body.strip():
        return body
    return body.rstrip() + "\n\n– " + _("Written by %(name)s, guardian", name=guardian.name)


@bp.route("/guardian")
@require("citizen")
def guardian_children():
    wards = _wards()
    acting_id = session.get(ACTING_KEY) if acting_guardian() is not None else None
    return render_template(
        "sob_core/citizen/guardian.html",
        wards=wards,
        acting_id=acting_id,
        acting=db.session.get(type(current_user), acting_id) if acting_id else None,
        form=FlaskForm(),
    )


@bp.route("/guardian/act", methods=["POST"])
@require("citizen")
def guardian_act():
    if not FlaskForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("child", "")
    child = next((c for c in _wards().children if c.personnummer == wanted), None)
    if child is None:
        # not (or no longer) her ward under 13: the same answer whoever the number belongs to
        flash(_("You cannot act for that child."), "error")
        return redirect(url_for("citizen.guardian_children"))
    citizen = guardians.child_citizen(db.session, child)
    session[ACTING_KEY] = citizen.id
    _record("read", citizen.id)
    db.session.commit()
    flash(_("You are now acting for %(name)s.", name=citizen.name), "info")
    return redirect(url_for("citizen.start"))


@bp.route("/guardian/self", methods=["POST"])
@require("citizen")
def guardian_self():
    if not FlaskForm().validate_on_submit():
        abort(400)
    child_id = session.pop(ACTING_KEY, None)
    if isinstance(child_id, int):
        _record("read", child_id)
        db.session.commit()
    flash(_("You are back on your own pages."), "info")
    return redirect(url_for("citizen.start"))
