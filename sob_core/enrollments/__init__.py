"""Enrollments (moment): starting a program version for a citizen, unlock rules, progress, events.

Time is always a parameter (``now``, timezone-aware), so tests and the design tool's preview can
simulate days passing. Days are counted in calendar days in Swedish time: a module that opens
"7 days after start" opens at midnight of day 7, and "started 0 days ago" holds all of day 0.

Every state change that the timeline shows is made with a conditional UPDATE (or an INSERT that
ignores conflicts) and its event is recorded only by the request whose change took effect, so an
event is recorded once even when two processes refresh the same enrollment at the same moment.

Unlock rules (``module["unlock"]["rule"]``): ``at_start``; ``after_previous`` (the nearest earlier
module the citizen sees is done; the first module opens at start); ``days_after_start`` (with
``days``); ``by_therapist`` (only staff open it). A module without a rule opens at start when it is
the first and after the previous one otherwise. Hidden modules are skipped: they neither open nor
hold back the module after them. Staff decisions stand: rules only ever move a module from locked
to open, never back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..identity import personnummer as pnr
from ..models import (
    Bookmark,
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
    ProgramCatalogue,
    ProgramVersion,
    Region,
    RoleAssignment,
)

log = logging.getLogger(__name__)

try:
    LOCAL_ZONE: Any = ZoneInfo("Europe/Stockholm")
except ZoneInfoNotFoundError:  # no time zone database (e.g. Windows without tzdata)
    LOCAL_ZONE = UTC

RULES = ("at_start", "after_previous", "days_after_start", "by_therapist")
ONGOING = ("active", "maintenance")
# Events staff record for their own work; the citizen's timeline leaves them out.
STAFF_ONLY_EVENTS = frozenset({"module_hidden", "module_shown", "item_hidden", "item_shown"})


class EnrollmentError(ValueError):
    """An enrollment action that is not allowed; ``code`` names why, for a translated message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- time ----------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware time")
    return moment


def local_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in Swedish time."""
    return _aware(moment).astimezone(LOCAL_ZONE).date()


def local_midnight(day: date) -> datetime:
    """The first moment of ``day`` in Swedish time, as UTC."""
    return datetime.combine(day, time(), LOCAL_ZONE).astimezone(UTC)


def days_between(start: datetime, now: datetime) -> int:
    return (local_date(now) - local_date(start)).days


# --- content helpers (pure) ----------------------------------------------------------------------


def local_text(value: Any) -> dict[str, str]:
    """A local text from content, tolerating a plain string."""
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items() if v}
    if isinstance(value, str) and value:
        return {"sv": value}
    return {}


def modules_of(content: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    modules = (content or {}).get("modules") or []
    return [m for m in modules if isinstance(m, Mapping) and m.get("key")]


def items_of(module: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [i for i in (module.get("items") or []) if isinstance(i, Mapping) and i.get("key")]


def locate_item(
    content: Mapping[str, Any] | None, item_key: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (module, item) holding ``item_key``, or None."""
    for module in modules_of(content):
        for item in items_of(module):
            if item["key"] == item_key:
                return module, item
    return None


def rule_of(module: Mapping[str, Any], first: bool) -> tuple[str, int]:
    unlock = module.get("unlock") or {}
    rule = unlock.get("rule") if isinstance(unlock, Mapping) else None
    if rule not in RULES:
        rule = "at_start" if first else "after_previous"
    try:
        days = max(0, int(unlock.get("days") or 0)) if isinstance(unlock, Mapping) else 0
    except (TypeError, ValueError):
        days = 0
    return rule, days


def _recommended(value: Any) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def recommended_days(content: Mapping[str, Any] | None) -> int | None:
    """The program's recommended length: its own, else the sum of its modules'."""
    own = _recommended((content or {}).get("recommended_days"))
    if own is not None:
        return own
    total = sum(_recommended(m.get("recommended_days")) or 0 for m in modules_of(content))
    return total or None


# --- unlock rules (pure) -------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleState:
    """One module's state in an enrollment, as the pure functions see it."""

    state: str = "locked"  # locked / open / done
    opened_at: datetime | None = None
    completed_at: datetime | None = None
    hidden: bool = False
    activated: bool = False  # opened by staff


@dataclass(frozen=True)
class ItemState:
    """One content item's progress, as the pure functions see it."""

    opened: bool = False
    done: bool = False
    draft: bool = False  # a form item with a saved, unsubmitted response
    fillable: bool = False  # a form item the citizen has been handed (or the preview shows)
    assignment_id: int | None = None


def unlock_times(
    content: Mapping[str, Any] | None,
    *,
    started_at: datetime,
    states: Mapping[str, ModuleState],
    now: datetime,
) -> dict[str, datetime]:
    """Locked modules the rules open at ``now``, each with the moment its rule allowed it."""
    result: dict[str, datetime] = {}
    previous_done_at: datetime | None = started_at  # "after the previous" for the first module
    for index, module in enumerate(modules_of(content)):
        key = module["key"]
        current = states.get(key, ModuleState())
        if current.hidden:
            continue  # not there for this citizen: it neither opens nor holds the next one back
        if current.state == "locked":
            rule, days = rule_of(module, first=index == 0)
            when: datetime | None = None
            if rule == "at_start":
                when = started_at
            elif rule == "after_previous":
                when = previous_done_at
            elif rule == "days_after_start":
                when = max(started_at, local_midnight(local_date(started_at) + timedelta(days)))
            if when is not None and when <= now:
                result[key] = when
        if current.state == "done":
            previous_done_at = current.completed_at or current.opened_at or started_at
        else:
            previous_done_at = None
    return result


