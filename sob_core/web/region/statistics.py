"""Statistics of the region's enrollments per programme, unit and month, and the CSV export."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, render_template
from flask_login import current_user

from ... import audit, regions
from ...extensions import db
from ...i18n import current_language
from ..access import require
from . import bp, own_region


@bp.route("/<id:region_id>/statistics")
@require("staff", region_admin=True)
def statistics(region_id: int):
    region = own_region(region_id)
    rows = regions.monthly(db.session, region.id, datetime.now(UTC), lang=current_language())
    return render_template("sob_core/region/statistics.html", region=region, rows=rows)


@bp.route("/<id:region_id>/statistics.csv")
@require("staff", region_admin=True)
def statistics_csv(region_id: int):
    region = own_region(region_id)
    now = datetime.now(UTC)
    rows = regions.monthly(db.session, region.id, now, lang=current_language())
    audit.record(
        db.session,
        actor_kind="staff",
        actor_id=current_user.id,
        action="export",
        what="region_statistics",
        detail={"region_id": region.id, "rows": len(rows)},
    )
    db.session.commit()
    name = f"sob-statistik-{region.code}-{now:%Y%m%d}.csv"
    return Response(
        regions.csv_bytes(db.session, region.id, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
