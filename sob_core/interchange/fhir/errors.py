"""Coded FHIR errors: a code and its parameters, English by ``str()``, translated where shown.

The domain does not know the reader's language. An error carries ``code`` (which message) and
``params`` (the names and values it mentions, already quoted); ``str(error)`` is the English text,
for logs and tests, and the web and the CLI show ``i18n.translate_error(error)`` in their language.
The messages are marked with ``N_`` so ``make messages`` puts them in the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for the catalogue without translating it here."""
    return message


EXPORT_MESSAGES: dict[str, str] = {
    "result_settings": N_("result %(key)s has settings FHIR export does not know: %(names)s"),
    "type_not_installed": N_(
        "question %(key)s is of the question type %(type)s, which is not installed"
    ),
    "question": N_("question %(key)s: %(detail)s"),
    "media": N_("question %(key)s: its media cannot be exported"),
    "preselected": N_("question %(key)s: its initial answer is not one of its options"),
    "media_text": N_("question %(key)s: the media %(name)s must be a text"),
    "show_if_source": N_("question %(key)s: show_if names no earlier question"),
    "show_if_source_type": N_(
        "question %(key)s depends on %(source)s, whose question type is not installed"
    ),
    "show_if_in": N_("question %(key)s: show_if 'in' needs a list of values"),
    "show_if_kind": N_("question %(key)s: show_if needs a condition sob knows"),
    "show_if_compare": N_(
        "question %(key)s: show_if compares %(source)s with %(value)s: %(detail)s"
    ),
    "show_if_one_answer": N_(
        "question %(key)s: show_if compares %(source)s with %(value)s, which is not one answer"
    ),
    "show_if_min": N_("question %(key)s: show_if compares greater or less with no value to order"),
    "no_citizen": N_("response %(id)s: its citizen is not found"),
    "answer_type_not_installed": N_(
        "the answer to question %(key)s is of the question type %(type)s, which is not installed"
    ),
    "answer": N_("the answer to question %(key)s: %(detail)s"),
    "extra_answers": N_(
        "response %(id)s answers questions its form version does not have: %(keys)s"
    ),
}