def simulate(
    content: Mapping[str, Any] | None, *, started_at: datetime, now: datetime
) -> dict[str, ModuleState]:
    """Module states of a test citizen who finishes every module in its recommended days.

    The design tool's preview uses this to show a program on day N; nothing is stored. Modules
    that only staff open stay locked.
    """
    states: dict[str, ModuleState] = {m["key"]: ModuleState() for m in modules_of(content)}
    by_key = {m["key"]: m for m in modules_of(content)}
    for _round in range(len(states) + 1):
        opened = unlock_times(content, started_at=started_at, states=states, now=now)
        changed = False
        for key, when in opened.items():
            states[key] = ModuleState(state="open", opened_at=when)
            changed = True
        for key, current in states.items():
            if current.state != "open" or current.opened_at is None:
                continue
            days = _recommended(by_key[key].get("recommended_days")) or 7
            finished = local_midnight(local_date(current.opened_at) + timedelta(days))
            if finished <= now:
                states[key] = replace(current, state="done", completed_at=finished)
                changed = True
        if not changed:
            break
    return states


# --- the overview (pure) -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    key: str
    kind: str
    title: dict[str, str]
    status: str  # done / in_progress / available / locked
    assignment_id: int | None = None

    @property
    def is_form(self) -> bool:
        return self.kind == "form"


@dataclass(frozen=True)
class ModuleView:
    key: str
    number: int  # position in the program, from 1
    title: dict[str, str]
    state: str
    rule: str
    rule_days: int
    recommended_days: int | None
    opened_on: date | None
    due: date | None  # "Bör vara klar": opened date + the module's recommended days
    days_left: int | None  # negative when overdue
    opens_on: date | None  # days_after_start modules not yet open
    completed_on: date | None
    activated: bool
    content: list[ItemView] = field(default_factory=list)
    forms: list[ItemView] = field(default_factory=list)

    @property
    def items(self) -> list[ItemView]:
        return [*self.content, *self.forms]


@dataclass(frozen=True)
class Overview:
    name: dict[str, str]
    description: dict[str, str]
    welcome: dict[str, str]
    started_on: date
    today: date
    days_since_start: int
    recommended_days: int | None
    current: list[ModuleView]
    upcoming: list[ModuleView]
    completed: list[ModuleView]

    @property
    def modules_total(self) -> int:
        return len(self.current) + len(self.upcoming) + len(self.completed)

    @property
    def modules_done(self) -> int:
        return len(self.completed)

    @property
    def meter_value(self) -> int:
        if not self.recommended_days:
            return 0
        return max(0, min(self.days_since_start, self.recommended_days))

    def module_of(self, item_key: str) -> ModuleView | None:
        for module in (*self.current, *self.completed, *self.upcoming):
            if any(i.key == item_key for i in module.items):
                return module
        return None


def _item_status(item: Mapping[str, Any], module_state: str, progress: ItemState | None) -> str:
    if module_state == "locked":
        return "locked"
    progress = progress or ItemState()
    if item.get("kind") == "form":
        if progress.done:
            return "done"
        if not progress.fillable:
            return "locked"  # no form handed out (its form version is missing)
        if progress.draft or progress.opened:
            return "in_progress"
        return "available"
    return "done" if (progress.opened or progress.done) else "available"


def compute_overview(
    content: Mapping[str, Any] | None,
    *,
    started_at: datetime,
    module_states: Mapping[str, ModuleState],
    item_progress: Mapping[str, ItemState],
    now: datetime,
    hidden: Iterable[str] = (),
    form_titles: Mapping[str, Mapping[str, str]] | None = None,
) -> Overview:
    """What the citizen sees on "Mitt innehåll" at ``now`` (no database).

    ``hidden`` holds the keys of modules and content items hidden for this citizen (keys are
    unique within a program's content). ``form_titles`` names form items that have no title.
    """
    hidden = set(hidden)
    form_titles = form_titles or {}
    today = local_date(now)
    current: list[ModuleView] = []
    upcoming: list[ModuleView] = []
    completed: list[ModuleView] = []
    for index, module in enumerate(modules_of(content)):
        key = module["key"]
        if key in hidden:
            continue
        state = module_states.get(key, ModuleState())
        rule, rule_days = rule_of(module, first=index == 0)
        module_days = _recommended(module.get("recommended_days"))
        opened_on = local_date(state.opened_at) if state.opened_at else None
        due = opened_on + timedelta(module_days) if opened_on and module_days else None
        opens_on = None
        if state.state == "locked" and rule == "days_after_start":
            opens_on = local_date(started_at) + timedelta(rule_days)
        view = ModuleView(
            key=key,
            number=index + 1,
            title=local_text(module.get("title")),
            state=state.state,
            rule=rule,
            rule_days=rule_days,
            recommended_days=module_days,
            opened_on=opened_on,
            due=due,
            days_left=(due - today).days if due else None,
            opens_on=opens_on,
            completed_on=local_date(state.completed_at) if state.completed_at else None,
            activated=state.activated,
        )
        for item in items_of(module):
            if item["key"] in hidden:
                continue
            title = local_text(item.get("title")) or dict(form_titles.get(item["key"], {}))
            progress = item_progress.get(item["key"])
            entry = ItemView(
                key=item["key"],
                kind=str(item.get("kind") or "text"),
                title=title or {"sv": item["key"]},
                status=_item_status(item, state.state, progress),
                assignment_id=progress.assignment_id if progress else None,
            )
            (view.forms if entry.is_form else view.content).append(entry)
        {"open": current, "done": completed}.get(state.state, upcoming).append(view)
    return Overview(
        name=local_text((content or {}).get("name")),
        description=local_text((content or {}).get("description")),
        welcome=local_text((content or {}).get("welcome")),
        started_on=local_date(started_at),
        today=today,
        days_since_start=max(0, days_between(started_at, now)),
        recommended_days=recommended_days(content),
        current=current,
        upcoming=upcoming,
        completed=completed,
    )


