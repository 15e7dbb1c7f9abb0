"""Media on a question: an image, audio or video shown above the question's field.

A question's ``media`` is one uploaded file of the existing media storage, with what a content
item of the same kind needs (the content kinds' own checks are run, ``content.kinds``)::

    {"media_id": 7, "kind": "image", "alt": {"sv": "...", "en": "..."}}
    {"media_id": 8, "kind": "audio", "transcript": {"sv": "..."}}
    {"media_id": 9, "kind": "video", "captions_media_id": 10, "transcript": {"sv": "..."}}

An image needs its Swedish alternative text (English optional); a video an uploaded captions
file (WebVTT). A recording alone is not accessible to someone who cannot hear it (WCAG 2.1
1.2.1), so on a question an audio file needs its Swedish transcript, which a content item's
audio may leave out. A question's video is always an uploaded file (a content item may instead
link to a video service; a question has no room for a link away from the form).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content.checks import ContentError, Known, local_text
from ..content.kinds import KINDS
from ..content.messages import N_, Phrase
from ..media.storage import BY_CONTENT_TYPE
from ..models import MediaFile

MEDIA_KINDS = ("image", "audio", "video")
FIELDS = {
    "image": ("media_id", "kind", "alt"),
    "audio": ("media_id", "kind", "transcript"),
    "video": ("media_id", "kind", "captions_media_id", "transcript"),
}


class QuestionMediaError(ContentError):
    """A question's media that cannot be used (a coded content error naming the question)."""

    messages = {
        **ContentError.messages,
        "question_media_kind": N_("%(where)s: the media must be an image, audio or video."),
        "question_media_fields": N_("%(where)s: the media has fields it cannot have: %(names)s."),
        "question_media_transcript": N_(
            "%(where)s: audio on a question needs a transcript in Swedish."
        ),
    }


def where(key: str) -> Phrase:
    return Phrase("question", {"key": key})


def media_ids(definition: Mapping[str, Any]) -> set[int]:
    """Every media file a form definition's questions show."""
    found: set[int] = set()
    for question in definition.get("questions") or []:
        media = question.get("media") if isinstance(question, Mapping) else None
        if isinstance(media, Mapping):
            for name in ("media_id", "captions_media_id"):
                value = media.get(name)
                if isinstance(value, int) and not isinstance(value, bool):
                    found.add(value)
    return found


def media_kinds(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The kind (image, audio, video, captions) of each existing media file among ``ids``."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(MediaFile.id, MediaFile.content_type).where(MediaFile.id.in_(wanted))
    )
    kinds = {}
    for media_id, content_type in rows:
        media_type = BY_CONTENT_TYPE.get(content_type)
        if media_type is not None:
            kinds[media_id] = media_type.kind
    return kinds


def clean_media(key: str, media: Any, kinds: Mapping[int, str] | None) -> dict[str, Any]:
    """The question's media as stored, or ``QuestionMediaError`` saying what is wrong.

    ``kinds`` are the existing media files' kinds (``media_kinds``); None checks the shape only
    (the files are checked when the form is created, ``definitions.create_form``).
    """
    place = where(key)
    if not isinstance(media, Mapping) or media.get("kind") not in MEDIA_KINDS:
        raise QuestionMediaError("question_media_kind", where=place)
    kind = media["kind"]
    extra = sorted(str(name) for name in set(media) - set(FIELDS[kind]))
    if extra:
        raise QuestionMediaError("question_media_fields", where=place, names=", ".join(extra))
    if kinds is None:  # the declared kinds stand in for the files'
        declared = ((media.get("media_id"), kind), (media.get("captions_media_id"), "captions"))
        kinds = {k: v for k, v in declared if isinstance(k, int) and not isinstance(k, bool)}
    known = Known(media=dict(kinds))
    cleaned: dict[str, Any] = {"kind": kind}
    try:
        KINDS[kind].clean(dict(media), cleaned, place, known, _NO_REGISTRY)
        if kind == "video":
            transcript = local_text(media.get("transcript"), place, "the_transcript", False)
            if transcript:
                cleaned["transcript"] = transcript
    except QuestionMediaError:
        raise
    except ContentError as error:  # the content kinds' own check, as the question's error
        raise QuestionMediaError(error.code, **error.params) from None
    if kind == "audio" and not (cleaned.get("transcript") or {}).get("sv"):
        raise QuestionMediaError("question_media_transcript", where=place)
    return {name: cleaned[name] for name in FIELDS[kind] if name in cleaned}


class _NoRegistry:
    """The content kinds' cleaners take a registry; media kinds never read it."""

    scales: Mapping[str, Any] = {}
    question_types: Mapping[str, Any] = {}


_NO_REGISTRY = _NoRegistry()
