"""The small checks content rules are made of, the coded ``ContentError`` and its messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeGuard
from urllib.parse import urlsplit

from .messages import N_, CodedError, Phrase

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_DAYS = 3650

#: Hosts a video link may point to (https only). Shown as a link, never embedded.
VIDEO_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "youtu.be",
        "vimeo.com",
        "www.vimeo.com",
        "player.vimeo.com",
        "play.vgregion.se",
    }
)

CONTENT_MESSAGES: dict[str, str] = {
    "not_an_object": N_("The program content must be an object."),
    "modules_not_a_list": N_("The program's modules must be a list."),
    "module_not_an_object": N_("%(where)s is not an object."),
    "items_not_a_list": N_("%(where)s: the items must be a list."),
    "item_not_an_object": N_("%(where)s: item %(number)s is not an object."),
    "not_a_text": N_("%(where)s: %(what)s must be a text."),
    "unknown_language": N_("%(where)s: %(what)s has an unknown language."),
    "text_missing": N_("%(where)s: %(what)s is missing."),
    "body_missing": N_("%(where)s: the text is missing."),
    "not_a_number": N_("%(where)s: %(what)s must be a whole number from %(low)s to %(high)s."),
    "bad_key": N_(
        "%(where)s: the key %(key)s must be 1-64 lower-case letters, digits, '-' or '_'."
    ),
    "key_twice": N_("%(where)s: the key %(key)s is used twice in the program."),
    "unknown_kind": N_("%(where)s: the kind %(kind)s is unknown (use %(kinds)s)."),
    "unknown_rule": N_("%(where)s: the unlock rule %(rule)s is unknown (use %(rules)s)."),
    "first_after_previous": N_(
        "%(where)s: the first module cannot wait for a previous module; choose another unlock rule."
    ),
    "video_file_and_link": N_(
        "%(where)s: a video has either an uploaded file or a link, not both."
    ),
    "video_missing": N_("%(where)s: the video needs a file or a link."),
    "video_host": N_(
        "%(where)s: video links must start with https:// and lead to one of %(hosts)s."
    ),
    "video_captions": N_("%(where)s: an uploaded video needs a captions file (WebVTT)."),
    "no_form": N_("%(where)s: there is no form %(key)s."),
    "form_scale_missing": N_(
        "%(where)s: the form %(key)s needs the scale %(scale)s, which is not installed."
    ),
    "scale_texts_missing": N_("%(where)s: the texts of the scale %(scale)s are not installed."),
    "form_types_missing": N_(
        "%(where)s: the form %(key)s uses question types that are not installed: %(types)s."
    ),
    "form_version_missing": N_("%(where)s: the form %(key)s has no version %(version)s."),
    "file_missing": N_("%(where)s: the file is missing."),
    "no_such_file": N_("%(where)s: the file %(id)s does not exist."),
    "wrong_file_kind": N_("%(where)s: the file %(id)s is not of the right kind."),
    "module_empty": N_("%(where)s has no content; add at least one item."),
    "no_modules": N_("The program needs at least one module to be published."),
    "followup_not_valid": N_("The programme's follow-up settings are not valid."),
    # --- measurement batteries (content/batteries.py) ---
    "battery_where": N_("Battery %(number)s"),
    "battery_named": N_("Battery %(number)s (%(name)s)"),
    "batteries_not_a_list": N_("The measurement batteries must be a list."),
    "battery_key_twice": N_("%(where)s: two batteries have the key %(key)s."),
    "battery_no_forms": N_("%(where)s needs at least one form."),
    "battery_form_twice": N_("%(where)s: the form %(key)s is listed twice."),
    "battery_trigger": N_(
        "%(where)s: the start %(trigger)s is unknown (use enrollment_start, module_start or repeat)."
    ),
    "battery_module": N_("%(where)s: there is no module %(key)s."),
    "battery_module_missing": N_("%(where)s: choose the module that starts the battery."),
    "battery_module_not_used": N_(
        "%(where)s: a battery at the start of the enrollment has no module."
    ),
    "battery_number": N_("%(where)s: %(what)s must be a whole number from %(low)s to %(high)s."),
    "battery_every_days": N_("the interval in days"),
    "battery_count": N_("the number of times"),
    "battery_start_days": N_("the days after the start"),
    "battery_due_days": N_("the days until due"),
    "battery_expire_days": N_("the days until it expires"),
    "battery_time": N_("%(where)s: the time %(time)s must be HH:MM, e.g. 08:00."),
    "battery_expire": N_(
        "%(where)s: the days until it expires (%(expire)s) must be more than the days until due"
        " (%(due)s)."
    ),
    # --- the citizen's reminder rules (content/reminder_rules.py) ---
    "reminders_not_valid": N_("The reminders must be an object with a list of rules."),
    "reminder_rule_not_valid": N_("Reminder rule %(number)s is not valid."),
    "reminder_bad_key": N_(
        "Reminder rule %(number)s: the key %(key)s must be 1-64 lower-case letters, digits, "
        "'-' or '_'."
    ),
    "reminder_key_twice": N_("Reminder rule %(number)s: the key %(key)s is used twice."),
    "reminder_no_offsets": N_(
        "Reminder rule %(number)s needs at least one reminder (days after the opening)."
    ),
    "reminder_too_many": N_(
        "Reminder rule %(number)s has %(count)s reminders; a rule may have at most %(max)s."
    ),
    "reminder_bad_offset": N_(
        "Reminder rule %(number)s: the days must be whole numbers from 0 to %(max)s."
    ),
    "reminder_not_ascending": N_(
        "Reminder rule %(number)s: the days must go up, each later than the one before."
    ),
    "reminder_bad_battery": N_("Reminder rule %(number)s: the battery key %(key)s is not valid."),
    # --- flag rules (content/flag_rules.py) ---
    "flag_rule_not_valid": N_("Flag rule %(number)s is not valid."),
    "flag_rule_key": N_(
        "Flag rule %(number)s: the key must be 1-64 lower-case letters, digits, - or _."
    ),
    "flag_rule_kind": N_("Flag rule %(number)s: unknown kind of rule."),
    "flag_rule_severity": N_("Flag rule %(number)s: the severity must be 1, 2 or 3."),
    "flag_rule_result_key": N_(
        "Flag rule %(number)s: the result must be a scale or a scale's result, e.g. phq-9.total."
    ),
    "flag_rule_bands": N_("Flag rule %(number)s: choose at least one band."),
    "flag_rule_unknown_band": N_("Flag rule %(number)s: the scale has no band %(bands)s."),
    "flag_rule_number": N_("Flag rule %(number)s: %(field)s must be a number (above 0)."),
    "flag_rule_threshold": N_("Flag rule %(number)s: give a value to be above or below, or both."),
    "flag_rule_scale": N_("Flag rule %(number)s: the scale is not installed."),
    "flag_rule_direction": N_("Flag rule %(number)s: the direction must be up, down or any."),
    "flag_rule_batteries": N_("Flag rule %(number)s: the battery keys are not valid."),
    "flag_rule_days": N_(
        "Flag rule %(number)s: the days must be a whole number from 1 to %(high)s."
    ),
    "flag_rule_duplicate": N_("Flag rule %(number)s: the key %(key)s is used twice."),
    "flag_rules_too_many": N_("A programme may have at most %(high)s flag rules."),
    # --- end of follow-up messages ---
}


class ContentError(CodedError):
    """Program content that breaks a rule; ``where`` names the module or item."""

    messages = CONTENT_MESSAGES


class RegistryFacts(Protocol):
    """What content rules need from the plugin registry: the installed scales and question types."""

    @property
    def scales(self) -> Mapping[str, Any]: ...

    @property
    def question_types(self) -> Mapping[str, Any]: ...


@dataclass
class FormFacts:
    """What content validation needs to know about one form."""

    key: str
    versions: set[int]
    latest: int
    scale_id: str | None
    question_types: list[str]
    texts_installed: bool = True


@dataclass
class Known:
    """The forms and media content may refer to (from the database, or from an import file)."""

    forms: dict[str, FormFacts] = field(default_factory=dict)
    media: dict[int, str] = field(default_factory=dict)  # id -> media kind


def local_text(value: Any, where: Phrase, what: str, required: bool) -> dict[str, str]:
    """A local text ``{"sv": ..., "en": ...}`` without blanks; a plain string counts as Swedish."""
    if value is None:
        value = {}
    if isinstance(value, str):
        value = {"sv": value}
    if not isinstance(value, Mapping):
        raise ContentError("not_a_text", where=where, what=Phrase(what))
    out: dict[str, str] = {}
    for lang, text in value.items():
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2}", lang):
            raise ContentError("unknown_language", where=where, what=Phrase(what))
        if not isinstance(text, str):
            raise ContentError("not_a_text", where=where, what=Phrase(what))
        if text.strip():
            out[lang] = text.strip()
    if required and not out.get("sv"):
        raise ContentError("text_missing", where=where, what=Phrase(what))
    return out


def whole_number(value: Any, where: Phrase, what: str, low: int, high: int = MAX_DAYS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ContentError("not_a_number", where=where, what=Phrase(what), low=low, high=high)
    return value


def is_id(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def check_video_url(url: Any, where: Phrase | str) -> str:
    """A video link on an allowed host (``VIDEO_HOSTS``, https only), or ``ContentError``."""
    if not isinstance(url, str) or not url.strip():
        raise ContentError("video_missing", where=where)
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or host not in VIDEO_HOSTS or parts.username or parts.password:
        raise ContentError("video_host", where=where, hosts=", ".join(sorted(VIDEO_HOSTS)))
    return url


def check_form(fact: FormFacts | None, key: Any, registry: RegistryFacts, where: Phrase) -> None:
    """A form an item may show: it exists and its scale, texts and question types are installed."""
    if fact is None:
        raise ContentError("no_form", where=where, key=repr(key))
    if fact.scale_id and fact.scale_id not in registry.scales:
        raise ContentError("form_scale_missing", where=where, key=fact.key, scale=fact.scale_id)
    if not fact.texts_installed:
        raise ContentError("scale_texts_missing", where=where, scale=fact.scale_id)
    missing = sorted({t for t in fact.question_types if t not in registry.question_types})
    if missing:
        raise ContentError(
            "form_types_missing", where=where, key=fact.key, types=", ".join(map(str, missing))
        )
