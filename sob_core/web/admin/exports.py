"""The data administrator's exports of ended enrollments: start one, follow it, download it.

Who: data administrators of the active care unit (``data_admin``); a job of another unit answers
404. What: the ended enrollments at that unit of a programme used there (``exports.selection``).
Starting, the file being written and each download are audit events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from ... import audit, exports
from ...extensions import db
from ...i18n import current_language
from ...jobs import enqueue
from ...jobs.tasks import run_export
from ...notifications.policy import local_time
from ..access import require
from . import bp

ROLES = {"data_admin"}
STATUS_LABELS = {
    "queued": lazy_gettext("Waiting to start"),
    "running": lazy_gettext("Being written"),
    "ready": lazy_gettext("Ready to download"),
    "failed": lazy_gettext("Failed"),
    "expired": lazy_gettext("Deleted (expired)"),
}
FORMAT_LABELS = {
    "csv": lazy_gettext("CSV per form (ZIP)"),
    "fhir": lazy_gettext("FHIR QuestionnaireResponse (NDJSON)"),
}
ERRORS = {
    "format": lazy_gettext("Choose CSV or FHIR."),
    "program": lazy_gettext("There are no ended enrollments of that programme at your care unit."),
}


class ExportForm(FlaskForm):
    program = SelectField(
        lazy_gettext("Programme"),
        coerce=int,
        validators=[InputRequired(message=lazy_gettext("Choose a programme."))],
    )
    format = RadioField(
        lazy_gettext("Format"),
        choices=[SelectChoice(key, label) for key, label in FORMAT_LABELS.items()],
        default="csv",
        validators=[InputRequired(message=lazy_gettext("Choose a format."))],
    )
    pseudonymised = BooleanField(
        lazy_gettext(
            "Pseudonymised: pseudonyms instead of personal identity numbers, dates shifted per person, free-text answers left out"
        )
    )


def _settings() -> exports.ExportSettings:
    return exports.ExportSettings.from_config(current_app.config, current_app.instance_path)


def _page(form: ExportForm, programs, status: int = 200):
    unit_id = session["care_unit_id"]
    errors = sum(len(f.errors) for f in form if f.name != "csrf_token")
    return (
        render_template(
            "sob_core/admin/exports.html",
            form=form,
            programs=programs,
            rows=exports.jobs_of_unit(db.session, unit_id),
            status_labels=STATUS_LABELS,
            format_labels=FORMAT_LABELS,
            error_count=errors,
            moment=lambda m: local_time(m, current_app.config) if m else "",
        ),
        422 if errors else status,
    )


@bp.route("/exports", methods=["GET", "POST"])
@require("staff", roles=ROLES, unit_scoped=True)
def exports_page():
    unit_id = session["care_unit_id"]
    programs = exports.exportable_programs(db.session, unit_id, current_language())
    form = ExportForm()
    form.program.choices = [
        SelectChoice(p.program_id, f"{p.name} ({p.key}) – " + _("%(num)s ended", num=p.ended))
        for p in programs
    ]
    if form.is_submitted() and form.csrf_token.errors:
        abort(400)
    if not form.validate_on_submit():
        return _page(form, programs)
    try:
        job = exports.start_export(
            db.session,
            unit_id=unit_id,
            program_id=form.program.data,
            fmt=form.format.data,
            pseudonymised=bool(form.pseudonymised.data),
            staff_id=current_user.id,
            lang=current_language(),
        )
    except exports.ExportError as error:
        form.program.errors = [str(ERRORS.get(error.code, error))]
        return _page(form, programs)
    job_id = job.id
    enqueue(run_export, job_id)
    db.session.commit()  # the job runs after this commit (in-process: before the redirect)
    flash(_("The export has started."), "info")
    return redirect(url_for("admin.export_job", job_id=job_id))


@bp.route("/exports/<id:job_id>")
@require("staff", roles=ROLES, unit_scoped=True)
def export_job(job_id: int):
    job = exports.unit_job(db.session, job_id, session["care_unit_id"])
    if job is None:
        abort(404)
    ready = exports.file_of(job, _settings(), datetime.now(UTC)) is not None
    return render_template(
        "sob_core/admin/export_job.html",
        job=job,
        ready=ready,
        status_labels=STATUS_LABELS,
        format_labels=FORMAT_LABELS,
        moment=lambda m: local_time(m, current_app.config) if m else "",
    )


@bp.route("/exports/<id:job_id>/download")
@require("staff", roles=ROLES, unit_scoped=True)
def export_download(job_id: int):
    job = exports.unit_job(db.session, job_id, session["care_unit_id"])
    if job is None:
        abort(404)
    path = exports.file_of(job, _settings(), datetime.now(UTC))
    if path is None:
        abort(404)  # not ready, or expired and deleted
    audit.record(
        db.session,
        actor_kind="staff",
        actor_id=current_user.id,
        action="export",
        what="export_job.download",
        care_unit_id=job.care_unit_id,
        detail={"job_id": job.id, "persons": job.persons, "pseudonymised": job.pseudonymised},
    )
    db.session.commit()
    mimetype = "application/zip" if job.format == "csv" else "application/fhir+ndjson"
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=exports.download_name(job)
    )
    response.headers["Cache-Control"] = "no-store"
    return response
