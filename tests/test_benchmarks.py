"""`make bench` works: a small configuration builds its data set, measures and prints the table;
the follow-up benchmarks (the tick at two sizes, a week of reminders through an RQ worker into a
local SMTP server) run in a small form too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench_database(tmp_path) -> str:
    """The test's PostgreSQL (a database of its own beside it), else a SQLite file."""
    base = os.environ.get("SOB_TEST_DATABASE_URL")
    if not base:
        return "sqlite"
    from sqlalchemy.engine import make_url

    url = make_url(base)
    return url.set(database=f"{url.database}_pages").render_as_string(hide_password=False)


def test_a_small_benchmark_prints_the_table(tmp_path):
    env = {**os.environ, "SOB_BENCH_DATABASE_URL": _bench_database(tmp_path)}
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--enrollments",
        "200",
        "--units",
        "4",
        "--requests",
        "20",
        "--clients",
        "1,4",
        "--output",
        str(tmp_path),
        "--parts",
        "pages",
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "200 enrollments across 4 care units" in out
    lines = out.splitlines()
    for name in (
        'bare Flask ("ok")',
        "patient list (Alla, page 1)",
        "patient list (Mina, by last active)",
        "patient page (Hantera)",
        "messages tab",
        "flag list (staff start page)",
        "citizen overview",
        "form submission (PHQ-9, scored)",
        "login (demo provider)",
    ):
        found = [line[len(name) :].split() for line in lines if line.startswith(name + " ")]
        assert [cells[0] for cells in found] == ["1", "4"], out  # one row per concurrency
        for cells in found:
            clients, rps, p50, p95, p99, errors, statements, ratio = cells
            assert float(rps) > 0
            assert float(p50) <= float(p95) <= float(p99)
            assert errors == "0", out
            assert ratio.endswith("%")
            # the pages report their SQL statements per request; the bare endpoint has none
            assert statements.isdigit() if name != 'bare Flask ("ok")' else statements == "–"
    assert "app start-up with all plugins:" in out
    assert "RSS per gunicorn worker at steady state:" in out
    assert list(tmp_path.glob("*bench-e200-u4.json"))  # the data set is kept for the next run

    again = subprocess.run(
        command + ["--requests", "5", "--warmup", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reused the data set" in again.stdout


def test_an_unreachable_postgresql_is_named_with_what_to_do(tmp_path):
    env = {**os.environ, "SOB_BENCH_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--output", str(tmp_path)]
    done = subprocess.run(
        command + ["--parts", "pages"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "does not answer" in done.stderr and "SOB_BENCH_DATABASE_URL" in done.stderr


REDIS_URL = os.environ.get("SOB_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_answers(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    conn = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        return bool(conn.ping())
    except (RedisError, OSError):
        return False
    finally:
        conn.close()


def _row(out: str, name: str) -> list[str]:
    found = [line for line in out.splitlines() if line.startswith(name + " ")]
    assert found, out
    return found[0][len(name) :].split()


def test_the_follow_up_benchmarks_print_the_ratio_and_the_week(tmp_path):
    """The tick at 30 and 90 enrollments does the same work (6 to open, 2 to mark missed) and
    prints the ratio; a week of 7 enrollments sends every reminder through one RQ worker to a
    real SMTP server, whose e-mails say only that a form waits."""
    env = {k: v for k, v in os.environ.items() if k != "SOB_BENCH_DATABASE_URL"}
    parts = "tick"
    if _redis_answers(REDIS_URL):
        parts = "tick,week"
        env["SOB_BENCH_REDIS_URL"] = REDIS_URL
    elif os.environ.get("SOB_REQUIRE_REDIS") == "1":
        raise AssertionError(f"Redis at {REDIS_URL} does not answer and SOB_REQUIRE_REDIS=1")
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "followup.py"),
        "--parts",
        parts,
        "--tick-sizes",
        "90,30",
        "--due",
        "6",
        "--expired",
        "2",
        "--repeats",
        "1",
        "--week-enrollments",
        "7",
        "--workers",
        "1",
        "--step-minutes",
        "60",
        "--week-timeout",
        "240",
        "--output",
        str(tmp_path),
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "30 enrollments" in out and "90 enrollments" in out
    tick = _row(out, "batteries.tick (until nothing is due)")
    assert tick[-1].endswith("×") and float(tick[-1].rstrip("×")) > 0
    work = [line.split()[-2:] for line in out.splitlines() if "work done (occurrences" in line]
    assert work[0] == ["8", "8"], out  # 6 opened and 2 missed, at both sizes
    assert int(work[1][0]) >= 8 and work[1][0] == work[1][1], out
    if "week" not in parts:
        return
    occurrences = [line for line in out.splitlines() if line.startswith("  occurrences: ")]
    statuses = dict(pair.rsplit(" ", 1) for pair in occurrences[0][15:].split(", "))
    assert sum(int(v) for k, v in statuses.items() if k != "planned") == 7, out  # all opened
    assert "all delivered after" in out, out
    received = [line for line in out.splitlines() if "received by the SMTP server" in line]
    count = int(received[0].split(":")[1].split()[0])
    sent = int(received[0].rsplit(" ", 1)[1].rstrip(")"))
    assert count == sent >= 7  # at least the reminder on opening, to each of the seven
    subjects = [line for line in out.splitlines() if line.startswith("  subjects received:")]
    texts = [line for line in out.splitlines() if line.startswith("  text of an e-mail")]
    assert subjects and "formulär" in subjects[0], out
    assert texts and "Logga in" in texts[0], out
    for secret in ("PHQ", "Veckomätning", "Uppföljning", "mätdata", "invanare"):
        assert secret not in subjects[0] + texts[0]
    assert not list(tmp_path.glob("followup-worker-*.log")) or "Traceback" not in "".join(
        log.read_text() for log in tmp_path.glob("followup-worker-*.log")
    )
