"""`make bench`, follow-up part: the tick at two sizes, and a week of reminders through RQ workers.

1. The tick's cost must grow with what is due, not with what exists: the same number of battery
   occurrences is due at 600 and at 60,000 enrollments (each enrollment with a running weekly
   battery), and ``sob_core.batteries.tick`` (until nothing is left to do) and the whole periodic
   job ``sob_core.jobs.tasks.followup`` are timed on each; the table gives the ratio (target
   <= 1.5).
2. A week of reminders for 60,000 enrollments: a simulated week (``now`` moved on a quarter of an
   hour at a time, as fast as the ticks go) opens every enrollment's weekly battery and sends its
   reminders (on opening, after 2 and after 5 days; nobody answers, the worst case); the e-mails
   are delivered by real RQ worker processes (``sob worker``) to a real local SMTP server
   (aiosmtpd, ``smtp_sink.py``). The time runs until the last e-mail has been delivered (target
   under 5 minutes on 2 cores).

    python benchmarks/followup.py                       # 600 and 60,000; the week of 60,000
    python benchmarks/followup.py --tick-sizes 60,600 --due 20 --expired 5 --week-enrollments 140

SOB_BENCH_DATABASE_URL=postgresql+psycopg://... runs on PostgreSQL: each data set goes in a
database of its own, named after that one with a suffix (``_tick600``, ``_week``), which is
emptied and filled. Without it the data sets are SQLite files under benchmarks/output/ (the week
then has its workers wait on SQLite's single writer). Redis: SOB_BENCH_REDIS_URL (default
redis://127.0.0.1:6379/0); the queues are named ``sob-bench-followup-<pid>-*`` and deleted after.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for `dataset`, `followup_data` and `run`, when run as a script

from autoanalyze import AutoAnalyze  # noqa: E402
from followup_data import FollowupBuilt, FollowupPlan, build, due_now, restore, table_ids  # noqa: E402

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
TARGET_RATIO = 1.5
TARGET_WEEK_SECONDS = 300
MAX_CALLS = 1000  # a tick called more often than this at one moment is not finishing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("follow-up")
    group.add_argument(
        "--tick-sizes",
        default="600,60000",
        help="enrollments of the two tick data sets, comma-separated (default 600,60000)",
    )
    group.add_argument("--due", type=int, default=300, help="occurrences due to open (each size)")
    group.add_argument(
        "--expired", type=int, default=100, help="open occurrences past expiry (each size)"
    )
    group.add_argument("--repeats", type=int, default=3, help="timed runs per size (median)")
    group.add_argument("--week-enrollments", type=int, default=60_000)
    group.add_argument("--workers", type=int, default=2, help="RQ worker processes for the week")
    group.add_argument("--step-minutes", type=int, default=15, help="simulated minutes per tick")
    group.add_argument(
        "--week-timeout", type=float, default=1800, help="give up waiting for the delivery after"
    )


# --- databases and apps --------------------------------------------------------------------------


def database_for(base: str | None, name: str, output: Path) -> str:
    """The database of one data set: ``<base database>_<name>`` on PostgreSQL, else a file."""
    if not base:
        return f"sqlite:///{output / f'followup-{name}.sqlite3'}"
    from run import ensure_postgres_database
    from sqlalchemy.engine import make_url

    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base.removeprefix("postgresql://")
    url = make_url(base)
    url = url.set(database=f"{url.database}_{name}")
    rendered = url.render_as_string(hide_password=False)
    ensure_postgres_database(rendered)
    return rendered


def make_app(url: str, output: Path, **extra: Any):
    from run import app_config

    from sob_core.app import create_app

    return create_app({**app_config(url, output), **extra})


def fresh(app, plan: FollowupPlan, now: datetime) -> tuple[FollowupBuilt, float]:
    """Empty the app's database and build the data set on the demo set. (built, seconds)"""
    from flask_migrate import upgrade
    from run import _empty_database

    from sob_core import demo
    from sob_core.extensions import db

    started = time.perf_counter()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        db.engine.dispose()
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        _empty_database(db)
    upgrade()
    demo.load(db.session, app.extensions["sob"])
    db.session.commit()
    db.session.remove()
    schema_seconds = time.perf_counter() - started
    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous = OFF")
        else:
            skip_foreign_key_triggers(conn)
        built = build(conn, plan, now)
    built.seconds = {"schema and demo": schema_seconds}
    built.seconds["rows"] = time.perf_counter() - started - schema_seconds
    db.engine.dispose()
    if url.startswith("sqlite:///"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    built.seconds["analyze"] = time.perf_counter() - started - sum(built.seconds.values())
    return built, time.perf_counter() - started


def skip_foreign_key_triggers(conn) -> None:
    """PostgreSQL checks each row's foreign keys with a trigger; the data set is consistent by
    construction, so a superuser's load skips them for this transaction (others just wait)."""
    from sqlalchemy.exc import DBAPIError

    try:
        with conn.begin_nested():
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except DBAPIError:
        pass


def redis_reachable(url: str) -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except Exception:
        return False


def delete_queues(app) -> None:
    """Delete the benchmark's RQ queues, registries and jobs (its keys carry the queue prefix)."""
    from rq import Queue
    from rq.registry import FailedJobRegistry

    from sob_core.jobs import redis_connection

    conn = redis_connection(app)
    if conn is None:
        return
    prefix = app.config["SOB_QUEUE_PREFIX"]
    for name in app.extensions["sob_jobs"]["queues"]:
        failed = FailedJobRegistry(name, connection=conn).get_job_ids()
        if failed:
            conn.delete(*(f"rq:job:{job_id}" for job_id in failed))
        Queue(name, connection=conn).delete(delete_jobs=True)
    doomed = list(conn.scan_iter(match=f"*{prefix}-*"))
    if doomed:
        conn.delete(*doomed)


def queued(app) -> int:
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from sob_core.jobs import redis_connection

    conn = redis_connection(app)
    total = 0
    for name in app.extensions["sob_jobs"]["queues"]:
        queue = Queue(name, connection=conn)
        total += queue.count + len(StartedJobRegistry(name, connection=conn))
    return total


# --- 1. the tick at two sizes --------------------------------------------------------------------


@dataclass
class TickRow:
    enrollments: int
    build_seconds: float = 0.0
    tick_ms: list[float] = field(default_factory=list)
    tick_done: int = 0
    tick_calls: int = 0
    tick_statements: int = 0
    followup_ms: list[float] = field(default_factory=list)
    followup_done: int = 0
    followup_statements: int = 0

    @property
    def tick(self) -> float:
        return statistics.median(self.tick_ms)

    @property
    def followup(self) -> float:
        return statistics.median(self.followup_ms)


def _check_due(engine, plan: FollowupPlan, now: datetime) -> dict[str, int]:
    with engine.connect() as conn:
        found = due_now(conn, now)
        before = table_ids(conn)
    if found != (plan.due, plan.expired):
        raise RuntimeError(
            f"expected {plan.due} occurrences due and {plan.expired} expired, found {found}"
        )
    return before


@dataclass
class TickSetup:
    """One size's data set and app, ready to be timed."""

    row: TickRow
    plan: FollowupPlan
    app: Any
    built: FollowupBuilt
    counter: Any


def tick_setup(size: int, args: argparse.Namespace, base: str | None, redis: str | None):
    from counting import StatementCounter

    from sob_core.extensions import db
    from sob_core.models._types import utcnow

    plan = FollowupPlan(enrollments=size, layout="tick", due=args.due, expired=args.expired)
    url = database_for(base, f"tick{size}", args.output)
    extra: dict[str, Any] = {"SOB_QUEUE_PREFIX": f"sob-bench-followup-{os.getpid()}"}
    if redis:
        extra["REDIS_URL"] = redis  # the e-mails of the reminders go to RQ, as in production
    app = make_app(url, args.output, **extra)
    row = TickRow(size)
    with app.app_context():
        built, row.build_seconds = fresh(app, plan, utcnow())
        counter = StatementCounter(db.engine)
        db.session.remove()
    return TickSetup(row, plan, app, built, counter)


def time_tick(setup: TickSetup) -> None:
    """``batteries.tick`` until it has nothing left at one moment (each call committed)."""
    from sob_core import batteries
    from sob_core.extensions import db
    from sob_core.models._types import utcnow

    row = setup.row
    with setup.app.app_context():
        now = utcnow()
        before = _check_due(db.engine, setup.plan, now)
        statements = setup.counter.count
        started = time.perf_counter()
        done = calls = 0
        while calls < MAX_CALLS:
            calls += 1
            count = batteries.tick(db.session, now)
            db.session.commit()
            done += count
            if not count:
                break
        row.tick_ms.append((time.perf_counter() - started) * 1000)
        row.tick_done, row.tick_calls = done, calls
        row.tick_statements = setup.counter.count - statements
        _undo(setup, before)


def time_followup(setup: TickSetup) -> None:
    """One run of the periodic job ``jobs.tasks.followup`` (batteries, reminders, flags)."""
    from sob_core.extensions import db
    from sob_core.jobs import tasks
    from sob_core.models._types import utcnow

    row = setup.row
    with setup.app.app_context():
        before = _check_due(db.engine, setup.plan, utcnow())
        statements = setup.counter.count
        started = time.perf_counter()
        row.followup_done = tasks.followup()
        row.followup_ms.append((time.perf_counter() - started) * 1000)
        row.followup_statements = setup.counter.count - statements
        _undo(setup, before)


def _undo(setup: TickSetup, before: dict[str, int]) -> None:
    from sob_core.extensions import db

    db.session.remove()
    with db.engine.begin() as conn:
        restore(conn, before, setup.built)
    delete_queues(setup.app)


def tick_sizes(
    sizes: list[int], args: argparse.Namespace, base: str | None, redis: str | None
) -> list[TickRow]:
    """Build every size first, then time them in turns (small, large, large, small, ...), so
    a change in the machine's load during the run falls on both sizes alike."""
    from sob_core.extensions import db

    setups = [tick_setup(size, args, base, redis) for size in sizes]
    try:
        for setup in setups:  # untimed: SQLAlchemy compiles each engine's statements once
            time_tick(setup)
            time_followup(setup)
            setup.row.tick_ms.clear()
            setup.row.followup_ms.clear()
        for repeat in range(args.repeats):
            turn = setups if repeat % 2 == 0 else setups[::-1]
            for setup in turn:
                time_tick(setup)
            for setup in turn[::-1]:
                time_followup(setup)
    finally:
        for setup in setups:
            with setup.app.app_context():
                db.session.remove()
                db.engine.dispose()
    return [setup.row for setup in setups]


def tick_table(rows: list[TickRow], args: argparse.Namespace) -> str:
    small, large = rows[0], rows[-1]
    head = (
        f"{'step':<44} {f'{small.enrollments} enrollments':>20} "
        f"{f'{large.enrollments} enrollments':>20} {'ratio':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, attr, done, statements in (
        ("batteries.tick (until nothing is due)", "tick", "tick_done", "tick_statements"),
        ("jobs.tasks.followup (one run)", "followup", "followup_done", "followup_statements"),
    ):
        a, b = getattr(small, attr), getattr(large, attr)
        ratio = b / a if a else float("inf")
        cells = [f"{getattr(r, attr):.1f} ms, {getattr(r, statements)} SQL" for r in (small, large)]
        lines.append(f"{name:<44} {cells[0]:>20} {cells[1]:>20} {ratio:>6.2f}×")
        lines.append(
            f"{'  work done (occurrences and reminders)':<44} "
            f"{getattr(small, done):>20} {getattr(large, done):>20}"
        )
        runs = [getattr(r, f"{attr}_ms") for r in (small, large)]
        lines.append(
            f"{'  each run (ms)':<44} "
            + " ".join(f"{', '.join(f'{ms:.0f}' for ms in each):>20}" for each in runs)
        )
    worst = max(
        (large.tick / small.tick) if small.tick else float("inf"),
        (large.followup / small.followup) if small.followup else float("inf"),
    )
    verdict = "met" if worst <= TARGET_RATIO else "NOT met"
    if not large.tick_done:
        verdict = "not measured (no work was done)"
    lines.append("")
    lines.append(
        f"median of {args.repeats} runs each after one untimed, the sizes in turns; {args.due} occurrences to open and {args.expired} "
        f"to mark missed at both sizes; target ratio <= {TARGET_RATIO}: {verdict}"
    )
    if not large.tick_done:
        lines.append("  batteries.tick did no work: is sob_core.batteries still the stub?")
    lines.append(
        "  build: " + ", ".join(f"{r.enrollments} in {r.build_seconds:.1f} s" for r in rows)
    )
    return "\n".join(lines)


# --- 2. a week of reminders through RQ workers ---------------------------------------------------


@dataclass
class WeekResult:
    enrollments: int
    workers: int
    build_seconds: float = 0.0
    ticks: int = 0
    producer_seconds: float = 0.0
    seconds: float = 0.0
    drained: bool = False
    simulated_days: float = 0.0
    received: int = 0
    kept: list[str] = field(default_factory=list)
    occurrences: dict[str, int] = field(default_factory=dict)
    reminders: dict[str, int] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)
    analysis: str = ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen(
        [sys.executable, str(HERE / "smtp_sink.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None
    line = sink.stdout.readline()
    if not line.startswith("listening"):
        sink.kill()
        raise RuntimeError(f"the SMTP sink did not start: {line!r}")
    return sink


def stop_sink(sink: subprocess.Popen) -> dict[str, Any]:
    sink.send_signal(signal.SIGTERM)
    out, _ = sink.communicate(timeout=30)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"received": 0, "kept": []}


def worker_command() -> list[str]:
    sob = Path(sys.executable).parent / "sob"
    if sob.exists():
        return [str(sob), "worker"]
    return [sys.executable, "-c", "from sob_core.cli import main; main()", "worker"]


def start_workers(count: int, environment: dict[str, str], log_dir: Path) -> list[Any]:
    workers = []
    for number in range(count):
        log = (log_dir / f"followup-worker-{number + 1}.log").open("w")
        process = subprocess.Popen(
            worker_command(), env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        workers.append((process, log))
    return workers


def stop_workers(workers: list[Any]) -> None:
    for process, _log in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # RQ's warm shutdown: finish the job, then stop
    for process, log in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _counts(conn, column, *where) -> dict[str, int]:
    from sqlalchemy import func, select

    query = select(column, func.count()).group_by(column)
    if where:
        query = query.where(*where)
    return {str(key): int(count) for key, count in conn.execute(query)}


def in_flight(engine) -> int:
    """Notifications not yet tried, or being sent now."""
    from sqlalchemy import func, or_, select

    from sob_core.extensions import db

    notification = db.metadata.tables["notification"]
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).where(
                    or_(
                        notification.c.status == "sending",
                        (notification.c.status == "pending") & (notification.c.attempts == 0),
                    )
                )
            )
            or 0
        )


