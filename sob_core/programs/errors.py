"""The programs' errors: coded, so the web can say them in the user's language."""

from __future__ import annotations

from ..content.checks import CONTENT_MESSAGES, ContentError
from ..content.messages import N_, CodedError
from ..models.programs import ProgramError, VersionFrozen

PROGRAM_MESSAGES: dict[str, str] = {
    "bad_program_key": N_("The program key must be 1-64 lower-case letters, digits, '-' or '_'."),
    "bad_program_kind": N_("A program is either a support or a treatment program."),
    "program_exists": N_("There is already a program with the key %(key)s."),
    "no_changes": N_(
        "The draft is the same as version %(label)s: there is nothing new to publish."
    ),
    "no_version": N_("The program has neither a draft nor a published version."),
    "bad_bump": N_("Choose a minor or a major version."),
    "bad_regions": N_("The regions must be a list of region codes."),
    "unknown_region": N_("Unknown region: %(codes)s."),
    "bad_sex": N_("Sex must be female, male or either."),
    "bad_ages": N_("Ages must be whole numbers from 0 to 130."),
    "ages_crossed": N_("The lowest age cannot be above the highest age."),
    "unknown_unit": N_("Unknown care unit."),
    "not_retirable": N_("Only a published version can be retired; version %(label)s is not."),
    "not_retired": N_("Version %(label)s is not retired."),
    "not_offered": N_("The program has no published version to set who may start it."),
    "export_draft": N_("Only a published version can be exported."),
    "export_form_missing": N_("The form %(key)s is missing."),
    "export_file_missing": N_("The file %(id)s is missing."),
}

FROZEN_MESSAGES: dict[str, str] = {
    "draft_frozen": N_("Version %(label)s is published and cannot change; start a new draft."),
    "already_published": N_("Version %(label)s is already published."),
}

IMPORT_MESSAGES: dict[str, str] = {
    "not_json": N_("The file is not a program export (it is not JSON)."),
    "too_deep": N_("The file is not a program export (it is nested more than %(depth)s levels)."),
    "not_an_export": N_("The file is not a program export."),
    "wrong_format": N_("The file has the format %(found)s; this installation reads %(expected)s."),
    "forms_not_a_list": N_("The file's forms must be a list."),
    "form_without_key": N_("A form in the file has no key."),
    "form_twice": N_("The form %(key)s is in the file twice."),
    "bad_form_key": N_("The form key %(key)s is not valid."),
    "form_without_definition": N_("The form %(key)s has no definition or title."),
    "form_unusable": N_("The form %(key)s cannot be used here: %(reason)s"),
    "import_scale_missing": N_(
        "The form %(key)s needs the scale %(scale)s, which is not installed."
    ),
    "form_differs": N_(
        "A different form with the key %(key)s exists here; rename one of them before importing."
    ),
    "media_not_a_list": N_("The file's media must be a list."),
    "media_undescribed": N_("A file in the export is not described."),
    "media_without_id": N_("A file in the export has no unique id."),
    "media_not_base64": N_("The file %(name)s is damaged (not base64)."),
    "media_checksum": N_("The file %(name)s is damaged (its checksum does not match)."),
    "media_unusable": N_("The file %(name)s cannot be used: %(reason)s"),
    "no_program_part": N_("The file lacks the program or its version."),
    "bad_import_key": N_("The program key %(key)s is not valid."),
    "key_taken": N_(
        "There is already a program with the key %(key)s; import it under another key."
    ),
    "bad_kind": N_("The program kind %(kind)s is unknown."),
    "bad_label": N_("The version number %(label)s is not valid."),
    "no_content": N_("The file's version has no content."),
    "failed": N_("The import failed and nothing was imported: %(reason)s"),
}


class ProgramCodedError(CodedError, ProgramError):
    """A refused programme action (drafts, publishing, the catalogue, export)."""

    messages = PROGRAM_MESSAGES


class DraftFrozen(CodedError, VersionFrozen):
    """A published version asked to change like a draft."""

    messages = FROZEN_MESSAGES


class ProgramContentError(ContentError, ProgramError):
    """Program content that breaks a rule; ``where`` names the module or item."""

    @classmethod
    def of(cls, error: ContentError) -> ProgramContentError:
        return cls(error.code, **error.params)


class ProgramImportError(CodedError, ProgramError):
    """An export file that cannot be imported; nothing was imported."""

    messages = {**IMPORT_MESSAGES, **PROGRAM_MESSAGES, **CONTENT_MESSAGES}

    @classmethod
    def of(cls, error: CodedError) -> ProgramImportError:
        return cls(error.code, **error.params)
