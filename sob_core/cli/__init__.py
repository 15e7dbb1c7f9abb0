"""The `sob` command: a Flask CLI group (also reachable as `flask --app app ...`)."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def _create(*_args) -> Flask:
    from ..app import create_app

    return create_app()


#: what a database without sob's tables (or an older schema) answers, by dialect
_MISSING_SCHEMA = ("no such table", "no such column", "undefinedtable", "undefinedcolumn")


def schema_missing(error: BaseException) -> bool:
    """Whether a database error says a table or column is missing: `sob db upgrade` was not run."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if not isinstance(error, OperationalError | ProgrammingError):
        return False
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in ("42P01", "42703"):  # PostgreSQL (psycopg)
        return True
    text = f"{type(original).__name__} {original}".lower()
    return any(marker in text for marker in _MISSING_SCHEMA)


class SobGroup(FlaskGroup):
    """Flask's group, with one line instead of a traceback when the database is not upgraded."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as error:
            from ..config import ConfigurationError

            if isinstance(error, ConfigurationError):
                raise click.ClickException(str(error)) from None
            if not schema_missing(error):
                raise
            raise click.ClickException(
                "the database has no tables for this version of sob yet: run `sob db upgrade`"
            ) from None


@click.group(cls=SobGroup, create_app=_create, add_version_option=False)
def main() -> None:
    """sob: support and treatment programmes."""


def _own_commands() -> None:
    # On the group itself: `run` replaces Flask's (periodic jobs in-process without Redis), and
    # `schedule` needs no app (no database, no log lines before its one-line errors).
    from .periodic import run_command
    from .schedule import schedule_group

    main.add_command(run_command)
    main.add_command(schedule_group)


_own_commands()


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def plugins_command(as_json: bool) -> None:
    """List the loaded plugins with distribution, version and hooks."""
    host = current_app.extensions["sob"]
    rows = [
        {
            "name": p.name,
            "distribution": p.distribution,
            "version": p.version,
            "hooks": p.hooks,
            "provides": sorted(
                f"{kind}:{key}"
                for (kind, key), owner in host.registry.owners.items()
                if owner == p.name
            ),
        }
        for p in sorted(host.plugins.values(), key=lambda p: p.name)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max([len(r["name"]) for r in rows] + [6])
    click.echo(f"{'plugin':<{width}}  {'distribution':<18} {'version':<9} hooks")
    for r in rows:
        click.echo(
            f"{r['name']:<{width}}  {r['distribution']:<18} {r['version']:<9} {', '.join(r['hooks'])}"
        )
    disabled = current_app.config.get("SOB_DISABLED_PLUGINS") or []
    if disabled:
        click.echo(f"disabled: {', '.join(disabled)}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (repeatable: nothing is duplicated)."""
    from ..demo import loader
    from ..extensions import db

    report = loader.load(db.session, current_app.extensions["sob"])
    for reason in report.skipped:
        click.echo(f"skipped: {reason}", err=True)
    click.echo("demo data loaded: " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--fork",
    is_flag=True,
    help="Run each job in a forked child process (RQ's Worker) instead of in the worker itself.",
)
@with_appcontext
def worker_command(burst: bool, fork: bool) -> None:
    """Run an RQ worker with the app and its plugins loaded.

    By default each job runs in the worker process itself (RQ's SimpleWorker, with the app
    already loaded: about 0.08 s less per job than a fork); ``--fork`` isolates each job in a
    child process. Job timeouts work either way.
    """
    from rq import Worker

    from ..jobs import QUEUES, queue_name, redis_connection
    from ..jobs.worker import InProcessWorker

    conn = redis_connection(current_app)
    if conn is None:
        raise click.UsageError("REDIS_URL is not set: without Redis, jobs run in-process.")
    names = [queue_name(current_app, q) for q in QUEUES]
    worker_class = Worker if fork else InProcessWorker
    worker_class(names, connection=conn).work(burst=burst, with_scheduler=False)


@click.command("cron")
@click.option("--once", is_flag=True, help="Without Redis: run the periodic jobs once and stop.")
@with_appcontext
def cron_command(once: bool) -> None:
    """Run RQ's cron scheduler with the platform's periodic jobs.

    Run one or more: they elect a leader through a Redis lock with an expiry, only the leader
    queues the jobs, and a standby takes over within 30 seconds of the leader's death.
    Without REDIS_URL the periodic jobs run in this process instead, on the same intervals.
    """
    from ..jobs import queue_name, redis_connection, run
    from ..jobs.leader import Leader, LeaderCronScheduler, lock_key
    from ..jobs.tasks import PERIODIC

    conn = redis_connection(current_app)
    if conn is None:
        _cron_in_process(PERIODIC, once)
        return
    scheduler = LeaderCronScheduler(conn, Leader(conn, lock_key(current_app)))
    for func, queue, interval in PERIODIC:
        scheduler.register(
            run,
            queue_name(current_app, queue),
            args=(f"{func.__module__}.{func.__qualname__}",),
            interval=interval,
            name=func.__name__,
        )
    scheduler.start()