def preview_overview(
    content: Mapping[str, Any] | None, *, started_at: datetime, day: int
) -> Overview:
    """The overview of a test citizen on ``day`` (from 0), who finishes modules on time.

    The test citizen starts at the first moment of ``started_at``'s day and is looked at at noon
    of day ``day``, so a day is a calendar day even across a change to or from summer time.
    """
    started_at = local_midnight(local_date(started_at))
    now = local_midnight(local_date(started_at) + timedelta(days=day)) + timedelta(hours=12)
    states = simulate(content, started_at=started_at, now=now)
    progress: dict[str, ItemState] = {}
    for module in modules_of(content):
        done = states[module["key"]].state == "done"
        for item in items_of(module):
            progress[item["key"]] = ItemState(opened=done, done=done, fillable=True)
    return compute_overview(
        content, started_at=started_at, module_states=states, item_progress=progress, now=now
    )


# --- eligibility (pure) --------------------------------------------------------------------------


def is_eligible(
    eligibility: Mapping[str, Any] | None, *, sex: str, age: int, region_codes: Iterable[str]
) -> bool:
    """Does a citizen of this sex, age and these regions meet an open program's eligibility?"""
    rules = eligibility or {}
    regions = set(rules.get("regions") or ())
    if regions and not regions & set(region_codes):
        return False
    if rules.get("sex") and rules["sex"] != sex:
        return False
    if rules.get("min_age") is not None and age < int(rules["min_age"]):
        return False
    return not (rules.get("max_age") is not None and age > int(rules["max_age"]))


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- database helpers ----------------------------------------------------------------------------


def _insert_ignoring_conflict(session: Session, model: Any, values: dict[str, Any]) -> bool:
    """INSERT a row unless a unique constraint already holds one; True when it was inserted."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases: a savepoint does the same
        from sqlalchemy.exc import IntegrityError

        try:
            with session.begin_nested():
                session.add(model(**values))
            return True
        except IntegrityError:
            return False
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)


def record_event(
    session: Session,
    enrollment: Enrollment,
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    *,
    module_key: str | None = None,
    item_key: str | None = None,
    detail: Mapping[str, Any] | None = None,
    citizen_visible: bool = True,
    now: datetime | None = None,
) -> EnrollmentEvent:
    """Add one event to the enrollment's timeline."""
    event = EnrollmentEvent(
        enrollment_id=enrollment.id,
        at=_aware(now) if now is not None else datetime.now(UTC),
        kind=kind,
        actor_kind=actor_kind,
        actor_id=actor_id,
        module_key=module_key,
        item_key=item_key,
        detail=dict(detail or {}),
        citizen_visible=citizen_visible,
    )
    session.add(event)
    return event


def _module_rows(session: Session, enrollment: Enrollment) -> dict[str, EnrollmentModule]:
    rows = session.scalars(
        select(EnrollmentModule).where(EnrollmentModule.enrollment_id == enrollment.id)
    ).all()
    return {row.module_key: row for row in rows}


def _ensure_module_rows(
    session: Session, enrollment: Enrollment, content: Mapping[str, Any] | None
) -> dict[str, EnrollmentModule]:
    rows = _module_rows(session, enrollment)
    missing = [m["key"] for m in modules_of(content) if m["key"] not in rows]
    if missing:
        for key in missing:
            _insert_ignoring_conflict(
                session,
                EnrollmentModule,
                {"enrollment_id": enrollment.id, "module_key": key, "state": "locked"},
            )
        rows = _module_rows(session, enrollment)
    return rows


def _state(row: EnrollmentModule) -> ModuleState:
    return ModuleState(
        state=row.state,
        opened_at=row.opened_at,
        completed_at=row.completed_at,
        hidden=row.hidden,
        activated=row.activated_by_id is not None,
    )


def _update_if(session: Session, row: Any, condition: Any, **values: Any) -> bool:
    """UPDATE ``row`` to ``values`` only while ``condition`` holds; True for the request that did.

    A conditional UPDATE is how a change (and its event) happens once across processes.
    """
    model = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)  # the row in the database holds these now
    return True


def _change_module(
    session: Session, row: EnrollmentModule, from_states: tuple[str, ...], **values: Any
) -> bool:
    """Move a module on only if it is still in one of ``from_states``; True when it moved."""
    return _update_if(session, row, EnrollmentModule.state.in_(from_states), **values)


