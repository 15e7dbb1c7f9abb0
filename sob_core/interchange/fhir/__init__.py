"""Forms and responses as FHIR R4 ``Questionnaire`` and ``QuestionnaireResponse`` resources.

Each question type maps its own questions (``fhir_type``, ``fhir_item``, ``fhir_answer``,
``fhir_matches``, ``from_fhir``); this package builds the resources around them and maps what the
core owns:

- **Identity.** ``url`` is ``<base_url>/fhir/Questionnaire/<form key>`` (the web and the CLI
  pass the deployment's ``SOB_BASE_URL``) and ``version`` the form version's number, so a response's ``questionnaire`` (``url|version``) names the exact
  version it answered. ``id`` is ``<key>-<version>``, made FHIR-safe. An **imported**
  Questionnaire keeps its own ``url``, ``version``, ``status``, ``copyright`` and ``language``
  (``definition["origin"]``): they are exported again and its responses name its canonical.
- **Texts.** Swedish is primary: ``text``/``title``/``description`` are in the export language
  (``lang``, Swedish by default, also set as the resource ``language``) and every other language
  rides along in the standard ``translation`` extension on ``_text``/``_title``/``_description``.
  On import a text's base string is Swedish unless a translation gives Swedish (then it is
  English): the rule the question types use for option labels, which makes every export in either
  language read back exactly. A Questionnaire written in English without translations so gets its
  English texts as Swedish ones (sob needs a Swedish text), which show the same everywhere.
- **Help text** is a nested ``display`` item (linkId ``<key>.help``) with the itemControl
  ``help``, which SDC renderers show as a help button.
- **Scale.** A form that administers a scale carries it as ``Questionnaire.code`` with the system
  ``SCALE_SYSTEM`` (the code is the scale id): the code names the instrument, which is what
  ``Questionnaire.code`` is for. Importing a questionnaire coded with a scale that is not installed
  fails.
- **Skip logic** (``conditions.py``). Every ``enableWhen`` operator maps to a ``show_if``
  operator (``=`` equals, ``!=`` not_equals, ``>=`` min, ``<=`` max, ``>`` greater, ``<`` less,
  ``exists`` exists with ``answerBoolean``); several are ``{"all"|"any": [...]}`` by
  ``enableBehavior``, and several ``=`` on one question with ``any`` are ``in``. The ``answer[x]``
  written for equality is what the source question's type gives for that payload in a response
  (``fhir_answer``), so a choice compares a Coding, a duration a Quantity; a number compared with
  a choice, and ordered values, keep their own type (Integer, Decimal, Date, DateTime, Time).
- **sob-only pieces** (result definitions, question media) are extensions under ``SOB_FHIR``.
- **Groups** (``groups.py``): nested groups keep their structure, heading (``text``) and
  ``required`` in ``definition["groups"]`` (a question names its group in ``"group"``) and are
  built again on export. A group's ``enableWhen`` passes to its questions, joined with ``all`` to
  a question's own (refused only when one side needs ``any`` of several); a repeating group, or anything else on a group sob cannot keep, is an error naming it.
- **Nothing is dropped silently on import.** An item no installed type claims, claimed by several
  types, or carrying something sob cannot represent (``initial``, ``readOnly``, ``repeats`` on a
  non-choice, an unknown extension, a modifier extension, an extra nested item ...) is a
  ``FhirImportError`` naming its linkId, and nothing is imported. Only the numbering ``prefix``,
  ``code``/``definition`` metadata and purely presentational extensions are let go.
- **Errors** are coded (``errors.py``): English by ``str()``, translated by the web and the CLI.
  Every item is read before refusing: the problems of all items are one combined error
  (``FhirImportError.combined``), so a refusal names every item and feature at once.
- **Bundles and value sets.** A Bundle holding exactly one Questionnaire is read as that
  Questionnaire. An ``answerValueSet`` ``#id`` naming a contained ValueSet (its ``expansion``, or
  a ``compose`` that only lists concepts) is read as the item's ``answerOption`` list; the codings'
  ``system`` is kept on the options and exported again. See ``docs/fhir.md``.

The models of ``fhir.resources`` 8 are R5 at the top level; its ``R4B`` package is the one matching
R4 for Questionnaire and QuestionnaireResponse, so imports are validated with it. Its validation
reads ``"yes"`` as true and ``"5"`` as 5, so booleans and numbers are checked again as JSON.

The package: ``common.py`` (systems, identity, texts), ``questionnaire.py`` and ``response.py``
(export), ``importing.py`` (the file and the resource), ``groups.py`` (groups), ``items.py`` (one
item, and the checks that nothing is dropped), ``errors.py`` (the coded errors).
"""

from __future__ import annotations

from .common import (
    MEDIA_EXTENSION,
    PERSONNUMMER_SYSTEM,
    RESULT_EXTENSION,
    SAMORDNINGSNUMMER_SYSTEM,
    SCALE_SYSTEM,
    SOB_FHIR,
    TRANSLATION,
    questionnaire_canonical,
    questionnaire_url,
)
from .errors import FhirError, FhirExportError, FhirImportError
from .importing import import_questionnaire, read_questionnaire
from .items import HANDLED_KEYS, PRESENTATIONAL
from .questionnaire import export_questionnaire
from .response import export_response

__all__ = [
    "HANDLED_KEYS",
    "MEDIA_EXTENSION",
    "PERSONNUMMER_SYSTEM",
    "PRESENTATIONAL",
    "RESULT_EXTENSION",
    "SAMORDNINGSNUMMER_SYSTEM",
    "SCALE_SYSTEM",
    "SOB_FHIR",
    "TRANSLATION",
    "FhirError",
    "FhirExportError",
    "FhirImportError",
    "export_questionnaire",
    "export_response",
    "import_questionnaire",
    "questionnaire_canonical",
    "questionnaire_url",
    "read_questionnaire",
]
