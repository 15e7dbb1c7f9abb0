"""Two `sob cron` processes at once never open an occurrence twice nor send a reminder twice.

Real processes: two ``sob cron`` (RQ's cron scheduler behind the leader lock of
``sob_core.jobs.leader``) and two ``sob worker`` against the test database and a real Redis; the
reminders go by e-mail into the tests' real local SMTP server (aiosmtpd, from
tests/test_reminders_staff.py). A second test runs two copies of the periodic ``followup`` job on
two workers at the same moment, with no lock at all: the conditional UPDATEs alone keep every
occurrence opened once and every reminder sent once.

Needs Redis (``SOB_TEST_REDIS_URL``; skipped without it unless ``SOB_REQUIRE_REDIS=1``); runs on
SQLite (one file shared by the processes) and on PostgreSQL.
"""

from __future__ import annotations

import email
import email.policy
import subprocess
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_enrollments as setup
from sqlalchemy import func, select
from test_jobs import clean_redis
from test_notices_worker import redis_server, sob_command, worker_environment  # noqa: F401
from test_reminders_staff import smtp  # noqa: F401  (the tests' SMTP server)

from sob_core import enrollments
from sob_core.extensions import db
from sob_core.jobs import leader, queue_name, redis_connection
from sob_core.models import BatteryOccurrence, Notification, Reminder
from sob_core.models._types import utcnow

world = setup.world
CITIZENS = 12
AT_START = {
    "key": "intake",
    "name": {"sv": "Startformulär"},
    "form_keys": ["mood"],
    "trigger": "enrollment_start",
    "due_days": 3,
    "expire_days": 7,
}
RULES = {"rules": [{"key": "standard", "offsets_days": [0], "battery_keys": []}]}