def pinned_forms(
    session: Session, content: Mapping[str, Any] | None, module_keys: Iterable[str] | None = None
) -> dict[str, FormVersion | None]:
    """item key -> the pinned form version of each form item (None when it does not exist)."""
    wanted = set(module_keys) if module_keys is not None else None
    items = [
        item
        for module in modules_of(content)
        if wanted is None or module["key"] in wanted
        for item in items_of(module)
        if item.get("kind") == "form"
    ]
    keys = {str(item.get("form_key")) for item in items if item.get("form_key")}
    versions: dict[tuple[str, int], FormVersion] = {}
    latest: dict[str, FormVersion] = {}
    if keys:
        for version, key in session.execute(
            select(FormVersion, Form.key).join(Form).where(Form.key.in_(keys))
        ).all():
            versions[(key, version.version)] = version
            if key not in latest or latest[key].version < version.version:
                latest[key] = version
    pinned: dict[str, FormVersion | None] = {}
    for item in items:
        key = str(item.get("form_key") or "")
        number = item.get("form_version")
        try:
            pinned[item["key"]] = (
                latest.get(key) if number in (None, "") else versions.get((key, int(number)))
            )
        except (TypeError, ValueError):
            pinned[item["key"]] = None
    return pinned


def _assign_forms(
    session: Session,
    enrollment: Enrollment,
    content: Mapping[str, Any] | None,
    module_keys: Iterable[str],
    now: datetime,
) -> list[FormAssignment]:
    module_keys = list(module_keys)
    pinned = pinned_forms(session, content, module_keys)
    if not pinned:
        return []
    existing = set(
        session.scalars(
            select(FormAssignment.item_key).where(
                FormAssignment.enrollment_id == enrollment.id,
                FormAssignment.item_key.in_(list(pinned)),
            )
        )
    )
    created = []
    for item_key, version in pinned.items():
        if item_key in existing:
            continue
        if version is None:
            log.warning("enrollment %s: form item %s has no form version", enrollment.id, item_key)
            continue
        assignment = FormAssignment(
            citizen_id=enrollment.citizen_id,
            enrollment_id=enrollment.id,
            form_version_id=version.id,
            item_key=item_key,
            status="open",
            assigned_at=now,
        )
        session.add(assignment)
        created.append(assignment)
    session.flush()
    return created


# --- citizens ------------------------------------------------------------------------------------


def register_citizen(session: Session, personnummer: str, name: str) -> Citizen:
    """Find a citizen by personnummer, or register one (birth date and legal sex from the number).

    Raises ``InvalidPersonnummer`` for an invalid number.
    """
    parsed = pnr.parse(personnummer)
    citizen = session.scalar(select(Citizen).where(Citizen.personnummer == parsed.number))
    if citizen is not None:
        return citizen
    name = (name or "").strip()
    if not name:
        raise EnrollmentError("name_required", "a name is needed to register a new citizen")
    citizen = Citizen(
        personnummer=parsed.number,
        name=name[:200],
        birth_date=parsed.birth_date,
        legal_sex=parsed.legal_sex,
        coordination_number=parsed.coordination,
    )
    session.add(citizen)
    session.flush()
    return citizen


# --- starting, refreshing ------------------------------------------------------------------------


def _version(enrollment: Enrollment) -> ProgramVersion:
    version = enrollment.program_version
    if version is None:
        raise EnrollmentError("no_program", "the enrollment has no program version")
    return version


def _is_therapist_at(session: Session, staff_id: int, care_unit_id: int) -> bool:
    return (
        session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.staff_id == staff_id,
                RoleAssignment.care_unit_id == care_unit_id,
                RoleAssignment.role == "therapist",
            )
        )
        is not None
    )


def start(
    session: Session,
    *,
    citizen_id: int,
    program_version_id: int,
    care_unit_id: int,
    therapist_id: int | None,
    started_by_id: int | None,
    now: datetime,
) -> Enrollment:
    """Start a published program version for a citizen at a care unit.

    A staff start (``started_by_id`` given) needs the program in the unit's catalogue; a citizen
    starting an open program themselves goes through ``self_start``. A citizen has at most one
    ongoing enrollment of a program.
    """
    now = _aware(now)
    version = session.get(ProgramVersion, program_version_id)
    if version is None or version.status != "published":
        raise EnrollmentError("not_published", "only a published program version can be started")
    if session.get(Citizen, citizen_id) is None:
        raise EnrollmentError("unknown_citizen", "no such citizen")
    if started_by_id is not None:
        allowed = session.scalar(
            select(ProgramCatalogue.id).where(
                ProgramCatalogue.program_id == version.program_id,
                ProgramCatalogue.care_unit_id == care_unit_id,
            )
        )
        if allowed is None:
            raise EnrollmentError(
                "not_in_catalogue", "the program is not in the care unit's catalogue"
            )
    if therapist_id is not None and not _is_therapist_at(session, therapist_id, care_unit_id):
        raise EnrollmentError(
            "unknown_therapist", "the responsible therapist does not work as one at the care unit"
        )
    duplicate = session.scalar(
        select(Enrollment.id)
        .join(ProgramVersion, Enrollment.program_version_id == ProgramVersion.id)
        .where(
            Enrollment.citizen_id == citizen_id,
            ProgramVersion.program_id == version.program_id,
            Enrollment.status != "ended",
        )
    )
    if duplicate is not None:
        raise EnrollmentError(
            "already_enrolled", "the citizen already has an ongoing enrollment of this program"
        )
    missing = [key for key, form in pinned_forms(session, version.content).items() if form is None]
    if missing:
        raise EnrollmentError(
            "unknown_form", f"the forms of these items do not exist: {', '.join(missing)}"
        )
    enrollment = Enrollment(
        citizen_id=citizen_id,
        care_unit_id=care_unit_id,
        therapist_id=therapist_id,
        status="active",
        started_at=now,
        program_version_id=version.id,
        started_by_id=started_by_id,
        hide_progress=False,
    )
    session.add(enrollment)
    session.flush()
    for module in modules_of(version.content):
        session.add(
            EnrollmentModule(enrollment_id=enrollment.id, module_key=module["key"], state="locked")
        )
    record_event(
        session,
        enrollment,
        "started",
        "staff" if started_by_id is not None else "citizen",
        started_by_id if started_by_id is not None else citizen_id,
        detail={
            "version": version.label,
            "program_version_id": version.id,
            "care_unit_id": care_unit_id,
            "therapist_id": therapist_id,
        },
        now=now,
    )
    session.flush()
    refresh(session, enrollment, now)
    return enrollment


