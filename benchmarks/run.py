"""`make bench`: patient list, patient page, messages tab, start page, citizen overview, at scale;
then the follow-up tick at two sizes and a week of reminders through RQ workers (followup.py).

Generates (or reuses) a data set of 60,000 enrollments across 300 care units, serves the app
through a real HTTP server on 127.0.0.1 (werkzeug in a thread), signs in through the demo
provider and measures requests per second and p50/p95 latency of each page with keep-alive
requests, beside a bare Flask endpoint measured the same way in the same run. Also prints the
number of SQL statements one request of each page makes. Nothing leaves the loopback interface.

    python benchmarks/run.py                       # the national scale
    python benchmarks/run.py --enrollments 2000 --units 20 --requests 50 --parts pages  # quick
    python benchmarks/run.py --parts tick,week     # only the follow-up (see followup.py)

SOB_BENCH_DATABASE_URL=postgresql+psycopg://... runs on PostgreSQL instead of a SQLite file under
benchmarks/output/ (the database is emptied and filled; never point it at real data).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for `dataset`, when run as a script

from dataset import Built, Plan, build  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STAFF = "SE2321000131-P000000000011"  # Tommy Skjulsvik, therapist at the demo's first unit
CITIZEN = "198503142393"  # John Doe


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


# --- a tiny HTTP client with cookies -------------------------------------------------------------


class Browser:
    """Keep-alive HTTP/1.1 requests to one loopback port, carrying cookies like a browser."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None
    ) -> tuple[int, str]:
        headers = {"Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, data.decode("utf-8", "replace")

    def get_ok(self, path: str) -> str:
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:500]}")
        return body

    def post_form(self, path: str, page: str, **fields: Any) -> int:
        match = CSRF_RE.search(page)
        if not match:
            raise RuntimeError(f"no CSRF token on the page before POST {path}")
        status, body = self.request("POST", path, {"csrf_token": match.group(1), **fields})
        if status not in (302, 303):
            raise RuntimeError(f"POST {path} answered {status}: {body[:500]}")
        return status

    def close(self) -> None:
        self.connection.close()


def sign_in(port: int, audience: str, identifier: str, unit_id: int | None = None) -> Browser:
    browser = Browser(port)
    page = browser.get_ok(f"/auth/demo/?audience={audience}")
    browser.post_form("/auth/demo/", page, identifier=identifier, audience=audience)
    if unit_id is not None:
        page = browser.get_ok("/staff/unit")
        browser.post_form("/staff/unit", page, care_unit=unit_id)
    return browser


@contextmanager
def serving(wsgi_app) -> Iterator[int]:
    """Serve a WSGI app on 127.0.0.1 (a free port) in a thread; yields the port."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class KeepAliveHandler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log(self, type: str, message: str, *args: Any) -> None:
            if type == "error":
                super().log(type, message, *args)

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=False, request_handler=KeepAliveHandler)
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str
    path: str
    requests: int
    seconds: float
    latencies: list[float]
    statements: int | None = None
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else float("inf")

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        index = max(0, math.ceil(fraction * len(ordered)) - 1)
        return ordered[index] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


def measure(
    name: str, browser: Browser, path: str, requests: int, warmup: int, note: str = ""
) -> Measurement:
    for _ in range(warmup):
        browser.get_ok(path)
    latencies = []
    started = time.perf_counter()
    for _ in range(requests):
        before = time.perf_counter()
        status, body = browser.request("GET", path)
        latencies.append(time.perf_counter() - before)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:500]}")
    seconds = time.perf_counter() - started
    return Measurement(name, path, requests, seconds, latencies, note=note)


class StatementCounter:
    """Counts SQL statements sent to the database (each executemany counts once)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1

    def during(self, action: Callable[[], Any]) -> int:
        before = self.count
        action()
        return self.count - before


def bare_app():
    from flask import Flask

    bare = Flask("bare")

    @bare.route("/")
    def ok() -> str:
        return "ok"

    return bare


def has_route(app, path: str) -> bool:
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    try:
        app.url_map.bind("127.0.0.1").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    return True


