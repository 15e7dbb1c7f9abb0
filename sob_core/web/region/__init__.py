"""The regional administrator's pages (vårdgivaradministratör), at /region/<region id>/.

Every view is ``require("staff", region_admin=True)``: the guard lets in regional administrators
of some region, and ``own_region`` answers 404 for a region the signed-in person does not
administer. The modules ``units``, ``programmes``, ``messages`` and ``statistics`` add their
views to this blueprint; the work is in ``sob_core.regions``.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import regions
from ...content.messages import CodedError
from ...extensions import db
from ...i18n import current_language
from ...models import Region
from ..access import region_ids, require

bp = Blueprint("region", __name__, url_prefix="/region")


def own_region(region_id: int) -> Region:
    """A region the signed-in staff member administers; any other answers like a missing one."""
    region = db.session.get(Region, region_id)
    if region is None or region.id not in region_ids():
        abort(404)
    return region


def error_text(error: Exception) -> str:
    if isinstance(error, CodedError):
        return error.render(_, current_language())
    return str(error)


@bp.route("/")
@require("staff", region_admin=True)
def start():
    mine = regions.regions_of(db.session, current_user.id)
    if len(mine) == 1:
        return redirect(url_for("region.home", region_id=mine[0].id))
    return render_template("sob_core/region/start.html", regions=mine)


@bp.route("/<id:region_id>/")
@require("staff", region_admin=True)
def home(region_id: int):
    region = own_region(region_id)
    unit_rows = regions.units_of(db.session, region.id)
    return render_template(
        "sob_core/region/home.html",
        region=region,
        active=sum(1 for u in unit_rows if u.active),
        inactive=sum(1 for u in unit_rows if not u.active),
    )


from . import messages, programmes, statistics, units  # noqa: E402,F401  (views register on bp)
