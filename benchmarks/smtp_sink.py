"""A local SMTP server (aiosmtpd) that accepts every message and counts them, for the benchmarks.

    python benchmarks/smtp_sink.py --port 2525 [--keep 5]

Prints ``listening on 127.0.0.1:PORT`` once it accepts connections and, when stopped (SIGTERM
or SIGINT), one JSON line ``{"received": N, "recipients": R, "kept": [...]}`` with the first
``--keep`` messages (for checking that they carry no health data). Runs in a process of its own
so that receiving does not compete with the benchmark's own process for the GIL.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any


class Counter:
    def __init__(self, keep: int) -> None:
        self.received = 0
        self.recipients = 0
        self.keep = keep
        self.kept: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received += 1
            self.recipients += len(envelope.rcpt_tos)
            if len(self.kept) < self.keep:
                content = envelope.content
                text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
                self.kept.append(text)
        return "250 OK"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keep", type=int, default=5, help="messages to print at the end")
    args = parser.parse_args(argv)

    from aiosmtpd.controller import Controller

    counter = Counter(args.keep)
    controller = Controller(counter, hostname="127.0.0.1", port=args.port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    controller.start()
    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        controller.stop()
    report = {"received": counter.received, "recipients": counter.recipients, "kept": counter.kept}
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
