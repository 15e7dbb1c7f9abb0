"""The design tool (/design): designers build programs, publishers publish and share them.

A program belongs to its owner care unit; only that unit's designers and publishers see or change
it (another unit's program answers 404). The views are split by job: ``programs`` (the list, a new
program, one program), ``editor`` (the draft), ``publishing`` (publish, changes, catalogue, export,
import). The test-citizen preview lives in another blueprint at ``/design/versions/<id>/preview``.
"""

from __future__ import annotations

from . import batteries as batteries  # the draft's measurement batteries
from . import editor, flag_rules, programs, publishing
from . import form_builder as form_builder  # forms: the list, new forms, forms from a scale
from . import form_draft_page as form_draft_page  # a form draft: editor, publish, preview
from . import form_import as form_import  # a form from a FHIR Questionnaire file
from . import form_question_media as form_question_media  # a form draft's questions' media
from . import form_questions as form_questions  # one question of a form draft
from . import form_results as form_results  # a form draft's own results
from . import reminders as reminders  # the draft's reminder rules
from . import retention as retention  # the programme's retention period (data's life)
from .common import bp

__all__ = ["bp", "editor", "flag_rules", "programs", "publishing"]
