"""The citizen's pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import require

bp = Blueprint("citizen", __name__, url_prefix="/citizen")


@bp.route("/")
@require("citizen")
def start():
    return render_template("sob_core/citizen/start.html", citizen=current_user)