IMPORT_MESSAGES: dict[str, str] = {
    # the file
    "unreadable": N_("cannot read the file: %(reason)s"),
    "not_json": N_("not valid JSON: %(detail)s"),
    "too_deep": N_("not a FHIR resource: nested more than %(depth)s levels"),
    "not_object": N_("not a FHIR resource: a JSON object is needed"),
    "not_questionnaire": N_("not a Questionnaire (resourceType %(type)s)"),
    "bundle_count": N_(
        "the Bundle holds %(count)s Questionnaires: sob imports a Bundle holding exactly one"
    ),
    "several": N_("%(count)s problems, so nothing was imported:"),
    "invalid": N_("not a valid FHIR R4 Questionnaire: %(detail)s"),
    "not_boolean": N_("not a valid FHIR R4 Questionnaire: %(where)s must be true or false"),
    "not_integer": N_("not a valid FHIR R4 Questionnaire: %(where)s must be an integer"),
    "not_number": N_("not a valid FHIR R4 Questionnaire: %(where)s must be a number"),
    # the Questionnaire and the form it becomes
    "modifier": N_("the Questionnaire has a modifier extension sob cannot honour: %(url)s"),
    "many_scales": N_("the Questionnaire names more than one scale"),
    "result_key": N_("a result definition has no key"),
    "bad_key": N_(
        "the form key %(key)s is not usable: give a key of lower-case letters, digits, "
        "'_', '.' or '-'"
    ),
    "other_unit": N_("the form %(key)s belongs to another care unit"),
    "form": N_("%(detail)s"),
    # groups
    "items_list": N_("Questionnaire.item must be a list"),
    "no_link": N_("an item has no linkId"),
    "group_modifier": N_("group %(link)s has a modifier extension sob cannot honour: %(url)s"),
    "group_repeats_nested": N_(
        "group %(link)s repeats inside the repeating group %(outer)s, which sob cannot represent"
    ),
    "group_occurs": N_("group %(link)s: the extension %(url)s needs a usable whole number"),
    "repeated_condition": N_(
        "item %(link)s: enableWhen naming a question of a repeating group from outside that group "
        "cannot be represented in sob"
    ),
    "repeated_initial": N_(
        "item %(link)s: an initial value or readOnly inside a repeating group cannot be "
        "represented in sob"
    ),
    "repeated_expression": N_(
        "item %(link)s: a question sob calculates, prefills, shows or checks by a FHIRPath "
        "expression inside a repeating group cannot be represented in sob"
    ),
    "repeated_score": N_(
        "item %(link)s: a score total over a question in a repeating group cannot be "
        "represented in sob"
    ),
    "group_nested": N_(
        "group %(child)s is nested in group %(link)s: sob flattens only one level of groups"
    ),
    "group_key": N_("group %(link)s: %(names)s cannot be represented in sob"),
    "constraint": N_(
        "item %(link)s: its questionnaire-constraint %(key)s cannot be checked by sob: %(detail)s"
    ),
    "group_extension": N_("group %(link)s: the extension %(url)s cannot be represented in sob"),
    "form_extension": N_("the Questionnaire's extension %(url)s cannot be represented in sob"),
    "group_condition": N_(
        "item %(child)s and its group %(link)s both have enableWhen and one of them needs "
        "'any' of several, which sob cannot combine (its conditions are one level deep)"
    ),
    # items
    "item_modifier": N_("item %(link)s has a modifier extension sob cannot honour: %(url)s"),
    "nested_list": N_("item %(link)s: its nested items must be a list"),
    "many_helps": N_("item %(link)s has more than one help text"),
    "no_type": N_("item %(link)s of type %(type)s: no installed question type can represent it"),
    "many_types": N_("item %(link)s of type %(type)s fits several question types: %(keys)s"),
    "type": N_("item %(link)s of type %(type)s: %(detail)s"),
    "item": N_("item %(link)s: %(detail)s"),
    "item_key": N_("item %(link)s: %(name)s cannot be represented in sob"),
    "type_changes": N_("item %(link)s of type %(type)s would become %(again)s"),
    "extension": N_("item %(link)s: the extension %(url)s cannot be represented in sob"),
    "option_source": N_(
        "item %(link)s: its answer options come from the extension %(url)s (%(value)s), which "
        "sob cannot evaluate: sob reads answer options from answerOption or an answerValueSet"
    ),
    "read_only_prefill": N_(
        "item %(link)s is read-only and filled from the patient record (SDC initialExpression), "
        "which sob does not have: it would stay empty"
    ),
    "initial_many": N_("item %(link)s: more than one initial value cannot be represented in sob"),
    "initial_value": N_("item %(link)s: its initial value is not one of the answers sob can give"),
    "initial_type": N_("item %(link)s: its initial value cannot be represented: %(detail)s"),
    "group_in_question": N_("group %(child)s nested in item %(link)s cannot be represented in sob"),
    "nested_item": N_("item %(child)s nested in item %(link)s cannot be represented in sob"),
    "preselected": N_("item %(link)s: a preselected answer option cannot be represented"),
    "option_extension": N_(
        "item %(link)s: the extension %(url)s of an answer option cannot be represented in sob"
    ),
    "media": N_("item %(link)s: its media needs a kind and a media file id (mediaId)"),
    "result_band": N_("result %(key)s: a band needs a slug and a colour"),
    # value sets supplied with an import (value_sets.py)
    "bundle_other": N_(
        "the Bundle holds resources sob does not import beside its Questionnaire: %(types)s "
        "(only ValueSets may go with it)"
    ),
    "value_set_url": N_("a ValueSet supplied with the import has no url"),
    "value_set_invalid": N_("the ValueSet %(url)s is not a valid FHIR R4 ValueSet: %(detail)s"),
    "value_set_unread": N_(
        "the ValueSet %(url)s has neither an expansion nor a compose that only lists concepts"
    ),
    "value_set_unknown": N_(
        "item %(link)s: its answers are the value set %(url)s, which sob cannot look up: "
        "supply it with the import (in a Bundle beside the Questionnaire, or --value-sets)"
    ),
    "value_set_missing": N_("no value set file or directory %(path)s"),
    "value_set_none": N_("the directory %(path)s holds no .json file"),
    "value_set_many": N_("the directory %(path)s holds more than %(max)s .json files"),
    "value_set_file": N_("the value set file %(path)s is not JSON: %(detail)s"),
    "value_set_not": N_("the value set file %(path)s holds a %(type)s, not a ValueSet"),
    # score totals (scores.py)
    "calculated_cql": N_(
        "item %(link)s: its answer is calculated in CQL (%(language)s %(expression)s), which sob "
        "does not evaluate: sob evaluates calculatedExpression in FHIRPath (text/fhirpath) only"
    ),
    "calculated_language": N_(
        "item %(link)s: its answer is calculated in the language %(language)s, which sob does not "
        "evaluate (%(expression)s): sob evaluates calculatedExpression in FHIRPath only"
    ),
    "calculated_fhirpath": N_(
        "item %(link)s: its calculatedExpression %(expression)s cannot be evaluated as FHIRPath: "
        "%(detail)s"
    ),
    "enable_language": N_(
        "item %(link)s: whether it is shown is decided in the language %(language)s "
        "(%(expression)s), which sob does not evaluate: sob evaluates enableWhenExpression in "
        "FHIRPath (text/fhirpath) only"
    ),
    "enable_fhirpath": N_(
        "item %(link)s: its enableWhenExpression %(expression)s cannot be evaluated as FHIRPath: "
        "%(detail)s"
    ),
    "score_expression": N_(
        "item %(link)s: its %(language)s expression %(expression)s is not a score total sob can "
        "compute (sob adds up the scores of all answers: "
        "%%resource.answers().value.ordinal().sum())"
    ),
    "score_many": N_("item %(link)s has more than one calculated expression"),
    "score_none": N_(
        "item %(link)s adds up answer scores, but no question has scores on all its options"
    ),
    # skip logic
    "condition_malformed": N_("item %(link)s: its enableWhen is malformed"),
    "condition_min": N_("item %(link)s: an enableWhen comparing greater or less needs no boolean"),
    "condition_exists": N_("item %(link)s: enableWhen 'exists' needs answerBoolean"),
    "condition_operator": N_(
        "item %(link)s: the enableWhen operator %(operator)s cannot be represented in sob"
    ),
    "condition_behaviour": N_(
        "item %(link)s: several enableWhen need enableBehavior 'any' or 'all'"
    ),
    "condition_answers": N_("item %(link)s: an enableWhen needs exactly one answer"),
    "condition_answer": N_("item %(link)s: the enableWhen %(name)s cannot be represented in sob"),
}


