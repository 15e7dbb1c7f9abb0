"""Internal signals: how one domain package reacts to another without importing it.

These are core wiring, never plugin hooks (plugins use ``hookspecs``). Each signal is a blinker
signal in the ``sob`` namespace. Senders pass the SQLAlchemy session as the blinker *sender* and
plain ids as keyword arguments, so a listener works with whichever app and session sent it and
holds no ORM object of another request. Every signal is sent inside the sender's transaction,
before it commits: a listener adds its rows to the same session (one commit, or one rollback,
for both), and an exception a listener raises propagates to the sender; nothing is swallowed.

Listeners are module-level functions connected once with ``weak=False`` when the domain package
that owns them is imported (e.g. ``sob_core.enrollments``), so there is no per-app state here.

``response_submitted``
    Sent by ``forms.submit`` once per response, when it is first submitted, after the answers are
    stored and the assignment (if any) is done, before scoring. Arguments: ``response_id``,
    ``assignment_id`` (None for a response without an assignment), ``citizen_id``,
    ``form_version_id``. Listened to by ``enrollments`` (timeline, item and module progress).

``result_recorded``
    Sent by ``results.pipeline.score`` once per scoring of a submitted response (also when
    ``recompute`` scores it again), after its result rows are flushed. Arguments:
    ``response_id``, ``citizen_id``, ``result_ids`` (list, possibly empty).

``enrollment_started``
    Sent by ``enrollments.start`` (and so ``self_start``) once per new enrollment, after its
    ``started`` event and first refresh. Arguments: ``enrollment_id``, ``citizen_id``,
    ``care_unit_id``, ``program_version_id``, ``started_by_id`` (None when the citizen started it).

``enrollment_ended``
    Sent by ``enrollments.end`` once, by the request whose change ended the enrollment, after
    its open form assignments are closed. Arguments: ``enrollment_id``, ``citizen_id``,
    ``actor_kind``, ``actor_id``.

``enrollment_changed``
    Sent by ``enrollments.to_maintenance`` and ``enrollments.change_therapist`` when the change
    took effect. Arguments: ``enrollment_id``, ``citizen_id``, ``change`` (``"maintenance"`` or
    ``"therapist"``), ``actor_id``.

``module_opened``
    Sent by ``enrollments`` once per module that opens (by its unlock rule or by staff).
    Arguments: ``enrollment_id``, ``citizen_id``, ``module_key``, ``at``. Listened to by
    ``batteries`` (batteries that start with a module).

``occurrence_opened``
    Sent by ``batteries`` once per battery occurrence that opens (its forms handed out).
    Arguments: ``occurrence_id``, ``enrollment_id``, ``citizen_id``, ``at``.

``occurrences_opened``
    Sent by ``batteries`` once per batch of occurrences that opened together (a tick's batch, or
    the one occurrence of an extra measurement), after the ``occurrence_opened`` of each.
    Arguments: ``occurrence_ids`` (list), ``at``. Listened to by ``reminders`` (plans the
    batch's reminders with a fixed number of statements).

``occurrence_closed``
    Sent by ``batteries`` once per occurrence that leaves ``open`` or ``planned``: ``status`` is
    ``done`` (all its forms submitted), ``missed`` (expired) or ``cancelled`` (battery stopped,
    enrollment ended). Arguments: ``occurrence_id``, ``enrollment_id``, ``citizen_id``,
    ``status``, ``at``.

``occurrences_closed``
    Sent by ``batteries`` once per batch of occurrences that closed together with the same
    ``status`` (a tick's expired batch, a stopped battery's, or the one occurrence of a
    submission), after the ``occurrence_closed`` of each. Arguments: ``occurrence_ids`` (list),
    ``status``, ``at``. Listened to by ``reminders`` (cancels) and ``flags`` (missed forms).

``activity_value_recorded``
    Sent by ``activity`` once per value a citizen registers. Arguments: ``value_id``,
    ``registration_id``, ``enrollment_id``, ``citizen_id``. Listened to by ``flags``.

``staff_reminder_due``
    Sent by ``reminders`` once per staff reminder whose day has come (it is then ``raised``).
    Arguments: ``staff_reminder_id``, ``enrollment_id``, ``at``. Listened to by ``flags``.

``flag_raised``
    Sent by ``flags`` once per new flag. Arguments: ``flag_id``, ``enrollment_id``,
    ``care_unit_id``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

response_submitted = _signals.signal("response-submitted")
result_recorded = _signals.signal("result-recorded")
enrollment_started = _signals.signal("enrollment-started")
enrollment_ended = _signals.signal("enrollment-ended")
enrollment_changed = _signals.signal("enrollment-changed")
module_opened = _signals.signal("module-opened")
occurrence_opened = _signals.signal("occurrence-opened")
occurrences_opened = _signals.signal("occurrences-opened")
occurrence_closed = _signals.signal("occurrence-closed")
occurrences_closed = _signals.signal("occurrences-closed")
activity_value_recorded = _signals.signal("activity-value-recorded")
flag_raised = _signals.signal("flag-raised")
staff_reminder_due = _signals.signal("staff-reminder-due")

__all__ = [
    "activity_value_recorded",
    "flag_raised",
    "module_opened",
    "occurrence_closed",
    "occurrences_closed",
    "occurrence_opened",
    "occurrences_opened",
    "enrollment_changed",
    "enrollment_ended",
    "enrollment_started",
    "response_submitted",
    "result_recorded",
    "staff_reminder_due",
]
