"""`make bench` works: a small configuration builds its data set, measures and prints the table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_small_benchmark_prints_the_table(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SOB_BENCH_DATABASE_URL"}
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--enrollments",
        "2000",
        "--units",
        "20",
        "--requests",
        "50",
        "--output",
        str(tmp_path),
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "2000 enrollments across 20 care units" in out
    lines = out.splitlines()
    rows = {}
    for name in (
        'bare Flask ("ok")',
        "patient list (Alla, page 1)",
        "patient list (Mina, by last active)",
        "patient page (Hantera)",
        "citizen overview",
    ):
        found = [line for line in lines if line.startswith(name + " ")]
        assert found, out
        rows[name] = found[0]
        cells = found[0][len(name) :].split()
        assert float(cells[0]) > 0  # requests per second
        assert float(cells[1]) > 0 and float(cells[2]) >= float(cells[1])  # p50 <= p95
    # The pages report their SQL statement count per request; the bare endpoint has none.
    assert rows["patient list (Alla, page 1)"].split()[-1].isdigit()
    assert list(tmp_path.glob("bench-e2000-u20.*"))  # the data set is kept for the next run

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
