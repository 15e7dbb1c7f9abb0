"""`make bench`: patient list, patient page, messages tab, start page, citizen overview, at scale;
then the follow-up tick at two sizes and a week of reminders through RQ workers (followup.py).

Generates (or reuses) a data set of 60,000 enrollments across 300 care units, serves the app
through gunicorn on 127.0.0.1 with 1, 8 and 32 asyncio clients (pages.py), signs in through the demo
provider and measures requests per second and p50/p95 latency of each page with keep-alive
requests, beside a bare Flask endpoint measured the same way in the same run. Also prints the
number of SQL statements one request of each page makes. Nothing leaves the loopback interface.

    python benchmarks/run.py                       # the national scale
    python benchmarks/run.py --enrollments 2000 --units 20 --requests 50 --parts pages  # quick
    python benchmarks/run.py --parts tick,week     # only the follow-up (see followup.py)

SOB_BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/sob_bench, or `sqlite`
for a file under benchmarks/output/) is emptied and filled: never point it at real data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for `dataset`, when run as a script

from dataset import Built, Plan, build  # noqa: E402

# --- the data set --------------------------------------------------------------------------------


def app_config(url: str, instance: Path) -> dict[str, Any]:
    """The benchmark app's configuration, written by the one writer (``config.from_environment``)."""
    from sob_core.config import from_environment

    environment = {
        "SOB_SECRET_KEY": "benchmark-secret-key-not-for-production",
        "DATABASE_URL": url,
        "SOB_DEMO": "1",
        "SOB_ENV": "development",
        "SOB_QUEUE_PREFIX": "sob-bench",
        "SOB_BASE_URL": "http://127.0.0.1",
    }
    return {**from_environment(instance, environment), "SOB_IGNORE_ENVIRONMENT": True}


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{target.database}"')


def _empty_database(db) -> None:
    db.metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def schema_marker() -> list[str]:
    """The migrations the schema is built from: a new one means the kept data set is stale."""
    import sob_core

    versions = Path(sob_core.__file__).parent / "migrations" / "versions"
    return sorted(path.name for path in versions.glob("*.py"))


def prepare(plan: Plan, url: str, meta_path: Path, rebuild: bool) -> tuple[Built, float, bool]:
    """Reuse the data set when it was built with the same plan, else build it. Returns
    (what was built, seconds spent building, whether it was reused)."""
    from flask import current_app
    from flask_migrate import upgrade

    from sob_core import demo
    from sob_core.extensions import db

    if not rebuild and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        sqlite_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        same = meta.get("plan") == plan.key() and meta.get("schema") == schema_marker()
        if same and (sqlite_file is None or Path(sqlite_file).exists()):
            built = Built(**{k: meta["built"][k] for k in Built().as_dict()})
            return built, 0.0, True
    started = time.perf_counter()
    meta_path.unlink(missing_ok=True)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        _empty_database(db)
    upgrade()
    demo.load(db.session, current_app.extensions["sob"])
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous = OFF")
        built = build(conn, plan)
    db.engine.dispose()  # the measured connections start with the database's own settings
    if url.startswith("sqlite:///"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    seconds = time.perf_counter() - started
    meta = {"plan": plan.key(), "schema": schema_marker(), "built": built.as_dict()}
    meta_path.write_text(json.dumps(meta, indent=2))
    return built, seconds, False


def has_route(app, path: str) -> bool:
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    try:
        app.url_map.bind("127.0.0.1").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enrollments", type=int, default=60_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument(
        "--requests", type=int, default=400, help="timed requests per endpoint and concurrency"
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per client first")
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--output", type=Path, default=HERE / "output", help="data set folder")
    parser.add_argument("--rebuild", action="store_true", help="build the data set even if kept")
    parser.add_argument(
        "--parts",
        default="pages,tick,week",
        help="which benchmarks: pages, tick, week (comma-separated; default all)",
    )
    import followup

    followup.add_arguments(parser)
    args = parser.parse_args(argv)
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    if not parts <= {"pages", "tick", "week"}:
        parser.error("--parts: pages, tick and/or week")
    try:
        levels = [int(level) for level in args.clients.split(",")]
    except ValueError:
        parser.error("--clients: whole numbers separated by commas, like 1,8,32")
    if not levels or not all(1 <= level <= 64 for level in levels):
        parser.error("--clients: each 1-64")
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests at least 1, --warmup at least 0")
    if "pages" in parts:
        if args.units < 2 or args.enrollments < args.units:
            parser.error("need at least 2 units and one enrollment per unit")
        failed = pages(args)
        if failed:
            return failed
    return followup.run(args, parts & {"tick", "week"})


DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sob_bench"


def database_url(output: Path, stem: str) -> str:
    """SOB_BENCH_DATABASE_URL (default a local PostgreSQL); ``sqlite`` means a file in output."""
    url = os.environ.get("SOB_BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if url == "sqlite":
        return f"sqlite:///{output / (stem + '.sqlite3')}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def pages(args: argparse.Namespace) -> int:
    """The pages under load: gunicorn on PostgreSQL, 1, 8 and 32 clients (see pages.py)."""
    import pages as load

    plan = Plan(enrollments=args.enrollments, units=args.units)
    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)
    stem = f"bench-e{plan.enrollments}-u{plan.units}"
    url = database_url(output, stem)
    if url.startswith("postgresql"):
        stem = "pg-" + hashlib.sha256(url.encode()).hexdigest()[:12] + f"-{stem}"
        try:
            ensure_postgres_database(url)
        except Exception as error:  # psycopg.OperationalError and its kin: say what to do
            from sqlalchemy.engine import make_url

            shown = make_url(url).render_as_string(hide_password=True)
            print(
                f"PostgreSQL at {shown} does not answer ({type(error).__name__}: "
                f"{str(error).strip().splitlines()[0] if str(error).strip() else ''}).\n"
                "Start a local PostgreSQL (user postgres on 127.0.0.1:5432), or set "
                "SOB_BENCH_DATABASE_URL=postgresql+psycopg://user@host/db (or =sqlite).",
                file=sys.stderr,
            )
            return 2
    meta_path = output / f"{stem}.json"

    from sob_core.app import create_app

    app = create_app(app_config(url, output))
    with app.app_context():
        built, build_seconds, reused = prepare(plan, url, meta_path, args.rebuild)
    where = "PostgreSQL" if url.startswith("postgresql") else url.removeprefix("sqlite:///")
    print(f"data set: {plan.enrollments} enrollments across {plan.units} care units ({where})")
    if reused:
        print("  reused the data set built earlier with the same size")
    else:
        rows = sum(built.counts.values())
        print(f"  built in {build_seconds:.1f} s: {rows} rows")
        print("  " + ", ".join(f"{k} {v}" for k, v in built.counts.items()))
    levels = [int(level) for level in args.clients.split(",")]
    load.run(app, built, url, output, levels, args.requests, args.warmup, has_route)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
