"""The servers `make bench` measures: gunicorn as docs/operating.md recommends, on 127.0.0.1.

``gunicorn`` starts one (the sob app from ``app:app``, or the bare Flask app in ``bare.py``) on a
port of the benchmark's range and waits until it answers; ``worker_rss_mb`` reads each worker's
resident memory from /proc; ``startup_seconds`` times importing and creating the app with all its
plugins in a fresh interpreter.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PORTS = range(8100, 8200)
#: what docs/operating.md recommends for 2 cores (section "Performance")
WORKERS = 4
WORKER_CLASS = "sync"
SECRET = "benchmark-secret-key-not-for-production"  # noqa: S105 (loopback, fake data)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def app_environment(url: str, instance: Path) -> dict[str, str]:
    """The environment a gunicorn worker builds the benchmark's app from (``create_app()``)."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH"}
    environment = {k: v for k, v in os.environ.items() if k in keep}
    environment.update(
        SOB_SECRET_KEY=SECRET,  # noqa: S106
        DATABASE_URL=url,
        SOB_DEMO="1",
        SOB_ENV="development",
        SOB_QUEUE_PREFIX="sob-bench",
        SOB_BASE_URL="http://127.0.0.1",
        SOB_BENCH_COUNT_STATEMENTS="1",
        SOB_UPLOAD_DIR=str(instance / "uploads"),
        SOB_EXPORT_DIR=str(instance / "exports"),
    )
    redis = os.environ.get("SOB_BENCH_REDIS_URL")
    if redis:
        environment["REDIS_URL"] = redis
    return environment


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return conn.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


@contextmanager
def gunicorn(
    target: str, environment: dict[str, str], workers: int = WORKERS
) -> Iterator[tuple[int, int]]:
    """Serve ``target`` (``module:app``) with gunicorn; yields (port, master pid)."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--worker-class",
        WORKER_CLASS,
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "256",
        "--pythonpath",
        f"{ROOT},{HERE}",
        "--log-level",
        "warning",
        target,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=environment)
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {target} stopped with exit code {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {target} did not answer on port {port} in 60 s")
            time.sleep(0.1)
        _wait_for_workers(process.pid, workers)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_of(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(entry.name))
    return children


def _wait_for_workers(master: int, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(workers_of(master)) < count and time.monotonic() < deadline:
        time.sleep(0.1)


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each worker of a gunicorn master, in MB."""
    sizes = []
    for pid in workers_of(master):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def startup_seconds(environment: dict[str, str]) -> float:
    """Seconds a fresh interpreter takes to import sob and create the app with all plugins."""
    code = (
        "import time; started = time.perf_counter(); "
        "from sob_core.app import create_app; create_app(); "
        "print(time.perf_counter() - started)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
