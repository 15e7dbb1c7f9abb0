"""Item kinds: everything the platform knows about one kind of content, in one table entry.

A new kind (an activity-plan step, a worksheet) is one ``ItemKind`` in ``KINDS`` and one template
under ``templates/sob_core/content/items/``; validation, the editor, the citizen page, the preview
and the list of changes all read this table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .checks import (
    ContentError,
    Known,
    RegistryFacts,
    check_form,
    check_video_url,
    is_id,
    local_text,
)
from .html import sanitise_html
from .messages import N_, Phrase

#: Cleans the kind's own fields of a raw item into ``item``; raises ``ContentError``.
Cleaner = Callable[[Mapping[str, Any], dict[str, Any], Phrase, Known, RegistryFacts], None]


@dataclass(frozen=True)
class ItemKind:
    """One kind of content item.

    ``fields`` are the kind's stored fields besides key, kind and title (anything else is
    dropped when content is cleaned); ``media_fields`` maps the fields holding a media file id to
    the media kind the file must be; ``editor_form`` names the design tool's form class
    ("module:Class", imported when first used, so the core does not import the web);
    ``template`` renders the item for the citizen and in the preview; ``diff_fields`` are
    compared in the list of changes.
    """

    name: str
    label: str  # a message id, translated where shown
    fields: tuple[str, ...]
    clean: Cleaner
    editor_form: str
    media_fields: Mapping[str, str] = field(default_factory=dict)
    diff_fields: tuple[str, ...] = ()

    @property
    def has_form(self) -> bool:
        """Items of this kind hand out a form (the citizen fills it in, staff read the answers)."""
        return "form_key" in self.fields

    @property
    def template(self) -> str:
        return f"sob_core/content/items/{self.name}.html"


def media_field(
    raw: Mapping[str, Any],
    item: dict[str, Any],
    name: str,
    media_kind: str,
    where: Phrase,
    known: Known,
) -> None:
    """Copy a media file id into ``item`` when ``raw`` has one; it must exist and be of its kind."""
    value = raw.get(name)
    if value is None:
        return
    if not is_id(value) or value not in known.media:
        raise ContentError("no_such_file", where=where, id=repr(value))
    if known.media[value] != media_kind:
        raise ContentError("wrong_file_kind", where=where, id=value)
    item[name] = value


def _clean_text(raw, item, where, known, registry) -> None:
    body = local_text(raw.get("body"), where, "the_text", required=False)
    body = {lang: sanitise_html(text) for lang, text in body.items()}
    item["body"] = {lang: text for lang, text in body.items() if text}
    if not item["body"].get("sv"):
        raise ContentError("body_missing", where=where)


def _clean_image(raw, item, where, known, registry) -> None:
    item["alt"] = local_text(raw.get("alt"), where, "the_alt", required=True)
    media_field(raw, item, "media_id", "image", where, known)
    if "media_id" not in item:
        raise ContentError("file_missing", where=where)


def _clean_audio(raw, item, where, known, registry) -> None:
    transcript = local_text(raw.get("transcript"), where, "the_transcript", required=False)
    if transcript:
        item["transcript"] = transcript
    media_field(raw, item, "media_id", "audio", where, known)
    if "media_id" not in item:
        raise ContentError("file_missing", where=where)


def _clean_video(raw, item, where, known, registry) -> None:
    has_file = raw.get("media_id") is not None
    has_url = bool(raw.get("url"))
    if has_file == has_url:
        raise ContentError("video_file_and_link" if has_file else "video_missing", where=where)
    if has_url:
        item["url"] = check_video_url(raw.get("url"), where)
        return
    if raw.get("captions_media_id") is None:
        raise ContentError("video_captions", where=where)
    media_field(raw, item, "media_id", "video", where, known)
    media_field(raw, item, "captions_media_id", "captions", where, known)


def _clean_form(raw, item, where, known, registry) -> None:
    key = raw.get("form_key")
    fact = known.forms.get(key) if isinstance(key, str) else None
    check_form(fact, key, registry, where)
    assert fact is not None  # check_form refuses a missing form
    item["form_key"] = key
    pinned = raw.get("form_version")
    if pinned is not None:
        if not is_id(pinned) or pinned not in fact.versions:
            raise ContentError("form_version_missing", where=where, key=key, version=pinned)
        item["form_version"] = pinned


def _clean_activity_plan(raw, item, where, known, registry) -> None:
    # The plan itself is per patient (``sob_core.activity``); the item only leads the citizen to
    # it, with an optional introduction.
    body = local_text(raw.get("body"), where, "the_text", required=False)
    body = {lang: sanitise_html(text) for lang, text in body.items()}
    body = {lang: text for lang, text in body.items() if text}
    if body:
        item["body"] = body


_FORMS = "sob_core.web.design.forms:"

KINDS: dict[str, ItemKind] = {
    kind.name: kind
    for kind in (
        ItemKind(
            "text",
            N_("Text"),
            ("body",),
            _clean_text,
            _FORMS + "TextItemForm",
            diff_fields=("body",),
        ),
        ItemKind(
            "image",
            N_("Image"),
            ("media_id", "alt"),
            _clean_image,
            _FORMS + "ImageItemForm",
            media_fields={"media_id": "image"},
            diff_fields=("alt", "media_id"),
        ),
        ItemKind(
            "audio",
            N_("Audio"),
            ("media_id", "transcript"),
            _clean_audio,
            _FORMS + "AudioItemForm",
            media_fields={"media_id": "audio"},
            diff_fields=("transcript", "media_id"),
        ),
        ItemKind(
            "video",
            N_("Video"),
            ("media_id", "captions_media_id", "url"),
            _clean_video,
            _FORMS + "VideoItemForm",
            media_fields={"media_id": "video", "captions_media_id": "captions"},
            diff_fields=("media_id", "captions_media_id", "url"),
        ),
        ItemKind(
            "form",
            N_("Form"),
            ("form_key", "form_version"),
            _clean_form,
            _FORMS + "FormItemForm",
            diff_fields=("form_key", "form_version"),
        ),
        ItemKind(
            "activity_plan",
            N_("Activity plan"),
            ("body",),
            _clean_activity_plan,
            _FORMS + "ActivityPlanItemForm",
            diff_fields=("body",),
        ),
    )
}
ITEM_KINDS = tuple(KINDS)

#: Every field that holds a media file id, whatever the kind.
MEDIA_FIELDS = tuple(dict.fromkeys(name for k in KINDS.values() for name in k.media_fields))


def kind_of(name: str) -> ItemKind:
    """The kind called ``name``; ``KeyError`` for a kind this installation does not know."""
    return KINDS[name]


def diff_fields(old_kind: str | None, new_kind: str | None) -> tuple[str, ...]:
    """The fields to compare between two versions of an item: its kind, title and own fields."""
    names = ["kind", "title"]
    for kind in (new_kind, old_kind):
        if kind in KINDS:
            names += [n for n in KINDS[kind].diff_fields if n not in names]
    return tuple(names)
