"""``sob forms export`` / ``sob forms import``: forms as FHIR R4 Questionnaire files.

Messages are in the command's language (``i18n.cli_language``: ``SOB_DEFAULT_LOCALE``, else the
shell's ``LANG``); the exported resource is in ``--lang``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, lazy_gettext

from ..i18n import CodedError, cli_language, translate_error
from ..types import LANGUAGES

forms_group: click.Group = click.Group("forms", help="Forms as FHIR R4 Questionnaires.")


def _say(message: Any) -> str:
    """A ``lazy_gettext`` message in the command's language."""
    with force_locale(cli_language()):
        return str(message)


def _fail(reason: str) -> NoReturn:
    click.echo(_say(lazy_gettext("error: %(reason)s", reason=" ".join(reason.split()))), err=True)
    sys.exit(2)


def _refused(error: CodedError) -> NoReturn:
    """A coded FHIR error, told in the command's language."""
    with force_locale(cli_language()):
        reason = translate_error(error)
    _fail(reason)


def _base_url() -> str | None:
    return current_app.config.get("SOB_BASE_URL")


@forms_group.command("export")
@click.argument("key")
@click.option("--version", "number", type=int, default=None, help="Version (default: latest).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to this file.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="sv", show_default=True)
@with_appcontext
def export_command(key: str, number: int | None, out: str | None, lang: str) -> None:
    """Export the form KEY as a FHIR Questionnaire (JSON on stdout unless --out)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..interchange.fhir import FhirExportError, export_questionnaire
    from ..models import Form, FormVersion

    form = db.session.scalar(select(Form).where(Form.key == key))
    if form is None or not form.versions:
        _fail(_say(lazy_gettext("there is no form %(key)s", key=repr(key))))
    if number is None:
        version: FormVersion | None = form.latest
    else:
        version = next((v for v in form.versions if v.version == number), None)
    if version is None:
        _fail(
            _say(
                lazy_gettext(
                    "the form %(key)s has no version %(number)s", key=repr(key), number=number
                )
            )
        )
    try:
        resource = export_questionnaire(
            version, current_app.extensions["sob"].registry, lang, base_url=_base_url()
        )
    except FhirExportError as error:
        _refused(error)
    text = json.dumps(resource, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        _fail(_say(lazy_gettext("cannot write %(path)s: %(reason)s", path=out, reason=reason)))
    click.echo(
        _say(
            lazy_gettext(
                "%(key)s version %(version)s written to %(path)s",
                key=key,
                version=version.version,
                path=out,
            )
        )
    )


@forms_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--key", default=None, help="Form key (default: from the Questionnaire's url/id).")
@click.option(
    "--value-sets",
    "value_sets_path",
    default=None,
    help="A ValueSet .json file, or a directory of them, for answerValueSet canonicals.",
)
@with_appcontext
def import_command(path: str, key: str | None, value_sets_path: str | None) -> None:
    """Import a FHIR Questionnaire file as a form (a new version when the key exists)."""
    from ..extensions import db
    from ..interchange.fhir import FhirImportError, import_questionnaire, import_report
    from ..interchange.fhir.value_sets import read_value_set_files

    value_sets = None
    if value_sets_path is not None:
        try:
            value_sets = read_value_set_files(value_sets_path)
        except FhirImportError as error:
            _refused(error)

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        _fail(_say(lazy_gettext("cannot read %(path)s: %(reason)s", path=path, reason=reason)))
    try:
        version = import_questionnaire(
            db.session,
            current_app.extensions["sob"].registry,
            data,
            key=key,
            value_sets=value_sets,
            file_name=Path(path).name,
        )
    except FhirImportError as error:
        db.session.rollback()
        _refused(error)
    db.session.commit()
    note = (version.definition.get("origin") or {}).get("import_note")
    if note:  # a deviation from FHIR R4 the import accepted (interchange/fhir/validation.py)
        click.echo(_say(lazy_gettext("note: %(note)s", note=note)))
    count = len(version.definition["questions"])
    click.echo(
        _say(
            lazy_gettext(
                "imported %(key)s version %(version)s (%(count)s questions)",
                key=version.form.key,
                version=version.version,
                count=count,
            )
        )
    )
    with force_locale(cli_language()):  # what was kept unused, or made up: never silently
        for kept in import_report(version.definition):
            click.echo("  " + translate_error(kept))


# `sob forms check-fhir` (its own module; it uses the helpers above)
from .fhir_check import check_command  # noqa: E402, F401
