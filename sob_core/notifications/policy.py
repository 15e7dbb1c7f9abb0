"""Who is told what, when: the citizen's chosen channels, coalescing, activity, quiet hours,
and the staff member's choice between an e-mail at once and a daily digest.

Callers (messaging, forms) call ``notify_citizen``/``notify_staff`` in the transaction of what
caused the notice and commit; the rows that are due now are dispatched after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Citizen, NoticePreference, Notification, Staff, UserSession
from ..types import NotificationChannel

INBOX = "inbox"
#: the outgoing channels a citizen gets before choosing (each only with an address)
DEFAULT_CITIZEN_CHANNELS = ("email",)
STAFF_MODES = ("off", "immediate", "digest")
DEFAULTS: dict[str, Any] = {
    "SOB_NOTICE_COALESCE_MINUTES": 15.0,
    "SOB_NOTICE_ACTIVE_MINUTES": 5.0,
    "SOB_SMS_QUIET_HOURS": "21-08",
    "SOB_NOTICE_TIMEZONE": "Europe/Stockholm",
    "SOB_STAFF_DIGEST_HOUR": 7,
}


def _setting(settings: Mapping[str, Any], name: str) -> Any:
    value = settings.get(name)
    return DEFAULTS[name] if value is None or value == "" else value


def quiet_hours(text: str) -> tuple[int, int] | None:
    """``"21-08"`` → (21, 8); ``""`` or ``"off"`` → None. Raises ValueError otherwise."""
    text = (text or "").strip().lower()
    if text in ("", "off", "none"):
        return None
    start, _, end = text.partition("-")
    hours = (int(start), int(end))
    if not all(0 <= hour <= 23 for hour in hours) or hours[0] == hours[1]:
        raise ValueError(f"quiet hours must be like 21-08, not {text!r}")
    return hours


def after_quiet_hours(moment: datetime, hours: tuple[int, int] | None, zone: str) -> datetime:
    """``moment``, or the end of the quiet hours it falls in (local time of ``zone``)."""
    if hours is None:
        return moment
    start, end = hours
    local = moment.astimezone(ZoneInfo(zone))
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return moment
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), ZoneInfo(zone)).astimezone(UTC)


def local_time(moment: datetime, settings: Mapping[str, Any]) -> str:
    """``2026-12-02 08:15`` in the service's time zone (``SOB_NOTICE_TIMEZONE``)."""
    zone = ZoneInfo(str(_setting(settings, "SOB_NOTICE_TIMEZONE")))
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def preference(session: Session, person_kind: str, person_id: int) -> NoticePreference:
    """The person's stored preference, or a new (unsaved) one with the defaults."""
    pref = session.scalar(
        select(NoticePreference).where(
            NoticePreference.person_kind == person_kind, NoticePreference.person_id == person_id
        )
    )
    return pref if pref is not None else default_preference(person_kind, person_id)


def default_preference(person_kind: str, person_id: int) -> NoticePreference:
    """A new (unsaved) preference with the defaults."""
    return NoticePreference(
        person_kind=person_kind,
        person_id=person_id,
        channels=list(DEFAULT_CITIZEN_CHANNELS) if person_kind == "citizen" else ["email"],
        language="sv",
        staff_mode="off",
    )


def save_preference(session: Session, pref: NoticePreference, now: datetime) -> None:
    pref.updated_at = now
    if pref.id is None:
        session.add(pref)
    session.flush()


def is_active(session: Session, kind: str, person_id: int, now: datetime, minutes: float) -> bool:
    """Did the person make a request within ``minutes``, in a session that has not ended?"""
    since = now - timedelta(minutes=float(minutes))
    return (
        session.scalar(
            select(UserSession.id)
            .where(
                UserSession.person_kind == kind,
                UserSession.person_id == person_id,
                UserSession.last_seen_at >= since,
                UserSession.expires_at > now,
            )
            .limit(1)
        )
        is not None
    )