def _cron_in_process(periodic, once: bool) -> None:
    import time

    from ..extensions import db
    from ..jobs.leader import DatabaseLeader, lock_key

    last: dict[str, float] = {}
    leader = DatabaseLeader(db.engine, lock_key(current_app))
    try:
        while True:
            if leader.hold():
                _run_periodic(periodic, last)
            elif once:
                click.echo("another sob cron holds the lock: nothing done", err=True)
            else:
                last.clear()  # when it leads, it runs every job at once
            if once:
                return
            time.sleep(1)
    finally:
        leader.release()


def _run_periodic(periodic, last: dict[str, float]) -> None:
    """Call each periodic job whose interval has passed since ``last`` called it."""
    import time

    from ..extensions import db

    now = time.monotonic()
    for func, _queue, interval in periodic:
        if now - last.get(func.__name__, -interval) < interval:
            continue
        last[func.__name__] = now
        try:
            func()
        except Exception:  # logged; the next round tries again
            db.session.rollback()
            current_app.logger.exception("periodic job %s failed", func.__name__)


@click.command("score")
@click.argument("scale_id")
@click.option("--answers", required=True, help='Answers as JSON, e.g. {"1": 0, "2": 3}.')
@click.option("--context", default="{}", help='Context as JSON, e.g. {"sex": "female", "age": 34}.')
@with_appcontext
def score_command(scale_id: str, answers: str, context: str) -> None:
    """Score answers with a scale and print the result as JSON."""
    from .score import ScoringError, score_scale

    try:
        result = score_scale(
            current_app.extensions["sob"].registry.scales, scale_id, answers, context
        )
    except ScoringError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    click.echo(json.dumps(result, ensure_ascii=False))


scales_group = click.Group("scales", help="Rating scales and their licensed texts.")


@scales_group.command("import-texts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_texts_command(path: str) -> None:
    """Import a scale's licensed item texts from a text pack (see docs/operating.md)."""
    from pathlib import Path

    from ..extensions import db
    from ..interchange.text_packs import TextPackError, import_pack

    try:
        pack = import_pack(
            db.session, Path(path).read_bytes(), current_app.extensions["sob"].registry.scales
        )
    except TextPackError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(f"texts of {pack.scale_id} {pack.scale_version} imported: {', '.join(pack.data)}")


@scales_group.command("list")
@with_appcontext
def list_scales_command() -> None:
    """List installed scales and whether their texts are installed."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import ScaleTextPack

    packs = set(db.session.scalars(select(ScaleTextPack.scale_id)))
    for scale in sorted(current_app.extensions["sob"].registry.scales.values(), key=lambda s: s.id):
        state = (
            "texts installed" if scale.texts_shipped or scale.id in packs else "texts not installed"
        )
        click.echo(f"{scale.id:<20} {scale.version:<10} {state}")


@click.command("recompute")
@click.option("--form", "form_key", default=None, help="Only responses to this form key.")
@with_appcontext
def recompute_command(form_key: str | None) -> None:
    """Score every submitted response again (after a scale plugin was fixed).

    Fills in the responses whose scoring failed and clears their failure; those that fail again
    are named (their reason is in the log and on the staff's response page) and the exit code is 1.
    """
    from ..extensions import db
    from ..results.pipeline import failed_responses, recompute

    count = recompute(db.session, current_app.extensions["sob"], form_key)
    click.echo(f"recomputed {count} responses")
    failed = failed_responses(db.session, form_key=form_key)
    if failed:
        for response in failed:
            click.echo(
                f"scoring failed: response {response.id}: {response.scoring_error}", err=True
            )
        raise click.ClickException(f"{len(failed)} responses could not be scored")


def init_app(app: Flask) -> None:
    for command in (
        plugins_command,
        demo_command,
        worker_command,
        cron_command,
        score_command,
        scales_group,
        recompute_command,
    ):
        app.cli.add_command(command)
    from .fhir import forms_group
    from .migrations import MigrationsGroup
    from .programs import programs_group

    app.cli.add_command(MigrationsGroup())  # `sob db`, Flask-Migrate's (imported when used)
    app.cli.add_command(forms_group)
    app.cli.add_command(programs_group)
    auth_group = click.Group("auth", help="Commands of the login providers.")
    for key, provider in app.extensions["sob"].registry.login_providers.items():
        if provider.cli is not None:
            auth_group.add_command(provider.cli, key)
    if auth_group.commands:
        app.cli.add_command(auth_group)