def week(args: argparse.Namespace, base: str | None, redis: str) -> WeekResult:
    from run import app_config

    from sob_core import batteries, flags, reminders
    from sob_core.extensions import db
    from sob_core.models._types import utcnow

    enrollments = args.week_enrollments
    plan = FollowupPlan(enrollments=enrollments, layout="week", due=0, expired=0)
    url = database_for(base, "week", args.output)
    port = free_port()
    prefix = f"sob-bench-followup-{os.getpid()}"
    settings = {
        "REDIS_URL": redis,
        "SOB_QUEUE_PREFIX": prefix,
        "SOB_SMTP_HOST": "127.0.0.1",
        "SOB_SMTP_PORT": port,
    }
    app = make_app(url, args.output, **settings)
    result = WeekResult(enrollments, args.workers)
    start = utcnow().replace(second=0, microsecond=0)
    with app.app_context():
        built, result.build_seconds = fresh(app, plan, start)
        del built
        delete_queues(app)
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SOB_", "FLASK_"))},
            "SOB_SECRET_KEY": str(app_config(url, args.output)["SECRET_KEY"]),
            "DATABASE_URL": url,
            "SOB_ENV": "development",
            "SOB_BASE_URL": "http://127.0.0.1",
            **{k: str(v) for k, v in settings.items()},
        }
        sink = start_sink(port)
        workers = start_workers(args.workers, environment, args.output)
        host = app.extensions["sob"]
        config = dict(app.config)
        engine = db.engine
        analyser = AutoAnalyze.for_engine(engine)
        try:
            started = time.perf_counter()
            deadline = started + args.week_timeout

            def delivered() -> bool:
                """Wait until the workers have sent what was queued (False: out of time)."""
                while time.perf_counter() < deadline:
                    if not in_flight(engine) and not queued(app):
                        return True
                    if any(process.poll() is not None for process, _log in workers):
                        raise RuntimeError(f"an RQ worker stopped; see its log in {args.output}")
                    time.sleep(0.25)
                return False

            moment, end = start, start + timedelta(days=7)
            step = timedelta(minutes=args.step_minutes)
            day_ends = start + timedelta(days=1)
            while moment < end and time.perf_counter() < deadline:
                moment = min(moment + step, end)
                result.ticks += 1
                for _ in range(MAX_CALLS):
                    opened = batteries.tick(db.session, moment)
                    db.session.commit()
                    if not opened:
                        break
                for _ in range(MAX_CALLS):
                    sent = reminders.tick(db.session, moment, host.registry.channels, config)
                    db.session.commit()
                    if not sent:
                        break
                flags.tick(db.session, moment, config)
                db.session.commit()
                analyser.step()
                if moment >= day_ends:
                    # A simulated day is over: let the delivery catch up before the next one,
                    # or a reminder days later would merge into a notice still waiting in the
                    # queue (coalescing), which real time would have sent long before.
                    result.producer_seconds += time.perf_counter() - started
                    delivered()
                    result.producer_seconds -= time.perf_counter() - started
                    day_ends += timedelta(days=1)
            result.simulated_days = (moment - start).total_seconds() / 86400
            db.session.remove()
            result.producer_seconds += time.perf_counter() - started
            result.drained = moment >= end and delivered()
            result.seconds = time.perf_counter() - started
        finally:
            stop_workers(workers)
            report = stop_sink(sink)
            delete_queues(app)
        result.analysis = analyser.summary()
        result.received = int(report.get("received", 0))
        result.kept = list(report.get("kept", []))
        t = db.metadata.tables
        with engine.connect() as conn:
            occurrence, reminder = t["battery_occurrence"], t["reminder"]
            notification = t["notification"]
            result.occurrences = _counts(conn, occurrence.c.status)
            result.reminders = _counts(conn, reminder.c.status)
            result.notifications = _notification_counts(conn, notification)
        db.session.remove()
        db.engine.dispose()
    return result