def refresh(session: Session, enrollment: Enrollment, now: datetime) -> list[str]:
    """Open the modules whose rules allow it at ``now``; the keys of the modules it opened.

    Idempotent: a second call at the same time changes nothing and records nothing.
    """
    now = _aware(now)
    if enrollment.status == "ended" or enrollment.program_version_id is None:
        return []
    content = _version(enrollment).content
    rows = _ensure_module_rows(session, enrollment, content)
    states = {key: _state(row) for key, row in rows.items()}
    opening = unlock_times(content, started_at=enrollment.started_at, states=states, now=now)
    opened: list[str] = []
    for key, when in opening.items():
        if _change_module(session, rows[key], ("locked",), state="open", opened_at=when):
            record_event(
                session, enrollment, "module_opened", "system", None, module_key=key, now=when
            )
            opened.append(key)
    if opened:
        _assign_forms(session, enrollment, content, opened, now)
    return opened


# --- the overview from the database --------------------------------------------------------------


def load_state(
    session: Session, enrollment: Enrollment
) -> tuple[dict[str, ModuleState], dict[str, ItemState], set[str], dict[str, dict[str, str]]]:
    """Module states, item progress, hidden keys and form titles, in three queries."""
    modules = _module_rows(session, enrollment)
    states = {key: _state(row) for key, row in modules.items()}
    hidden = {key for key, row in modules.items() if row.hidden}
    progress: dict[str, dict[str, Any]] = {}
    for row in session.scalars(
        select(ItemProgress).where(ItemProgress.enrollment_id == enrollment.id)
    ):
        progress[row.item_key] = {
            "opened": row.first_opened_at is not None,
            "done": row.done_at is not None,
        }
        if row.hidden:
            hidden.add(row.item_key)
    titles: dict[str, dict[str, str]] = {}
    started = (
        select(FormResponse.id).where(FormResponse.assignment_id == FormAssignment.id).exists()
    )
    forms = session.execute(
        select(
            FormAssignment.id,
            FormAssignment.item_key,
            FormAssignment.status,
            FormVersion.title,
            started,
        )
        .join(FormVersion, FormAssignment.form_version_id == FormVersion.id)
        .where(FormAssignment.enrollment_id == enrollment.id, FormAssignment.item_key.is_not(None))
        .order_by(FormAssignment.id)
    ).all()
    for assignment_id, item_key, status, title, has_response in forms:
        entry = progress.setdefault(item_key, {"opened": False, "done": False})
        entry["assignment_id"] = assignment_id
        entry["fillable"] = status in ("open", "done")
        entry["draft"] = bool(has_response)
        entry["done"] = entry["done"] or status == "done"
        titles[item_key] = local_text(title)
    return states, {k: ItemState(**v) for k, v in progress.items()}, hidden, titles


def overview(
    session: Session, enrollment: Enrollment, now: datetime, *, citizen_view: bool = True
) -> Overview:
    """The overview of an enrollment at ``now``; staff pass ``citizen_view=False`` to see all."""
    states, progress, hidden, titles = load_state(session, enrollment)
    return compute_overview(
        _version(enrollment).content,
        started_at=enrollment.started_at,
        module_states=states,
        item_progress=progress,
        now=now,
        hidden=hidden if citizen_view else (),
        form_titles=titles,
    )


