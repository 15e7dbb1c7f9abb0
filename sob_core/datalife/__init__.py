"""The data's life (issue 12): retention per programme, notices, legal holds, purge records.

- ``retention``: a programme's retention period, the due list, whether a purge may go now;
- ``purge``: the per-package purges in FK order, the dry run, the purge record, the pseudonym;
- ``holds``: legal holds set and lifted by data administrators (audited);
- ``nightly``: the notices ahead of a purge and what the nightly job may purge;
- ``purging``: this package's own rows of an enrollment (holds, notice).

Every domain package that holds an enrollment's data has a ``purging`` module with
``purge_enrollment(session, enrollment_id) -> {table: rows}`` and ``PURGED_TABLES``;
``purge.PURGERS`` lists them in the order they run. See docs/data-lifecycle.md.
"""

from __future__ import annotations

from . import purging as purging
from .errors import DatalifeError as DatalifeError
from .holds import active_hold as active_hold
from .holds import lift_hold as lift_hold
from .holds import set_hold as set_hold
from .nightly import is_purge_hour as is_purge_hour
from .nightly import purgeable_ids as purgeable_ids
from .nightly import run as run
from .nightly import send_notices as send_notices
from .purge import PURGERS as PURGERS
from .purge import PurgeOutcome as PurgeOutcome
from .purge import dry_run as dry_run
from .purge import pseudonym as pseudonym
from .purge import purge as purge
from .purge import purge_due as purge_due
from .purge import purged_tables as purged_tables
from .retention import DueEnrollment as DueEnrollment
from .retention import check_purgeable as check_purgeable
from .retention import due_list as due_list
from .retention import notice_days as notice_days
from .retention import set_retention as set_retention
