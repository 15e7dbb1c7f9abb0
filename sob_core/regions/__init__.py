"""The regional administrator (vårdgivaradministratör): the seventh role, held per region.

``admins`` (who administers a region, a unit's first permission administrator), ``units``
(activate, deactivate, CSV import), ``activation`` (programme versions per unit as a minor or a
major update), ``messages`` (information messages to the region's staff) and ``statistics``.
See docs/regional-administration.md.
"""

from __future__ import annotations

from .activation import (
    KINDS,
    UnitProgramme,
    activatable_versions,
    activate,
    deactivate,
    overview,
)
from .admins import (
    appoint_permission_admin,
    clean_hsa_id,
    find_or_add_staff,
    make_region_admin,
    region_ids_of,
    regions_of,
    unit_in_region,
)
from .errors import ImportProblems, RegionError
from .messages import create_message, end_message, messages_of
from .statistics import CSV_COLUMNS, MonthRow, csv_bytes, monthly
from .units import (
    CSV_COLUMNS as UNIT_CSV_COLUMNS,
)
from .units import (
    ImportReport,
    UnitState,
    add_unit,
    import_units,
    parse_units_csv,
    set_active,
    unit_state,
    units_of,
)

__all__ = [
    "CSV_COLUMNS",
    "KINDS",
    "UNIT_CSV_COLUMNS",
    "ImportProblems",
    "ImportReport",
    "MonthRow",
    "RegionError",
    "UnitProgramme",
    "UnitState",
    "activatable_versions",
    "activate",
    "add_unit",
    "appoint_permission_admin",
    "clean_hsa_id",
    "create_message",
    "csv_bytes",
    "deactivate",
    "end_message",
    "find_or_add_staff",
    "import_units",
    "make_region_admin",
    "messages_of",
    "monthly",
    "overview",
    "parse_units_csv",
    "region_ids_of",
    "regions_of",
    "set_active",
    "unit_in_region",
    "unit_state",
    "units_of",
]
