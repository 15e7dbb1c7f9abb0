"""Follow-up over time: measurement batteries on schedules, their occurrences and reminders,
flags with triage, and staff reminders.

A ``BatterySchedule`` is one battery (a named set of forms) running for one enrollment: when it
starts, how often it recurs, at which local time. Each planned sending is a ``BatteryOccurrence``
row with its planned local time and time zone and the UTC moments derived from them (opens, due,
expires); the periodic tick moves an occurrence planned → open → done / missed / cancelled, each
move one conditional UPDATE, so two ticks never move it twice. A ``Reminder`` is a row unique per
(occurrence, rule, number). A ``Flag`` is a case: new → acknowledged → resolved or dismissed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ._types import JSONType, UTCDateTime, utcnow

DEFAULT_TIME_ZONE = "Europe/Stockholm"


class BatterySchedule(Base):
    """One battery running for one enrollment.

    ``trigger``: ``enrollment_start`` (once, at the start), ``module_start`` (once, when
    ``module_key`` opens), ``repeat`` (every ``every_days`` days from ``start_date``, or from
    when ``module_key`` opens), ``extra`` (once, now). ``form_keys`` are the battery's forms
    (the latest version of each is handed out when an occurrence opens). ``battery_key`` names
    the programme's battery (None for an extra measurement of forms chosen by staff).
    ``count`` caps the occurrences (None: until the schedule is stopped or the enrollment ends).
    """

    __tablename__ = "battery_schedule"
    __table_args__ = (Index("ix_battery_schedule_enrollment_status", "enrollment_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    battery_key: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[dict] = mapped_column(JSONType, default=dict)  # LocalText
    form_keys: Mapped[list] = mapped_column(JSONType, default=list)
    trigger: Mapped[str] = mapped_column(String(16))
    module_key: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)  # local date of the first occurrence
    every_days: Mapped[int | None] = mapped_column(Integer)
    local_time: Mapped[str] = mapped_column(String(5), default="08:00")  # "HH:MM"
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    count: Mapped[int | None] = mapped_column(Integer)
    #: how long an opened occurrence waits before it is due, and before it expires (missed)
    due_days: Mapped[int] = mapped_column(Integer, default=3)
    expire_days: Mapped[int] = mapped_column(Integer, default=7)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active/stopped/done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    enrollment = relationship("Enrollment")


class BatteryOccurrence(Base):
    """One planned sending of a battery: status planned → open → done, or missed / cancelled.

    ``planned_local`` is the local wall time ("2026-03-29T08:00") in ``time_zone``; ``opens_at``,
    ``due_at`` and ``expires_at`` are UTC, derived from it when the row is written.
    """

    __tablename__ = "battery_occurrence"
    __table_args__ = (
        UniqueConstraint("schedule_id", "number"),
        Index("ix_battery_occurrence_status_opens", "status", "opens_at"),
        Index("ix_battery_occurrence_status_expires", "status", "expires_at"),
        Index("ix_battery_occurrence_enrollment", "enrollment_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("battery_schedule.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the schedule
    planned_local: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # done, missed or cancelled

    schedule: Mapped[BatterySchedule] = relationship()


class Reminder(Base):
    """One reminder to the citizen about an open occurrence: planned → sent, skipped or cancelled.

    Unique per (occurrence, rule, number); at send time the occurrence must still be open.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "rule_key", "number"),
        Index("ix_reminder_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("battery_occurrence.id", ondelete="CASCADE")
    )
    rule_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)  # 1 .. the rule's count (at most 5)
    last: Mapped[bool] = mapped_column(Boolean, default=False)  # the rule's last reminder
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(32))  # why cancelled or skipped
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"))


class StaffReminder(Base):
    """A staff member's note to self (or the team) on a patient for a day ("ring upp efter
    semestern"): it becomes a flag that day and, when ``in_digest``, a line in the digest."""

    __tablename__ = "staff_reminder"
    __table_args__ = (Index("ix_staff_reminder_status_on", "status", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    on_date: Mapped[date] = mapped_column(Date)  # the care unit's local day
    note: Mapped[str] = mapped_column(String(500))
    in_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned/raised/cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Flag(Base):
    """Something about a patient that needs staff attention, and its handling (a case).

    ``status``: new → acknowledged → resolved / dismissed (with ``close_note``). ``kind`` is the
    rule's kind (band, threshold, critical_item, change, missed_form, inactivity,
    unanswered_message, staff_reminder, activity_value); ``reason`` says why it fired
    ({"rule", "value", "threshold", ...}, plain values); the source columns name what caused it.
    ``active_key`` is set while the condition holds (unique), so a condition raises one flag,
    and a resolved flag fires again only after the condition cleared (key set to None) and recurs.
    """

    __tablename__ = "flag"
    __table_args__ = (
        Index("ix_flag_unit_status_raised", "care_unit_id", "status", "raised_at"),
        Index("ix_flag_enrollment_status", "enrollment_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"))
    rule_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int] = mapped_column(Integer, default=2)  # 1 low, 2 medium, 3 high
    reason: Mapped[dict] = mapped_column(JSONType, default=dict)
    active_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("form_response.id"))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("battery_occurrence.id"))
    staff_reminder_id: Mapped[int | None] = mapped_column(ForeignKey("staff_reminder.id"))
    activity_value_id: Mapped[int | None] = mapped_column(ForeignKey("activity_value.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    close_note: Mapped[str | None] = mapped_column(Text)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ActivityPlan(Base):
    """A patient's activity plan (aktivitetsplan): the therapist's instructions and registrations."""

    __tablename__ = "activity_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), unique=True
    )
    instructions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ActivityRegistration(Base):
    """One thing the citizen registers (weight in kg, walks in km ...), with optional targets."""

    __tablename__ = "activity_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("activity_plan.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    heading: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))  # one of activity.UNITS
    target_min: Mapped[float | None]
    target_max: Mapped[float | None]
    flag_outside: Mapped[bool] = mapped_column(Boolean, default=False)
    show_staff: Mapped[bool] = mapped_column(Boolean, default=True)  # chart and table for staff
    show_citizen: Mapped[bool] = mapped_column(Boolean, default=True)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # values are kept


class ActivityValue(Base):
    """One dated value the citizen registered; ``submission_key`` makes saving idempotent."""

    __tablename__ = "activity_value"
    __table_args__ = (Index("ix_activity_value_registration_on", "registration_id", "on_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("activity_registration.id", ondelete="CASCADE")
    )
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    on_date: Mapped[date] = mapped_column(Date)
    value: Mapped[float]
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
