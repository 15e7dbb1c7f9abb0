"""The platform's jobs. Each takes ids and finds what it needs in the database."""

from __future__ import annotations

from flask import current_app

from .. import notifications as notify
from ..extensions import db
from . import batches, dispatch_batch, enqueue


def dispatch_notifications(ids: str) -> str:
    """Deliver a batch of outbox rows (``"12,13,14"``), claimed together in one statement;
    returns ``id=status`` pairs. Rows already sent or being sent are left alone."""
    host = current_app.extensions["sob"]
    wanted = [int(part) for part in str(ids).split(",") if part.strip()]
    statuses = notify.deliver_many(
        db.session, wanted, host.registry.channels, dict(current_app.config)
    )
    return ",".join(f"{key}={value}" for key, value in statuses.items())


def dispatch_notification(notification_id: int) -> str:
    """Deliver one outbox row (the job of earlier versions; jobs still queued keep working)."""
    host = current_app.extensions["sob"]
    return notify.deliver(
        db.session, notification_id, host.registry.channels, dict(current_app.config)
    )


def tick() -> int:
    """The periodic job: queue again what is due and was not delivered (lost jobs, retries).

    A row left ``sending`` by a worker that died (its lease has passed) is pending again first.
    """
    notify.recover_interrupted(db.session)
    ids = notify.due_ids(db.session)
    notify.lease(db.session, ids)
    for chunk in batches(ids, dispatch_batch(current_app.config)):
        enqueue(dispatch_notifications, chunk, queue="notifications")
    db.session.commit()
    return len(ids)


def purge_sessions() -> int:
    """Delete expired sessions (they are refused on load already; this keeps the table small)."""
    from ..identity import sessions
    from ..models._types import utcnow

    count = sessions.purge_expired(db.session, utcnow())
    db.session.commit()
    return count


def staff_digest() -> int:
    """Hourly: after ``SOB_STAFF_DIGEST_HOUR`` the day's digest e-mail to each staff member
    with held notices (once a day: the notices it folds in are done)."""
    host = current_app.extensions["sob"]
    rows = notify.digest_staff(
        db.session, channels=host.registry.channels, settings=dict(current_app.config)
    )
    db.session.commit()
    return len(rows)


def followup() -> int:
    """Every minute: open and expire battery occurrences, send due reminders, raise the
    time-based flags. Each step finds its work by an indexed query on what is due and commits."""
    from .. import batteries, flags, reminders
    from ..models._types import utcnow

    host = current_app.extensions["sob"]
    settings = dict(current_app.config)
    done = batteries.tick(db.session, utcnow())
    db.session.commit()
    done += reminders.tick(db.session, utcnow(), host.registry.channels, settings)
    db.session.commit()
    done += flags.tick(db.session, utcnow(), settings)
    db.session.commit()
    return done


def purge_data() -> int:
    """Hourly, acting in the night hour (``SOB_PURGE_HOUR``): tell the data administrators
    what will be purged, then purge the ended enrollments whose retention and notice have
    passed and that no legal hold keeps (``sob_core.datalife``); how many were purged."""
    from .. import datalife
    from ..media import get_storage
    from ..models._types import utcnow

    now = utcnow()
    settings = dict(current_app.config)
    if not datalife.is_purge_hour(now, settings):
        return 0
    host = current_app.extensions["sob"]
    done = datalife.run(
        db.session,
        now=now,
        settings=settings,
        channels=host.registry.channels,
        secret=str(current_app.config["SECRET_KEY"]),
        storage=get_storage(current_app),
    )
    return len(done)


def run_export(job_id: int) -> str:
    """Write an export job's file (``sob_core.exports``); returns the job's status."""
    from .. import exports

    host = current_app.extensions["sob"]
    settings = exports.ExportSettings.from_config(current_app.config, current_app.instance_path)
    return exports.run(db.session, int(job_id), registry=host.registry, settings=settings)


def export_housekeeping() -> int:
    """Every 10 minutes: delete expired export files, fail exports that died with their worker
    and queue lost ones again; how many were queued again."""
    from .. import exports
    from ..models._types import utcnow

    settings = exports.ExportSettings.from_config(current_app.config, current_app.instance_path)
    lost = exports.housekeeping(db.session, settings, utcnow())
    for job_id in lost:
        enqueue(run_export, job_id)
    db.session.commit()
    return len(lost)


#: the periodic jobs `sob cron` registers: (function, queue, interval in seconds)
PERIODIC = (
    (tick, "default", 60),
    (followup, "default", 60),
    (purge_sessions, "default", 600),
    (staff_digest, "default", 3600),
    (purge_data, "default", 3600),
    (export_housekeeping, "default", 600),
)