def _coalesced(
    session: Session,
    kind: str,
    person_id: int,
    channel: str,
    key: str | None,
    now: datetime,
    minutes: float,
) -> Notification | None:
    if not key:
        return None
    since = now - timedelta(minutes=float(minutes))
    return session.scalar(
        select(Notification)
        .where(
            Notification.recipient_kind == kind,
            Notification.recipient_id == person_id,
            Notification.channel == channel,
            Notification.coalesce_key == key,
            or_(
                Notification.status.in_(("pending", "held")),
                Notification.created_at >= since,
            ),
        )
        .order_by(Notification.id.desc())
        .limit(1)
    )


def _write(
    session: Session,
    *,
    kind: str,
    person_id: int,
    channel: str,
    notice_kind: str,
    link: str,
    key: str | None,
    now: datetime,
    settings: Mapping[str, Any],
    status: str = "pending",
    due_at: datetime | None = None,
    care_unit_id: int | None = None,
    known: CitizenFacts | None = None,
) -> Notification | None:
    """A new outbox row, or None when one for the same key was written lately (merged)."""
    from . import TEMPLATES, UnknownNotification

    if notice_kind not in TEMPLATES:
        raise UnknownNotification(f"unknown notification kind {notice_kind!r}")
    if known is not None and key in known.keys:
        earlier = known.coalesced.get((person_id, channel, key))
    else:
        earlier = _coalesced(
            session,
            kind,
            person_id,
            channel,
            key,
            now,
            _setting(settings, "SOB_NOTICE_COALESCE_MINUTES"),
        )
    if earlier is not None:
        earlier.extra = {
            **(earlier.extra or {}),
            "merged": (earlier.extra or {}).get("merged", 0) + 1,
        }
        return None
    row = Notification(
        recipient_kind=kind,
        recipient_id=person_id,
        channel=channel,
        kind=notice_kind,
        link=link,
        coalesce_key=key,
        care_unit_id=care_unit_id,
        status=status,
        created_at=now,
        due_at=due_at or now,
        extra={},
    )
    session.add(row)
    if known is not None and key in known.keys:
        known.coalesced[(person_id, channel, key)] = row
    return row


def dispatch_due(
    session: Session, rows: list[Notification], now: datetime, *, bulk: bool = False
) -> None:
    """Flush ``rows`` and have those due now dispatched after the commit.

    With ``bulk`` (a tick's batch) the new rows are written by one Core INSERT … RETURNING
    (an executemany) instead of the unit of work, and attached to the session as loaded."""
    from . import dispatch_after_commit

    fresh = [row for row in rows if row in session.new]
    if bulk and fresh:
        _insert_bulk(session, fresh)
    else:
        # The ORM inserts consecutive new rows of the same shape with one statement: the inbox
        # rows (written sent) and the e-mail rows (pending) alternate, so they are added again
        # by channel.
        for row in sorted(fresh, key=lambda row: row.channel):
            session.expunge(row)
            session.add(row)
    session.flush()
    dispatch_after_commit(session, [r for r in rows if r.status == "pending" and r.due_at <= now])


def _insert_bulk(session: Session, fresh: list[Notification]) -> None:
    """Insert new outbox rows in one statement and make them persistent (every column set)."""
    from sqlalchemy import Table, insert
    from sqlalchemy.orm import make_transient_to_detached

    table: Table = Notification.__table__  # type: ignore[assignment]
    columns = [column for column in table.columns if column.key != "id"]
    for row in fresh:
        session.expunge(row)  # not flushed by the autoflush of the INSERT below
        for column in columns:
            if column.key in row.__dict__:
                continue
            default = column.default
            value = None
            if default is not None:
                value = default.arg if default.is_scalar else default.arg(None)  # type: ignore[attr-defined]
            setattr(row, column.key, value)
    ids = session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [{column.key: row.__dict__[column.key] for column in columns} for row in fresh],
    ).all()
    for row, row_id in zip(fresh, ids, strict=True):
        row.id = row_id
        make_transient_to_detached(row)
        session.add(row)


@dataclass
class CitizenFacts:
    """What ``notify_citizen`` reads about citizens, read for a whole batch at once
    (``prefetch_citizens``): the citizens, their stored preferences, who is active now, and the
    latest outbox row per (citizen, channel, coalescing key) that a new notice would merge into.
    Rows written through it are added, so a second notice in the same batch merges as well."""

    citizens: dict[int, Citizen] = field(default_factory=dict)
    preferences: dict[int, NoticePreference] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)
    coalesced: dict[tuple[int, str, str], Notification] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)


