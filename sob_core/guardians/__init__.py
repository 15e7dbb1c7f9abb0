"""Guardians (vårdnadshavare) acting for children under 13: the rules and the core's own source.

Where a guardianship comes from is a ``GuardianshipSource`` (hook ``sob_guardianship_sources``);
the core ships ``table.TABLE_SOURCE``, the table the citizen administrator keeps. See
docs/guardians.md.
"""

from __future__ import annotations

from .rules import AGE_LIMIT, Child, Wards, child_citizen, children_of, may_act_for, young_enough
from .table import TABLE_SOURCE, GuardianError, add, of_unit, remove, unit_guardianship

__all__ = [
    "AGE_LIMIT",
    "TABLE_SOURCE",
    "Child",
    "GuardianError",
    "Wards",
    "add",
    "child_citizen",
    "children_of",
    "may_act_for",
    "of_unit",
    "remove",
    "unit_guardianship",
    "young_enough",
]
