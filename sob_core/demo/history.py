"""Bring demo enrollments to their stage, back in time, through the enrollment services.

Each demo citizen's place in a programme (`stages.json`) is reached the way a real citizen gets
there: forms answered, texts read, modules completed, a module opened by the therapist, the
enrollment moved to maintenance or ended. The services stamp "now"; the walker then dates each
step back to when it would have happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import enrollments, forms
from ..models import (
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    EnrollmentModule,
    Form,
    FormAssignment,
    FormResponse,
    FormVersion,
    ItemProgress,
    ProgramVersion,
    Staff,
)


@dataclass(frozen=True)
class Stage:
    """Where one demo citizen is in a programme, as days before now."""

    name: str
    care_unit: str  # HSA-id
    therapist: str | None  # None: the citizen started an open programme themselves
    started: int  # days ago
    done: int  # modules completed
    program: str
    version: str = "1.0"
    reading: int | None = None  # days ago the citizen last read something in the open module
    activate_last: bool = False  # the therapist opened the by_therapist module
    ended: int | None = None  # days ago the enrollment ended
    maintenance: int | None = None  # days ago it moved to maintenance
    flagged: int | None = None  # days ago the flag measurement (`stages.json` "flag") was sent
    # Per form key, the answer of week 1, 2, ... (a sleep diary improving week by week)
    weekly_answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, entry: dict[str, Any]) -> Stage:
        return cls(
            name=entry["citizen"],
            care_unit=entry["care_unit"],
            therapist=entry.get("therapist"),
            started=entry["started"],
            done=entry["done"],
            program=entry["program"],
            version=entry.get("version", "1.0"),
            reading=entry.get("reading"),
            activate_last=entry.get("activate_last", False),
            ended=entry.get("ended"),
            maintenance=entry.get("maintenance"),
            flagged=entry.get("flagged"),
            weekly_answers=entry.get("weekly_answers", {}),
        )

    def answers(self, form_key: str, week: int, fixed: dict[str, Any]) -> dict[str, Any] | None:
        weekly = self.weekly_answers.get(form_key)
        if weekly is not None and week < len(weekly):
            return weekly[week]
        return fixed.get(form_key)


def date_response(response: FormResponse, when: datetime) -> None:
    """Date a response the services stamped "now" back to ``when``: opened a few minutes before
    it was sent in, last changed and scored at that moment."""
    response.started_at = when - timedelta(minutes=4)
    response.submitted_at = when
    response.updated_at = when  # set, so that the column's onupdate does not stamp the wall clock
    for result in response.results:
        result.at = when
        result.computed_at = when


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _recorded(moment: datetime | None) -> datetime:
    """A moment the state guarantees (an open module's ``opened_at``, an answer's ``submitted_at``)."""
    if moment is None:  # pragma: no cover - the services set it with the state
        raise RuntimeError("the demo history expected a recorded moment")
    return _aware(moment)


class History:
    """Brings demo enrollments to their stage through the enrollment services, back in time.

    ``answers`` are the fixed answers by form key (a form without weekly answers); ``flag`` names
    the form and answers of the flagged measurement (``{"form": ..., "answers": ...}``).
    """

    def __init__(
        self,
        session: Session,
        host: Any,
        now: datetime,
        *,
        answers: dict[str, dict[str, Any]],
        flag: dict[str, Any] | None = None,
    ) -> None:
        self.session = session
        self.host = host
        self.now = now
        self.fixed_answers = answers
        self.flag = flag

    # -- forms, answered in the past --

    def submit(
        self, enrollment: Enrollment, assignment: FormAssignment, answers: dict, when: datetime
    ) -> None:
        """Submit through the forms service, then date the answer and its results back.

        Its ``form_submitted`` event is dated once per enrollment, at the end of `bring_to_stage`.
        """
        response = forms.open_response(self.session, assignment)
        forms.submit(self.session, self.host, response, answers)
        self.session.flush()
        date_response(response, when)
        if assignment.item_key:
            progress = self.session.scalar(
                select(ItemProgress).where(
                    ItemProgress.enrollment_id == enrollment.id,
                    ItemProgress.item_key == assignment.item_key,
                )
            )
            if progress is not None:
                progress.first_opened_at = when - timedelta(minutes=5)
                progress.done_at = when
        self.session.flush()

    def _date_submission_events(self, enrollment: Enrollment) -> None:
        """``form_submitted`` events carry the time of their answer (the service used "now")."""
        events = self.session.scalars(
            select(EnrollmentEvent).where(
                EnrollmentEvent.enrollment_id == enrollment.id,
                EnrollmentEvent.kind == "form_submitted",
            )
        ).all()
        ids = [e.detail.get("response_id") for e in events if e.detail.get("response_id")]
        when = dict(
            self.session.execute(
                select(FormResponse.id, FormResponse.submitted_at).where(FormResponse.id.in_(ids))
            ).all()
        )
        for event in events:
            response_id = event.detail.get("response_id")
            moment = when.get(response_id) if response_id else None
            if moment is not None and _aware(event.at) != _aware(moment):
                event.at = moment

    def extra_measurement(
        self, enrollment: Enrollment, form_key: str, answers: dict, when: datetime
    ) -> None:
        form = self.session.scalar(select(Form).where(Form.key == form_key))
        if form is None:
            return
        assignment = FormAssignment(
            citizen_id=enrollment.citizen_id,
            enrollment_id=enrollment.id,
            form_version_id=form.latest.id,
            assigned_by_id=enrollment.therapist_id,
            assigned_at=when - timedelta(hours=3),
        )
        self.session.add(assignment)
        self.session.flush()
        self.submit(enrollment, assignment, answers, when)

    # -- modules --

    def _module_row(self, enrollment: Enrollment, key: str) -> EnrollmentModule:
        return self.session.scalars(
            select(EnrollmentModule)
            .where(
                EnrollmentModule.enrollment_id == enrollment.id,
                EnrollmentModule.module_key == key,
            )
            .execution_options(populate_existing=True)
        ).one()

    def _open_form(self, enrollment: Enrollment, item_key: str) -> FormAssignment | None:
        return self.session.scalar(
            select(FormAssignment).where(
                FormAssignment.enrollment_id == enrollment.id,
                FormAssignment.item_key == item_key,
                FormAssignment.status == "open",
            )
        )

    def work_through(self, enrollment: Enrollment, module: dict, week: int, stage: Stage) -> None:
        """The citizen answers the module's forms, then reads its texts over the week."""
        therapist_id = enrollment.therapist_id
        row = self._module_row(enrollment, module["key"])
        # activate_last stages all have a therapist: the therapist is who opens the module
        if row.state == "locked" and stage.activate_last and therapist_id is not None:
            enrollments.activate_module(
                self.session,
                enrollment,
                module["key"],
                therapist_id,
                _aware(row.opened_at or self._last_completion(enrollment)) + timedelta(days=1),
            )
            row = self._module_row(enrollment, module["key"])
        if row.state != "open":
            return
        opened = _recorded(row.opened_at)
        # Forms first: the module is complete when its last text is read, at a past moment.
        for item in module["items"]:
            if item["kind"] != "form":
                continue
            assignment = self._open_form(enrollment, item["key"])
            answers = stage.answers(item["form_key"], week, self.fixed_answers)
            if assignment is not None and answers is not None:
                when = opened + timedelta(days=3, hours=1)
                self.submit(enrollment, assignment, answers, when)
        texts = [i for i in module["items"] if i["kind"] != "form"]
        for number, item in enumerate(texts):
            when = opened + timedelta(hours=2) + timedelta(hours=160) * (number + 1) / len(texts)
            enrollments.open_item(self.session, enrollment, item["key"], when)
        if self._module_row(enrollment, module["key"]).state != "done":
            # A form nobody answered: the therapist sets the module done ("Sätt till avklarad").
            enrollments.complete_module(
                self.session,
                enrollment,
                module["key"],
                "staff",
                therapist_id,
                opened + timedelta(days=6, hours=22),
            )

    def _last_completion(self, enrollment: Enrollment) -> datetime:
        moments = self.session.scalars(
            select(EnrollmentModule.completed_at).where(
                EnrollmentModule.enrollment_id == enrollment.id,
                EnrollmentModule.completed_at.is_not(None),
            )
        ).all()
        return max(
            (_aware(m) for m in moments if m is not None), default=_aware(enrollment.started_at)
        )

    def bring_to_stage(self, enrollment: Enrollment, stage: Stage) -> None:
        content = enrollment.program_version.content
        modules = content["modules"]
        for week, module in enumerate(modules[: stage.done]):
            self.work_through(enrollment, module, week, stage)
        if stage.done < len(modules):
            current = modules[stage.done]
            row = self._module_row(enrollment, current["key"])
            therapist_id = enrollment.therapist_id
            if row.state == "locked" and stage.activate_last and therapist_id is not None:
                enrollments.activate_module(
                    self.session,
                    enrollment,
                    current["key"],
                    therapist_id,
                    self._last_completion(enrollment) + timedelta(days=1),
                )
                row = self._module_row(enrollment, current["key"])
            texts = [i for i in current["items"] if i["kind"] != "form"]
            if row.state == "open" and stage.reading is not None and texts:
                when = max(
                    _recorded(row.opened_at) + timedelta(minutes=30),
                    self.now - timedelta(days=stage.reading, hours=2),
                )
                if when < self.now:
                    enrollments.open_item(self.session, enrollment, texts[0]["key"], when)
        if stage.flagged is not None and self.flag is not None:
            self.extra_measurement(
                enrollment,
                self.flag["form"],
                self.flag["answers"],
                self.now - timedelta(days=stage.flagged),
            )
        if stage.maintenance is not None:
            enrollments.to_maintenance(
                self.session,
                enrollment,
                "staff",
                enrollment.therapist_id,
                self.now - timedelta(days=stage.maintenance),
            )
        if stage.ended is not None:
            enrollments.end(
                self.session,
                enrollment,
                "staff",
                enrollment.therapist_id,
                self.now - timedelta(days=stage.ended),
            )
        self._date_submission_events(enrollment)
        self._set_last_active(enrollment)

    def _set_last_active(self, enrollment: Enrollment) -> None:
        """Last active: the citizen's latest event (what the patient lists sort on)."""
        latest = self.session.scalar(
            select(func.max(EnrollmentEvent.at)).where(
                EnrollmentEvent.enrollment_id == enrollment.id,
                EnrollmentEvent.actor_kind == "citizen",
            )
        )
        latest = _aware(latest) if latest is not None else _aware(enrollment.started_at)
        enrollment.last_active_at = latest
        citizen = self.session.get(Citizen, enrollment.citizen_id)
        if citizen is None:  # pragma: no cover - the enrollment's foreign key
            raise RuntimeError(f"enrollment {enrollment.id} has no citizen")
        if citizen.last_active_at is None or _aware(citizen.last_active_at) < latest:
            citizen.last_active_at = latest
        self.session.flush()

    # -- starting --

    def attach(self, enrollment: Enrollment, version: ProgramVersion, stage: Stage) -> None:
        """Put an enrollment made without a programme (people.json) on the programme version."""
        started = _aware(enrollment.started_at)
        enrollment.program_version_id = version.id
        enrollment.started_by_id = enrollment.therapist_id
        self.session.flush()
        self.session.refresh(enrollment, ["program_version"])
        enrollments.record_event(
            self.session,
            enrollment,
            "started",
            "staff",
            enrollment.therapist_id,
            detail={
                "version": version.label,
                "program_version_id": version.id,
                "care_unit_id": enrollment.care_unit_id,
                "therapist_id": enrollment.therapist_id,
            },
            now=started,
        )
        self._link_answers(enrollment, version)
        enrollments.refresh(self.session, enrollment, started)
        self.bring_to_stage(enrollment, stage)

    def _link_answers(self, enrollment: Enrollment, version: ProgramVersion) -> None:
        """Answers given before the programme (people.json) become the answers to the
        programme's items of the same form, in order: the first sleep-diary night answers
        module 1's diary, the next module 2's, and so on."""
        items: dict[str, list[tuple[str, str]]] = {}
        for module in version.content["modules"]:
            for item in module["items"]:
                if item.get("form_key"):
                    items.setdefault(item["form_key"], []).append((module["key"], item["key"]))
        if not items:
            return
        answered = self.session.execute(
            select(FormAssignment, FormResponse, Form.key)
            .join(FormResponse, FormResponse.assignment_id == FormAssignment.id)
            .join(FormVersion, FormVersion.id == FormAssignment.form_version_id)
            .join(Form, Form.id == FormVersion.form_id)
            .where(
                FormAssignment.enrollment_id == enrollment.id,
                FormAssignment.item_key.is_(None),
                FormResponse.status == "submitted",
                Form.key.in_(items),
            )
            .order_by(FormResponse.submitted_at)
        ).all()
        by_form: dict[str, list[tuple[FormAssignment, FormResponse]]] = {}
        for assignment, response, key in answered:
            by_form.setdefault(key, []).append((assignment, response))
        events = {
            e.detail.get("response_id"): e
            for e in self.session.scalars(
                select(EnrollmentEvent).where(
                    EnrollmentEvent.enrollment_id == enrollment.id,
                    EnrollmentEvent.kind == "form_submitted",
                )
            )
        }
        for key, pairs in by_form.items():
            for (module_key, item_key), (assignment, response) in zip(
                items[key], pairs, strict=False
            ):
                assignment.item_key = item_key
                when = _recorded(response.submitted_at)
                self.session.add(
                    ItemProgress(
                        enrollment_id=enrollment.id,
                        item_key=item_key,
                        first_opened_at=when - timedelta(minutes=5),
                        done_at=when,
                    )
                )
                event = events.get(response.id)
                if event is not None:
                    event.module_key, event.item_key = module_key, item_key
        self.session.flush()

    def start(
        self,
        citizen: Citizen,
        version: ProgramVersion,
        unit: CareUnit,
        therapist: Staff | None,
        stage: Stage,
    ) -> None:
        started = self.now - timedelta(days=stage.started, hours=3)
        if therapist is None:
            enrollment = enrollments.self_start(self.session, citizen, version.id, started)
        else:
            enrollment = enrollments.start(
                self.session,
                citizen_id=citizen.id,
                program_version_id=version.id,
                care_unit_id=unit.id,
                therapist_id=therapist.id,
                started_by_id=therapist.id,
                now=started,
            )
        self.bring_to_stage(enrollment, stage)