def accessible_item(
    session: Session, enrollment: Enrollment, item_key: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (module, item) if the citizen may open it now: its module open or done, nothing hidden."""
    if enrollment.status == "ended" or enrollment.program_version_id is None:
        return None
    found = locate_item(_version(enrollment).content, item_key)
    if found is None:
        return None
    module, item = found
    row = session.scalar(
        select(EnrollmentModule).where(
            EnrollmentModule.enrollment_id == enrollment.id,
            EnrollmentModule.module_key == module["key"],
        )
    )
    if row is None or row.hidden or row.state not in ("open", "done"):
        return None
    item_hidden = session.scalar(
        select(ItemProgress.hidden).where(
            ItemProgress.enrollment_id == enrollment.id, ItemProgress.item_key == item_key
        )
    )
    return None if item_hidden else (module, item)


# --- the citizen's progress ----------------------------------------------------------------------


def _progress_row(session: Session, enrollment: Enrollment, item_key: str) -> ItemProgress:
    _insert_ignoring_conflict(
        session,
        ItemProgress,
        {"enrollment_id": enrollment.id, "item_key": item_key, "hidden": False},
    )
    return session.scalars(
        select(ItemProgress)
        .where(ItemProgress.enrollment_id == enrollment.id, ItemProgress.item_key == item_key)
        .execution_options(populate_existing=True)
    ).one()


def _set_once(session: Session, row: ItemProgress, column: str, now: datetime) -> bool:
    """Set ``first_opened_at`` or ``done_at`` if still empty; True for the request that set it."""
    return _update_if(session, row, getattr(ItemProgress, column).is_(None), **{column: now})


def open_item(
    session: Session, enrollment: Enrollment, item_key: str, now: datetime, actor: str = "citizen"
) -> bool:
    """The citizen opened a content item: ``content_opened`` once; True the first time.

    A text or media item is done when opened (and its module when all its items are); a form
    item is done when its response is submitted. Only the citizen's own opening counts.
    """
    now = _aware(now)
    found = accessible_item(session, enrollment, item_key)
    if found is None:
        raise EnrollmentError("not_available", "the item is not available")
    if actor != "citizen":
        return False
    module, item = found
    row = _progress_row(session, enrollment, item_key)
    first = _set_once(session, row, "first_opened_at", now)
    if first:
        record_event(
            session,
            enrollment,
            "content_opened",
            "citizen",
            enrollment.citizen_id,
            module_key=module["key"],
            item_key=item_key,
            now=now,
        )
    if item.get("kind") != "form" and _set_once(session, row, "done_at", now):
        _complete_if_all_done(session, enrollment, module, now)
    return first


def _complete_if_all_done(
    session: Session, enrollment: Enrollment, module: Mapping[str, Any], now: datetime
) -> bool:
    keys = [i["key"] for i in items_of(module)]
    if not keys:
        return False
    rows = {
        r.item_key: r
        for r in session.scalars(
            select(ItemProgress).where(
                ItemProgress.enrollment_id == enrollment.id, ItemProgress.item_key.in_(keys)
            )
        )
    }
    visible = [k for k in keys if not (k in rows and rows[k].hidden)]
    if not visible or any(k not in rows or rows[k].done_at is None for k in visible):
        return False
    return complete_module(session, enrollment, module["key"], "system", None, now)


def form_submitted(
    session: Session,
    assignment: FormAssignment,
    response: FormResponse,
    now: datetime | None = None,
) -> None:
    """Called by ``forms.submit`` for an assignment of an enrollment: ``form_submitted``, and
    a program form item (and perhaps its module) becomes done."""
    enrollment = session.get(Enrollment, assignment.enrollment_id)
    if enrollment is None:
        return
    now = now or response.submitted_at or datetime.now(UTC)
    module = None
    if assignment.item_key and enrollment.program_version_id is not None:
        found = locate_item(_version(enrollment).content, assignment.item_key)
        module = found[0] if found else None
    record_event(
        session,
        enrollment,
        "form_submitted",
        "citizen",
        response.citizen_id,
        module_key=module["key"] if module else None,
        item_key=assignment.item_key,
        detail={
            "response_id": response.id,
            "assignment_id": assignment.id,
            "form_version_id": response.form_version_id,
        },
        now=now,
    )
    enrollment.last_active_at = now
    if module is not None and assignment.item_key:
        row = _progress_row(session, enrollment, assignment.item_key)
        _set_once(session, row, "first_opened_at", now)
        if _set_once(session, row, "done_at", now):
            _complete_if_all_done(session, enrollment, module, now)


# --- staff decisions -----------------------------------------------------------------------------


def _module_row(session: Session, enrollment: Enrollment, module_key: str) -> EnrollmentModule:
    content = _version(enrollment).content
    if module_key not in {m["key"] for m in modules_of(content)}:
        raise EnrollmentError("unknown_module", f"the program has no module {module_key!r}")
    return _ensure_module_rows(session, enrollment, content)[module_key]


def complete_module(
    session: Session,
    enrollment: Enrollment,
    module_key: str,
    actor_kind: str,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Set a module done ("Sätt till avklarad"); ``module_completed`` once. True if it changed.

    The modules that open after it open at once.
    """
    now = _aware(now)
    row = _module_row(session, enrollment, module_key)
    values: dict[str, Any] = {"state": "done", "completed_at": now}
    if row.opened_at is None:
        values["opened_at"] = now
    if not _change_module(session, row, ("locked", "open"), **values):
        return False
    record_event(
        session,
        enrollment,
        "module_completed",
        actor_kind,
        actor_id,
        module_key=module_key,
        now=now,
    )
    refresh(session, enrollment, now)
    return True


def activate_module(
    session: Session, enrollment: Enrollment, module_key: str, actor_id: int, now: datetime
) -> bool:
    """Staff open a locked module (by_therapist, or ahead of its rule): ``module_activated``."""
    now = _aware(now)
    row = _module_row(session, enrollment, module_key)
    if not _change_module(
        session, row, ("locked",), state="open", opened_at=now, activated_by_id=actor_id
    ):
        return False
    record_event(
        session, enrollment, "module_activated", "staff", actor_id, module_key=module_key, now=now
    )
    _assign_forms(session, enrollment, _version(enrollment).content, [module_key], now)
    return True


def set_module_hidden(
    session: Session,
    enrollment: Enrollment,
    module_key: str,
    hidden: bool,
    actor_id: int,
    now: datetime,
) -> bool:
    """Hide a module from the citizen (or show it again); True if it changed."""
    row = _module_row(session, enrollment, module_key)
    if not _update_if(session, row, EnrollmentModule.hidden != hidden, hidden=hidden):
        return False
    record_event(
        session,
        enrollment,
        "module_hidden" if hidden else "module_shown",
        "staff",
        actor_id,
        module_key=module_key,
        citizen_visible=False,
        now=_aware(now),
    )
    if not hidden:
        refresh(session, enrollment, now)
    return True


def set_item_hidden(
    session: Session,
    enrollment: Enrollment,
    item_key: str,
    hidden: bool,
    actor_id: int,
    now: datetime,
) -> bool:
    """Hide a content item or form from the citizen (or show it again); True if it changed."""
    found = locate_item(_version(enrollment).content, item_key)
    if found is None:
        raise EnrollmentError("unknown_item", f"the program has no item {item_key!r}")
    row = _progress_row(session, enrollment, item_key)
    if not _update_if(session, row, ItemProgress.hidden != hidden, hidden=hidden):
        return False
    record_event(
        session,
        enrollment,
        "item_hidden" if hidden else "item_shown",
        "staff",
        actor_id,
        module_key=found[0]["key"],
        item_key=item_key,
        citizen_visible=False,
        now=_aware(now),
    )
    return True


def _change_status(
    session: Session, enrollment: Enrollment, from_states: tuple[str, ...], **values: Any
) -> bool:
    return _update_if(session, enrollment, Enrollment.status.in_(from_states), **values)


def end(
    session: Session, enrollment: Enrollment, actor_kind: str, actor_id: int | None, now: datetime
) -> bool:
    """End the enrollment (avsluta): ``ended`` once; its open form assignments close."""
    now = _aware(now)
    if not _change_status(session, enrollment, ONGOING, status="ended", ended_at=now):
        return False
    session.execute(
        update(FormAssignment)
        .where(FormAssignment.enrollment_id == enrollment.id, FormAssignment.status == "open")
        .values(status="closed")
        .execution_options(synchronize_session="fetch")
    )
    record_event(session, enrollment, "ended", actor_kind, actor_id, now=now)
    return True


def to_maintenance(
    session: Session, enrollment: Enrollment, actor_kind: str, actor_id: int | None, now: datetime
) -> bool:
    """Move an active enrollment to its maintenance phase (vidmakthåll): ``maintenance`` once."""
    now = _aware(now)
    if not _change_status(
        session, enrollment, ("active",), status="maintenance", maintenance_at=now
    ):
        return False
    record_event(session, enrollment, "maintenance", actor_kind, actor_id, now=now)
    return True


def change_therapist(
    session: Session, enrollment: Enrollment, therapist_id: int, actor_id: int, now: datetime
) -> bool:
    """Make another therapist at the enrollment's care unit responsible."""
    if enrollment.therapist_id == therapist_id:
        return False
    if not _is_therapist_at(session, therapist_id, enrollment.care_unit_id):
        raise EnrollmentError(
            "unknown_therapist", "the new therapist does not work as one at the care unit"
        )
    previous = enrollment.therapist_id
    enrollment.therapist_id = therapist_id
    record_event(
        session,
        enrollment,
        "therapist_changed",
        "staff",
        actor_id,
        detail={"from": previous, "to": therapist_id},
        now=_aware(now),
    )
    return True


# --- timeline and bookmarks ----------------------------------------------------------------------


def timeline(session: Session, enrollment: Enrollment, citizen_view: bool) -> list[EnrollmentEvent]:
    """The enrollment's events in order; the citizen's view holds only their own part."""
    query = select(EnrollmentEvent).where(EnrollmentEvent.enrollment_id == enrollment.id)
    if citizen_view:
        query = query.where(
            EnrollmentEvent.citizen_visible.is_(True),
            EnrollmentEvent.kind.not_in(STAFF_ONLY_EVENTS),
        )
    return list(session.scalars(query.order_by(EnrollmentEvent.at, EnrollmentEvent.id)))


def toggle_bookmark(session: Session, enrollment: Enrollment, item_key: str) -> bool:
    """Bookmark a content item, or remove the bookmark; True when it is now bookmarked."""
    if locate_item(_version(enrollment).content, item_key) is None:
        raise EnrollmentError("unknown_item", f"the program has no item {item_key!r}")
    removed = session.execute(
        delete(Bookmark).where(
            Bookmark.enrollment_id == enrollment.id, Bookmark.item_key == item_key
        )
    )
    if removed.rowcount:
        return False
    _insert_ignoring_conflict(
        session,
        Bookmark,
        {"enrollment_id": enrollment.id, "item_key": item_key, "created_at": datetime.now(UTC)},
    )
    return True


def is_bookmarked(session: Session, enrollment: Enrollment, item_key: str) -> bool:
    return (
        session.scalar(
            select(Bookmark.id).where(
                Bookmark.enrollment_id == enrollment.id, Bookmark.item_key == item_key
            )
        )
        is not None
    )


# --- the citizen's start page --------------------------------------------------------------------


@dataclass(frozen=True)
class BookmarkView:
    enrollment_id: int
    item_key: str
    title: dict[str, str]
    program: dict[str, str]


@dataclass(frozen=True)
class CitizenStart:
    ongoing: list[Enrollment]
    available: list[ProgramVersion]
    bookmarks: list[BookmarkView]
    hidden_items: set[tuple[int, str]]  # (enrollment id, item key) the citizen must not see


def ongoing(session: Session, citizen_id: int) -> list[Enrollment]:
    """The citizen's active and maintenance enrollments of a program, newest first."""
    return list(
        session.scalars(
            select(Enrollment)
            .options(joinedload(Enrollment.program_version))
            .where(
                Enrollment.citizen_id == citizen_id,
                Enrollment.status.in_(ONGOING),
                Enrollment.program_version_id.is_not(None),
            )
            .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
        )
    )


def citizen_start(session: Session, citizen: Citizen, now: datetime) -> CitizenStart:
    """Everything the citizen's start page shows about programs, in a fixed number of queries."""
    enrollments = ongoing(session, citizen.id)
    by_id = {e.id: e for e in enrollments}
    hidden: set[tuple[int, str]] = set()
    if by_id:
        hidden_modules = session.execute(
            select(EnrollmentModule.enrollment_id, EnrollmentModule.module_key).where(
                EnrollmentModule.enrollment_id.in_(list(by_id)), EnrollmentModule.hidden.is_(True)
            )
        ).all()
        for enrollment_id, module_key in hidden_modules:
            for module in modules_of(by_id[enrollment_id].program_version.content):
                if module["key"] == module_key:
                    hidden.update((enrollment_id, i["key"]) for i in items_of(module))
        hidden.update(
            session.execute(
                select(ItemProgress.enrollment_id, ItemProgress.item_key).where(
                    ItemProgress.enrollment_id.in_(list(by_id)), ItemProgress.hidden.is_(True)
                )
            ).all()
        )
    marks: list[BookmarkView] = []
    if by_id:
        for mark in session.scalars(
            select(Bookmark)
            .where(Bookmark.enrollment_id.in_(list(by_id)))
            .order_by(Bookmark.created_at, Bookmark.id)
        ):
            if (mark.enrollment_id, mark.item_key) in hidden:
                continue
            content = by_id[mark.enrollment_id].program_version.content
            found = locate_item(content, mark.item_key)
            if found is None:
                continue
            marks.append(
                BookmarkView(
                    enrollment_id=mark.enrollment_id,
                    item_key=mark.item_key,
                    title=local_text(found[1].get("title")) or {"sv": mark.item_key},
                    program=local_text(content.get("name")),
                )
            )
    return CitizenStart(
        ongoing=enrollments,
        available=eligible_open_programs(session, citizen, now),
        bookmarks=marks,
        hidden_items=hidden,
    )


# --- open programs -------------------------------------------------------------------------------


def citizen_region_codes(session: Session, citizen_id: int) -> set[str]:
    """Regions a citizen belongs to, as far as the service knows.

    A citizen has no registered address here, so the regions are those of the care units where
    they have (or had) an enrollment. An open program limited to regions is offered to a citizen
    of one of them; one without a region list is offered to everyone.
    """
    return set(
        session.scalars(
            select(Region.code)
            .join(CareUnit, CareUnit.region_id == Region.id)
            .join(Enrollment, Enrollment.care_unit_id == CareUnit.id)
            .where(Enrollment.citizen_id == citizen_id)
            .distinct()
        )
    )


def eligible_open_programs(
    session: Session, citizen: Citizen, now: datetime, *, include_enrolled: bool = False
) -> list[ProgramVersion]:
    """The latest published version of each open program the citizen may start themselves.

    Eligibility: regions (see ``citizen_region_codes``), legal sex and age from the personnummer.
    Programs the citizen is already enrolled in (not ended) are left out unless asked for.
    """
    open_programs = select(ProgramVersion.program_id).where(
        ProgramVersion.status == "published", ProgramVersion.is_open.is_(True)
    )
    versions = session.scalars(
        select(ProgramVersion)
        .where(ProgramVersion.status == "published", ProgramVersion.program_id.in_(open_programs))
        .order_by(ProgramVersion.program_id, ProgramVersion.major, ProgramVersion.minor)
    ).all()
    latest: dict[int, ProgramVersion] = {}
    for version in versions:
        latest[version.program_id] = version  # ordered: the last one is the newest
    candidates = [v for v in latest.values() if v.is_open]
    if not candidates:
        return []
    enrolled: set[int] = set()
    if not include_enrolled:
        enrolled = set(
            session.scalars(
                select(ProgramVersion.program_id)
                .join(Enrollment, Enrollment.program_version_id == ProgramVersion.id)
                .where(Enrollment.citizen_id == citizen.id, Enrollment.status != "ended")
            )
        )
    regions = citizen_region_codes(session, citizen.id)
    age = age_on(citizen.birth_date, local_date(now))
    return [
        version
        for version in candidates
        if version.program_id not in enrolled
        and is_eligible(version.eligibility, sex=citizen.legal_sex, age=age, region_codes=regions)
    ]


def self_start(session: Session, citizen: Citizen, version_id: int, now: datetime) -> Enrollment:
    """A citizen starts an open program they are eligible for, at the program's owner unit."""
    eligible = eligible_open_programs(session, citizen, now, include_enrolled=True)
    version = next((v for v in eligible if v.id == version_id), None)
    if version is None:
        raise EnrollmentError("not_eligible", "the program is not open to this citizen")
    enrollment = start(
        session,
        citizen_id=citizen.id,
        program_version_id=version.id,
        care_unit_id=version.program.owner_care_unit_id,
        therapist_id=None,
        started_by_id=None,
        now=now,
    )
    enrollment.last_active_at = now
    return enrollment
