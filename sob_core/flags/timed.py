"""The time-based flags the periodic tick raises and clears: inactivity, unanswered messages.

Each finds its work by indexed queries on what holds now: per programme version with such a
rule, the ongoing enrollments of that version (``ix_enrollment`` on ``program_version_id``)
whose last activity is older than the rule's days, the conversations whose oldest unanswered
citizen message is; and the active flags of these kinds whose condition no longer holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from ..models import Conversation, Enrollment, Flag, Message, ProgramVersion
from . import rules as flag_rules
from .cases import clear, raise_flag

ONGOING = ("active", "maintenance")
#: at most this many flags raised per kind and rule in one tick (the rest next minute)
BATCH = 500


def version_rules(session: Session) -> list[tuple[int, Any]]:
    """(version id, stored flag rules) of every programme version that is not a draft; one
    query, read once per tick for both kinds."""
    rows = session.execute(
        select(ProgramVersion.id, ProgramVersion.content["flag_rules"]).where(
            ProgramVersion.status != "draft"
        )
    )
    return [(int(version_id), raw) for version_id, raw in rows]


def _versions_with(
    session: Session, kind: str, versions: list[tuple[int, Any]] | None = None
) -> list[tuple[int, Mapping[str, Any]]]:
    """(version id, rule) of each programme version whose rules hold a rule of ``kind``."""
    out: list[tuple[int, Mapping[str, Any]]] = []
    for version_id, raw in versions if versions is not None else version_rules(session):
        for rule in flag_rules.effective(raw if isinstance(raw, list) else None):
            days = rule.get("days")
            if rule.get("kind") == kind and isinstance(days, int) and days >= 1:
                out.append((version_id, rule))
    return out


def _key(enrollment_id: int, rule: Mapping[str, Any], *parts: Any) -> str:
    return ":".join(["e" + str(enrollment_id), str(rule["key"]), *map(str, parts)])[:200]


def inactivity(
    session: Session, now: datetime, versions: list[tuple[int, Any]] | None = None
) -> int:
    raised = 0
    for version_id, rule in _versions_with(session, "inactivity", versions):
        cutoff = now - timedelta(days=int(rule["days"]))
        last = func.coalesce(Enrollment.last_active_at, Enrollment.started_at)
        prefix = f":{rule['key']}:inactive"
        held = exists().where(
            Flag.active_key == literal("e") + cast(Enrollment.id, String) + literal(prefix)
        )
        rows = session.scalars(
            select(Enrollment)
            .where(
                Enrollment.program_version_id == version_id,
                Enrollment.status.in_(ONGOING),
                last <= cutoff,
                ~held,
            )
            .order_by(Enrollment.id)
            .limit(BATCH)
        ).all()
        for enrollment in rows:
            since = enrollment.last_active_at or enrollment.started_at
            flag = raise_flag(
                session,
                enrollment=enrollment,
                rule_key=str(rule["key"]),
                kind="inactivity",
                severity=int(rule.get("severity", 2)),
                reason={
                    "rule": rule["key"],
                    "days": int(rule["days"]),
                    "last_active_at": since.isoformat(),
                    "never_active": enrollment.last_active_at is None,
                },
                active_key=_key(enrollment.id, rule, "inactive"),
                now=now,
            )
            raised += flag is not None
    # the citizen came back (after the flag was raised), or the enrollment ended
    back = session.execute(
        select(Flag.active_key)
        .join(Enrollment, Enrollment.id == Flag.enrollment_id)
        .where(
            Flag.active_key.is_not(None),
            Flag.kind == "inactivity",
            (Enrollment.last_active_at > Flag.raised_at) | Enrollment.status.not_in(ONGOING),
        )
    ).scalars()
    for key in list(back):
        if key:
            clear(session, key, now)
    return raised


def unanswered(
    session: Session, now: datetime, versions: list[tuple[int, Any]] | None = None
) -> int:
    raised = 0
    staff = aliased(Message)
    for version_id, rule in _versions_with(session, "unanswered_message", versions):
        cutoff = now - timedelta(days=int(rule["days"]))
        answered_later = exists().where(
            staff.conversation_id == Message.conversation_id,
            staff.author_kind == "staff",
            staff.retracted_at.is_(None),
            staff.sent_at >= Message.sent_at,
        )
        waiting = (
            select(
                Message.conversation_id,
                func.min(Message.id).label("message_id"),
                func.min(Message.sent_at).label("since"),
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Enrollment, Enrollment.id == Conversation.enrollment_id)
            .where(
                Enrollment.program_version_id == version_id,
                Enrollment.status.in_(ONGOING),
                Message.author_kind == "citizen",
                Message.retracted_at.is_(None),
                ~answered_later,
            )
            .group_by(Message.conversation_id)
            .having(func.min(Message.sent_at) <= cutoff)
            .subquery()
        )
        rows = session.execute(
            select(waiting.c.conversation_id, waiting.c.message_id, waiting.c.since, Enrollment)
            .join(Conversation, Conversation.id == waiting.c.conversation_id)
            .join(Enrollment, Enrollment.id == Conversation.enrollment_id)
            .order_by(waiting.c.conversation_id)
        ).all()
        for conversation_id, message_id, since, enrollment in rows[:BATCH]:
            flag = raise_flag(
                session,
                enrollment=enrollment,
                rule_key=str(rule["key"]),
                kind="unanswered_message",
                severity=int(rule.get("severity", 2)),
                reason={
                    "rule": rule["key"],
                    "days": int(rule["days"]),
                    "conversation_id": conversation_id,
                    "sent_at": since.isoformat() if since else None,
                },
                active_key=_key(enrollment.id, rule, "conversation", conversation_id),
                now=now,
                message_id=message_id,
            )
            raised += flag is not None
    # answered by staff (a staff message after the flag's message), or the enrollment ended
    cause = aliased(Message)
    reply = aliased(Message)
    done = session.execute(
        select(Flag.active_key)
        .join(cause, cause.id == Flag.message_id)
        .join(Enrollment, Enrollment.id == Flag.enrollment_id)
        .where(
            Flag.active_key.is_not(None),
            Flag.kind == "unanswered_message",
            exists().where(
                and_(
                    reply.conversation_id == cause.conversation_id,
                    reply.author_kind == "staff",
                    reply.retracted_at.is_(None),
                    reply.sent_at >= cause.sent_at,
                )
            )
            | Enrollment.status.not_in(ONGOING),
        )
    ).scalars()
    for key in list(done):
        if key:
            clear(session, key, now)
    return raised
