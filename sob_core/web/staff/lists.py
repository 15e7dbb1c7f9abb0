"""The patient lists at /staff/patients: "Mina", "Alla" and "Avslutade"."""

from __future__ import annotations

from flask import render_template, request, session
from flask_babel import lazy_gettext
from flask_login import current_user

from ...enrollments.clock import local_date
from ...extensions import db
from ...i18n import current_language
from ...types import local
from ..access import require, staff_roles_at
from ..labels import tell_apart
from . import THERAPY_ROLES, audit_list, bp
from .listing import MAX_SEARCH, ListQuery, patient_page

TABS = (
    ("mine", lazy_gettext("Mine")),
    ("all", lazy_gettext("All")),
    ("ended", lazy_gettext("Ended")),
)

SORT_COLUMNS = {
    "name": lazy_gettext("Name"),
    "start": lazy_gettext("Enrollment start"),
    "active": lazy_gettext("Last active"),
}


@bp.route("/patients")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patients():
    # A therapist lands on their own patients; a citizen administrator on the whole unit.
    mine_first = "therapist" in staff_roles_at(session["care_unit_id"])
    query = ListQuery.from_args(request.args, default_view="mine" if mine_first else "all")
    listing = patient_page(
        db.session,
        care_unit_id=session["care_unit_id"],
        staff_id=current_user.id,
        query=query,
    )
    audit_list([row.citizen_id for row in listing.rows], "patient_list", view=query.view)
    lang = current_language()
    # two programmes of one name are told apart by their keys
    program_labels = dict(
        zip(
            [row.enrollment_id for row in listing.rows],
            tell_apart(
                listing.rows,
                lambda row: local(row.program_name, lang) if row.program_name else "",
                lambda row: row.program_key or "",
            ),
            strict=True,
        )
    )
    return render_template(
        "sob_core/staff/patients.html",
        listing=listing,
        program_labels=program_labels,
        query=query,
        max_search=MAX_SEARCH,
        tabs=TABS,
        sort_columns=SORT_COLUMNS,
        local_date=local_date,
    )
