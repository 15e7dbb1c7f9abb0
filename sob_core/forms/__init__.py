"""Forms: definitions and versions, skip logic, answers, drafts and submission.

This package is a facade over modules with one job each: ``definitions`` (question specs,
validation, creating forms, scale forms), ``skip_logic``, ``answers`` (cleaning and showing
answers; ``repeating``: groups answered several times), ``submission`` (a citizen's draft answers, submitting) and ``drafts`` (the design
tool's form drafts, published as new versions). Scoring a response belongs to
``sob_core.results.pipeline``; rendering a form as a FlaskForm to ``sob_core.web.forms_rendering``.
Nothing here imports Flask, and nothing here imports enrollments: a submission is announced with
``events.response_submitted``.
"""

from __future__ import annotations

from . import answer_files as answer_files  # a question answered by a file (file_rules)
from . import exporting as exporting
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from . import repeating as repeating
from .answers import UNKNOWN_TYPE as UNKNOWN_TYPE
from .answers import Outcome as Outcome
from .answers import check_response as check_response
from .answers import clean_answers as clean_answers
from .answers import computed as computed
from .answers import display_answer as display_answer
from .answers import payloads as payloads
from .answers import prefilled as prefilled
from .answers import store_answers as store_answers
from .definitions import FormDefinitionError as FormDefinitionError
from .definitions import NoQuestionTypeForItem as NoQuestionTypeForItem
from .definitions import ScaleTextsMissing as ScaleTextsMissing
from .definitions import create_form as create_form
from .definitions import form_info as form_info
from .definitions import scale_questions as scale_questions
from .definitions import scale_results as scale_results
from .definitions import scale_texts as scale_texts
from .definitions import specs as specs
from .definitions import validate_definition as validate_definition
from .drafts import DraftConflict as DraftConflict
from .skip_logic import condition_holds as condition_holds
from .skip_logic import visible_keys as visible_keys
from .submission import open_response as open_response
from .submission import submit as submit
