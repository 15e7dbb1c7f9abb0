"""FHIR R4 exports for staff: a form as a Questionnaire, a submitted response as a
QuestionnaireResponse, a patient's activity plan as Goals and Observations (the last two are
exports of a citizen's data, so they are audited)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, request, session

from .. import activity
from ..enrollments import staff_views
from ..extensions import db
from ..i18n import translate_error
from ..interchange import fhir
from ..interchange.fhir.activity import export_activity_plan
from ..models import Form
from ..types import LANGUAGES
from .access import require
from .audit import audit_citizen

bp = Blueprint("fhir", __name__)

FHIR_JSON = "application/fhir+json"
THERAPY_ROLES = ("therapist", "citizen_admin")


def _fhir_response(resource: dict[str, Any]) -> Response:
    body = json.dumps(resource, ensure_ascii=False, indent=2)
    return Response(body, mimetype=FHIR_JSON, headers={"Cache-Control": "no-store"})


def _base_url() -> str | None:
    """The deployment's public address, which starts every Questionnaire's canonical URL."""
    return current_app.config.get("SOB_BASE_URL")


def _failed(error: fhir.FhirExportError) -> Response:
    """An export refused by the mapping: a FHIR OperationOutcome saying why, in the staff's language."""
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "not-supported", "diagnostics": translate_error(error)}
        ],
    }
    response = _fhir_response(outcome)
    response.status_code = 422
    return response


@bp.route("/staff/forms/<id:form_id>/fhir")
@require("staff", unit_scoped=True)
def questionnaire(form_id: int):
    form = db.session.get(Form, form_id)
    if form is None or not form.versions:
        abort(404)
    if form.care_unit_id is not None and form.care_unit_id != session.get("care_unit_id"):
        abort(404)  # another unit's form answers like a missing one
    lang = request.args.get("lang", "sv")
    if lang not in LANGUAGES:
        abort(400)
    try:
        resource = fhir.export_questionnaire(
            form.latest, current_app.extensions["sob"].registry, lang, base_url=_base_url()
        )
    except fhir.FhirExportError as error:
        return _failed(error)
    return _fhir_response(resource)


@bp.route("/staff/patients/<id:enrollment_id>/responses/<id:response_id>/fhir")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def questionnaire_response(enrollment_id: int, response_id: int):
    unit_id = session["care_unit_id"]
    enrollment = staff_views.unit_enrollment(db.session, enrollment_id, unit_id)
    if enrollment is None:
        abort(404)
    # Only what the citizen gave within this unit's enrollments; another unit's is as missing.
    answer = staff_views.unit_response(db.session, enrollment, response_id, unit_id)
    if answer is None:
        abort(404)
    try:
        resource = fhir.export_response(
            answer, current_app.extensions["sob"].registry, base_url=_base_url()
        )
    except fhir.FhirExportError as error:
        return _failed(error)
    audit_citizen("export", "form_response", enrollment.citizen_id, response=answer.id)
    return _fhir_response(resource)


@bp.route("/staff/patients/<id:enrollment_id>/activity-plan/fhir")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def activity_plan(enrollment_id: int):
    """The patient's activity plan: a Bundle of a Goal per registration, an Observation per value."""
    enrollment = staff_views.unit_enrollment(db.session, enrollment_id, session["care_unit_id"])
    if enrollment is None:
        abort(404)
    plan = activity.plan_of(db.session, enrollment.id)
    registrations = activity.registrations(db.session, plan, include_removed=True)
    values = activity.values_of(db.session, [r.id for r in registrations])
    resource = export_activity_plan(
        plan, registrations, values, enrollment.citizen, base_url=_base_url()
    )
    audit_citizen("export", "activity_plan", enrollment.citizen_id, enrollment=enrollment.id)
    return _fhir_response(resource)
