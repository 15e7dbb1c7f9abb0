"""Importing a FHIR R4 Questionnaire as a form of the unit from the design tool (issue 16).

What ``sob forms import`` does, for a designer with a browser: the forms page has an upload form
taking a .json file, a Questionnaire or a Bundle holding one and its ValueSets. The import is all
or nothing (``interchange.fhir.import_questionnaire``); a refusal lists every problem in the
page's language and nothing is stored. An imported form becomes a published form of the active
care unit (a new version when the unit's form with its key exists; another unit's key is
refused), the import is audited, and the new form's page opens, showing what the import kept
unused or made up (``import_report``) and the deviations from R4 it accepted (``import_note``).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from ... import audit
from ...extensions import db
from ...i18n import translate_error
from ...interchange import fhir
from ...models import FormDraft, FormVersion
from ..access import require
from .common import DESIGN_ROLES, bp, registry

#: the largest Questionnaire file taken (the big libraries' forms are well under 1 MB)
MAX_BYTES = 2 * 1024 * 1024


class FhirImportForm(FlaskForm):
    file = FileField(
        lazy_gettext("FHIR Questionnaire file"),
        render_kw={"accept": ".json,application/json,application/fhir+json"},
        validators=[FileRequired(message=lazy_gettext("Choose the Questionnaire file to import."))],
        description=lazy_gettext(
            "A FHIR R4 Questionnaire, or a Bundle holding one Questionnaire and its ValueSets, "
            "as a .json file of at most 2 MB. A form of the unit with the same key gets a new "
            "version."
        ),
    )


def import_problems(error: fhir.FhirImportError) -> list[str]:
    """Every problem of a refusal, each on its own, in the page's language."""
    if error.errors:
        return [translate_error(part) for part in error.errors]
    return [translate_error(error)]


def import_notes(version: FormVersion) -> dict[str, Any]:
    """What the form page says about an imported version: its report lines and accepted note."""
    definition = version.definition or {}
    origin = definition.get("origin") or {}
    return {
        "report": [translate_error(line) for line in fhir.import_report(definition)],
        "note": origin.get("import_note") if isinstance(origin, dict) else None,
    }


def _read(form: FhirImportForm) -> bytes | None:
    """The uploaded file's bytes, or None (the field's error said) when it is too large."""
    upload = form.file.data
    try:
        data = upload.read(MAX_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    if len(data) > MAX_BYTES:
        form.file.errors = [
            *form.file.errors,
            _("The file is larger than %(size)s MB; nothing was imported.", size=2),
        ]
        return None
    if not data.strip():
        form.file.errors = [*form.file.errors, _("The file is empty; nothing was imported.")]
        return None
    return data


def _draft_with_key(key: str) -> bool:
    """A form being built (not yet published) holds the key: importing would take it from it."""
    return (
        db.session.scalar(
            select(FormDraft.id).where(FormDraft.key == key, FormDraft.form_id.is_(None))
        )
        is not None
    )


@bp.route("/forms/import", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def import_fhir_form():
    form = FhirImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data = _read(form)
        file_name = form.file.data.filename or None
        if data is not None:
            try:
                version = fhir.import_questionnaire(
                    db.session,
                    registry(),
                    data,
                    key=None,
                    care_unit_id=session["care_unit_id"],
                    value_sets=None,
                    file_name=file_name,
                )
            except fhir.FhirImportError as error:
                db.session.rollback()
                problems = import_problems(error)
            else:
                key = version.form.key
                if not _draft_with_key(key):
                    return _imported(version, file_name)
                db.session.rollback()
                problems = [
                    _(
                        "A new form being built has the key %(key)s; publish or discard it "
                        "first. Nothing was imported.",
                        key=key,
                    )
                ]
    status = 400 if request.method == "POST" else 200
    return (
        render_template("sob_core/design/form_import.html", form=form, problems=problems),
        status,
    )


def _imported(version: FormVersion, file_name: str | None):
    db.session.flush()
    audit.record(
        db.session,
        actor_kind="staff",
        actor_id=current_user.id,
        action="change",
        what="form.import",
        care_unit_id=session.get("care_unit_id"),
        detail={
            "form_id": version.form_id,
            "key": version.form.key,
            "version": version.version,
            "file_name": file_name,
            "format": "fhir-r4-questionnaire",
        },
        ip=request.remote_addr,
    )
    db.session.commit()
    flash(
        _(
            "The Questionnaire was imported as version %(version)s of the form %(key)s "
            "(%(count)s questions).",
            version=version.version,
            key=version.form.key,
            count=len(version.definition.get("questions") or []),
        ),
        "info",
    )
    return redirect(url_for("design.form", form_id=version.form_id))
