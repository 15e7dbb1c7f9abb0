"""The citizen's own data: a printable page of everything she gave and received, and the same
as a JSON file. Both are audit events (an export of her data, to herself)."""

from __future__ import annotations

import json

from flask import Response, current_app, render_template
from flask_login import current_user

from ... import audit, exports
from ...extensions import db
from ...i18n import current_language
from ..access import actor, require
from . import bp


def _document() -> dict:
    return exports.citizen_document(
        db.session,
        current_user.id,
        lang=current_language(),
        registry=current_app.extensions["sob"].registry,
    )


def _audit(what: str) -> None:
    audit.record(
        db.session,
        actor_kind="citizen",
        actor_id=actor()[1],  # a guardian acting for the child is the one who exported
        action="export",
        what=what,
        citizen_id=current_user.id,
    )
    db.session.commit()


@bp.route("/settings/my-data")
@require("citizen")
def own_data():
    document = _document()
    _audit("own_data")
    return render_template("sob_core/citizen/own_data.html", doc=document)


@bp.route("/settings/my-data.json")
@require("citizen")
def own_data_json():
    document = _document()
    _audit("own_data.json")
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="sob-my-data.json"',
            "Cache-Control": "no-store",
        },
    )
