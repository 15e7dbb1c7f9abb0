"""The care units' information banners on the citizen's pages, and hiding one for the visit.

On a page of one of her enrollments (its id in the URL) she sees that unit's banners; on her
other pages (start, messages, results, settings) those of every unit where she has an ongoing
enrollment. "Hide" is a form (POST with CSRF, no JavaScript needed); the hidden ids are kept in
her session, so a banner comes back at her next sign-in while it is still shown.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from flask import abort, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, bindparam, select

from ... import banners, enrollments
from ...extensions import db
from ...i18n import current_language, lang_attribute
from ...models import Banner, Enrollment
from ...types import local
from ..access import require
from ..shell import safe_next
from . import bp

HIDDEN_KEY = "hidden_banners"


def _unit_ids() -> list[int]:
    enrollment_id = (request.view_args or {}).get("enrollment_id")
    if isinstance(enrollment_id, int):
        enrollment = db.session.get(Enrollment, enrollment_id)
        if enrollment is not None and enrollment.citizen_id == current_user.id:
            return [enrollment.care_unit_id]
        return []
    return list(db.session.scalars(_unit_ids_statement(), {"citizen": current_user.id}))


@functools.cache
def _unit_ids_statement() -> Select:
    """The units of the citizen's ongoing enrollments, built once; the citizen is bound."""
    return (
        select(Enrollment.care_unit_id)
        .where(
            Enrollment.citizen_id == bindparam("citizen"),
            Enrollment.status.in_(enrollments.ONGOING),
        )
        .distinct()
    )


def shown_banners() -> list[dict[str, Any]]:
    """For the citizen's pages: the banners to show now (asked when the page is drawn)."""
    if not current_user.is_authenticated or current_user.audience != "citizen":
        return []
    if request.blueprint != "citizen":
        return []
    lang = current_language()
    return [
        {
            "id": banner.id,
            "text": local(banner.text, lang),
            "lang": lang_attribute(banner.text),
        }
        for banner in banners.showing(
            db.session, _unit_ids(), datetime.now(UTC), hidden=session.get(HIDDEN_KEY, [])
        )
    ]


@bp.app_context_processor
def _banners() -> dict:
    return {"citizen_banners": shown_banners}


@bp.route("/banners/<id:banner_id>/hide", methods=["POST"])
@require("citizen")
def hide_banner(banner_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    if db.session.get(Banner, banner_id) is not None:
        hidden = [i for i in session.get(HIDDEN_KEY, []) if isinstance(i, int)]
        if banner_id not in hidden:
            session[HIDDEN_KEY] = [*hidden[-49:], banner_id]
    return redirect(safe_next(request.form.get("next"), url_for("citizen.start")))
