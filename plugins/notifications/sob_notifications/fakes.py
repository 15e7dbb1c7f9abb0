"""Local stand-ins for the providers the channels talk to, for tests (never used in service).

``FakeElks`` is a small HTTP server that speaks the part of 46elks' API the SMS channel uses
(``POST /a1/sms`` with Basic auth, a JSON answer with ``id`` and ``status``): the real gateway
cannot be reached from a test. ``hold()`` makes it keep the next request waiting until
``release()``, so a test can kill the sender in the middle of a delivery; a request whose
sender is gone by then is dropped, as a gateway drops a request it never finished receiving.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

USERNAME = "u-test"
PASSWORD = "p-test"  # noqa: S105  (the stand-in's own test credential)


@dataclass
class Sms:
    id: str
    fields: dict[str, str]


@dataclass
class FakeElks:
    username: str = USERNAME
    password: str = PASSWORD
    accepted: list[Sms] = field(default_factory=list)
    dropped: int = 0
    refuse_with: int | None = None  # answer every request with this HTTP status
    arrived: threading.Event = field(default_factory=threading.Event)
    settled: threading.Event = field(default_factory=threading.Event)  # a held request is done
    _hold: threading.Event | None = None  # the next request waits for this
    _held: threading.Event | None = None  # the request waiting now
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/a1/sms"

    def hold(self) -> None:
        self._hold = threading.Event()
        self.arrived.clear()
        self.settled.clear()

    def release(self) -> None:
        for event in (self._hold, self._held):
            if event is not None:
                event.set()

    def start(self) -> FakeElks:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def do_POST(self) -> None:
                if self.path != "/a1/sms":
                    self.send_error(404)
                    return
                expected = base64.b64encode(f"{fake.username}:{fake.password}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self.send_error(401)
                    return
                size = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(size).decode()).items()}
                fake.arrived.set()
                hold = fake._hold
                if hold is not None:
                    fake._hold, fake._held = None, hold
                    hold.wait(60)
                    gone = _peer_gone(self.connection)
                    if gone:
                        fake.dropped += 1
                        fake.settled.set()
                        return
                if fake.refuse_with is not None:
                    self.send_error(fake.refuse_with, "refused " + form.get("to", ""))
                    return
                missing = [k for k in ("from", "to", "message") if not form.get(k)]
                if missing:
                    self.send_error(400, f"Missing {missing[0]}")
                    return
                sms = Sms("s" + uuid.uuid4().hex, form)
                fake.accepted.append(sms)
                body = json.dumps(
                    {
                        "id": sms.id,
                        "status": "created",
                        "from": form["from"],
                        "to": form["to"],
                        "message": form["message"],
                        "direction": "outgoing",
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if hold is not None:
                    fake.settled.set()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _peer_gone(conn: socket.socket) -> bool:
    """Has the other end closed the connection (a killed process's socket is closed)?"""
    try:
        conn.setblocking(False)
        try:
            return conn.recv(1, socket.MSG_PEEK) == b""
        finally:
            conn.setblocking(True)
    except BlockingIOError:
        return False
    except OSError:
        return True