def table(measurements: list[Measurement]) -> str:
    bare = measurements[0]
    header = (
        f"{'endpoint':<38} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'× bare (req/s)':>15} {'SQL/request':>12}"
    )
    lines = [header, "-" * len(header)]
    for m in measurements:
        ratio = bare.rps / m.rps if m.rps else float("inf")
        statements = "–" if m.statements is None else str(m.statements)
        lines.append(
            f"{m.name:<38} {m.rps:>8.1f} {m.p50:>8.2f} {m.p95:>8.2f} "
            f"{ratio:>14.1f}× {statements:>12}"
        )
    notes = [f"  {m.name}: {m.path}{' — ' + m.note if m.note else ''}" for m in measurements]
    return "\n".join(lines + ["", "paths:"] + notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enrollments", type=int, default=60_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
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
    if "pages" in parts:
        if args.units < 2 or args.enrollments < args.units:
            parser.error("need at least 2 units and one enrollment per unit")
        pages(args)
    return followup.run(args, parts & {"tick", "week"})


def pages(args: argparse.Namespace) -> None:
    """The pages at scale: patient list, patient page, messages tab, start page, citizen overview."""
    plan = Plan(enrollments=args.enrollments, units=args.units)
    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("SOB_BENCH_DATABASE_URL")
    stem = f"bench-e{plan.enrollments}-u{plan.units}"
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        stem = "pg-" + hashlib.sha256(url.encode()).hexdigest()[:12] + f"-{stem}"
        ensure_postgres_database(url)
    else:
        url = f"sqlite:///{output / (stem + '.sqlite3')}"
    meta_path = output / f"{stem}.json"

    from sob_core.app import create_app
    from sob_core.extensions import db

    app = create_app(app_config(url, output))
    with app.app_context():
        built, build_seconds, reused = prepare(plan, url, meta_path, args.rebuild)
        engine = db.engine
    where = "PostgreSQL" if url.startswith("postgresql") else url.removeprefix("sqlite:///")
    print(f"data set: {plan.enrollments} enrollments across {plan.units} care units ({where})")
    if reused:
        print("  reused the data set built earlier with the same size")
    else:
        rows = sum(built.counts.values())
        print(f"  built in {build_seconds:.1f} s: {rows} rows")
        print("  " + ", ".join(f"{k} {v}" for k, v in built.counts.items()))

    counter = StatementCounter(engine)
    overview = f"/citizen/programs/{built.citizen_enrollment_id}"
    overview_note = ""
    if not has_route(app, overview):
        overview_note = "/citizen/programs/<id> does not exist yet: measured the start page"
        overview = "/citizen/"
    pages = [
        ("patient list (Alla, page 1)", "/staff/patients?view=all", "staff"),
        ("patient list (Mina, by last active)", "/staff/patients?view=mine&sort=active", "staff"),
        ("patient page (Hantera)", f"/staff/patients/{built.patient_enrollment_id}", "staff"),
        (
            "patient page (Meddelanden)",
            f"/staff/patients/{built.patient_enrollment_id}/messages",
            "staff",
        ),
        ("staff start page (unread messages)", "/staff/", "staff"),
        ("citizen overview", overview, "citizen"),
    ]
    results: list[Measurement] = []
    with serving(bare_app()) as port:
        browser = Browser(port)
        results.append(measure('bare Flask ("ok")', browser, "/", args.requests, args.warmup))
        browser.close()
    with serving(app) as port:
        staff = sign_in(port, "staff", STAFF, unit_id=built.unit_id)
        citizen = sign_in(port, "citizen", CITIZEN)
        for name, path, who in pages:
            browser = staff if who == "staff" else citizen
            note = overview_note if who == "citizen" else ""
            measurement = measure(name, browser, path, args.requests, args.warmup, note)
            measurement.statements = counter.during(lambda b=browser, p=path: b.get_ok(p))
            results.append(measurement)
        staff.close()
        citizen.close()
    print()
    print(
        f"{args.requests} keep-alive requests per endpoint after {args.warmup} warm-up requests, "
        "one client, werkzeug server on 127.0.0.1"
    )
    print(table(results))


if __name__ == "__main__":
    raise SystemExit(main())
