"""`sob programs`: export a program version to one JSON file, import such a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

programs_group = click.Group("programs", help="Programs: export and import (how regions share).")


def _fail(reason: str) -> NoReturn:
    click.echo(f"error: {reason}", err=True)
    sys.exit(2)


@programs_group.command("export")
@click.argument("key")
@click.option("--version", "label", default=None, help="X.Y (default: the latest published).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write (default: standard output).",
)
@with_appcontext
def export_command(key: str, label: str | None, out: str | None) -> None:
    """Export a published version of the program KEY as one JSON file."""
    from .. import programs
    from ..extensions import db
    from ..models import Program, ProgramVersion

    program = db.session.scalar(select(Program).where(Program.key == key))
    if program is None:
        _fail(f"there is no program {key!r}")
    if label is None:
        version = programs.latest_published(db.session, program)
        if version is None:
            _fail(f"the program {key!r} has no published version")
    else:
        match = programs.LABEL_RE.match(label)
        if match is None:
            _fail(f"the version {label!r} is not of the form X.Y")
        version = db.session.scalar(
            select(ProgramVersion).where(
                ProgramVersion.program_id == program.id,
                ProgramVersion.major == int(match.group(1)),
                ProgramVersion.minor == int(match.group(2)),
            )
        )
        if version is None:
            _fail(f"the program {key!r} has no version {label}")
    try:
        data = programs.export_bytes(db.session, version)
    except programs.ProgramError as error:
        _fail(str(error))
    if out is None:
        click.echo(data.decode())
    else:
        Path(out).write_bytes(data)
        click.echo(f"exported {key} {version.label} to {out}", err=True)


@programs_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", "unit_hsa_id", required=True, help="HSA-id of the care unit to own it.")
@click.option("--key", "new_key", default=None, help="Import under this key instead.")
@with_appcontext
def import_command(path: str, unit_hsa_id: str, new_key: str | None) -> None:
    """Import an exported program version as a published program of a care unit."""
    from .. import programs
    from ..extensions import db
    from ..models import CareUnit

    unit = db.session.scalar(select(CareUnit).where(CareUnit.hsa_id == unit_hsa_id))
    if unit is None:
        _fail(f"there is no care unit {unit_hsa_id!r}")
    try:
        version = programs.import_program(
            db.session,
            current_app.extensions["sob"].registry,
            Path(path).read_bytes(),
            care_unit_id=unit.id,
            key=new_key,
        )
    except programs.ProgramImportError as error:
        _fail(" ".join(str(error).split()))
    db.session.commit()
    click.echo(f"imported {version.program.key} {version.label} for {unit.name}")
