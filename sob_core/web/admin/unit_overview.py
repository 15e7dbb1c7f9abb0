"""The citizen administrator's overview: all the unit's enrollments and what happens in them.

Listing the events names citizens, so each page shown is a read of each citizen on it: one
audit event per citizen (``unit_events``), written before the page is drawn.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from ... import audit
from ...content import content_of
from ...enrollments import LOCAL_ZONE, staff_views, unit_overview
from ...extensions import db
from ...i18n import current_language
from ...models import CareUnit, Enrollment
from ...types import local
from ..access import require
from ..limits import page_number
from ..staff.texts import content_titles, describe_event, form_versions_of, staff_ids_of
from . import bp

PAGE = 50
STATUS_LABELS = {
    "active": lazy_gettext("Active"),
    "maintenance": lazy_gettext("Maintenance"),
    "ended": lazy_gettext("Ended"),
}
KIND_LABELS = {
    "started": lazy_gettext("Started"),
    "module_opened": lazy_gettext("Module opened"),
    "module_completed": lazy_gettext("Module completed"),
    "module_activated": lazy_gettext("Module activated"),
    "module_hidden": lazy_gettext("Module hidden"),
    "module_shown": lazy_gettext("Module shown again"),
    "item_hidden": lazy_gettext("Content hidden"),
    "item_shown": lazy_gettext("Content shown again"),
    "content_opened": lazy_gettext("Content opened"),
    "form_submitted": lazy_gettext("Form submitted"),
    "maintenance": lazy_gettext("Moved to maintenance"),
    "therapist_changed": lazy_gettext("Therapist changed"),
    "ended": lazy_gettext("Ended"),
}


def _program_name(version: Any) -> str:
    if version is None:
        return _("No programme")
    name = local(content_of(version).name, current_language())
    return f"{name} ({version.label})" if name else version.label


def _summary(unit_id: int) -> list[dict[str, Any]]:
    counts = unit_overview.unit_counts(db.session, unit_id)
    versions = unit_overview.versions_of(
        db.session, {c.program_version_id for c in counts if c.program_version_id is not None}
    )
    table: dict[int | None, dict[str, Any]] = {}
    for count in counts:
        row = table.setdefault(
            count.program_version_id,
            {
                "program": _program_name(versions.get(count.program_version_id or 0)),
                **dict.fromkeys(STATUS_LABELS, 0),
            },
        )
        row[count.status] = row.get(count.status, 0) + count.count
    return sorted(table.values(), key=lambda r: r["program"])


def _rows(events: list[Any]) -> list[dict[str, Any]]:
    found = unit_overview.enrollments_of(db.session, {e.enrollment_id for e in events})
    known = staff_views.event_names(db.session, staff_ids_of(events), form_versions_of(events))
    lang = current_language()
    forms = {version_id: local(title, lang) for version_id, title in known.forms.items()}
    titles: dict[int | None, tuple[dict[str, str], dict[str, str]]] = {}
    rows = []
    for event in events:
        enrollment: Enrollment = found[event.enrollment_id]
        version = enrollment.program_version
        key = version.id if version is not None else None
        if key not in titles:
            titles[key] = content_titles(version.content if version is not None else None)
        modules, items = titles[key]
        rows.append(
            {
                "event": event,
                "enrollment": enrollment,
                "at": event.at.astimezone(LOCAL_ZONE),
                "program": _program_name(version),
                "what": describe_event(event, modules, items, known.staff, forms),
            }
        )
    return rows


@bp.route("/unit")
@require("staff", roles={"citizen_admin"}, unit_scoped=True)
def unit_overview_page() -> str:
    unit = db.session.get(CareUnit, session["care_unit_id"])
    if unit is None:
        abort(404)
    kind = request.args.get("kind") or None
    if kind not in KIND_LABELS:
        kind = None
    page = page_number(request.args.get("page"))
    events = unit_overview.unit_events(
        db.session, unit.id, kind=kind, limit=PAGE + 1, offset=(page - 1) * PAGE
    )
    more = len(events) > PAGE
    rows = _rows(events[:PAGE])
    citizen_ids = sorted({row["enrollment"].citizen_id for row in rows})
    audit.record_many(
        db.session,
        citizen_ids,
        actor_kind="staff",
        actor_id=current_user.id,
        action="read",
        what="unit_events",
        care_unit_id=unit.id,
        detail={"page": page, **({"kind": kind} if kind else {})},
        ip=request.remote_addr,
    )
    db.session.commit()
    return render_template(
        "sob_core/admin/unit_overview.html",
        unit=unit,
        summary=_summary(unit.id),
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        kind=kind,
        rows=rows,
        page=page,
        more=more,
    )
