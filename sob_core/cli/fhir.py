"""``sob forms export`` / ``sob forms import``: forms as FHIR R4 Questionnaire files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext

forms_group = click.Group("forms", help="Forms as FHIR R4 Questionnaires.")


def _fail(reason: str) -> NoReturn:
    click.echo("error: " + " ".join(reason.split()), err=True)
    sys.exit(2)


@forms_group.command("export")
@click.argument("key")
@click.option("--version", "number", type=int, default=None, help="Version (default: latest).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@with_appcontext
def export_command(key: str, number: int | None, out: str | None, lang: str) -> None:
    """Export the form KEY as a FHIR Questionnaire (JSON on stdout unless --out)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..interchange.fhir import FhirExportError, export_questionnaire
    from ..models import Form

    form = db.session.scalar(select(Form).where(Form.key == key))
    if form is None or not form.versions:
        _fail(f"there is no form {key!r}")
    if number is None:
        version = form.latest
    else:
        version = next((v for v in form.versions if v.version == number), None)
        if version is None:
            _fail(f"the form {key!r} has no version {number}")
    try:
        resource = export_questionnaire(version, current_app.extensions["sob"].registry, lang)
    except FhirExportError as error:
        _fail(str(error))
    text = json.dumps(resource, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {out}: {error.strerror or error}")
    click.echo(f"{key} version {version.version} written to {out}")


@forms_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--key", default=None, help="Form key (default: from the Questionnaire's url/id).")
@with_appcontext
def import_command(path: str, key: str | None) -> None:
    """Import a FHIR Questionnaire file as a form (a new version when the key exists)."""
    from ..extensions import db
    from ..interchange.fhir import FhirImportError, import_questionnaire

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror or error}")
    try:
        version = import_questionnaire(
            db.session, current_app.extensions["sob"].registry, data, key=key
        )
    except FhirImportError as error:
        db.session.rollback()
        _fail(str(error))
    db.session.commit()
    count = len(version.definition["questions"])
    click.echo(f"imported {version.form.key} version {version.version} ({count} questions)")
