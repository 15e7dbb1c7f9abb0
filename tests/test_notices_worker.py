"""Killing the worker or Redis in the middle of a delivery loses no notice and sends none twice.

A real ``sob worker`` process (RQ, real Redis) sends an SMS to a local stand-in for 46elks
(``sob_notifications.fakes.FakeElks``: the real gateway cannot be reached from here). The
stand-in holds the request; the test kills the worker's whole process group with SIGKILL while
it waits, as a crash or ``kill -9`` would. The gateway drops the request it never finished
receiving. Then the tick and a new worker deliver the notice: exactly one SMS, nothing lost.

Uses Redis database 13 (``SOB_TEST_REDIS_URL``); skipped without Redis unless
``SOB_REQUIRE_REDIS=1``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sob_notifications.fakes import PASSWORD, USERNAME, FakeElks
from sqlalchemy import select
from test_jobs import REDIS_URL, _redis_answers, clean_redis

from sob_core import notifications as notify
from sob_core.extensions import db
from sob_core.jobs import redis_connection, tasks
from sob_core.models import Citizen, NoticePreference, Notification, NotificationAttempt

NUMBER = "+46701234567"


@pytest.fixture(scope="module")
def redis_server() -> str:
    if not _redis_answers(REDIS_URL):
        reason = f"Redis at {REDIS_URL} does not answer"
        if os.environ.get("SOB_REQUIRE_REDIS") == "1":
            pytest.fail(f"{reason}, and SOB_REQUIRE_REDIS=1 requires it")
        pytest.skip(f"{reason} (set SOB_REQUIRE_REDIS=1 to fail instead of skipping)")
    return REDIS_URL


@pytest.fixture
def elks() -> Iterator[FakeElks]:
    fake = FakeElks().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def sob_config(redis_server: str, elks: FakeElks) -> dict[str, Any]:
    return {
        "REDIS_URL": redis_server,
        "SOB_QUEUE_PREFIX": f"sobtest-{uuid.uuid4().hex}",
        "SOB_46ELKS_API_URL": elks.url,
        "SOB_46ELKS_USERNAME": USERNAME,
        "SOB_46ELKS_PASSWORD": PASSWORD,
        "SOB_SMS_QUIET_HOURS": "off",
    }


@pytest.fixture(autouse=True)
def _own_keys(app) -> Iterator[None]:
    prefix = app.config["SOB_QUEUE_PREFIX"]
    conn = redis_connection(app)
    existed_before = set(conn.scan_iter(match="rq:clean*"))
    yield
    try:
        clean_redis(conn, prefix, existed_before)
    finally:
        conn.close()
        conn.connection_pool.disconnect()


def worker_environment(app) -> dict[str, str]:
    """What a deployed worker gets: the same database, Redis, queues, secret and gateway."""
    config = app.config
    env = {key: value for key, value in os.environ.items() if not key.startswith("SOB_")}
    env.update(
        DATABASE_URL=str(config["SQLALCHEMY_DATABASE_URI"]),
        REDIS_URL=config["REDIS_URL"],
        SOB_QUEUE_PREFIX=config["SOB_QUEUE_PREFIX"],
        SOB_SECRET_KEY=config["SECRET_KEY"],
        SOB_BASE_URL=config["SOB_BASE_URL"],
        SOB_ENV="development",
        SOB_46ELKS_API_URL=config["SOB_46ELKS_API_URL"],
        SOB_46ELKS_USERNAME=config["SOB_46ELKS_USERNAME"],
        SOB_46ELKS_PASSWORD=config["SOB_46ELKS_PASSWORD"],
        SOB_SMS_QUIET_HOURS="off",
    )
    return env


def sob_command() -> str:
    found = Path(sys.executable).with_name("sob")
    return str(found) if found.exists() else (shutil.which("sob") or "sob")


def start_worker(app, tmp_path: Path, *args: str) -> subprocess.Popen:
    db.session.close()
    db.engine.dispose()  # hold no connection the worker's database writes could wait for
    log = (tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log").open("wb")
    try:
        return subprocess.Popen(
            [sob_command(), "worker", *args],
            env=worker_environment(app),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the worker and its work horse
        )
    finally:
        log.close()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_hard(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse, as a crash or a container's kill does.

    RQ puts the work horse in a process group of its own, so each group is killed."""
    horses = children(worker.pid)
    for pid in horses:
        os.killpg(pid, signal.SIGKILL)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(30)
    deadline = time.monotonic() + 30
    for pid in horses:  # SIGKILL is not instant; wait until each is gone (or a zombie)
        while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid):
            assert time.monotonic() < deadline, f"process {pid} survived SIGKILL"
            time.sleep(0.01)