def prefetch_citizens(
    session: Session,
    citizen_ids: list[int],
    coalesce_keys: list[str],
    *,
    now: datetime,
    settings: Mapping[str, Any],
) -> CitizenFacts:
    """Read what ``notify_citizen`` needs about these citizens in four queries."""
    ids = sorted(set(citizen_ids))
    facts = CitizenFacts(keys=set(coalesce_keys))
    if not ids:
        return facts
    facts.citizens = {c.id: c for c in session.scalars(select(Citizen).where(Citizen.id.in_(ids)))}
    facts.preferences = {
        p.person_id: p
        for p in session.scalars(
            select(NoticePreference).where(
                NoticePreference.person_kind == "citizen", NoticePreference.person_id.in_(ids)
            )
        )
    }
    since = now - timedelta(minutes=float(_setting(settings, "SOB_NOTICE_ACTIVE_MINUTES")))
    facts.active = set(
        session.scalars(
            select(UserSession.person_id)
            .where(
                UserSession.person_kind == "citizen",
                UserSession.person_id.in_(ids),
                UserSession.last_seen_at >= since,
                UserSession.expires_at > now,
            )
            .distinct()
        )
    )
    if facts.keys:
        minutes = float(_setting(settings, "SOB_NOTICE_COALESCE_MINUTES"))
        for row in session.scalars(
            select(Notification)
            .where(
                Notification.recipient_kind == "citizen",
                Notification.recipient_id.in_(ids),
                Notification.coalesce_key.in_(sorted(facts.keys)),
                or_(
                    Notification.status.in_(("pending", "held")),
                    Notification.created_at >= now - timedelta(minutes=minutes),
                ),
            )
            .order_by(Notification.id)
        ):
            assert row.coalesce_key is not None
            facts.coalesced[(row.recipient_id, row.channel, row.coalesce_key)] = row  # the latest
    return facts


def notify_citizen(
    session: Session,
    citizen_id: int,
    kind: str,
    *,
    link: str = "",
    coalesce_key: str | None = None,
    channels: Mapping[str, NotificationChannel],
    now: datetime | None = None,
    settings: Mapping[str, Any],
    care_unit_id: int | None = None,
    known: CitizenFacts | None = None,
    flush: bool = True,
) -> list[Notification]:
    """Write the outbox rows telling a citizen that something waits; returns the new rows.

    The inbox always; e-mail and SMS as the citizen chose (each only with an address, and none
    while the citizen is active in the service). At most one notice per ``coalesce_key`` and
    channel per ``SOB_NOTICE_COALESCE_MINUTES`` (later ones merge into it); a channel with
    ``quiet_hours`` waits until the end of ``SOB_SMS_QUIET_HOURS``. Rows due now are
    dispatched after the caller's commit. ``known`` (from ``prefetch_citizens``, read with the
    same ``now``) saves the lookups when a batch of citizens is told at once; with
    ``flush=False`` the rows are only added to the session, and the caller flushes the whole
    batch at once and passes its rows to ``dispatch_due``. A channel marked ``local`` (the
    inbox) is delivered by its row: written ``sent``, no job.
    """
    now = now or datetime.now(UTC)
    facts = known if known is not None and citizen_id in known.citizens else None
    citizen = facts.citizens[citizen_id] if facts is not None else session.get(Citizen, citizen_id)
    if citizen is None:
        from . import UnknownNotification

        raise UnknownNotification(f"no citizen {citizen_id}")
    if facts is not None:
        stored = facts.preferences.get(citizen_id)
        pref = stored if stored is not None else default_preference("citizen", citizen_id)
        active = citizen_id in facts.active
    else:
        pref = preference(session, "citizen", citizen_id)
        active = is_active(
            session, "citizen", citizen_id, now, _setting(settings, "SOB_NOTICE_ACTIVE_MINUTES")
        )
    chosen = [INBOX, *(c for c in pref.channels if c != INBOX)]
    addresses = {"email": citizen.email, "sms": citizen.phone}
    quiet = quiet_hours(str(_setting(settings, "SOB_SMS_QUIET_HOURS")))
    zone = str(_setting(settings, "SOB_NOTICE_TIMEZONE"))
    rows: list[Notification] = []
    for key in chosen:
        channel = channels.get(key)
        if channel is None:
            continue
        if key != INBOX and (active or (key in addresses and not addresses[key])):
            continue  # nothing leaves while the citizen is here, nor without an address
        due = after_quiet_hours(now, quiet, zone) if channel.quiet_hours else now
        local = bool(getattr(channel, "local", False))
        row = _write(
            session,
            kind="citizen",
            person_id=citizen_id,
            channel=key,
            notice_kind=kind,
            link=link,
            key=coalesce_key,
            now=now,
            settings=settings,
            due_at=due,
            care_unit_id=care_unit_id,
            known=facts,
            status="sent" if local else "pending",
        )
        if row is not None:
            if local:  # delivered by being written: no job, no attempt
                row.sent_at = now
                row.provider_ref = key
            rows.append(row)
    if flush:
        dispatch_due(session, rows, now)
    return rows


