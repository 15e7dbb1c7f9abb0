"""Exports: the data administrator's exports of ended enrollments (CSV per form, FHIR
QuestionnaireResponse NDJSON, optionally pseudonymised) as background jobs, and the citizen's own
data. Each domain package exports its own records of an enrollment (``<pkg>.exporting``); this
package puts them together. No Flask here. See docs/exports.md.
"""

from __future__ import annotations

from .errors import ExportError as ExportError
from .jobs import FORMATS as FORMATS
from .jobs import ExportSettings as ExportSettings
from .jobs import download_name as download_name
from .jobs import file_of as file_of
from .jobs import housekeeping as housekeeping
from .jobs import jobs_of_unit as jobs_of_unit
from .jobs import run as run
from .jobs import start_export as start_export
from .jobs import unit_job as unit_job
from .own_data import EXPORTERS as EXPORTERS
from .own_data import citizen_document as citizen_document
from .pseudonyms import Pseudonymiser as Pseudonymiser
from .selection import Exportable as Exportable
from .selection import exportable_programs as exportable_programs
