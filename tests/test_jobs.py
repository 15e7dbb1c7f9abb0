"""The jobs contract (sob_core.jobs), in both modes.

In-process (no ``REDIS_URL``): a job runs after the commit that asked for it, in an app context of
its own. RQ (``REDIS_URL`` set): the job goes to a Redis queue after the commit and a worker
(``sob worker``) runs it. Either way the outbox row is written first, so a lost or failed job is
found again by the periodic ``tick`` and nothing is lost or sent twice.

The RQ tests use Redis database 13 on 127.0.0.1:6379 with a queue prefix of their own and delete
their keys afterwards. Without Redis they are skipped, unless ``SOB_REQUIRE_REDIS=1`` (CI) makes
them fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import current_app, g
from sqlalchemy import func, select

from sob_core import Notice, NotificationChannel
from sob_core import notifications as notify
from sob_core.extensions import db
from sob_core.jobs import QUEUES, enqueue, queue_name, redis_connection, run, tasks
from sob_core.models import Citizen, Notification, NotificationAttempt

#: database 13 of the local Redis; SOB_TEST_REDIS_URL points the tests elsewhere
REDIS_URL = os.environ.get("SOB_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"
PROBE = "sob_core.jobs.tasks._test_probe"  # jobs must live under sob_core.jobs (see resolve)
DISPATCH = "sob_core.jobs.tasks.dispatch_notification"
BATCH_DISPATCH = "sob_core.jobs.tasks.dispatch_notifications"


# --- helpers -------------------------------------------------------------------------------------


def make_citizen() -> Citizen:
    person = Citizen(
        personnummer="197702022396",
        name="Olle Ost",
        birth_date=date(1977, 2, 2),
        legal_sex="male",
        email="olle@example.se",
    )
    db.session.add(person)
    db.session.commit()
    return person


def queue_inbox(app, citizen_id: int, channel: str = "inbox") -> int:
    """Write an outbox row (not committed) and return its id."""
    row = notify.queue_notification(
        db.session,
        recipient_kind="citizen",
        recipient_id=citizen_id,
        channel=channel,
        kind="new_message",
        link="/messages",
        channels=app.extensions["sob"].registry.channels,
    )
    return row.id


def count_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def row_of(notification_id: int) -> Notification:
    row = db.session.get(Notification, notification_id)
    assert row is not None
    return row


def status(notification_id: int) -> Notification:
    db.session.expire_all()  # another session (a job, a worker) may have changed the row
    return db.session.get(Notification, notification_id)


@pytest.fixture
def probe(monkeypatch) -> list[dict[str, Any]]:
    """A job at ``PROBE`` that records the app context it ran in and what it could see."""
    calls: list[dict[str, Any]] = []

    def _test_probe(*args: Any) -> str:
        calls.append(
            {
                "args": args,
                "app": current_app._get_current_object(),
                "g": g._get_current_object(),
                "session": db.session(),
                "rows": count_rows(),
            }
        )
        return "probed"

    monkeypatch.setattr(tasks, "_test_probe", _test_probe, raising=False)
    return calls


@pytest.fixture
def file_channel(app, tmp_path: Path) -> Path:
    """A channel ``file`` that appends one line per send to a file (also from a forked worker).

    Put straight into this app's registry: the registry is built when the app is created.
    """
    sent = tmp_path / "sent.txt"

    def send(notice: Notice, config: Mapping[str, Any]) -> str:
        with sent.open("a") as fh:
            fh.write(f"{notice.recipient_kind}:{notice.recipient_id}\n")
        return "file"

    app.extensions["sob"].registry.channels["file"] = NotificationChannel(
        key="file", label={"sv": "Fil"}, send=send
    )
    return sent


def sends(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


# --- in-process mode (no REDIS_URL) --------------------------------------------------------------


class TestInProcess:
    def test_app_runs_jobs_in_process(self, app) -> None:
        assert app.config["REDIS_URL"] is None
        assert redis_connection(app) is None

    def test_job_runs_after_commit_in_its_own_app_context(self, app, probe) -> None:
        make_citizen()
        notification_id = queue_inbox(app, db.session.scalar(select(Citizen.id)))
        g.marker = "request"
        enqueue(PROBE, notification_id, "text")
        assert probe == []  # not before the commit
        db.session.commit()

        [call] = probe
        assert call["args"] == (notification_id, "text")
        assert call["app"] is app
        assert call["g"] is not g._get_current_object()  # an app context of its own ...
        assert not hasattr(call["g"], "marker")
        assert call["session"] is not db.session()  # ... with a database session of its own
        assert call["rows"] == 1  # that sees what the commit wrote
        assert g.marker == "request"  # the caller's context is back in place

    def test_enqueue_before_commit_without_other_changes_runs(self, app, probe) -> None:
        enqueue(PROBE, 1)
        db.session.commit()
        assert [c["args"] for c in probe] == [(1,)]

    def test_each_job_runs_once(self, app, probe) -> None:
        enqueue(PROBE, 1)
        enqueue(PROBE, 2, queue="notifications")
        db.session.commit()
        db.session.commit()
        assert [c["args"] for c in probe] == [(1,), (2,)]

    def test_rollback_drops_the_job(self, app, probe) -> None:
        make_citizen()
        queue_inbox(app, db.session.scalar(select(Citizen.id)))
        enqueue(PROBE, 1)
        db.session.rollback()
        db.session.commit()
        assert probe == []
        assert count_rows() == 0

    def test_a_released_savepoint_is_not_the_commit(self, app, probe) -> None:
        enqueue(PROBE, 1)
        with db.session.begin_nested():
            enqueue(PROBE, 2)
        assert probe == []  # releasing a savepoint commits nothing yet
        db.session.commit()
        assert [c["args"] for c in probe] == [(1,), (2,)]

    def test_a_rolled_back_savepoint_drops_only_its_own_jobs(self, app, probe) -> None:
        enqueue(PROBE, 1)
        outer = db.session.begin_nested()
        enqueue(PROBE, 2)
        inner = db.session.begin_nested()
        enqueue(PROBE, 3)
        inner.commit()
        enqueue(PROBE, 4)
        outer.rollback()  # drops 2, 3 and 4: they were asked for inside the savepoint
        with db.session.begin_nested() as kept:
            enqueue(PROBE, 5)
        assert not kept.is_active
        db.session.commit()
        assert [c["args"] for c in probe] == [(1,), (5,)]

    def test_commit_inside_a_savepoint_commits_everything_once(self, app, probe) -> None:
        enqueue(PROBE, 1)
        db.session.begin_nested()
        enqueue(PROBE, 2)
        db.session.commit()
        assert [c["args"] for c in probe] == [(1,), (2,)]

    def test_a_notification_is_delivered_after_the_commit(self, app) -> None:
        citizen = make_citizen()
        notification_id = queue_inbox(app, citizen.id)
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        assert status(notification_id).status == "pending"  # the job has not run yet
        db.session.commit()
        row = status(notification_id)
        assert (row.status, row.provider_ref, row.attempts) == ("sent", "inbox", 1)

    def test_a_failing_job_is_logged_and_the_tick_delivers_later(
        self, app, monkeypatch, caplog
    ) -> None:
        citizen = make_citizen()
        notification_id = queue_inbox(app, citizen.id)
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")

        def broken(*args: Any, **kwargs: Any) -> str:
            raise RuntimeError("database went away")

        with monkeypatch.context() as mp:
            mp.setattr(notify, "deliver", broken)
            with caplog.at_level(logging.ERROR, logger="sob_core.jobs"):
                db.session.commit()  # the commit succeeds although the job fails
        [record] = [r for r in caplog.records if r.name == "sob_core.jobs"]
        assert f"in-process job {DISPATCH}({notification_id},) failed" in record.getMessage()
        assert "tick will retry" in record.getMessage()
        assert record.exc_info is not None
        row = status(notification_id)
        assert (row.status, row.attempts) == ("pending", 0)
        assert notify.due_ids(db.session) == [notification_id]

        # The periodic tick finds the row and delivers it (in-process, after its own commit).
        assert tasks.tick() == 1
        row = status(notification_id)
        assert (row.status, row.attempts) == ("sent", 1)
        assert tasks.tick() == 0

    def test_the_caller_can_go_on_after_a_failing_job(self, app, monkeypatch) -> None:
        def failing(*args: Any) -> None:
            db.session.add(Citizen(personnummer="x", name="x"))  # invalid: NOT NULL columns
            db.session.flush()

        monkeypatch.setattr(tasks, "_test_probe", failing, raising=False)
        enqueue(PROBE, 1)
        db.session.commit()
        citizen = make_citizen()
        assert db.session.get(Citizen, citizen.id).name == "Olle Ost"

    @pytest.mark.parametrize(
        "bad", [object(), 1.5, None, b"bytes", [1], {"id": 1}], ids=lambda v: type(v).__name__
    )
    def test_enqueue_takes_only_ids_and_plain_values(self, app, probe, bad) -> None:
        with pytest.raises(TypeError, match="jobs take ids and plain values"):
            enqueue(PROBE, 1, bad)
        db.session.commit()
        assert probe == []

    def test_enqueue_refuses_orm_objects(self, app, probe) -> None:
        citizen = make_citizen()
        with pytest.raises(TypeError, match="not Citizen"):
            enqueue(PROBE, citizen)
        db.session.commit()
        assert probe == []

    def test_enqueue_refuses_unknown_queues(self, app, probe) -> None:
        with pytest.raises(ValueError, match="unknown queue 'mail'"):
            enqueue(PROBE, 1, queue="mail")
        db.session.commit()
        assert probe == []

    def test_run_resolves_only_sob_jobs(self, app, probe) -> None:
        assert run(PROBE, 5) == "probed"
        with pytest.raises(ValueError, match="is not a sob job"):
            run("os.system", "true")

    def test_worker_needs_redis(self, runner) -> None:
        result = runner.invoke(args=["worker", "--burst"])
        assert result.exit_code == 2, result.output
        assert "REDIS_URL is not set" in result.output

    def test_cron_without_redis_runs_the_tick_in_process(self, app, runner) -> None:
        # A pending notification whose in-process job failed earlier is delivered by the tick.
        registry = app.extensions["sob"].registry
        sent: list[Notice] = []
        registry.channels["probe-cron"] = NotificationChannel(
            key="probe-cron",
            label={"sv": "Prov"},
            send=lambda notice, config: sent.append(notice) or "ok",
        )
        from sob_core import demo

        demo.load(db.session, app.extensions["sob"])
        row = notify.queue_notification(
            db.session,
            recipient_kind="citizen",
            recipient_id=1,
            channel="probe-cron",
            kind="form_due",
            channels=registry.channels,
        )
        db.session.commit()
        result = runner.invoke(args=["cron", "--once"])
        assert result.exit_code == 0, result.output
        assert len(sent) == 1
        db.session.expire_all()
        assert db.session.get(Notification, row.id).status == "sent"

    def test_tick_leases_what_it_queues(self, app, monkeypatch) -> None:
        # The tick must not queue the same waiting notification again every minute.
        registry = app.extensions["sob"].registry
        from sob_core import demo

        demo.load(db.session, app.extensions["sob"])
        registry.channels["probe-lease"] = NotificationChannel(
            key="probe-lease", label={"sv": "Prov"}, send=lambda notice, config: "ok"
        )
        notify.queue_notification(
            db.session,
            recipient_kind="citizen",
            recipient_id=1,
            channel="probe-lease",
            kind="form_due",
            channels=registry.channels,
        )
        db.session.commit()
        queued: list[tuple] = []
        monkeypatch.setattr(tasks, "enqueue", lambda *args, **kwargs: queued.append(args))
        assert tasks.tick() == 1
        assert tasks.tick() == 0  # leased: not queued again while its job waits
        assert len(queued) == 1


# --- batches: one dispatch job for many outbox rows -----------------------------------------------


def make_citizens(count: int) -> list[int]:
    people = [
        Citizen(
            personnummer=f"19770202{number:04d}",
            name=f"Person {number}",
            birth_date=date(1977, 2, 2),
            legal_sex="female",
            email=f"person{number}@example.se",
        )
        for number in range(count)
    ]
    db.session.add_all(people)
    db.session.commit()
    return [person.id for person in people]


def attempts_of(notification_id: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(NotificationAttempt.outcome)
            .where(NotificationAttempt.notification_id == notification_id)
            .order_by(NotificationAttempt.number)
        )
    )


class TestBatches:
    def test_rows_of_one_commit_go_out_in_jobs_of_the_batch_size(self, app, monkeypatch) -> None:
        app.config["SOB_DISPATCH_BATCH"] = 2
        people = make_citizens(3)
        dispatched: list[tuple] = []
        monkeypatch.setattr("sob_core.jobs._dispatch", lambda app, jobs: dispatched.extend(jobs))
        rows = [
            notify.notify_citizen(
                db.session,
                person,
                "new_message",
                channels=app.extensions["sob"].registry.channels,
                settings={**app.config, "SOB_NOTICE_ACTIVE_MINUTES": 0},
            )
            for person in people
        ]
        db.session.commit()
        # the inbox row of each is delivered by being written (sent, no job); the e-mails go out
        assert [[(r.channel, r.status) for r in found] for found in rows] == [
            [("inbox", "sent"), ("email", "pending")]
        ] * 3
        ids = [row.id for found in rows for row in found if row.channel == "email"]
        assert dispatched == [
            (BATCH_DISPATCH, (f"{ids[0]},{ids[1]}",), "notifications"),
            (BATCH_DISPATCH, (f"{ids[2]}",), "notifications"),
        ]

    def test_the_tick_queues_due_rows_in_batches(self, app, monkeypatch) -> None:
        app.config["SOB_DISPATCH_BATCH"] = 2
        people = make_citizens(3)
        ids = [queue_inbox(app, person) for person in people]
        db.session.commit()  # rows without a job, as after a crash
        queued: list[tuple] = []
        monkeypatch.setattr(tasks, "enqueue", lambda *args, **kwargs: queued.append(args))
        assert tasks.tick() == 3
        assert queued == [
            (tasks.dispatch_notifications, f"{ids[0]},{ids[1]}"),
            (tasks.dispatch_notifications, f"{ids[2]}"),
        ]

    def test_two_jobs_over_the_same_ids_send_each_row_once(self, app, file_channel) -> None:
        people = make_citizens(3)
        ids = [queue_inbox(app, person, channel="file") for person in people]
        db.session.commit()
        chunk = ",".join(str(i) for i in ids)
        first = tasks.dispatch_notifications(chunk)
        second = tasks.dispatch_notifications(chunk)
        assert first == ",".join(f"{i}=sent" for i in ids)
        assert second == first  # already sent: left alone
        assert sends(file_channel) == [f"citizen:{person}" for person in people]
        assert [status(i).attempts for i in ids] == [1, 1, 1]

    def test_a_job_running_while_another_sends_leaves_the_claimed_batch_alone(self, app) -> None:
        """The second job starts while the first is in the middle of its first send: the first
        claimed its whole batch in one statement, so the second finds every row ``sending``
        and sends nothing; each row is sent once, by the first."""
        from sqlalchemy.orm import Session

        people = make_citizens(3)
        channels = app.extensions["sob"].registry.channels
        sent: list[int] = []
        ids: list[int] = []
        inner: list[dict[int, str]] = []

        def send(notice: Notice, config: Mapping[str, Any]) -> str:
            if not sent:  # the first job's first send: the second job runs meanwhile
                with Session(db.engine) as other:
                    inner.append(notify.deliver_many(other, ids, channels, dict(app.config)))
            sent.append(notice.recipient_id)
            return "racy"

        channels["racy"] = NotificationChannel(key="racy", label={"sv": "Kapplöpning"}, send=send)
        ids.extend(queue_inbox(app, person, channel="racy") for person in people)
        db.session.commit()
        got = notify.deliver_many(db.session, ids, channels, dict(app.config))
        assert inner == [dict.fromkeys(ids, "sending")]
        assert got == dict.fromkeys(ids, "sent")
        assert sent == people  # each once, all by the first job
        assert [(status(i).status, status(i).attempts) for i in ids] == [("sent", 1)] * 3
        assert [attempts_of(i) for i in ids] == [["sent"]] * 3

    def test_a_failed_send_leaves_its_row_pending_with_back_off_and_the_others_sent(
        self, app
    ) -> None:
        people = make_citizens(3)
        channels = app.extensions["sob"].registry.channels
        sent: list[int] = []

        def send(notice: Notice, config: Mapping[str, Any]) -> str:
            if notice.recipient_id == people[1]:
                raise RuntimeError(f"provider refused {notice.address['email']}")
            sent.append(notice.recipient_id)
            return f"ref-{notice.recipient_id}"

        channels["flaky"] = NotificationChannel(key="flaky", label={"sv": "Ostadig"}, send=send)
        ids = [queue_inbox(app, person, channel="flaky") for person in people]
        db.session.commit()
        before = datetime.now(UTC)
        result = tasks.dispatch_notifications(",".join(str(i) for i in ids))
        assert result == f"{ids[0]}=sent,{ids[1]}=pending,{ids[2]}=sent"
        assert sent == [people[0], people[2]]
        failed = status(ids[1])
        assert (failed.status, failed.attempts, failed.queued_until) == ("pending", 1, None)
        assert failed.last_error == "provider refused [address]"  # no address is stored
        assert (
            before + timedelta(minutes=2)
            <= failed.due_at
            <= datetime.now(UTC) + timedelta(minutes=2)
        )
        assert attempts_of(ids[1]) == ["error"]
        assert [status(i).provider_ref for i in (ids[0], ids[2])] == [
            f"ref-{people[0]}",
            f"ref-{people[2]}",
        ]
        # Not due yet: the tick leaves it for the back-off to pass.
        assert tasks.tick() == 0

    def test_a_channel_session_is_opened_once_per_batch(self, app) -> None:
        people = make_citizens(3)
        channels = app.extensions["sob"].registry.channels
        opened: list[list[int]] = []

        @contextlib.contextmanager
        def session(config: Mapping[str, Any]) -> Iterator[Callable[[Notice], str]]:
            batch: list[int] = []
            opened.append(batch)

            def send_one(notice: Notice) -> str:
                batch.append(notice.recipient_id)
                return "batched"

            yield send_one
            batch.append(0)  # closed

        def send(notice: Notice, config: Mapping[str, Any]) -> str:
            raise AssertionError("a channel with a session is not sent one by one")

        channels["batched"] = NotificationChannel(
            key="batched", label={"sv": "Omgång"}, send=send, session=session
        )
        ids = [queue_inbox(app, person, channel="batched") for person in people]
        db.session.commit()
        tasks.dispatch_notifications(",".join(str(i) for i in ids))
        assert opened == [[*people, 0]]
        assert [status(i).provider_ref for i in ids] == ["batched"] * 3

    def test_a_batch_out_of_time_leaves_the_rest_pending_for_the_tick(
        self, app, file_channel
    ) -> None:
        people = make_citizens(3)
        ids = [queue_inbox(app, person, channel="file") for person in people]
        db.session.commit()
        channels = app.extensions["sob"].registry.channels
        got = notify.deliver_many(db.session, ids, channels, dict(app.config), seconds=0)
        assert got == {ids[0]: "sent", ids[1]: "pending", ids[2]: "pending"}  # one at least
        assert [(status(i).status, status(i).attempts) for i in ids[1:]] == [("pending", 0)] * 2
        assert tasks.tick() == 2  # queued again (in-process: delivered at once)
        assert sends(file_channel) == [f"citizen:{person}" for person in people]

    def test_a_missing_id_is_reported_and_the_rest_sent(self, app, file_channel) -> None:
        [person] = make_citizens(1)
        notification_id = queue_inbox(app, person, channel="file")
        db.session.commit()
        result = tasks.dispatch_notifications(f"{notification_id},999999")
        assert result == f"{notification_id}=sent,999999=missing"


# --- Redis unreachable ---------------------------------------------------------------------------


class TestRedisUnreachable:
    @pytest.fixture
    def sob_config(self) -> dict[str, Any]:
        return {
            "REDIS_URL": UNREACHABLE_REDIS_URL,
            "SOB_QUEUE_PREFIX": f"sobtest-{uuid.uuid4().hex}",
        }

    def test_commit_succeeds_and_the_row_stays_pending(self, app, caplog) -> None:
        citizen = make_citizen()
        notification_id = queue_inbox(app, citizen.id)
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        with caplog.at_level(logging.ERROR, logger="sob_core.jobs"):
            db.session.commit()
        messages = [r.getMessage() for r in caplog.records if r.name == "sob_core.jobs"]
        assert messages == [
            f"could not queue {DISPATCH}({notification_id},); the periodic tick will retry"
        ]
        row = status(notification_id)
        assert (row.status, row.attempts) == ("pending", 0)

        # Nothing is lost: the tick still finds the row (and cannot queue it either, yet).
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="sob_core.jobs"):
            assert tasks.tick() == 1
        assert len([r for r in caplog.records if r.name == "sob_core.jobs"]) == 1
        row = status(notification_id)
        assert row.status == "pending"
        # Leased for a while, then due again: the row is never dropped.
        from datetime import UTC, datetime, timedelta

        assert row.due_at <= datetime.now(UTC) + notify.LEASE + timedelta(seconds=5)
        row.due_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        assert notify.due_ids(db.session) == [notification_id]


# --- RQ mode against a real Redis ----------------------------------------------------------------


def _redis_answers(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    conn = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(conn.ping())
    except (RedisError, OSError):
        return False
    finally:
        conn.close()


@pytest.fixture(scope="module")
def redis_server() -> str:
    if not _redis_answers(REDIS_URL):
        reason = f"Redis at {REDIS_URL} does not answer"
        if os.environ.get("SOB_REQUIRE_REDIS") == "1":
            pytest.fail(f"{reason}, and SOB_REQUIRE_REDIS=1 requires it")
        pytest.skip(f"{reason} (set SOB_REQUIRE_REDIS=1 to fail instead of skipping)")
    return REDIS_URL


def clean_redis(conn, prefix: str, existed_before: set[bytes]) -> None:
    """Delete every key of this test: its queues, registries, jobs and workers.

    Workers are found by the queues they served; RQ's global throttle keys only when this test
    created them.
    """
    job_ids: set[str] = set()
    for key in conn.scan_iter(match="rq:job:*"):
        origin = conn.hget(key, "origin")
        if origin is not None and origin.decode().startswith(prefix + "-"):
            job_ids.add(key.decode().removeprefix("rq:job:"))
    workers = [
        key
        for key in conn.scan_iter(match="rq:worker:*")
        if conn.type(key) == b"hash" and prefix in (conn.hget(key, "queues") or b"").decode()
    ]
    doomed = {
        key
        for key in conn.scan_iter(match="*")
        if prefix in key.decode() or any(job_id in key.decode() for job_id in job_ids)
    }
    doomed.update(workers)
    doomed.update(
        key
        for key in (b"rq:clean_groups", b"rq:clean_registries")
        if key not in existed_before and conn.exists(key)
    )
    if doomed:
        conn.delete(*doomed)
    if workers:
        conn.srem("rq:workers", *workers)
    conn.srem("rq:queues", *(f"rq:queue:{prefix}-{q}" for q in QUEUES))


@pytest.mark.redis
class TestRQ:
    @pytest.fixture
    def sob_config(self, redis_server: str) -> dict[str, Any]:
        return {"REDIS_URL": redis_server, "SOB_QUEUE_PREFIX": f"sobtest-{uuid.uuid4().hex}"}

    @pytest.fixture(autouse=True)
    def _own_keys(self, app) -> Iterator[None]:
        prefix = app.config["SOB_QUEUE_PREFIX"]
        conn = redis_connection(app)
        existed_before = set(conn.scan_iter(match="rq:clean*"))
        yield
        try:
            clean_redis(conn, prefix, existed_before)
            assert not list(conn.scan_iter(match=f"*{prefix}*"))
        finally:
            conn.close()
            conn.connection_pool.disconnect()

    @pytest.fixture
    def queues(self, app) -> Callable[[str], Any]:
        from rq import Queue

        return lambda name: Queue(queue_name(app, name), connection=redis_connection(app))

    @pytest.fixture
    def work(self, runner) -> Callable[[], None]:
        """Run ``sob worker --burst``: a real RQ worker, until the queues are empty."""

        def do_work() -> None:
            # The worker forks a work horse per job, and a forked process must not share the
            # parent's database connections. Like a real `sob worker` (which never touches the
            # database before it forks), hold none: the horse then opens its own.
            db.session.close()
            db.engine.dispose()
            result = runner.invoke(args=["worker", "--burst"])
            assert result.exit_code == 0, result.output
            if result.exception is not None:
                raise result.exception

        return do_work

    def test_queue_names_carry_the_prefix(self, app) -> None:
        prefix = app.config["SOB_QUEUE_PREFIX"]
        assert app.extensions["sob_jobs"]["queues"] == [f"{prefix}-{q}" for q in QUEUES]

    def test_after_commit_the_job_waits_in_the_queue(self, app, queues) -> None:
        citizen_id = make_citizen().id
        notification_id = queue_inbox(app, citizen_id)
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        assert queues("notifications").count == 0  # not before the commit
        db.session.commit()

        [job] = queues("notifications").get_jobs()
        assert job.func_name == "sob_core.jobs.run"
        assert job.args == (DISPATCH, notification_id)
        assert job.get_status() == "queued"
        assert queues("default").count == 0
        assert status(notification_id).status == "pending"  # not run yet

    def test_rollback_queues_nothing(self, app, queues) -> None:
        citizen_id = make_citizen().id
        notification_id = queue_inbox(app, citizen_id)
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        db.session.rollback()
        db.session.commit()
        assert queues("notifications").count == 0

    def test_sob_worker_delivers_the_notification(self, app, queues, work) -> None:
        citizen_id = make_citizen().id
        notification_id = queue_inbox(app, citizen_id)
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        db.session.commit()
        [job] = queues("notifications").get_jobs()

        work()

        row = status(notification_id)
        assert (row.status, row.provider_ref, row.attempts) == ("sent", "inbox", 1)
        assert queues("notifications").count == 0
        job.refresh()
        assert job.get_status() == "finished"
        assert job.return_value() == "sent"

    def test_a_lost_job_is_found_by_the_tick(self, app, queues, work) -> None:
        citizen_id = make_citizen().id
        notification_id = queue_inbox(app, citizen_id)
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        db.session.commit()
        queues("notifications").empty()  # Redis lost the job; the row is still pending
        work()
        assert status(notification_id).status == "pending"

        assert tasks.tick() == 1  # what `sob cron` runs every minute
        assert queues("notifications").count == 1
        work()
        assert status(notification_id).status == "sent"
        assert tasks.tick() == 0

    def test_the_tick_itself_runs_in_the_worker(self, app, queues, work, file_channel) -> None:
        citizen_id = make_citizen().id
        notification_id = queue_inbox(app, citizen_id, channel="file")
        db.session.commit()  # a row without a job, as after a crash
        enqueue(tasks.tick)
        db.session.commit()
        assert queues("default").count == 1

        work()  # runs the tick, which queues the dispatch, which the same burst worker runs

        assert status(notification_id).status == "sent"
        assert sends(file_channel) == [f"citizen:{citizen_id}"]

    def test_a_batch_job_queued_twice_sends_each_row_once(
        self, app, queues, work, file_channel
    ) -> None:
        people = make_citizens(3)
        ids = [queue_inbox(app, person, channel="file") for person in people]
        chunk = ",".join(str(i) for i in ids)
        enqueue(tasks.dispatch_notifications, chunk, queue="notifications")
        enqueue(tasks.dispatch_notifications, chunk, queue="notifications")
        db.session.commit()
        assert queues("notifications").count == 2

        work()

        assert sends(file_channel) == [f"citizen:{person}" for person in people]
        assert [(status(i).status, status(i).attempts) for i in ids] == [("sent", 1)] * 3
        assert tasks.tick() == 0

    def test_a_commit_queues_its_rows_as_one_batch_job(self, app, queues, work) -> None:
        people = make_citizens(2)
        ids = [queue_inbox(app, person) for person in people]
        notify.dispatch_after_commit(db.session, [row_of(i) for i in ids])
        db.session.commit()
        [job] = queues("notifications").get_jobs()
        assert job.args == (BATCH_DISPATCH, f"{ids[0]},{ids[1]}")
        work()
        job.refresh()
        assert job.return_value() == f"{ids[0]}=sent,{ids[1]}=sent"

    def test_delivering_twice_sends_once(self, app, queues, work, file_channel) -> None:
        citizen_id = make_citizen().id
        notification_id = queue_inbox(app, citizen_id, channel="file")
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        enqueue(tasks.dispatch_notification, notification_id, queue="notifications")
        db.session.commit()
        assert queues("notifications").count == 2

        work()
        assert tasks.tick() == 0  # nothing left to do ...
        work()

        assert sends(file_channel) == [f"citizen:{citizen_id}"]  # ... and one e-mail, SMS, ...
        row = status(notification_id)
        assert (row.status, row.attempts) == ("sent", 1)
        # Running the job by hand once more (as after a crash) changes nothing either.
        assert run(DISPATCH, notification_id) == "sent"
        assert sends(file_channel) == [f"citizen:{citizen_id}"]

    def test_sob_cron_registers_the_periodic_tick(self, app, queues, runner, work, monkeypatch):
        from rq.cron import CronScheduler

        started: list[CronScheduler] = []
        # Record the scheduler instead of running it forever.
        monkeypatch.setattr(CronScheduler, "start", lambda self: started.append(self))
        result = runner.invoke(args=["cron"])
        assert result.exit_code == 0, result.output
        [scheduler] = started
        registered = {job.name: job for job in scheduler._cron_jobs}
        assert set(registered) == {periodic.__name__ for periodic, _, _ in tasks.PERIODIC}
        for periodic, queue, interval in tasks.PERIODIC:
            job = registered[periodic.__name__]
            assert job.func is run
            assert job.args == (f"{periodic.__module__}.{periodic.__qualname__}",)
            assert job.queue_name == queue_name(app, queue)
            assert job.interval == interval
        tick_job = registered["tick"]
        assert (tick_job.interval, tick_job.queue_name) == (60, queue_name(app, "default"))

        # What the scheduler would enqueue works: a row without a job is delivered.
        citizen_id = make_citizen().id
        notification_id = queue_inbox(app, citizen_id)
        db.session.commit()
        queues("default").enqueue(tick_job.func, *tick_job.args)
        work()
        assert status(notification_id).status == "sent"