def pause(process: subprocess.Popen, seconds: float) -> None:
    """Wait a moment, or less if ``process`` ends."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(seconds)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "Z"


def row_of(notification_id: int) -> Notification:
    db.session.expire_all()
    row = db.session.get(Notification, notification_id)
    assert row is not None
    return row


def outcomes(notification_id: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(NotificationAttempt.outcome)
            .where(NotificationAttempt.notification_id == notification_id)
            .order_by(NotificationAttempt.number)
        )
    )


@pytest.mark.redis
@pytest.mark.parametrize("flavour", [(), ("--fork",)], ids=["in-process", "fork"])
def test_a_worker_killed_during_the_send_loses_nothing_and_sends_once(
    app, elks: FakeElks, tmp_path: Path, flavour: tuple[str, ...]
) -> None:
    """One dispatch job carries two rows (the SMS, another citizen's queued inbox notice; the
    citizen's own inbox notice is sent when written); the worker dies while the SMS is with the
    gateway, the second row claimed with it but not yet tried. Nothing is lost and nothing is
    sent twice."""
    citizen = Citizen(
        personnummer="198203032383",
        name="Kajsa Kill",
        birth_date=date(1982, 3, 3),
        legal_sex="female",
        phone=NUMBER,
    )
    other = Citizen(
        personnummer="199001012380",
        name="Olle Other",
        birth_date=date(1990, 1, 1),
        legal_sex="male",
    )
    db.session.add_all([citizen, other])
    db.session.flush()
    db.session.add(NoticePreference(person_kind="citizen", person_id=citizen.id, channels=["sms"]))
    db.session.commit()

    elks.hold()  # the gateway keeps the next request waiting
    channels = app.extensions["sob"].registry.channels
    inbox, sms = notify.notify_citizen(
        db.session,
        citizen.id,
        "new_message",
        link="/citizen/",
        coalesce_key="conversation:1",
        channels=channels,
        settings=app.config,
    )
    # The inbox is delivered by its row (sent at once, no job); the other citizen's row goes
    # through the outbox like any queued one, in the same job after the SMS.
    assert inbox.status == "sent"
    later = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=other.id,
        channel="inbox",
        kind="new_message",
        link="/citizen/",
        channels=channels,
    )
    notify.dispatch_after_commit(db.session, [later])
    inbox_id, sms_id, later_id = inbox.id, sms.id, later.id
    assert inbox_id < sms_id < later_id  # the order the batch sends them in
    db.session.commit()  # the rows and their one dispatch job, one transaction

    worker = start_worker(app, tmp_path, *flavour)
    try:
        assert elks.arrived.wait(60), "the worker never reached the gateway"
        if flavour:
            assert children(worker.pid), "the worker runs the send in a work horse"
        else:
            assert not children(worker.pid), "the worker runs the send itself"
        kill_hard(worker)  # mid-delivery: the worker (and its work horse)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(30)
    elks.release()
    assert elks.settled.wait(30)
    assert (elks.dropped, elks.accepted) == (1, [])  # the killed send never reached anyone

    # Nothing is lost: the batch's attempts were on record before the first send, the rows say
    # so (the row after the SMS was claimed with it, in the batch's one claim, but not tried).
    assert row_of(inbox_id).status == "sent"
    for row_id in (sms_id, later_id):
        assert (row_of(row_id).status, row_of(row_id).attempts) == ("sending", 1)
        assert outcomes(row_id) == ["sending"]
    # The tick leaves the rows being sent alone while their sending lease runs (their worker
    # might still be alive) ...
    assert tasks.tick() == 0
    assert row_of(sms_id).status == "sending"

    # ... and when it has passed (here: set back, instead of waiting SENDING_LEASE), the tick
    # marks the attempts interrupted and queues the notices again.
    for row_id in (sms_id, later_id):
        row = row_of(row_id)
        row.queued_until = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    assert tasks.tick() == 2
    assert outcomes(sms_id) == outcomes(later_id) == ["interrupted"]

    again = start_worker(app, tmp_path, "--burst", *flavour)
    assert again.wait(120) == 0

    [delivered] = elks.accepted
    assert delivered.fields["to"] == NUMBER
    row = row_of(sms_id)
    assert (row.status, row.provider_ref, row.attempts) == ("sent", delivered.id, 2)
    assert outcomes(sms_id) == ["interrupted", "sent"]
    assert (row_of(later_id).status, row_of(later_id).attempts) == ("sent", 2)
    assert outcomes(later_id) == ["interrupted", "sent"]

    # Nothing more to do, and another worker sends nothing again.
    assert tasks.tick() == 0
    last = start_worker(app, tmp_path, "--burst", *flavour)
    assert last.wait(120) == 0
    assert len(elks.accepted) == 1
    assert row_of(inbox_id).attempts == 0  # the inbox is delivered by its row: no attempt


# --- Redis killed during a delivery ---------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestRedisKilled:
    """A Redis of this test's own (the shared one must stay up), killed mid-delivery."""

    @pytest.fixture
    def private_redis(self, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            if os.environ.get("SOB_REQUIRE_REDIS") == "1":
                pytest.fail("redis-server is missing, and SOB_REQUIRE_REDIS=1 requires it")
            pytest.skip("redis-server is not installed")
        port = free_port()
        server = subprocess.Popen(
            [
                redis_server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisDown

        conn = Redis.from_url(url, socket_connect_timeout=1)
        try:
            deadline = time.monotonic() + 30
            while True:  # until it answers (it starts in a few milliseconds)
                try:
                    conn.ping()
                    break
                except RedisDown:
                    assert time.monotonic() < deadline, "redis-server did not answer"
                    pause(server, 0.02)
                    assert server.returncode is None, "redis-server did not start"
            yield server, url
        finally:
            conn.close()
            if server.poll() is None:
                server.kill()
            server.wait(30)

    @pytest.fixture
    def sob_config(self, private_redis, elks: FakeElks) -> dict[str, Any]:
        return {
            "REDIS_URL": private_redis[1],
            "SOB_QUEUE_PREFIX": f"sobtest-{uuid.uuid4().hex}",
            "SOB_46ELKS_API_URL": elks.url,
            "SOB_46ELKS_USERNAME": USERNAME,
            "SOB_46ELKS_PASSWORD": PASSWORD,
            "SOB_SMS_QUIET_HOURS": "off",
        }

    @pytest.fixture(autouse=True)
    def _own_keys(self) -> None:  # its Redis dies with the test: nothing to clean
        return None

    @pytest.mark.redis
    def test_redis_killed_during_the_send_loses_nothing_and_sends_once(
        self, app, elks: FakeElks, private_redis, tmp_path: Path
    ) -> None:
        server, _ = private_redis
        citizen = Citizen(
            personnummer="198203032383",
            name="Kajsa Kill",
            birth_date=date(1982, 3, 3),
            legal_sex="female",
            phone=NUMBER,
        )
        db.session.add(citizen)
        db.session.flush()
        db.session.add(
            NoticePreference(person_kind="citizen", person_id=citizen.id, channels=["sms"])
        )
        db.session.commit()
        elks.hold()
        [_, sms] = notify.notify_citizen(
            db.session,
            citizen.id,
            "new_message",
            link="/citizen/",
            channels=app.extensions["sob"].registry.channels,
            settings=app.config,
        )
        sms_id = sms.id
        db.session.commit()

        worker = start_worker(app, tmp_path)
        try:
            assert elks.arrived.wait(60), "the worker never reached the gateway"
            server.kill()  # Redis dies with the job in its started registry
            server.wait(30)
            elks.release()  # the send goes on and succeeds
            assert elks.settled.wait(30)
            # The work horse commits the outcome to the database, which does not need Redis.
            deadline = time.monotonic() + 60
            while row_of(sms_id).status == "sending" and time.monotonic() < deadline:
                pause(worker, 0.05)  # another process commits it: nothing to await but the row
        finally:
            if worker.poll() is None:
                kill_hard(worker)

        [delivered] = elks.accepted
        row = row_of(sms_id)
        assert (row.status, row.provider_ref, row.attempts) == ("sent", delivered.id, 1)
        assert outcomes(sms_id) == ["sent"]
        # With Redis gone the tick finds nothing to queue again: nothing lost, nothing twice.
        assert tasks.tick() == 0
        assert len(elks.accepted) == 1
