"""The design tool's page for a question's media on a form draft (``design.form_question_media``).

An image, audio or video of the media storage shown above the question's field: the upload goes
through the design tool's upload checks (``editor._upload``: extension, first bytes, size), the
question's media through the content kinds' own checks (``forms.question_media``), and the draft is
saved with the page's revision as the results page does (``form_results``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired

from ...extensions import db
from ...forms.question_media import QuestionMediaError, clean_media, media_kinds
from ...models import FormDraft
from ..access import require
from ..limits import MaxLength
from .common import CONFLICT, DESIGN_ROLES, back_link, bp, error_text, owned_form_draft
from .editor import _upload
from .form_results import RemoveForm, _questions, _saved
from .forms import _accept, choices, local_texts


class QuestionMediaForm(FlaskForm):
    revision = HiddenField()
    kind = RadioField(
        lazy_gettext("Kind of media"),
        choices=choices(
            ("image", lazy_gettext("Image")),
            ("audio", lazy_gettext("Audio")),
            ("video", lazy_gettext("Video")),
        ),
        default="image",
        validators=[InputRequired(lazy_gettext("Choose the kind of media."))],
    )
    file = FileField(
        lazy_gettext("File"),
        description=lazy_gettext(
            "Image: JPEG, PNG or WebP. Audio: MP3, M4A or Ogg. Video: MP4 or WebM. "
            "Leave empty to keep the current file."
        ),
    )
    captions = FileField(
        lazy_gettext("Captions file (video)"),
        description=lazy_gettext("WebVTT (.vtt). A video needs captions."),
        render_kw=_accept("captions"),
    )
    alt_sv = StringField(
        lazy_gettext("Alternative text in Swedish (image)"),
        validators=[MaxLength(500)],
        description=lazy_gettext("Describe what the image shows, for people who cannot see it."),
    )
    alt_en = StringField(
        lazy_gettext("Alternative text in English (image)"), validators=[MaxLength(500)]
    )
    transcript_sv = TextAreaField(
        lazy_gettext("Transcript in Swedish (audio, video)"),
        validators=[MaxLength(100000)],
        description=lazy_gettext("What is said, for people who cannot hear it. Audio needs one."),
    )
    transcript_en = TextAreaField(
        lazy_gettext("Transcript in English (audio, video)"), validators=[MaxLength(100000)]
    )


#: where a question media error is shown (the content checks' codes)
MEDIA_ERROR_FIELDS = {
    "text_missing": "alt_sv",
    "question_media_transcript": "transcript_sv",
    "video_captions": "captions",
    "file_missing": "file",
    "video_missing": "file",
    "no_such_file": "file",
    "wrong_file_kind": "file",
    "question_media_kind": "kind",
}


def _question_or_404(draft: FormDraft, key: str) -> tuple[int, dict[str, Any]]:
    for index, question in enumerate(_questions(draft)):
        if isinstance(question, Mapping) and question.get("key") == key:
            return index, dict(question)
    abort(404)


def _media_page(draft, question, form, status=200, problem=None):
    remover = RemoveForm(formdata=None, revision=str(draft.revision), key=question["key"])
    return (
        render_template(
            "sob_core/design/form_question_media.html",
            draft=draft,
            question=question,
            media=question.get("media"),
            form=form,
            remover=remover,
            back=back_link(draft),
            problem=problem,
        ),
        status,
    )


@bp.route("/form-drafts/<id:draft_id>/questions/<key>/media", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_question_media(draft_id: int, key: str):
    draft = owned_form_draft(draft_id)
    index, question = _question_or_404(draft, key)
    media = dict(question.get("media") or {})
    if request.method == "GET":
        form = QuestionMediaForm(
            formdata=None,
            revision=str(draft.revision),
            kind=media.get("kind", "image"),
            alt_sv=(media.get("alt") or {}).get("sv", ""),
            alt_en=(media.get("alt") or {}).get("en", ""),
            transcript_sv=(media.get("transcript") or {}).get("sv", ""),
            transcript_en=(media.get("transcript") or {}).get("en", ""),
        )
        return _media_page(draft, question, form)
    if request.form.get("action") == "remove":
        remove = RemoveForm()
        if not remove.validate():
            abort(400)
        question.pop("media", None)
        return _store_question(
            draft, remove, index, question, _("The media was removed from the question.")
        )
    form = QuestionMediaForm()
    if not form.validate():
        return _media_page(draft, question, form, 400)
    for field in form:
        field.errors = list(field.errors)
    kind = form.kind.data
    new: dict[str, Any] = {"kind": kind}
    if media.get("kind") == kind and media.get("media_id") is not None:
        new["media_id"] = media["media_id"]
    stored = _upload(form.file, kind)
    if stored is not None:
        new["media_id"] = stored.id
    if kind == "image":
        new["alt"] = local_texts(form.alt_sv.data, form.alt_en.data)
    else:
        transcript = local_texts(form.transcript_sv.data, form.transcript_en.data)
        if transcript:
            new["transcript"] = transcript
    if kind == "video":
        if media.get("captions_media_id") is not None and media.get("kind") == "video":
            new["captions_media_id"] = media["captions_media_id"]
        captions = _upload(form.captions, "captions")
        if captions is not None:
            new["captions_media_id"] = captions.id
    if any(field.errors for field in form):  # an upload refused by the media checks
        db.session.rollback()
        return _media_page(draft, question, form, 400)
    db.session.flush()
    try:
        ids = [new.get("media_id"), new.get("captions_media_id")]
        cleaned = clean_media(key, new, media_kinds(db.session, [i for i in ids if i]))
    except QuestionMediaError as error:
        db.session.rollback()
        field = getattr(form, MEDIA_ERROR_FIELDS.get(error.code, "file"))
        field.errors.append(error_text(error))
        return _media_page(draft, question, form, 400)
    question["media"] = cleaned
    return _store_question(draft, form, index, question, _("The media was saved on the question."))


def _store_question(
    draft: FormDraft, form: FlaskForm, index: int, question: dict[str, Any], done: str
):
    definition = copy.deepcopy(dict(draft.definition or {}))
    definition["questions"][index] = question
    if not _saved(draft, form.revision.data, definition):
        form.revision.data = str(draft.revision)
        _index, current = _question_or_404(draft, question["key"])
        page = form if isinstance(form, QuestionMediaForm) else QuestionMediaForm(formdata=None)
        page.revision.data = str(draft.revision)
        return _media_page(draft, current, page, 409, str(CONFLICT))
    flash(done, "info")
    return redirect(url_for("design.form_question_media", draft_id=draft.id, key=question["key"]))