def _notification_counts(conn, notification) -> dict[str, int]:
    from sqlalchemy import func, select

    query = select(notification.c.channel, notification.c.status, func.count()).group_by(
        notification.c.channel, notification.c.status
    )
    return {f"{channel} {status}": int(count) for channel, status, count in conn.execute(query)}


def week_report(result: WeekResult, args: argparse.Namespace) -> str:
    sent_mail = result.notifications.get("email sent", 0)
    all_mail = sum(v for k, v in result.notifications.items() if k.startswith("email "))
    verdict = "met" if result.drained and result.seconds < TARGET_WEEK_SECONDS else "NOT met"
    if not all_mail:
        verdict = "not measured (no e-mail was written)"
    rate = sent_mail / result.seconds if result.seconds else 0.0
    share = result.simulated_days / 7 if result.simulated_days else 0.0
    ticks_alone = result.producer_seconds / share if share else float("inf")
    week_mail = all_mail / share if share else 0.0
    delivery_alone = week_mail / rate if rate else float("inf")
    lines = [
        f"a week of reminders: {result.enrollments} enrollments, a weekly battery each, "
        f"reminders on opening and after 2 and 5 days, nobody answers",
        f"  {result.ticks} ticks (every {args.step_minutes} simulated minutes, "
        f"{result.simulated_days:.2f} of 7 days) taking {result.producer_seconds:.1f} s; "
        f"{result.workers} RQ worker processes (sob worker) delivering meanwhile, caught up at "
        "the end of each simulated day; SMTP server: aiosmtpd on 127.0.0.1",
        "  occurrences: " + _fmt(result.occurrences),
        "  reminders: " + _fmt(result.reminders),
        "  notifications: " + _fmt(result.notifications),
        f"  e-mails received by the SMTP server: {result.received} (sent according to the "
        f"outbox: {sent_mail})",
        f"  all delivered after {result.seconds:.1f} s ({rate:.1f} e-mails/s)"
        if result.drained
        else f"  NOT all delivered within --week-timeout: {sent_mail} of {all_mail} e-mails "
        f"written so far after {result.seconds:.1f} s, {result.simulated_days:.2f} of 7 days "
        f"simulated ({rate:.1f} e-mails/s). At these rates the week would take about "
        f"{max(ticks_alone, delivery_alone):.0f} s: the ticks alone {ticks_alone:.0f} s, "
        f"the delivery of about {week_mail:.0f} e-mails alone {delivery_alone:.0f} s",
        f"  target under {TARGET_WEEK_SECONDS} s on 2 cores: {verdict}",
        f"  build: {result.build_seconds:.1f} s (not timed)",
    ]
    if result.analysis:
        lines.append(result.analysis)
    subjects, texts = received_texts(result.kept)
    if subjects:
        lines.append("  subjects received: " + " | ".join(subjects))
        lines.append("  text of an e-mail received: " + texts[0])
    if not result.reminders:
        lines.append("  no reminders were written: is sob_core.reminders still the stub?")
    return "\n".join(lines)


