"""Enrollments (moment): starting a program version for a citizen, unlock rules, progress, events.

This package is a facade: each job lives in a module of its own, and the names other packages
use are re-exported here, so ``from .. import enrollments; enrollments.start(...)`` works.

- ``clock``: Swedish local days (a programme's days are calendar days in Swedish time);
- ``unlocking``: the pure unlock rules and the simulated test citizen;
- ``overview``: the pure overview view model;
- ``lifecycle``: register a citizen, start, maintenance, change of therapist, end, self start;
- ``progress``: refresh, items opened and done, staff decisions on modules, the event recorder;
- ``timeline``, ``citizen`` (start page, bookmarks), ``assignments`` (pinned and sent forms);
- ``staff_views``: the plain rows the staff's patient page shows.

Content is read only through ``sob_core.content`` (``content_of(version)``, the typed document
and its walkers); nothing here walks the stored JSON.

Time is always a parameter (``now``, timezone-aware), so tests and the design tool's preview can
simulate days passing. The function ``overview`` (from ``progress``) is the one re-exported
under that name; the pure view model lives in the ``overview`` module.
"""

from __future__ import annotations

from .. import events
from . import exporting as exporting
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from . import staff_views as staff_views
from .assignments import open_for_citizen as open_for_citizen
from .assignments import pinned_forms as pinned_forms
from .assignments import send_form as send_form
from .citizen import BookmarkView as BookmarkView
from .citizen import CitizenStart as CitizenStart
from .citizen import assignment_available as assignment_available
from .citizen import citizen_start as citizen_start
from .citizen import is_bookmarked as is_bookmarked
from .citizen import ongoing as ongoing
from .citizen import toggle_bookmark as toggle_bookmark
from .clock import LOCAL_ZONE as LOCAL_ZONE
from .clock import days_between as days_between
from .clock import local_date as local_date
from .clock import local_midnight as local_midnight
from .errors import EnrollmentError as EnrollmentError
from .lifecycle import ONGOING as ONGOING
from .lifecycle import age_on as age_on
from .lifecycle import change_therapist as change_therapist
from .lifecycle import citizen_region_codes as citizen_region_codes
from .lifecycle import eligible_open_programs as eligible_open_programs
from .lifecycle import end as end
from .lifecycle import find_citizen as find_citizen
from .lifecycle import held_back_for_region as held_back_for_region
from .lifecycle import is_eligible as is_eligible
from .lifecycle import register_citizen as register_citizen
from .lifecycle import self_start as self_start
from .lifecycle import set_home_region as set_home_region
from .lifecycle import start as start
from .lifecycle import therapists_at as therapists_at
from .lifecycle import to_maintenance as to_maintenance
from .overview import ItemView as ItemView
from .overview import ModuleView as ModuleView
from .overview import Overview as Overview
from .overview import compute_overview as compute_overview
from .overview import preview_overview as preview_overview
from .progress import accessible_item as accessible_item
from .progress import activate_module as activate_module
from .progress import complete_module as complete_module
from .progress import form_submitted as form_submitted
from .progress import load_state as load_state
from .progress import on_response_submitted as _on_response_submitted
from .progress import open_item as open_item

# The function, not the submodule: this binding comes after ``.overview`` was imported above.
from .progress import overview as overview
from .progress import record_event as record_event
from .progress import refresh as refresh
from .progress import set_item_hidden as set_item_hidden
from .progress import set_module_hidden as set_module_hidden
from .timeline import STAFF_ONLY_EVENTS as STAFF_ONLY_EVENTS
from .timeline import timeline as timeline
from .unlocking import ItemState as ItemState
from .unlocking import ModuleState as ModuleState
from .unlocking import simulate as simulate
from .unlocking import unlock_times as unlock_times

# Core wiring, not a plugin hook: a submitted response of an enrollment's form moves its progress
# on. Connected once, when the domain package is imported, and kept with a strong reference.
events.response_submitted.connect(_on_response_submitted, weak=False)