class FhirError(ValueError):
    """A coded FHIR mapping error (see the module's notes); ``str()`` is the English text."""

    messages: ClassVar[Mapping[str, str]] = {}

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.template = self.messages[code]
        self.params = {name: str(value) for name, value in params.items()}
        #: the values as given: a nested error (a plugin's ``TranslatedError``, a coded error)
        #: is translated again where the error is shown (``i18n.translate_error``)
        self.details: dict[str, Any] = dict(params)
        super().__init__(self.template % self.params if self.params else self.template)


class FhirExportError(FhirError):
    """A form or response that cannot be exported; the message names the question."""

    messages = EXPORT_MESSAGES


class FhirImportError(FhirError):
    """A resource that cannot be imported; the message names the item. Nothing was imported.

    ``errors`` holds the problems of a combined error (``combined``), each named on its own, so
    a refusal names every item and feature sob cannot represent at once.
    """

    messages = IMPORT_MESSAGES
    errors: tuple[FhirImportError, ...] = ()

    @classmethod
    def combined(cls, errors: Sequence[FhirImportError]) -> FhirImportError:
        """One error naming all of ``errors`` (the error itself when there is one)."""
        if len(errors) == 1:
            return errors[0]
        error = cls("several", count=len(errors))
        error.errors = tuple(errors)
        error.args = (" ".join([str(error), "; ".join(str(e) for e in errors)]),)
        return error
