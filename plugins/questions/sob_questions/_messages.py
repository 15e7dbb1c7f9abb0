"""Every text the question types show or raise, in Swedish and English.

``clean()`` runs outside any request (imports, jobs, the API), so the texts live here rather than
in the host's Flask-Babel catalogue: one lookup, ``message(key, lang, **values)``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sob_core import TranslatedError

_SV_EN = tuple[str, str]

#: key -> (Swedish, English). A key ending in ``_one`` is the singular of the key without it.
CATALOGUE: dict[str, _SV_EN] = {
    # --- answers, every type --------------------------------------------------------------------
    "required": ("Du behöver svara på frågan.", "Please answer this question."),
    "bad_characters": (
        "Svaret innehåller tecken som inte är tillåtna.",
        "The answer contains characters that are not allowed.",
    ),
    "optional": ("(frivillig)", "(optional)"),
    "error_prefix": ("Fel:", "Error:"),
    # --- choice ---------------------------------------------------------------------------------
    "choose_one": ("Välj ett av svarsalternativen.", "Choose one of the options."),
    "unknown_option": (
        "Välj bland de svarsalternativ som finns.",
        "Choose from the options given.",
    ),
    "choose_range": (
        "Välj minst {min} och högst {max} svarsalternativ.",
        "Choose at least {min} and at most {max} options.",
    ),
    "choose_exact": ("Välj {count} svarsalternativ.", "Choose {count} options."),
    "choose_exact_one": ("Välj 1 svarsalternativ.", "Choose 1 option."),
    "hint_choose_range": (
        "Du kan välja {min}-{max} svarsalternativ",
        "You can choose {min}–{max} options",
    ),
    "hint_choose_exact": ("Välj {count} svarsalternativ", "Choose {count} options"),
    "hint_choose_exact_one": ("Välj 1 svarsalternativ", "Choose 1 option"),
    "other": ("Annat", "Other"),
    "other_text": ("Annat, nämligen:", "Other, please specify:"),
    "hint_open_one": (
        "Välj ett alternativ, eller välj Annat och skriv ditt svar",
        "Choose an option, or choose Other and write your answer",
    ),
    "hint_open_many": (
        "Välj de alternativ som passar, och skriv gärna ett eget svar under Annat",
        "Choose the options that fit, and write your own answer under Other if you like",
    ),
    "other_empty": (
        "Du valde Annat: skriv ditt svar i rutan.",
        "You chose Other: write your answer in the box.",
    ),
    "option_or_other": (
        "Välj ett alternativ eller skriv ett eget svar under Annat, inte båda.",
        "Choose an option or write your own answer under Other, not both.",
    ),
    "one_other": ("Skriv bara ett eget svar.", "Write only one answer of your own."),
    "other_too_long": (
        "Skriv ditt svar med högst {max} tecken.",
        "Write your answer in at most {max} characters.",
    ),
    "select_placeholder": ("Välj ett alternativ", "Choose an option"),
    # --- numbers --------------------------------------------------------------------------------
    "not_number": (
        "Ange ett tal, till exempel 12 eller 7,5.",
        "Enter a number, for example 12 or 7.5.",
    ),
    "not_whole": ("Ange ett heltal, till exempel 12.", "Enter a whole number, for example 12."),
    "too_large": ("Talet är för stort.", "The number is too large."),
    "too_many_decimals": (
        "Ange talet med högst {count} decimaler.",
        "Enter the number with at most {count} decimals.",
    ),
    "too_many_decimals_one": (
        "Ange talet med högst 1 decimal.",
        "Enter the number with at most 1 decimal.",
    ),
    "number_range": (
        "Ange ett tal mellan {min} och {max}.",
        "Enter a number between {min} and {max}.",
    ),
    "number_min": ("Ange ett tal som är {min} eller större.", "Enter a number of {min} or more."),
    "number_max": ("Ange ett tal som är {max} eller mindre.", "Enter a number of {max} or less."),
    "slider_step": (
        "Välj ett värde mellan {min} och {max} i steg om {step}.",
        "Choose a value between {min} and {max} in steps of {step}.",
    ),
    "scale_range": ("Välj ett värde från {min} till {max}.", "Choose a value from {min} to {max}."),
    "hint_whole": ("Ett heltal", "A whole number"),
    "hint_number": ("Ett tal", "A number"),
    "hint_between": (" mellan {min} och {max}", " between {min} and {max}"),
    "hint_at_least": (" som är {min} eller större", " of {min} or more"),
    "hint_at_most": (" som är {max} eller mindre", " of {max} or less"),
    "hint_decimals": (", med högst {count} decimaler", ", with at most {count} decimals"),
    "hint_decimals_one": (", med högst 1 decimal", ", with at most 1 decimal"),
    "current_value": ("Valt värde:", "Selected value:"),
    "slider_chosen": ("Jag har valt mitt värde", "I have chosen my value"),
    "slider_not_chosen": (
        "Flytta reglaget till ditt svar och kryssa sedan i ”Jag har valt mitt värde”.",
        "Move the slider to your answer, then tick “I have chosen my value”.",
    ),
    # --- text -----------------------------------------------------------------------------------
    "not_text": ("Svaret måste vara en text.", "The answer must be text."),
    "too_long": (
        "Svaret får vara högst {max} tecken långt, nu är det {length}.",
        "The answer may be at most {max} characters long; it is {length}.",
    ),
    "one_line": ("Skriv svaret på en rad.", "Write the answer on one line."),
    "hint_max_length": (
        "Du kan skriva högst {max} tecken.",
        "You can write at most {max} characters.",
    ),
    "not_url": (
        "Ange en fullständig webbadress som börjar med https:// (eller http://), till exempel "
        "https://www.1177.se.",
        "Enter a full web address starting with https:// (or http://), for example "
        "https://www.1177.se.",
    ),
    "hint_url": (
        "En fullständig webbadress som börjar med https://, högst {max} tecken.",
        "A full web address starting with https://, at most {max} characters.",
    ),
    "cfg_free_text_options": (
        "Ett val med bara eget svar (free_text) har inga svarsalternativ.",
        "A choice with own answer only (free_text) has no options.",
    ),
    "cfg_text_format": (
        'format kan bara vara "url", och bara för en kort text.',
        'format can only be "url", and only for a short text.',
    ),
    # --- quantities -----------------------------------------------------------------------------
    "unit": ("Enhet", "Unit"),
    "choose_unit": ("Välj en enhet.", "Choose a unit."),
    "unknown_unit": ("Välj bland de enheter som finns.", "Choose from the units given."),
    # --- dates and times ------------------------------------------------------------------------
    "bad_date": (
        "Ange ett datum som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.",
        "Enter a date as YYYY-MM-DD, for example 2024-03-31.",
    ),
    "no_such_date": (
        "Datumet finns inte. Kontrollera år, månad och dag.",
        "That date does not exist. Check the year, month and day.",
    ),
    "date_range": (
        "Ange ett datum mellan {min} och {max}.",
        "Enter a date between {min} and {max}.",
    ),
    "date_min": ("Ange ett datum som är {min} eller senare.", "Enter a date on or after {min}."),
    "date_max": ("Ange ett datum som är {max} eller tidigare.", "Enter a date on or before {max}."),
    "hint_date": ("Skriv datum som ÅÅÅÅ-MM-DD.", "Write the date as YYYY-MM-DD."),
    "bad_time": (
        "Ange en tid mellan 00:00 och 23:59 som TT:MM, till exempel 07:30.",
        "Enter a time between 00:00 and 23:59 as HH:MM, for example 07:30.",
    ),
    "hint_time": (
        "Skriv tid som TT:MM, till exempel 22:45.",
        "Write the time as HH:MM, e.g. 22:45.",
    ),
    "bad_duration": (
        "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
        "Enter hours and minutes as whole numbers, for example 7 and 30.",
    ),
    "duration_max": ("Ange högst {max}.", "Enter at most {max}."),
    "hours": ("Timmar", "Hours"),
    "minutes": ("Minuter", "Minutes"),
    "entry_date": ("ÅÅÅÅ-MM-DD", "YYYY-MM-DD"),
    "entry_time": ("TT:MM", "HH:MM"),
    "date_part": ("Datum", "Date"),
    "time_part": ("Klockslag", "Time"),
    "hint_date_time": (
        "Svensk tid. Skriv datum som ÅÅÅÅ-MM-DD och tid som TT:MM.",
        "Swedish time. Write the date as YYYY-MM-DD and the time as HH:MM.",
    ),
    "date_time_both": (
        "Ange både datum och klockslag.",
        "Enter both a date and a time.",
    ),
    "bad_date_time": (
        "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM, till exempel 2024-03-31 07:30.",
        "Enter the date and time as YYYY-MM-DD HH:MM, for example 2024-03-31 07:30.",
    ),
    "no_such_local_time": (
        "Klockslaget finns inte den dagen, eftersom klockan ställs fram till sommartid. "
        "Ange en tid före 02:00 eller från 03:00.",
        "That time does not exist on that day, because the clocks go forward to summer time. "
        "Enter a time before 02:00 or from 03:00.",
    ),
    # --- several answers (_repeats) ------------------------------------------------------------
    "answer_number": ("Svar {number}", "Answer {number}"),
    "answer_error": ("Svar {number}: {error}", "Answer {number}: {error}"),
    "too_many_answers": ("Ge högst {max} svar.", "Give at most {max} answers."),
    "too_few_answers": ("Ge minst {min} svar.", "Give at least {min} answers."),
    "hint_answers": (
        "Du kan ge flera svar, ett i varje ruta.",
        "You can give several answers, one in each box.",
    ),
    "hint_answers_max": (
        "Du kan ge upp till {max} svar, ett i varje ruta.",
        "You can give up to {max} answers, one in each box.",
    ),
    # --- attachment -----------------------------------------------------------------------------
    "hint_file": (
        "Tillåtna filtyper: {types}. Filen får vara högst {size}.",
        "Allowed file types: {types}. The file may be at most {size}.",
    ),
    "attach_file": ("Bifoga fil", "Attach a file"),
    "attached_file": ("Bifogad fil:", "Attached file:"),
    "remove_file": ("Ta bort filen", "Remove the file"),
    "replace_file": (
        "Välj en ny fil om du vill byta ut den bifogade.",
        "Choose a new file if you want to replace the attached one.",
    ),
    "not_file": ("Svaret måste vara en bifogad fil.", "The answer must be an attached file."),
    "file_type": (
        "Filtypen är inte tillåten här. Använd {types}.",
        "This type of file is not allowed here. Use {types}.",
    ),
    "file_too_large": (
        "Filen är för stor. Den får vara högst {size}.",
        "The file is too large. It may be at most {size}.",
    ),
    "cfg_file_types": (
        "Inställningen content_types måste vara en lista med 1-{max} filtyper, till exempel "
        '"image/*" eller "application/pdf".',
        'The setting content_types must be a list of 1–{max} file types, for example "image/*" '
        'or "application/pdf".',
    ),
    "cfg_file_types_none": (
        "Ingen av filtyperna kan tas emot som svar; sob tar emot {types}.",
        "None of the file types can be received as an answer; sob receives {types}.",
    ),
    # --- designer configuration -----------------------------------------------------------------
    "cfg_mapping": ("Inställningarna måste vara ett objekt.", "The settings must be an object."),
    "cfg_unit": (
        "Enhet {number} måste ha en kod (högst 64 tecken) och kan ha ett kodsystem och en text.",
        "Unit {number} must have a code (at most 64 characters) and may have a code system and a "
        "text.",
    ),
    "cfg_units": (
        "Enheterna måste vara en lista med högst {max} enheter med olika koder.",
        "The units must be a list of at most {max} units with different codes.",
    ),
    "cfg_one_unit": (
        "En fast enhet kan bara vara en; låt personen välja enhet (choose_unit) för flera.",
        "A fixed unit can only be one; let the person choose the unit (choose_unit) for several.",
    ),
    "cfg_bool": (
        "Inställningen {name} måste vara sant eller falskt.",
        "The setting {name} must be true or false.",
    ),
    "cfg_needs_repeats": (
        "Inställningen {name} gäller bara en fråga med flera svar (repeats).",
        "The setting {name} applies only to a question with several answers (repeats).",
    ),
    "cfg_int": (
        "Inställningen {name} måste vara ett heltal.",
        "The setting {name} must be a whole number.",
    ),
    "cfg_number": (
        "Inställningen {name} måste vara ett tal.",
        "The setting {name} must be a number.",
    ),
    "cfg_between": (
        "Inställningen {name} måste vara mellan {low} och {high}.",
        "The setting {name} must be between {low} and {high}.",
    ),
    "cfg_at_least": (
        "Inställningen {name} måste vara minst {low}.",
        "The setting {name} must be at least {low}.",
    ),
    "cfg_not_above": (
        "Inställningen {low_name} får inte vara större än {high_name}.",
        "The setting {low_name} must not be greater than {high_name}.",
    ),
    "cfg_below": (
        "Inställningen {low_name} måste vara mindre än {high_name}.",
        "The setting {low_name} must be less than {high_name}.",
    ),
    "cfg_decimals_of": (
        "Inställningen {name} får inte ha fler decimaler än decimals ({count}).",
        "The setting {name} must not have more decimals than decimals ({count}).",
    ),
    "cfg_step_fit": (
        "Intervallet från {min} till {max} måste gå jämnt upp i steg om {step}.",
        "The range from {min} to {max} must divide evenly into steps of {step}.",
    ),
    "cfg_scale_size": (
        "En skala får ha högst {max} värden, från min till max.",
        "A scale may have at most {max} points, from min to max.",
    ),
    "cfg_text": (
        "Inställningen {name} måste vara en text per språk, till exempel "
        '{{"sv": "...", "en": "..."}}.',
        'The setting {name} must be a text per language, for example {{"sv": "...", "en": "..."}}.',
    ),
    "cfg_text_sv": (
        "Inställningen {name} behöver en svensk text (sv).",
        "The setting {name} needs a Swedish text (sv).",
    ),
    "cfg_date": (
        "Inställningen {name} måste vara ett datum som ÅÅÅÅ-MM-DD.",
        "The setting {name} must be a date as YYYY-MM-DD.",
    ),
    "cfg_options": (
        "Inställningen options måste vara en lista med minst ett svarsalternativ.",
        "The setting options must be a list of at least one option.",
    ),
    "cfg_too_many_options": (
        "En fråga får ha högst {max} svarsalternativ.",
        "A question may have at most {max} options.",
    ),
    "cfg_option": (
        'Svarsalternativ {number} måste vara ett objekt med "value" och "label".',
        'Option {number} must be an object with "value" and "label".',
    ),
    "cfg_option_value": (
        "Svarsalternativ {number} behöver ett värde: en text på 1-{max} tecken utan "
        "inledande eller avslutande mellanslag.",
        "Option {number} needs a value: a text of 1–{max} characters without leading or "
        "trailing spaces.",
    ),
    "cfg_option_label": (
        "Svarsalternativ {number} behöver en etikett med svensk text (sv).",
        "Option {number} needs a label with a Swedish text (sv).",
    ),
    "cfg_duplicate_value": (
        'Svarsalternativens värden måste vara unika, men "{value}" förekommer flera gånger.',
        'Option values must be unique, but "{value}" occurs more than once.',
    ),
    "cfg_fhir_type": (
        "FHIR-typen {type} kräver att varje svarsalternativ har värdetypen {type}.",
        "The FHIR type {type} needs every option to have the value type {type}.",
    ),
    # --- FHIR import ----------------------------------------------------------------------------
    "fhir_item": ("FHIR-frågan måste vara ett objekt.", "The FHIR item must be an object."),
    "fhir_wrong_type": (
        "FHIR-frågan ({type}) kan inte bli en fråga av typen {key}.",
        "The FHIR item ({type}) cannot become a question of type {key}.",
    ),
    "fhir_no_options": (
        "FHIR-frågan saknar svarsalternativ: sob läser answerOption, en answerValueSet (ett "
        "ValueSet i Questionnaire.contained, ett som följer med importen eller ett ur "
        "FHIR-specifikationen) eller, för en choice-fråga, dess startvärden (initial valueCoding).",
        "The FHIR item has no options: sob reads answerOption, an answerValueSet (a ValueSet in "
        "Questionnaire.contained, one supplied with the import or one of the FHIR "
        "specification) or, for a choice item, its initial values (initial valueCoding).",
    ),
    "fhir_free_text_coding": (
        "FHIR-frågan saknar svarsalternativ men har en Coding som startvärde: sob läser en "
        "open-choice utan svarsalternativ som fri text (valueString).",
        "The FHIR item has no options but a Coding as its initial value: sob reads an "
        "open-choice without options as a free text (valueString).",
    ),
    "cfg_option_source": (
        'option_source kan bara vara "initial".',
        'option_source can only be "initial".',
    ),
    "cfg_initial_values": (
        "initial_values ska vara en lista med svarsalternativens värden.",
        "initial_values must be a list of the options' values.",
    ),
    "fhir_bad_option": (
        "Svarsalternativ {number} i FHIR-frågan saknar ett användbart värde "
        "(valueCoding med code eller bara display, valueString eller valueInteger).",
        "Option {number} of the FHIR item has no usable value "
        "(valueCoding with a code or only a display, valueString or valueInteger).",
    ),
    "fhir_bad_value": (
        "FHIR-frågans {name} har ett ogiltigt värde.",
        "The FHIR item's {name} has an invalid value.",
    ),
    "fhir_unit": (
        "FHIR-frågan anger enheten {unit}; en varaktighet måste anges i minuter (min).",
        "The FHIR item uses the unit {unit}; a duration must be given in minutes (min).",
    ),
    "fhir_bad_unit": (
        "FHIR-frågans enhet {number} är ingen Coding med en kod.",
        "Unit {number} of the FHIR item is not a Coding with a code.",
    ),
    "fhir_initial_unit": (
        "FHIR-frågans startvärde har enheten {unit}, som inte är någon av frågans enheter "
        "({units}).",
        "The initial value of the FHIR item is in the unit {unit}, which is not one of the item's "
        "units ({units}).",
    ),
    "cfg_unit_source": (
        'unit_source kan bara vara "initial", med en enda fast enhet.',
        'unit_source can only be "initial", with one fixed unit.',
    ),
    "fhir_unit_and_options": (
        "FHIR-frågan anger både en fast enhet (questionnaire-unit) och enheter att välja bland "
        "(questionnaire-unitOption).",
        "The FHIR item gives both a fixed unit (questionnaire-unit) and units to choose from "
        "(questionnaire-unitOption).",
    ),
    "fhir_payload": (
        "Det sparade svaret {payload} passar inte frågetypen {key}.",
        "The stored answer {payload} does not fit the question type {key}.",
    ),
}


def message(key: str, lang: str, /, **values: Any) -> str:
    """The text ``key`` in ``lang`` (Swedish for an unknown language), filled with ``values``.

    A ``count`` among the values picks the ``<key>_one`` text for exactly one.
    """
    if values.get("count") == 1 and f"{key}_one" in CATALOGUE:
        key = f"{key}_one"
    sv, en = CATALOGUE[key]
    text = en if lang == "en" else sv
    return text.format(**values) if values else text


def invalid(key: str, lang: str, /, **values: Any) -> ValueError:
    """A ``ValueError`` carrying ``message(...)``, for ``raise invalid(...)``.

    A FHIR message (a key starting ``fhir_``) is read by whoever imports or exports, not by the
    citizen answering: it is a ``TranslatedError`` carrying both languages, English by ``str()``,
    which the host shows in its reader's language like its own coded errors (``lang`` is unused).
    So is any message raised while a FHIR import checks the settings it read (``lang`` is
    ``_fhir.IMPORTING``): "option 3 needs a value" is then the importer's to read.
    """
    if key.startswith("fhir_") or lang == "sv+en":  # (``_fhir.IMPORTING``: a FHIR import)
        return TranslatedError({code: message(key, code, **values) for code in ("sv", "en")})
    return ValueError(message(key, lang, **values))


def format_number(value: int | float | Decimal, lang: str) -> str:
    """A number as a person writes it: ``7,5`` in Swedish, ``7.5`` in English, no ``.0``."""
    if isinstance(value, int):
        text = str(int(value))
    else:
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            return str(value)
        text = f"{(number.normalize() if number else Decimal(0)):f}"
    return text.replace(".", ",") if lang != "en" else text
