"""Unlock rules (pure): which locked modules open at a moment, and a simulated citizen.

Unlock rules (``module.unlock.rule``, defined in ``content.unlock``): ``at_start``; ``after_previous`` (the nearest earlier
module the citizen sees is done; the first module opens at start); ``days_after_start`` (with
``days``); ``by_therapist`` (only staff open it). A module without a rule opens at start when it is
the first and after the previous one otherwise. Hidden modules are skipped: they neither open nor
hold back the module after them. Staff decisions stand: rules only ever move a module from locked
to open, never back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ..content import ProgramContent, as_content
from .clock import local_date, local_midnight


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
    content: ProgramContent | Mapping[str, Any] | None,
    *,
    started_at: datetime,
    states: Mapping[str, ModuleState],
    now: datetime,
) -> dict[str, datetime]:
    """Locked modules the rules open at ``now``, each with the moment its rule allowed it."""
    result: dict[str, datetime] = {}
    previous_done_at: datetime | None = started_at  # "after the previous" for the first module
    for index, module in enumerate(as_content(content).modules):
        key = module.key
        current = states.get(key, ModuleState())
        if current.hidden:
            continue  # not there for this citizen: it neither opens nor holds the next one back
        if current.state == "locked":
            rule, days = module.unlock.rule_for(first=index == 0), module.unlock.day_count
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
    content: ProgramContent | Mapping[str, Any] | None, *, started_at: datetime, now: datetime
) -> dict[str, ModuleState]:
    """Module states of a test citizen who finishes every module in its recommended days.

    The design tool's preview uses this to show a program on day N; nothing is stored. Modules
    that only staff open stay locked.
    """
    document = as_content(content)
    states: dict[str, ModuleState] = {m.key: ModuleState() for m in document.modules}
    by_key = {m.key: m for m in document.modules}
    for _round in range(len(states) + 1):
        opened = unlock_times(document, started_at=started_at, states=states, now=now)
        changed = False
        for key, when in opened.items():
            states[key] = ModuleState(state="open", opened_at=when)
            changed = True
        for key, current in states.items():
            if current.state != "open" or current.opened_at is None:
                continue
            days = by_key[key].planned_days or 7
            finished = local_midnight(local_date(current.opened_at) + timedelta(days))
            if finished <= now:
                states[key] = replace(current, state="done", completed_at=finished)
                changed = True
        if not changed:
            break
    return states
