"""``sob forms check-fhir PATH...``: would these FHIR Questionnaires import? Nothing is saved.

Each file (each ``*.json`` under a directory, recursively) goes through the real import of
``sob forms import`` in a transaction that is rolled back (``interchange.fhir.checking``). One
line a file, then ``N of M import`` and the refusing features ranked by how many files each
refuses (and how many it alone refuses), in the command's language; ``--json`` prints the same as
JSON. Exit 0 when every file imports, 1 when any is refused (or crashes), 2 on bad arguments.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext, lazy_gettext

from ..i18n import cli_language, translate_error
from .fhir import _fail, _say, forms_group


@forms_group.command("check-fhir")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@with_appcontext
def check_command(paths: tuple[Path, ...], as_json: bool) -> None:
    """Check whether FHIR Questionnaire files (or directories of them) import; save nothing."""
    from ..extensions import db
    from ..interchange.fhir.checking import check_file, json_files, rank

    for path in paths:
        if not path.exists():
            _fail(_say(lazy_gettext("there is no file or directory %(path)s", path=str(path))))
    files = list(json_files(paths))
    if not files:
        names = ", ".join(str(p) for p in paths)
        _fail(_say(lazy_gettext("no JSON files in %(paths)s", paths=names)))
    registry = current_app.extensions["sob"].registry
    outcomes = []
    for path in files:
        outcome = check_file(db.session, registry, path)
        outcomes.append(outcome)
        if not as_json:
            click.echo(_line(outcome))
    with force_locale(cli_language()):
        ranked = rank(outcomes, _label)
        reasons = {id(o): translate_error(o.error) for o in outcomes if o.error is not None}
        features = {id(o): sorted({_label(p) for p in o.features}) for o in outcomes}
    imported = sum(outcome.imported for outcome in outcomes)
    if as_json:
        click.echo(
            json.dumps(_report(outcomes, ranked, reasons, features), ensure_ascii=False, indent=2)
        )
    else:
        _summary(imported, len(outcomes), sum(o.crash is not None for o in outcomes), ranked)
    sys.exit(0 if imported == len(outcomes) else 1)


def _line(outcome: Any) -> str:
    with force_locale(cli_language()):
        if outcome.imported:
            return str(
                lazy_gettext(
                    "%(path)s: imports as %(key)s (%(count)s questions)",
                    path=str(outcome.path),
                    key=outcome.key,
                    count=outcome.questions,
                )
            )
        if outcome.crash is not None:
            return str(
                lazy_gettext(
                    "%(path)s: CRASHED (a bug in sob): %(detail)s",
                    path=str(outcome.path),
                    detail=" ".join(outcome.crash.split()),
                )
            )
        reason = " ".join(translate_error(outcome.error).split())
        return str(
            lazy_gettext("%(path)s: refused: %(reason)s", path=str(outcome.path), reason=reason)
        )


def _summary(imported: int, total: int, crashed: int, ranked: list[Any]) -> None:
    click.echo(
        _say(lazy_gettext("%(imported)s of %(total)s files import", imported=imported, total=total))
    )
    if crashed:
        click.echo(_say(lazy_gettext("%(count)s files crashed the import", count=crashed)))
    if not ranked:
        return
    click.echo(_say(lazy_gettext("Refused by (files; files it alone refuses):")))
    for name, entry in ranked:
        click.echo(f"  {entry.files:4d} {entry.alone:4d}  {' '.join(name.split())}")


def _label(error: Any, params: dict[str, str] | None = None) -> str:
    """A feature in the command's language (inside ``force_locale``): the message, item left out."""
    from ..interchange.fhir.checking import feature_params

    params = feature_params(error) if params is None else params
    return " ".join(gettext(error.template, **params).split())


def _report(
    outcomes: list[Any],
    ranked: list[Any],
    reasons: dict[int, str],
    features: dict[int, list[str]],
) -> dict[str, Any]:
    files = []
    for outcome in outcomes:
        row: dict[str, Any] = {"path": str(outcome.path), "imported": outcome.imported}
        if outcome.imported:
            row.update(key=outcome.key, questions=outcome.questions)
        elif outcome.crash is not None:
            row["crash"] = outcome.crash
        else:
            row["reason"] = reasons[id(outcome)]
            row["features"] = features[id(outcome)]
        files.append(row)
    return {
        "imported": sum(o.imported for o in outcomes),
        "total": len(outcomes),
        "crashed": sum(o.crash is not None for o in outcomes),
        "files": files,
        "features": [
            {
                "feature": name,
                "code": entry.error.code,
                "files": entry.files,
                "alone": entry.alone,
            }
            for name, entry in ranked
        ],
    }
