"""The pages under concurrent load: gunicorn on PostgreSQL, 1, 8 and 32 clients, one table.

Each endpoint is measured at each concurrency beside the bare Flask endpoint served by the same
gunicorn configuration in the same run; the table gives requests per second, p50/p95/p99, errors,
SQL statements per request (from the benchmark-only ``X-Sob-Statements`` header) and the ratio of
the endpoint's requests per second to the bare endpoint's at the same concurrency.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import loadgen
import server
from loadgen import Cell, Client, Operation, Sample

STAFF = "SE2321000131-P000000000011"  # Tommy Skjulsvik, therapist at the demo's first unit
CITIZEN = "198503142393"  # John Doe


@dataclass
class Endpoint:
    name: str
    path: str
    who: str  # "staff", "citizen", "anonymous" or "bare"
    operation: Operation
    cells: list[Cell] = field(default_factory=list)


async def sign_in(port: int, audience: str, identifier: str, unit_id: int | None) -> Client:
    client = Client(port)
    page = await client.get_ok(f"/auth/demo/?audience={audience}")
    await client.post_form("/auth/demo/", page.text, identifier=identifier, audience=audience)
    if unit_id is not None:
        page = await client.get_ok("/staff/unit")
        await client.post_form("/staff/unit", page.text, care_unit=unit_id)
    return client


def login_operation() -> Operation:
    """A citizen's sign-in: the form (untimed) in a fresh browser, then the timed POST."""

    async def operation(client: Client) -> Sample:
        client.cookies.clear()
        page = await client.request("GET", "/auth/demo/?audience=citizen")
        match = loadgen.CSRF_RE.search(page.text)
        if page.status != 200 or not match:
            return Sample(0.0, False)
        return await loadgen.timed(
            client,
            "POST",
            "/auth/demo/",
            expect=(302, 303),
            csrf_token=match.group(1),
            identifier=CITIZEN,
            audience="citizen",
        )

    return operation


def form_operation(assignments: list[int]) -> Operation:
    """A citizen submits a PHQ-9 (scored on submit): the form page untimed, the POST timed."""

    async def operation(client: Client) -> Sample:
        if not assignments:
            return Sample(0.0, False)
        path = f"/citizen/forms/{assignments.pop()}"
        page = await client.request("GET", path)
        if page.status != 200:
            return Sample(0.0, False)
        fields = loadgen.form_fields(page.text)
        return await loadgen.timed(
            client, "POST", path, expect=(302, 303), **fields, action="submit"
        )

    return operation


def open_phq9_assignments(app, enrollment_id: int, count: int) -> list[int]:
    """``count`` open PHQ-9 assignments for John Doe's benchmark enrollment, to submit."""
    from sqlalchemy import insert, select

    from sob_core.extensions import db
    from sob_core.models import Enrollment, Form, FormAssignment

    with app.app_context():
        citizen_id = db.session.scalar(
            select(Enrollment.citizen_id).where(Enrollment.id == enrollment_id)
        )
        form = db.session.scalar(select(Form).where(Form.key == "phq-9"))
        assert citizen_id is not None and form is not None, "the data set lacks John's PHQ-9"
        rows = [
            {
                "citizen_id": citizen_id,
                "enrollment_id": enrollment_id,
                "form_version_id": form.latest.id,
                "status": "open",
            }
            for _ in range(count)
        ]
        ids = list(db.session.scalars(insert(FormAssignment).returning(FormAssignment.id), rows))
        db.session.commit()
        db.session.remove()
    return ids


def endpoints(built, overview: str, assignments: list[int]) -> list[Endpoint]:
    enrollment = built.patient_enrollment_id
    pages = [
        ("patient list (Alla, page 1)", "/staff/patients?view=all", "staff"),
        ("patient list (Mina, by last active)", "/staff/patients?view=mine&sort=active", "staff"),
        ("patient page (Hantera)", f"/staff/patients/{enrollment}", "staff"),
        ("messages tab", f"/staff/patients/{enrollment}/messages", "staff"),
        ("flag list (staff start page)", "/staff/", "staff"),
        ("citizen overview", overview, "citizen"),
    ]
    found = [Endpoint(n, p, w, loadgen.get(p)) for n, p, w in pages]
    found.append(
        Endpoint(
            "form submission (PHQ-9, scored)",
            "POST /citizen/forms/<id>",
            "citizen",
            form_operation(assignments),
        )
    )
    found.append(
        Endpoint("login (demo provider)", "POST /auth/demo/", "anonymous", login_operation())
    )
    return found


