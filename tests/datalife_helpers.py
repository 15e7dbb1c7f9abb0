"""Helpers of the data's-life tests: an ended enrollment with a row in every table that holds
an enrollment's data, and the scan of every table for what a purge must leave nothing of."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Table, select

from sob_core import enrollments
from sob_core.extensions import db
from sob_core.models import (
    ActivityPlan,
    ActivityRegistration,
    ActivityValue,
    BatteryOccurrence,
    BatterySchedule,
    Bookmark,
    Conversation,
    Enrollment,
    Flag,
    FormAssignment,
    FormResponse,
    LegalHold,
    Message,
    MessageDraft,
    MessageRead,
    Notification,
    NotificationAttempt,
    Program,
    PurgeNotice,
    Reminder,
    Result,
    StaffReminder,
)

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
#: the tables whose rows are kept on purpose, and why (the coverage test names them)
EXEMPT = {
    "citizen": "the person stays registered; her other enrollments may go on",
    "audit_event": "the audit log is never purged (issue 12 item 8)",
    "purge_record": "what is left of a purge: no enrollment id, no health data",
    "guardianship": "who is a child's guardian: no enrollment's data, kept like the citizen",
}


def citizen_tables() -> set[str]:
    """Every table with a foreign-key path to ``citizen`` or ``enrollment`` (from Base.metadata)."""
    tables: dict[str, Table] = dict(db.metadata.tables)
    holding = {"citizen", "enrollment"}
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            if name in holding:
                continue
            if any(fk.column.table.name in holding for fk in table.foreign_keys):
                holding.add(name)
                changed = True
    return holding


def end_enrollment(enrollment: Enrollment, *, days_ago: int, retention: int = 30) -> None:
    program = db.session.get(Program, enrollment.program_version.program_id)
    program.retention_days = retention
    enrollments.lifecycle.end(
        db.session, enrollment, "staff", None, now=NOW - timedelta(days=days_ago)
    )
    db.session.flush()


def fill(enrollment: Enrollment, *, with_notice: bool = False) -> None:
    """Add a row to every enrollment table the demo data leaves empty (each pointing where the
    domain code would point it), so the purge must reach all of them."""
    eid, cid, unit = enrollment.id, enrollment.citizen_id, enrollment.care_unit_id
    staff_id = enrollment.therapist_id
    conversation = Conversation(
        enrollment_id=eid, subject="Sömn", created_by_kind="citizen", created_by_id=cid
    )
    db.session.add(conversation)
    db.session.flush()
    message = Message(
        conversation_id=conversation.id,
        author_kind="citizen",
        author_id=cid,
        body="Jag sover dåligt",
        idempotency_key=f"purge-test-{eid}",
    )
    db.session.add(message)
    db.session.add(
        MessageDraft(
            enrollment_id=eid,
            author_kind="staff",
            author_id=staff_id or 0,
            slot=str(conversation.id),
            conversation_id=conversation.id,
            body="utkast",
        )
    )
    db.session.flush()
    db.session.add(MessageRead(message_id=message.id, reader_kind="staff", reader_id=staff_id or 0))
    schedule = BatterySchedule(enrollment_id=eid, trigger="extra", form_keys=["isi"])
    db.session.add(schedule)
    db.session.flush()
    occurrence = BatteryOccurrence(
        schedule_id=schedule.id,
        enrollment_id=eid,
        citizen_id=cid,
        number=1,
        planned_local="2026-09-01T08:00",
        opens_at=NOW - timedelta(days=90),
        due_at=NOW - timedelta(days=87),
        expires_at=NOW - timedelta(days=83),
        status="missed",
    )
    db.session.add(occurrence)
    db.session.flush()
    notice = Notification(
        recipient_kind="citizen", recipient_id=cid, channel="email", kind="form_due", link="/"
    )
    db.session.add(notice)
    db.session.flush()
    db.session.add(NotificationAttempt(notification_id=notice.id, number=1, outcome="sent"))
    db.session.add(
        Reminder(
            occurrence_id=occurrence.id,
            rule_key="standard",
            number=1,
            due_at=NOW - timedelta(days=89),
            status="sent",
            notification_id=notice.id,
        )
    )
    staff_note = StaffReminder(
        enrollment_id=eid, created_by_id=staff_id, on_date=date(2026, 9, 1), note="Ring"
    )
    plan = ActivityPlan(enrollment_id=eid, instructions="Promenera")
    db.session.add_all([staff_note, plan])
    db.session.flush()
    registration = ActivityRegistration(plan_id=plan.id, heading="Promenad", unit="km")
    db.session.add(registration)
    db.session.flush()
    value = ActivityValue(
        registration_id=registration.id,
        enrollment_id=eid,
        citizen_id=cid,
        on_date=date(2026, 9, 2),
        value=3.5,
        submission_key=f"purge-test-{eid}",
    )
    db.session.add_all([value, Bookmark(enrollment_id=eid, item_key="intro")])
    db.session.flush()
    response = db.session.scalar(
        select(FormResponse)
        .join(FormAssignment, FormResponse.assignment_id == FormAssignment.id)
        .where(FormAssignment.enrollment_id == eid)
    )
    result = (
        db.session.scalar(select(Result).where(Result.response_id == response.id))
        if response
        else None
    )
    db.session.add(
        Flag(
            enrollment_id=eid,
            citizen_id=cid,
            care_unit_id=unit,
            rule_key="test",
            kind="band",
            response_id=response.id if response else None,
            result_id=result.id if result else None,
            message_id=message.id,
            occurrence_id=occurrence.id,
            staff_reminder_id=staff_note.id,
            activity_value_id=value.id,
        )
    )
    db.session.add(
        Notification(
            recipient_kind="staff",
            recipient_id=staff_id or 0,
            channel="email",
            kind="new_message",
            link=f"/staff/patients/{eid}/messages",
            coalesce_key=f"conversation:{conversation.id}",
        )
    )
    db.session.add(
        LegalHold(enrollment_id=eid, reason="old", set_at=NOW, lifted_at=NOW, lift_reason="ok")
    )
    if with_notice:
        db.session.add(PurgeNotice(enrollment_id=eid, due_at=NOW, purge_after=NOW))
    db.session.flush()


def owned_rows(enrollment_id: int) -> set[tuple[str, int]]:
    """Every row that hangs (by foreign keys, at any depth) from the enrollment."""
    owned: set[tuple[str, int]] = {("enrollment", enrollment_id)}
    changed = True
    while changed:
        changed = False
        for table in db.metadata.sorted_tables:
            if "id" not in table.c:
                continue
            for fk in table.foreign_keys:
                parents = [pid for name, pid in owned if name == fk.column.table.name]
                if not parents:
                    continue
                for (row_id,) in db.session.execute(
                    select(table.c.id).where(fk.parent.in_(parents))
                ):
                    if (table.name, row_id) not in owned:
                        owned.add((table.name, row_id))
                        changed = True
    return owned


def references_to(rows: Iterable[tuple[str, int]]) -> list[str]:
    """Every row of every table whose foreign key (or ``enrollment_id`` column) names a row of
    ``rows``, or which is one of them: what a scan after the purge must not find."""
    wanted: dict[str, set[int]] = {}
    for name, row_id in rows:
        wanted.setdefault(name, set()).add(row_id)
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in wanted and "id" in table.c:
            for (row_id,) in db.session.execute(
                select(table.c.id).where(table.c.id.in_(wanted[table.name]))
            ):
                found.append(f"{table.name}.id={row_id} still exists")
        for column in table.c:
            targets = {fk.column.table.name for fk in column.foreign_keys}
            if column.name == "enrollment_id":
                targets.add("enrollment")
            for target in targets & set(wanted):
                for (value,) in db.session.execute(
                    select(column).where(column.in_(wanted[target]))
                ):
                    found.append(f"{table.name}.{column.name}={value} names {target}")
    return found
