"""A small asyncio HTTP/1.1 load generator for `make bench`: keep-alive, cookies, N clients.

Each client is one browser: its own connection (kept open while the server allows; gunicorn's sync
workers close it after every response, so the client connects again, as a load balancer would) and
its own cookies. ``run`` lets ``concurrency`` clients repeat one operation until ``total`` timed
requests are done and collects latencies, errors and the server's ``X-Sob-Statements`` header.
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

STATEMENTS_HEADER = "x-sob-statements"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


class Client:
    """One browser against 127.0.0.1:``port``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, form: dict[str, Any] | None = None) -> Response:
        body = urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in (1, 2):
            reused = self.writer is not None
            if not reused:
                await self._connect()
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(raw)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed before answering")
            except (ConnectionError, OSError):
                await self.close()
                if reused and attempt == 1:
                    continue  # a kept connection the server had closed meanwhile: once more
                raise
            return await self._read(status_line)
        raise AssertionError("unreachable")

    async def _read(self, status_line: bytes) -> Response:
        assert self.reader is not None
        status = int(status_line.split()[1])
        headers: dict[str, list[str]] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"][0]))
        elif "chunked" in ",".join(headers.get("transfer-encoding", [])):
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            body = b"".join(chunks)
        else:
            body = await self.reader.read()
        if "close" in ",".join(headers.get("connection", [])).lower():
            await self.close()
        for header in headers.get("set-cookie", []):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Response(status, headers, body)

    async def get_ok(self, path: str) -> Response:
        response = await self.request("GET", path)
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {response.text[:300]}")
        return response

    async def post_form(self, path: str, page: str, **fields: Any) -> Response:
        match = CSRF_RE.search(page)
        if not match:
            raise RuntimeError(f"no CSRF token on the page before POST {path}")
        response = await self.request("POST", path, {"csrf_token": match.group(1), **fields})
        if response.status not in (302, 303):
            raise RuntimeError(f"POST {path} answered {response.status}: {response.text[:300]}")
        return response


class FormFields(HTMLParser):
    """The values a browser would send for a form page: hidden inputs, the first radio of each."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        found = dict(attrs)
        name, kind = found.get("name"), found.get("type", "text")
        if not name:
            return
        if kind == "hidden" or (kind == "radio" and name not in self.values):
            self.values[name] = found.get("value") or ""


def form_fields(page: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(page)
    return parser.values


@dataclass
class Sample:
    seconds: float
    ok: bool
    statements: int | None = None


@dataclass
class Cell:
    """One endpoint at one concurrency."""

    concurrency: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def latencies(self) -> list[float]:
        return sorted(s.seconds for s in self.samples if s.ok)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not s.ok)

    @property
    def rps(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = self.latencies
        if not ordered:
            return float("nan")
        return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] * 1000

    @property
    def statements(self) -> int | None:
        counts = [s.statements for s in self.samples if s.statements is not None]
        return round(statistics.median(counts)) if counts else None


Operation = Callable[[Client], Awaitable[Sample]]


async def timed(client: Client, method: str, path: str, expect: tuple[int, ...] = (200,), **form):
    """One timed request: a sample with the latency, success and statement count."""
    started = time.perf_counter()
    try:
        response = await client.request(method, path, form or None)
    except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError):
        return Sample(time.perf_counter() - started, False)
    seconds = time.perf_counter() - started
    counted = response.header(STATEMENTS_HEADER)
    return Sample(seconds, response.status in expect, int(counted) if counted else None)


def get(path: str) -> Operation:
    async def operation(client: Client) -> Sample:
        return await timed(client, "GET", path)

    return operation


async def run(clients: list[Client], operation: Operation, total: int, warmup: int) -> Cell:
    """``len(clients)`` clients repeat ``operation`` until ``total`` timed samples are taken."""
    for client in clients:
        for _ in range(warmup):
            await operation(client)
    remaining = total
    samples: list[Sample] = []

    async def worker(client: Client) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            samples.append(await operation(client))

    started = time.perf_counter()
    await asyncio.gather(*(worker(client) for client in clients))
    return Cell(len(clients), time.perf_counter() - started, samples)
