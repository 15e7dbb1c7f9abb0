"""The coded errors of own results (``own_results``, ``formula``): English by ``str()``, the web
translates them; each names the result and the field it concerns (``OwnResultError.field``)."""

from __future__ import annotations

from typing import Any

from ..content.messages import N_, CodedError

RESULT_MESSAGES: dict[str, str] = {
    "results_not_a_list": N_("The results of a form must be a list."),
    "result_not_an_object": N_("Result %(number)s is not an object."),
    "result_key": N_(
        "Result %(number)s: the key %(key)s must be 1-64 lower-case letters a-z, digits or '-'."
    ),
    "result_key_twice": N_("The result key %(key)s is used twice."),
    "result_label": N_("Result %(key)s needs a name in Swedish."),
    "result_text": N_("Result %(key)s: %(what)s must be a text in Swedish and English."),
    "result_method": N_("Result %(key)s: the method must be sum, mean or formula."),
    "result_on_scale_form": N_(
        "Result %(key)s: a form that administers a scale is scored by the scale; "
        "it cannot have results of its own."
    ),
    "result_no_questions": N_("Result %(key)s: choose at least one question."),
    "result_question_unknown": N_("Result %(key)s: there is no question %(question)s."),
    "result_question_twice": N_("Result %(key)s: the question %(question)s is chosen twice."),
    "result_question_not_numeric": N_(
        "Result %(key)s: the answers to %(question)s are not numbers, so they cannot be counted "
        "(use number, slider, scale, duration, or single choice whose options are numbers)."
    ),
    "result_decimals": N_("Result %(key)s: the decimals must be a whole number from 0 to 4."),
    "result_visible": N_("Result %(key)s: whether the citizen sees it must be yes or no."),
    "formula_missing": N_("Result %(key)s: write the formula."),
    "formula_too_long": N_("Result %(key)s: the formula is longer than %(max)s characters."),
    "formula_syntax": N_(
        "Result %(key)s: the formula cannot be read (%(detail)s). Use numbers, question keys, "
        "+ - * /, parentheses, min(), max() and round()."
    ),
    "formula_not_allowed": N_(
        "Result %(key)s: %(what)s is not allowed in a formula. Use numbers, question keys, "
        "+ - * /, parentheses, min(), max() and round()."
    ),
    "formula_power": N_(
        "Result %(key)s: powers (**) are not allowed in a formula; multiply instead."
    ),
    "formula_unknown_name": N_(
        "Result %(key)s: %(name)s in the formula is not a question of the form."
    ),
    "formula_not_numeric": N_(
        "Result %(key)s: the answers to %(question)s are not numbers or times, so the formula "
        "cannot use them."
    ),
    "formula_function_args": N_("Result %(key)s: %(function)s() needs %(needs)s in the formula."),
    "formula_number": N_("Result %(key)s: the number %(number)s in the formula is too large."),
    "formula_too_big": N_("Result %(key)s: the formula is too long; split it or simplify it."),
    "formula_no_question": N_("Result %(key)s: the formula must use at least one question."),
    "bands_not_a_list": N_("Result %(key)s: the bands must be a list."),
    "bands_too_many": N_("Result %(key)s: a result may have at most %(max)s bands."),
    "band_not_an_object": N_("Result %(key)s: band %(number)s is not an object."),
    "band_slug": N_(
        "Result %(key)s, band %(number)s: the short name %(slug)s must be lower-case letters "
        "a-z, digits or '-' (e.g. low-distress)."
    ),
    "band_slug_twice": N_("Result %(key)s: the band short name %(slug)s is used twice."),
    "band_label": N_("Result %(key)s, band %(number)s needs a name in Swedish."),
    "band_bound": N_("Result %(key)s, band %(number)s: %(what)s must be a number or empty."),
    "band_empty": N_(
        "Result %(key)s, band %(number)s: the lower limit must be below the upper limit."
    ),
    "band_open_below": N_(
        "Result %(key)s, band %(number)s: only the first band may have no lower limit."
    ),
    "band_open_above": N_(
        "Result %(key)s, band %(number)s: only the last band may have no upper limit."
    ),
    "band_gap": N_(
        "Result %(key)s, band %(number)s: it must start where the band before it ends "
        "(%(expected)s), so no value falls between bands or in two bands."
    ),
    "band_colour": N_("Result %(key)s, band %(number)s: %(detail)s"),
    "band_text": N_("Result %(key)s, band %(number)s: %(what)s must be a text."),
}

#: what the messages call the parts of a result (message ids, translated where shown)
WHAT: dict[str, str] = {
    "explanation": N_("the explanation"),
    "citizen_text": N_("the citizen's text"),
    "staff_text": N_("the care team's text"),
    "lower": N_("the lower limit"),
    "upper": N_("the upper limit"),
}


class OwnResultError(CodedError):
    """A result definition that cannot be used; ``field`` names the part it concerns."""

    messages = RESULT_MESSAGES

    def __init__(self, code: str, /, *, field: str = "", **params: Any) -> None:
        self.field = field
        super().__init__(code, **params)