async def measure_all(
    port: int,
    built,
    found: list[Endpoint],
    levels: list[int],
    requests: int,
    warmup: int,
) -> None:
    most = max(levels)
    staff = [await sign_in(port, "staff", STAFF, built.unit_id) for _ in range(most)]
    citizens = [await sign_in(port, "citizen", CITIZEN, None) for _ in range(most)]
    anonymous = [Client(port) for _ in range(most)]
    pools = {"staff": staff, "citizen": citizens, "anonymous": anonymous}
    for endpoint in found:
        for level in levels:
            clients = pools[endpoint.who][:level]
            endpoint.cells.append(await loadgen.run(clients, endpoint.operation, requests, warmup))
    for client in staff + citizens + anonymous:
        await client.close()


async def measure_bare(port: int, levels: list[int], requests: int, warmup: int) -> Endpoint:
    bare = Endpoint('bare Flask ("ok")', "/", "bare", loadgen.get("/"))
    clients = [Client(port) for _ in range(max(levels))]
    for level in levels:
        bare.cells.append(await loadgen.run(clients[:level], bare.operation, requests, warmup))
    for client in clients:
        await client.close()
    return bare


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}"


def table(bare: Endpoint, found: list[Endpoint]) -> str:
    header = (
        f"{'endpoint':<36} {'clients':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'SQL/req':>7} {'% bare':>7}"
    )
    lines = [header, "-" * len(header)]
    for endpoint in [bare, *found]:
        for cell, base in zip(endpoint.cells, bare.cells, strict=True):
            ratio = 100 * cell.rps / base.rps if base.rps else 0.0
            statements = "–" if cell.statements is None else str(cell.statements)
            lines.append(
                f"{endpoint.name:<36} {cell.concurrency:>7} {cell.rps:>8.1f} "
                f"{_ms(cell.percentile(0.5)):>7} {_ms(cell.percentile(0.95)):>7} "
                f"{_ms(cell.percentile(0.99)):>7} {cell.errors:>6} {statements:>7} "
                f"{ratio:>6.0f}%"
            )
    notes = [f"  {e.name}: {e.path}" for e in found]
    return "\n".join(lines + ["", "paths:"] + notes)


def run(
    app,
    built,
    url: str,
    instance: Path,
    levels: list[int],
    requests: int,
    warmup: int,
    has_route: Callable[[Any, str], bool],
) -> None:
    """Measure and print the table, start-up time and worker memory."""
    environment = server.app_environment(url, instance)
    overview = f"/citizen/programs/{built.citizen_enrollment_id}"
    if not has_route(app, overview):
        overview = "/citizen/"
    forms_needed = (requests + warmup * max(levels)) * len(levels)
    assignments = open_phq9_assignments(app, built.citizen_enrollment_id, forms_needed)
    print(f"load average before: {server.load_average()}")
    started = server.startup_seconds(environment)
    print(f"app start-up with all plugins: {started:.2f} s (target < 1.5 s)")
    with server.gunicorn("bare:app", environment) as (port, _master):
        bare = asyncio.run(measure_bare(port, levels, requests, warmup))
    found = endpoints(built, overview, assignments)
    with server.gunicorn("app:app", environment) as (port, master):
        asyncio.run(measure_all(port, built, found, levels, requests, warmup))
        memory = server.worker_rss_mb(master)
    print()
    print(
        f"{requests} timed requests per endpoint and concurrency after {warmup} warm-up requests "
        f"per client; gunicorn --workers {server.WORKERS} --worker-class {server.WORKER_CLASS} "
        f"on 127.0.0.1; load average after: {server.load_average()}"
    )
    print(table(bare, found))
    print()
    if memory:
        print(
            f"RSS per gunicorn worker at steady state: {statistics.median(memory):.0f} MB median, "
            f"{max(memory):.0f} MB max over {len(memory)} workers (target < 150 MB)"
        )