def received_texts(kept: list[str]) -> tuple[list[str], list[str]]:
    """The distinct subjects and the plain texts (on one line) of the e-mails kept by the sink."""
    from email import message_from_string, policy

    subjects: list[str] = []
    texts: list[str] = []
    for raw in kept:
        mail = message_from_string(raw, policy=policy.default)
        subject = str(mail["Subject"] or "")
        if subject not in subjects:
            subjects.append(subject)
        body = mail.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
        texts.append(" ".join(body.get_content().split()) if body is not None else "")
    return subjects, texts


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


# --- running -------------------------------------------------------------------------------------


def run(args: argparse.Namespace, parts: set[str]) -> int:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    args.output.mkdir(parents=True, exist_ok=True)
    base = os.environ.get("SOB_BENCH_DATABASE_URL") or None
    redis = os.environ.get("SOB_BENCH_REDIS_URL") or DEFAULT_REDIS
    have_redis = redis_reachable(redis)
    where = "PostgreSQL" if base else "SQLite files in " + str(args.output)
    if "tick" in parts:
        sizes = sorted(int(size) for size in str(args.tick_sizes).split(","))
        if len(sizes) != 2 or sizes[0] < args.due + args.expired:
            raise SystemExit(
                "--tick-sizes: two sizes, each at least --due plus --expired enrollments"
            )
        rows = tick_sizes(sizes, args, base, redis if have_redis else None)
        print()
        print(f"follow-up tick on {where}" + ("" if have_redis else " (no Redis: jobs in-process)"))
        print(tick_table(rows, args))
    if "week" in parts:
        print()
        if not have_redis:
            print(f"a week of reminders: skipped, no Redis at {redis} (set SOB_BENCH_REDIS_URL)")
        else:
            result = week(args, base, redis)
            print(f"on {where}")
            print(week_report(result, args))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=HERE / "output", help="data set folder")
    parser.add_argument(
        "--parts", default="tick,week", help="which benchmarks: tick, week (comma-separated)"
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    if not parts <= {"tick", "week"}:
        parser.error("--parts: tick and/or week")
    return run(args, parts)


if __name__ == "__main__":
    started = datetime.now(UTC)
    code = main()
    print(f"\nfinished in {(datetime.now(UTC) - started).total_seconds():.0f} s")
    raise SystemExit(code)