def notify_staff(
    session: Session,
    staff_id: int,
    kind: str = "staff_new_messages",
    *,
    link: str = "",
    coalesce_key: str | None = None,
    channels: Mapping[str, NotificationChannel],
    now: datetime | None = None,
    settings: Mapping[str, Any],
    care_unit_id: int | None = None,
) -> list[Notification]:
    """Tell a staff member by e-mail, as they chose: at once, in the daily digest, or not.

    A digest notice is written ``held`` and sent with the next ``digest_staff``.
    """
    now = now or datetime.now(UTC)
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active or not staff.email or "email" not in channels:
        return []
    mode = preference(session, "staff", staff_id).staff_mode
    if mode not in ("immediate", "digest"):
        return []
    if mode == "immediate" and is_active(
        session, "staff", staff_id, now, _setting(settings, "SOB_NOTICE_ACTIVE_MINUTES")
    ):
        return []
    row = _write(
        session,
        kind="staff",
        person_id=staff_id,
        channel="email",
        notice_kind=kind,
        link=link,
        key=coalesce_key,
        now=now,
        settings=settings,
        status="held" if mode == "digest" else "pending",
        care_unit_id=care_unit_id,
    )
    rows = [row] if row is not None else []
    dispatch_due(session, rows, now)
    return rows


def digest_moment(now: datetime, settings: Mapping[str, Any]) -> datetime:
    """Today's digest time (``SOB_STAFF_DIGEST_HOUR`` local), as UTC."""
    zone = ZoneInfo(str(_setting(settings, "SOB_NOTICE_TIMEZONE")))
    hour = int(_setting(settings, "SOB_STAFF_DIGEST_HOUR"))
    return datetime.combine(now.astimezone(zone).date(), time(hour), zone).astimezone(UTC)


def digest_staff(
    session: Session,
    *,
    channels: Mapping[str, NotificationChannel],
    now: datetime | None = None,
    settings: Mapping[str, Any],
    link: str = "/staff/",
) -> list[Notification]:
    """Once a day: one digest e-mail per staff member for the notices held since the last one.

    Held notices written before today's digest time are folded into one ``staff_digest`` row
    (they become ``digested``). Running it again the same day finds nothing more to do.
    """
    now = now or datetime.now(UTC)
    moment = digest_moment(now, settings)
    if now < moment or "email" not in channels:
        return []
    held = list(
        session.scalars(
            select(Notification)
            .where(Notification.status == "held", Notification.created_at < moment)
            .order_by(Notification.recipient_id, Notification.id)
        )
    )
    by_staff: dict[int, list[Notification]] = {}
    for row in held:
        by_staff.setdefault(row.recipient_id, []).append(row)
    rows: list[Notification] = []
    for staff_id, waiting in by_staff.items():
        digest = Notification(
            recipient_kind="staff",
            recipient_id=staff_id,
            channel="email",
            kind="staff_digest",
            link=link,
            status="pending",
            created_at=now,
            due_at=now,
            extra={"notices": len(waiting)},
        )
        session.add(digest)
        session.flush()
        for row in waiting:
            row.status = "digested"
            row.extra = {**(row.extra or {}), "digest_id": digest.id}
        rows.append(digest)
    dispatch_due(session, rows, now)
    return rows
