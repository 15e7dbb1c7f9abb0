"""Unlock rules: when a module opens for the citizen, and the words for each rule.

Two wordings are needed: the design tool describes the rule ("At the start"), the therapist's
page says what it does ("Opens at the start"); the editor's choice for days_after_start has no
number yet. Both are message ids, translated where shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .messages import N_


@dataclass(frozen=True)
class UnlockRule:
    name: str
    label: str  # the design tool's wording; may use %(days)s
    opens: str  # the therapist's wording; may use %(days)s
    needs_days: bool = False  # days_after_start carries ``days``
    first_module: bool = True  # False: the first module cannot use it
    choice: str = ""  # the editor's choice when it differs from ``label``

    @property
    def choice_label(self) -> str:
        return self.choice or self.label


RULES: dict[str, UnlockRule] = {
    rule.name: rule
    for rule in (
        UnlockRule("at_start", N_("At the start"), N_("Opens at the start")),
        UnlockRule(
            "after_previous",
            N_("When the previous module is done"),
            N_("Opens when the previous module is done"),
            first_module=False,
        ),
        UnlockRule(
            "days_after_start",
            N_("%(days)s days after the start"),
            N_("Opens %(days)s days after the start"),
            needs_days=True,
            choice=N_("A number of days after the start"),
        ),
        UnlockRule(
            "by_therapist", N_("When the therapist opens it"), N_("Opened by the therapist")
        ),
    )
}
UNLOCK_RULES = tuple(RULES)
