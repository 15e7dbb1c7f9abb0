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
  a question's own (refused only when one side needs ``any`` of several). A group that
  ``repeats`` (with min/maxOccurs) is a repeating group (``sob_core.forms.repeating``: one payload
  per repetition; a QuestionnaireResponse has one group item per repetition, ``response.py``); one
  inside another, or anything else on a group sob cannot keep, is an error naming it.
- **Nothing is dropped silently on import, nothing refused needlessly** (``kept.py``). An item
  key or a (non-modifier) extension that no question type and no part of the core maps (``code``,
  ``prefix``, ``definition``, presentational extensions such as ``entryFormat`` or
  ``rendering-xhtml`` on a text, or an unknown one such as R4 zika's
  ``http://example.org/additional-information``) is kept verbatim in the question's ``"kept"``
  and written back on export; ``import_report(definition)`` lists it ("kept, not used by sob:
  ...", shown by ``sob forms import``). Refused, naming it: an item no installed type claims or
  several claim, a modifier extension, ``repeats`` on a type that takes one answer (a slider, a
  scale; text, number, date, time and quantity questions take several: ``config["repeats"]``), an
  answer list not read, an
  initial value the type cannot give, and the SDC expressions that compute answers or decide
  what is shown (``kept.REFUSED_EXTENSIONS``). SDC's population-only extensions
  (``kept.POPULATION``: ``variable``, ``launchContext``, ``initialExpression`` ...) are kept on
  items, groups and the Questionnaire itself (``definition["kept"]``) and reported; a question
  prefilled by an ``initialExpression`` sob cannot evaluate starts empty (the report says so on
  its own line) and a read-only one is refused.
- **Display items** other than help texts are information texts (the question type
  ``information`` of sob-questions, ``fhir_type`` ``display``): shown between questions, asking
  nothing, exported again as ``display`` items.
- **Questions without text** (``labels.py``) are shown with their code's ``display``, else their
  contained answer list's title or name, else their linkId; ``"label_from"`` records which, the
  import report says so, and the export leaves the text out again.
- **initial and readOnly** (``prefill.py``): ``"initial"`` is the payload the form is prefilled
  with; ``"read_only"`` questions are shown disabled and store their initial value whatever is
  posted. Both are exported again.
- **Follow-up questions** (``followups.py``): question items nested in a question item are
  questions of their own right after it, naming it in ``"parent"``; the form indents them under
  it and the export nests them in its item again. A group nested in a question is a group of
  follow-ups (it names the question in ``"question"``), built again inside the question's item.
- **Notes** (``notes.py``): the display items nested in a question that are neither its help nor
  its end labels (LHC-Forms' ``prompt``, ``flyover``, ``unit``, ``legal``; SDC's
  ``displayCategory``) are kept in ``"notes"`` as they came (texts and item), shown under the
  help and nested in the question's item again on export.
- **Errors** are coded (``errors.py``): English by ``str()``, translated by the web and the CLI.
  A question type's own message inside one (its ``from_fhir`` or ``fhir_answer`` raising) is a
  ``TranslatedError`` carrying each language, translated with it (``i18n.translate_error``).
  Every item is read before refusing: the problems of all items are one combined error
  (``FhirImportError.combined``), so a refusal names every item and feature at once.
- **Score totals** (``scores.py``): an item with an SDC ``calculatedExpression`` or a
  ``cqf-expression`` that adds up all answers' scores (``%resource.answers().value.ordinal()
  .sum()`` and its like) is not a question but an own result (``sum`` over the questions whose
  options all carry an ``ordinalValue`` score); the item is kept in the result (``fhir_item``)
  and exported again in its place. Any other FHIRPath ``calculatedExpression`` is a calculated
  question; a ``cqf-expression`` sob cannot compute is refused, quoting it.
- **FHIRPath** (``expressions.py``, ``calculate.py``, ``fhirpath.py``; fhirpathpy): a
  ``calculatedExpression`` that is not a score total makes a calculated question
  (``"calculated"``), computed by the server from the answers as the form is shown, saved and
  submitted; an ``initialExpression`` reading ``%patient`` prefills from the signed-in citizen
  (``"initial_expression"``). Both are exported again verbatim. CQL, and an expression sob cannot
  parse or evaluate, are refused naming the item.
- **Bundles and value sets.** A Bundle holding exactly one Questionnaire (and ValueSets beside
  it, ``value_sets.py``) is read as that Questionnaire; the ValueSets, and those given to
  ``sob forms import --value-sets``, resolve ``answerValueSet`` canonicals, and a canonical
  nothing resolves is refused by name. A few value sets of the FHIR R4 specification
  (``yesnodontknow``, ``administrative-gender`` ...) ship with sob and resolve the same way,
  supplied ones winning. An ``answerValueSet`` ``#id`` naming a contained ValueSet (its ``expansion``, or
  a ``compose`` that only lists concepts) is read as the item's ``answerOption`` list; the codings'
  ``system`` is kept on the options and exported again. See ``docs/fhir.md``.

The models of ``fhir.resources`` 8 are R5 at the top level; its ``R4B`` package is the one matching
R4 for Questionnaire and QuestionnaireResponse, so imports are validated with it
(``validation.py``: a missing ``status`` is read as ``draft`` and expression names that are not
FHIR ids are kept, and a contained ValueSet's missing expansion ``timestamp`` or ``status`` is
accepted, each with a note; nothing else is let through). Its validation
reads ``"yes"`` as true and ``"5"`` as 5, so booleans and numbers are checked again as JSON.

The package: ``common.py`` (systems, identity, texts), ``questionnaire.py`` and ``response.py``
(export), ``importing.py`` (the file and the resource), ``groups.py`` (groups), ``items.py`` (one
item, and the checks that nothing is dropped), ``kept.py`` (what is kept unused, and the import
report), ``labels.py`` (texts for items without one), ``prefill.py`` (``initial``/``readOnly``),
``followups.py`` (questions nested in a question), ``scores.py`` (score totals as results),
``value_sets.py`` (ValueSets supplied with an import), ``validation.py`` (R4 validation and
the deviations it accepts), ``errors.py`` (the coded errors), ``expressions.py`` (the FHIRPath
expressions sob evaluates, read and written), ``calculate.py`` (evaluating them as a form is
filled in), ``fhirpath.py`` (fhirpathpy, strictly parsed and fenced).
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
from .kept import Note
from .kept import report as import_report
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
    "Note",
    "export_questionnaire",
    "export_response",
    "import_questionnaire",
    "import_report",
    "questionnaire_canonical",
    "questionnaire_url",
    "read_questionnaire",
]