def personnummer(n: int) -> str:
    """A valid 12-digit personnummer (Luhn check digit) for the n-th test citizen."""
    body = f"{19800101 + n:08d}"[2:] + f"{100 + n:03d}"
    digits = [int(d) * (2 - i % 2) for i, d in enumerate(body)]
    check = (10 - sum(d // 10 + d % 10 for d in digits) % 10) % 10
    return f"19{body}{check}"


@pytest.fixture
def sob_config(redis_server, smtp) -> dict[str, Any]:  # noqa: F811
    return {
        "REDIS_URL": redis_server,
        "SOB_QUEUE_PREFIX": f"sobtest-{uuid.uuid4().hex}",
        "SOB_SMTP_HOST": "127.0.0.1",
        "SOB_SMTP_PORT": smtp[0],
        "SOB_BASE_URL": "https://sob.example.se",
        "SOB_SMS_QUIET_HOURS": "off",
    }


@pytest.fixture
def due_set(app, world) -> int:
    """CITIZENS enrollments, each with an occurrence due to open now and a reminder on opening."""
    setup.make_form("diary")
    setup.make_form("mood")
    content = setup.content()
    content["batteries"] = [AT_START]
    content["reminders"] = RULES
    version = setup.make_program(setup.units()[0], content)
    therapist = setup.staff(setup.TOMMY)
    started = utcnow() - timedelta(minutes=5)
    for n in range(CITIZENS):
        citizen = enrollments.register_citizen(db.session, personnummer(n), f"Testperson {n}")
        citizen.email = f"person{n}@example.se"
        db.session.flush()
        enrollments.start(
            db.session,
            citizen_id=citizen.id,
            program_version_id=version.id,
            care_unit_id=setup.units()[0],
            therapist_id=therapist.id,
            started_by_id=therapist.id,
            now=started,
        )
    db.session.commit()
    due = db.session.scalar(
        select(func.count()).where(
            BatteryOccurrence.status == "planned", BatteryOccurrence.opens_at <= utcnow()
        )
    )
    assert due == CITIZENS
    return CITIZENS


@pytest.fixture
def processes(app, tmp_path):
    """``start(*args)``: a real ``sob`` process with the deployed environment; all ended after."""
    started: list[subprocess.Popen] = []
    conn = redis_connection(app)
    existed_before = set(conn.scan_iter(match="rq:clean*"))
    cron_keys_before = set(conn.scan_iter(match="rq:cron*"))

    def start(*args: str) -> subprocess.Popen:
        db.session.close()
        db.engine.dispose()  # hold no connection (SQLite: no lock) the processes could wait for
        env = worker_environment(app)
        env.update(SOB_SMTP_HOST="127.0.0.1", SOB_SMTP_PORT=str(app.config["SOB_SMTP_PORT"]))
        for key in ("SOB_46ELKS_API_URL", "SOB_46ELKS_USERNAME", "SOB_46ELKS_PASSWORD"):
            env.pop(key, None)
        log = tmp_path / f"{args[0]}-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sob_command(), *args], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
            )
        process.log = log  # type: ignore[attr-defined]
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    prefix = app.config["SOB_QUEUE_PREFIX"]
    clean_redis(conn, prefix, existed_before)  # queues, jobs, workers (crons unregister at stop)
    for key in conn.scan_iter(match=f"*{prefix}*"):  # the leader lock
        conn.delete(key)
    for key in set(conn.scan_iter(match="rq:cron*")) - cron_keys_before:  # the crons' history
        conn.delete(key)


def wait_until_delivered(app, count: int, mail, processes_: list, timeout: float = 120) -> None:
    """Until ``count`` e-mails have arrived and no notice is left to send."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes_:
            assert process.poll() is None, Path(process.log).read_text()
        db.session.rollback()
        waiting = db.session.scalar(
            select(func.count()).where(
                Notification.channel == "email", Notification.status != "sent"
            )
        )
        if len(mail.raw) >= count and waiting == 0:
            return
        time.sleep(0.2)  # the work happens in other processes: poll the database
    logs = "\n".join(Path(p.log).read_text()[-3000:] for p in processes_)
    raise AssertionError(f"{len(mail.raw)} of {count} e-mails after {timeout} s\n{logs}")


def assert_each_once(mail, count: int) -> None:
    statuses = Counter(db.session.scalars(select(BatteryOccurrence.status)))
    assert statuses["open"] == count  # each opened, none twice (one row each, no second opening)
    sent = db.session.scalars(select(Reminder).where(Reminder.status == "sent")).all()
    assert len(sent) == count and len({r.occurrence_id for r in sent}) == count
    notices = db.session.scalars(select(Notification).where(Notification.channel == "email")).all()
    assert len(notices) == count and {n.status for n in notices} == {"sent"}
    # into the SMTP server: one e-mail per citizen, none twice
    recipients = Counter(
        email.message_from_bytes(raw, policy=email.policy.default)["To"] for raw in mail.raw
    )
    assert sorted(recipients) == sorted(f"person{n}@example.se" for n in range(count))
    assert set(recipients.values()) == {1}


def test_two_cron_processes_one_leads_and_each_reminder_goes_once(
    app,
    due_set,
    smtp,  # noqa: F811
    processes,
):
    _port, mail = smtp
    crons = [processes("cron"), processes("cron")]
    workers = [processes("worker"), processes("worker")]
    wait_until_delivered(app, due_set, mail, crons + workers)
    assert_each_once(mail, due_set)
    # exactly one cron leads: it holds the lock, the other says it stands by
    conn = redis_connection(app)
    holder = conn.get(leader.lock_key(app))
    assert holder is not None
    logs = [Path(p.log).read_text() for p in crons]
    assert sum("leads (" in text for text in logs) == 1, logs
    assert sum("stands by" in text for text in logs) == 1, logs


def test_two_copies_of_the_tick_at_once_without_a_lock_still_send_each_once(
    app,
    due_set,
    smtp,  # noqa: F811
    processes,
):
    from rq import Queue

    from sob_core.jobs import run

    _port, mail = smtp
    conn = redis_connection(app)
    default = Queue(queue_name(app, "default"), connection=conn)
    for _ in range(2):  # as when a slow tick overlaps the next, or two crons both queued it
        default.enqueue(run, "sob_core.jobs.tasks.followup")
    workers = [processes("worker"), processes("worker")]
    wait_until_delivered(app, due_set, mail, workers)
    assert_each_once(mail, due_set)


def test_the_leader_lock_expires_is_taken_over_and_only_its_holder_releases_it(app):
    conn = redis_connection(app)
    key = leader.lock_key(app)
    first, second = leader.Leader(conn, key, ttl=30), leader.Leader(conn, key, ttl=30)
    try:
        assert first.hold() and not second.hold()
        assert first.hold()  # renewed
        second.release()  # not its lock: nothing happens
        assert conn.get(key).decode() == first.token
        conn.pexpire(key, 1)  # as if the leader paused past the expiry
        while conn.exists(key):
            pass  # expires within a millisecond
        assert second.hold()
        assert not first.hold() and not first.leading  # it lost it and stands by
        assert conn.get(key).decode() == second.token
        second.release()
        assert conn.get(key) is None and first.hold()
    finally:
        conn.delete(key)


def test_without_redis_a_second_cron_on_postgresql_does_nothing_while_one_holds_the_lock(
    make_app, tmp_path
):
    """The in-process `sob cron` holds a PostgreSQL advisory lock; a second `--once` stands by."""
    from sob_core.jobs.leader import DatabaseLeader

    plain = make_app(config={"REDIS_URL": None})
    if not str(plain.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; on SQLite run one in-process cron")
    with plain.app_context():
        first = DatabaseLeader(db.engine, leader.lock_key(plain))
        second = DatabaseLeader(db.engine, leader.lock_key(plain))
        try:
            assert first.hold() and first.hold()  # taken, then still held
            assert not second.hold()
            result = plain.test_cli_runner().invoke(args=["cron", "--once"])
            assert result.exit_code == 0 and "another sob cron holds the lock" in result.output
            first.release()
            assert second.hold()
        finally:
            first.release()
            second.release()
