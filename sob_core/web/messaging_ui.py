"""What the citizen's and the staff's message pages share: forms, words and times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from babel.dates import format_date
from flask import Flask, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Optional

from .. import messaging
from ..enrollments.clock import LOCAL_ZONE
from ..extensions import db
from ..i18n import current_language
from ..messaging import MAX_BODY, MAX_SUBJECT, MessagingError, drafts, paragraphs
from ..models import Enrollment, Message
from .limits import MaxLength

ERRORS = {
    "disabled": lazy_gettext("Messages are not switched on for this program."),
    "ended": lazy_gettext(
        "The enrollment has ended: its conversations can be read but not written in."
    ),
    "empty": lazy_gettext("Write a message before you send it."),
    "too_long": lazy_gettext("The message is too long (at most %(num)s characters).", num=MAX_BODY),
    "no_subject": lazy_gettext("Give the conversation a subject."),
    "subject_too_long": lazy_gettext(
        "The subject is too long (at most %(num)s characters).", num=MAX_SUBJECT
    ),
    "not_author": lazy_gettext("Only the one who wrote a message can take it back."),
    "sent_elsewhere": lazy_gettext(
        "A message was already sent from this page in another window. Your text is kept as a draft."
    ),
}


def error_text(code: str) -> str:
    text = ERRORS.get(code)
    return str(text) if text is not None else _("The action could not be done.")


def keep_draft(
    form: Any, *, enrollment_id: int, conversation_id: int | None, author_kind: str
) -> None:
    """Keep the form's unsent text (and its subject, on a new conversation) as the signed-in
    author's draft; the caller commits."""
    subject = getattr(form, "subject", None)
    drafts.save(
        db.session,
        enrollment_id=enrollment_id,
        author_kind=author_kind,
        author_id=current_user.id,
        conversation_id=conversation_id,
        body=form.body.data or "",
        subject=(subject.data if subject is not None else "") or "",
        now=datetime.now(UTC),
    )


def retract_own(message: Message, enrollment: Enrollment, author_kind: str) -> bool:
    """Take back the signed-in author's message; says why on the page when it cannot be."""
    try:
        messaging.retract(
            db.session,
            message=message,
            enrollment=enrollment,
            author_kind=author_kind,
            author_id=current_user.id,
            now=datetime.now(UTC),
        )
    except MessagingError as error:
        flash(error_text(error.code), "error")
        return False
    flash(_("The message was taken back."), "info")
    return True


class ReplyForm(FlaskForm):
    """Write in a conversation: "Skicka" sends, "Spara utkast" keeps the text as a draft."""

    body = TextAreaField(
        lazy_gettext("Write a message"), validators=[Optional(), MaxLength(MAX_BODY)]
    )
    token = HiddenField()


class NewConversationForm(ReplyForm):
    subject = StringField(lazy_gettext("Subject"), validators=[Optional(), MaxLength(MAX_SUBJECT)])


NOTIFY_CHOICES = [
    SelectChoice("direct", lazy_gettext("Directly")),
    SelectChoice("none", lazy_gettext("Do not notify")),
]


class StaffReplyForm(ReplyForm):
    notify = RadioField(
        lazy_gettext("Notify to the inbox in the e-services"),
        choices=NOTIFY_CHOICES,
        default="direct",
    )


class StaffNewConversationForm(NewConversationForm):
    notify = RadioField(
        lazy_gettext("Notify to the inbox in the e-services"),
        choices=NOTIFY_CHOICES,
        default="direct",
    )


class ActionForm(FlaskForm):
    """A POST with nothing but its CSRF token (retract, discard a draft)."""


def when(moment: datetime | None) -> str:
    """ "8 december 2021 kl. 10:30" in Swedish time."""
    if moment is None:
        return "–"
    local = moment.astimezone(LOCAL_ZONE)
    day = format_date(local.date(), format="long", locale=current_language())
    return _("%(date)s at %(time)s", date=day, time=local.strftime("%H:%M"))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["message_when"] = when
    app.jinja_env.globals["message_paragraphs"] = paragraphs
