"""The overview view model (pure): what "Mitt innehåll" and the staff's Hantera tab show.

Built from content and states only, so the design tool's preview and tests need no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ..content import Item, ProgramContent, as_content, filled
from .clock import days_between, local_date, local_midnight
from .unlocking import ItemState, ModuleState, simulate


@dataclass(frozen=True)
class ItemView:
    key: str
    kind: str
    title: dict[str, str]
    status: str  # done / in_progress / available / locked
    assignment_id: int | None = None
    is_form: bool = False  # the item hands out a form (its kind's ``has_form``)


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


def _item_status(item: Item, module_state: str, progress: ItemState | None) -> str:
    if module_state == "locked":
        return "locked"
    progress = progress or ItemState()
    if item.is_form:
        if progress.done:
            return "done"
        if not progress.fillable:
            return "locked"  # no form handed out (its form version is missing)
        if progress.draft or progress.opened:
            return "in_progress"
        return "available"
    return "done" if (progress.opened or progress.done) else "available"


def compute_overview(
    content: ProgramContent | Mapping[str, Any] | None,
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
    document = as_content(content)
    hidden = set(hidden)
    form_titles = form_titles or {}
    today = local_date(now)
    current: list[ModuleView] = []
    upcoming: list[ModuleView] = []
    completed: list[ModuleView] = []
    for index, module in enumerate(document.modules):
        key = module.key
        if key in hidden:
            continue
        state = module_states.get(key, ModuleState())
        rule, rule_days = module.unlock.rule_for(first=index == 0), module.unlock.day_count
        module_days = module.planned_days
        opened_on = local_date(state.opened_at) if state.opened_at else None
        due = opened_on + timedelta(module_days) if opened_on and module_days else None
        opens_on = None
        if state.state == "locked" and rule == "days_after_start":
            opens_on = local_date(started_at) + timedelta(rule_days)
        view = ModuleView(
            key=key,
            number=index + 1,
            title=filled(module.title),
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
        for item in module.items:
            if item.key in hidden:
                continue
            title = filled(item.title) or dict(form_titles.get(item.key, {}))
            progress = item_progress.get(item.key)
            entry = ItemView(
                key=item.key,
                kind=item.kind or "text",
                title=title or {"sv": item.key},
                status=_item_status(item, state.state, progress),
                assignment_id=progress.assignment_id if progress else None,
                is_form=item.is_form,
            )
            (view.forms if entry.is_form else view.content).append(entry)
        {"open": current, "done": completed}.get(state.state, upcoming).append(view)
    return Overview(
        name=filled(document.name),
        description=filled(document.description),
        welcome=filled(document.welcome),
        started_on=local_date(started_at),
        today=today,
        days_since_start=max(0, days_between(started_at, now)),
        recommended_days=document.planned_days,
        current=current,
        upcoming=upcoming,
        completed=completed,
    )


def preview_overview(
    content: ProgramContent | Mapping[str, Any] | None, *, started_at: datetime, day: int
) -> Overview:
    """The overview of a test citizen on ``day`` (from 0), who finishes modules on time.

    The test citizen starts at the first moment of ``started_at``'s day and is looked at at noon
    of day ``day``, so a day is a calendar day even across a change to or from summer time.
    """
    started_at = local_midnight(local_date(started_at))
    now = local_midnight(local_date(started_at) + timedelta(days=day)) + timedelta(hours=12)
    document = as_content(content)
    states = simulate(document, started_at=started_at, now=now)
    progress: dict[str, ItemState] = {}
    for module in document.modules:
        done = states[module.key].state == "done"
        for item in module.items:
            progress[item.key] = ItemState(opened=done, done=done, fillable=True)
    return compute_overview(
        document, started_at=started_at, module_states=states, item_progress=progress, now=now
    )
