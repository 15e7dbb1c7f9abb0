"""The regional administrator's refusals: coded, so the web says them in the user's language."""

from __future__ import annotations

from ..content.messages import N_, CodedError

REGION_MESSAGES: dict[str, str] = {
    "not_your_region": N_("The care unit is not in your region."),
    "unknown_unit": N_("Unknown care unit."),
    "bad_hsa_id": N_(
        "%(value)s is not an HSA-id (SE, ten digits, a hyphen and up to 31 letters or digits)."
    ),
    "name_required": N_("A name is needed."),
    "name_too_long": N_("The name can be at most %(max)s characters."),
    "unit_exists": N_("There is already a care unit with the HSA-id %(hsa_id)s."),
    "unit_elsewhere": N_("The care unit %(hsa_id)s belongs to another region."),
    "staff_hsa_is_unit": N_("%(hsa_id)s is a care unit's HSA-id, not a person's."),
    "has_permission_admin": N_(
        "%(unit)s already has a permission administrator; further ones are appointed there."
    ),
    "unknown_version": N_("Unknown programme version."),
    "not_published": N_("Only a published version can be activated; %(label)s is not."),
    "bad_kind": N_("Choose a minor or a major update."),
    "minor_needs_same_major": N_(
        "A minor update keeps the major number: version %(label)s is not a minor update of "
        "%(current)s. Activate it as a major update."
    ),
    "minor_needs_current": N_(
        "A minor update replaces the version a unit offers, and %(unit)s offers none of this "
        "programme: activate it as a major update."
    ),
    "already_active": N_("Version %(label)s is already active at %(unit)s."),
    "not_active": N_("The programme is not offered at %(unit)s."),
    "unit_inactive": N_("%(unit)s is deactivated: activate the care unit first."),
    "bad_dates": N_("The end date cannot be before the start date."),
    "text_required": N_("Write the message in Swedish."),
    "unknown_message": N_("Unknown information message."),
    "csv_not_utf8": N_("The file is not UTF-8 text."),
    "csv_empty": N_("The file has no rows."),
    "csv_header": N_("The first line must name the columns; missing: %(missing)s."),
    "csv_unknown_column": N_("Unknown column: %(columns)s."),
    "csv_twice": N_("The HSA-id %(hsa_id)s is in the file more than once."),
    "csv_bad_zone": N_("%(value)s is not a time zone (for example Europe/Stockholm)."),
    "csv_bad_active": N_("The column active takes ja/nej (or yes/no); not %(value)s."),
    "csv_too_many": N_("A file can have at most %(max)s rows."),
}


class RegionError(CodedError):
    """A refused regional administration action; nothing of it was done."""

    messages = REGION_MESSAGES


class ImportProblems(Exception):
    """A CSV import refused as a whole: every bad row, with its line number."""

    def __init__(self, problems: list[tuple[int, RegionError]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {error}" for line, error in problems))
