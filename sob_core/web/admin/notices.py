"""The delivery log: every notice, its attempts and what happened, for administrators.

Who sees it: permission administrators of the care unit whose work caused the notice (a message
in one of its enrollments); another unit's notices answer 404. Notices caused at no one unit (the
staff digest) are in no unit's log.
What they never see: a citizen's address or number (not even masked: they have no care
relationship with the citizen) or name; the recipient is shown as "citizen"/"staff member" and
an internal number. A staff recipient's e-mail address is shown masked (``a•••@•••.se``), enough
to see whether one is set. Attempt details were stored with every address taken out.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request, session
from flask_babel import lazy_gettext

from ...extensions import db
from ...models import Notification, Staff
from ...notifications import inbox
from ...notifications.policy import local_time
from ...notifications.scrub import mask_email
from ..access import require
from . import bp

STATUS_LABELS = {
    "pending": lazy_gettext("Queued"),
    "sending": lazy_gettext("Being sent"),
    "sent": lazy_gettext("Sent"),
    "failed": lazy_gettext("Failed"),
    "held": lazy_gettext("Waiting for the digest"),
    "digested": lazy_gettext("Sent in a digest"),
}
OUTCOME_LABELS = {
    "sending": lazy_gettext("Under way"),
    "sent": lazy_gettext("Sent"),
    "error": lazy_gettext("Error"),
    "interrupted": lazy_gettext("Interrupted"),
}
REPORT_LABELS = {
    "delivered": lazy_gettext("Delivered"),
    "failed": lazy_gettext("Not delivered"),
}
RECIPIENT_LABELS = {"citizen": lazy_gettext("Citizen"), "staff": lazy_gettext("Staff member")}


def _context() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "report_labels": REPORT_LABELS,
        "recipient_labels": RECIPIENT_LABELS,
        "notice_time": lambda moment: local_time(moment, current_app.config) if moment else "",
    }


@bp.route("/notices")
@require("staff", roles={"permission_admin"}, unit_scoped=True)
def notices() -> str:
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_LABELS:
        status = None
    rows = inbox.delivery_log(db.session, care_unit_id=session["care_unit_id"], status=status)
    return render_template("sob_core/admin/notices.html", rows=rows, status=status, **_context())


@bp.route("/notices/<id:notification_id>")
@require("staff", roles={"permission_admin"}, unit_scoped=True)
def notice(notification_id: int) -> str:
    row = db.session.get(Notification, notification_id)
    if row is None or row.care_unit_id != session["care_unit_id"]:
        abort(404)  # another unit's notice answers like a missing one
    masked = ""
    if row.recipient_kind == "staff":
        staff = db.session.get(Staff, row.recipient_id)
        masked = mask_email(staff.email) if staff is not None else ""
    return render_template(
        "sob_core/admin/notice.html",
        row=row,
        attempts=inbox.attempts_of(db.session, row.id),
        masked_address=masked,
        **_context(),
    )
