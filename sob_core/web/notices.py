"""Delivery reports from notification providers (46elks' ``whendelivered`` callback).

The provider POSTs ``id``, ``status`` (delivered/failed) and ``delivered`` to the address the
core gave with the notice: ``/notices/report/<notification id>/<token>``, where the token is an
HMAC of the id under the app's secret key. The request has no session and no CSRF token (it
comes from the provider, not a browser), so it is exempt from CSRF and checked instead: the
token must match, the posted id must be the provider reference stored for the notification, and
the status must be one of the two known. Anything else is answered 404 without a hint.

``notify_citizen``/``notify_staff`` here are the views' short way to the domain functions, with the
app's channels and settings filled in.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from .. import notifications as notify
from ..extensions import csrf, db
from ..models import Notification
from .access import public

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.route("/report/<id:notification_id>/<token>", methods=["POST"])
@public
@csrf.exempt
def delivery_report(notification_id: int, token: str):
    recorded = notify.record_report(
        db.session,
        notification_id,
        token,
        secret=str(current_app.config.get("SECRET_KEY") or ""),
        provider_id=(request.form.get("id") or "")[:200],
        status=request.form.get("status") or "",
    )
    if not recorded:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return "", 204


def notify_citizen(
    citizen_id: int,
    kind: str = "new_message",
    *,
    link: str,
    coalesce_key: str | None = None,
    care_unit_id: int | None = None,
) -> list[Notification]:
    """For views: ``notifications.notify_citizen`` with this app's channels and settings.

    Call it before the view's commit; the notices are dispatched after it."""
    return notify.notify_citizen(
        db.session,
        citizen_id,
        kind,
        link=link,
        coalesce_key=coalesce_key,
        channels=current_app.extensions["sob"].registry.channels,
        settings=current_app.config,
        care_unit_id=care_unit_id,
    )


def notify_staff(
    staff_id: int,
    kind: str = "staff_new_messages",
    *,
    link: str,
    coalesce_key: str | None = None,
    care_unit_id: int | None = None,
) -> list[Notification]:
    """For views: ``notifications.notify_staff`` with this app's channels and settings."""
    return notify.notify_staff(
        db.session,
        staff_id,
        kind,
        link=link,
        coalesce_key=coalesce_key,
        channels=current_app.extensions["sob"].registry.channels,
        settings=current_app.config,
        care_unit_id=care_unit_id,
    )
