"""The citizen's messages ("Meddelanden"): conversations with the care team, drafts, unread.

Only the citizen's own enrollments whose programme has messaging switched on; anything else
answers 404 like a missing page. Opening a conversation marks its messages read before the
page (and the menu's count) is drawn. Unsent text is kept as a server-side draft: "Spara
utkast" without JavaScript, and a failed send keeps it too; ``messages.js`` also saves it while
the citizen writes and when the page is left.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import messaging
from ...content import content_of
from ...extensions import db
from ...messaging import MessagingError, drafts
from ...models import Conversation, Enrollment, Message
from ..access import require
from ..messaging_ui import (
    ActionForm,
    NewConversationForm,
    ReplyForm,
    error_text,
    keep_draft,
    retract_own,
)
from . import bp
from .guardian import signed

ME = "citizen"


def _now() -> datetime:
    return datetime.now(UTC)


def _my_enrollments() -> list[Enrollment]:
    """The citizen's enrollments with messaging on, newest first (ended ones read-only)."""
    rows = db.session.scalars(
        select(Enrollment)
        .options(selectinload(Enrollment.program_version))
        .where(Enrollment.citizen_id == current_user.id)
        .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
    ).all()
    return [row for row in rows if messaging.enabled(row)]


def _own_conversation(conversation_id: int) -> tuple[Conversation, Enrollment]:
    conversation = db.session.get(Conversation, conversation_id)
    enrollment = db.session.get(Enrollment, conversation.enrollment_id) if conversation else None
    if (
        conversation is None
        or enrollment is None
        or enrollment.citizen_id != current_user.id
        or not messaging.enabled(enrollment)
    ):
        abort(404)
    return conversation, enrollment


def _notify_and_commit(sent: messaging.Sent) -> None:
    if sent.created:
        registry = current_app.extensions["sob"].registry
        # the notices due now are dispatched after the commit (notifications.dispatch_after_commit)
        messaging.message_sent(db.session, sent.message, True, registry, current_app.config)
    db.session.commit()


def unread_total() -> int:
    """For the menu: the signed-in citizen's unread messages (asked when the menu is drawn)."""
    if not current_user.is_authenticated or current_user.audience != ME:
        return 0
    return messaging.citizen_unread_total(db.session, current_user.id)


@bp.app_context_processor
def _menu() -> dict:
    return {"citizen_unread_messages": unread_total}


@bp.route("/messages")
@require("citizen")
def messages():
    show = request.args.get("show", "")
    mine = _my_enrollments()
    ids = [e.id for e in mine]
    summaries = messaging.conversations(db.session, ids, ME, current_user.id)
    new_drafts = [
        d
        for e in mine
        if (d := drafts.load(db.session, e.id, ME, current_user.id, "new")) is not None
    ]
    unread = sum(s.unread for s in summaries)
    draft_total = messaging.draft_count(db.session, ids, ME, current_user.id)
    shown = summaries
    if show == "unread":
        shown = [s for s in summaries if s.unread]
    elif show == "drafts":
        shown = [s for s in summaries if s.has_draft]
    return render_template(
        "sob_core/citizen/messages.html",
        enrollments=mine,
        writable=[e for e in mine if messaging.writable(e)],
        summaries=shown,
        show=show,
        unread=unread,
        draft_total=draft_total,
        new_drafts=new_drafts if show in ("", "drafts") else [],
    )


@bp.route("/messages/all")
@require("citizen")
def all_conversations():
    """ "Öppna alla konversationer": every conversation with its messages, all marked read."""
    mine = _my_enrollments()
    summaries = messaging.conversations(db.session, [e.id for e in mine], ME, current_user.id)
    threads = []
    now = _now()
    for summary in summaries:
        conversation = db.session.get(Conversation, summary.id)
        assert conversation is not None
        items = messaging.thread(db.session, conversation, ME, current_user.id)
        messaging.mark_read(db.session, ME, current_user.id, [m.id for m in items if m.unread], now)
        threads.append((summary, items))
    db.session.commit()
    return render_template("sob_core/citizen/messages_all.html", threads=threads)


@bp.route("/messages/new", methods=["GET", "POST"])
@require("citizen")
def new_conversation():
    writable = [e for e in _my_enrollments() if messaging.writable(e)]
    if not writable:
        abort(404)
    chosen = writable[0]
    wanted = request.values.get("enrollment", type=int)
    if wanted is not None:
        found = next((e for e in writable if e.id == wanted), None)
        if found is None:
            abort(404)
        chosen = found
    draft = drafts.load(db.session, chosen.id, ME, current_user.id, "new")
    form = NewConversationForm()
    problem = None
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            problem = _("Check the message: it is too long.")
        else:
            action = request.form.get("action", "send")
            if action == "draft":
                keep_draft(form, enrollment_id=chosen.id, conversation_id=None, author_kind=ME)
                db.session.commit()
                if request.form.get("autosave") == "1":
                    return ("", 204)
                flash(_("Your message is saved as a draft."), "info")
                return redirect(url_for("citizen.messages"))
            try:
                sent = messaging.send(
                    db.session,
                    enrollment=chosen,
                    author_kind=ME,
                    author_id=current_user.id,
                    token=form.token.data or "",
                    body=signed(form.body.data or ""),
                    subject=form.subject.data,
                    now=_now(),
                )
            except MessagingError as error:
                problem = error_text(error.code)
                keep_draft(form, enrollment_id=chosen.id, conversation_id=None, author_kind=ME)
                db.session.commit()
            else:
                _notify_and_commit(sent)
                flash(_("Your message was sent."), "info")
                return redirect(
                    url_for("citizen.conversation", conversation_id=sent.conversation.id)
                )
    elif draft is not None:
        form.body.data = draft.body
        form.subject.data = draft.subject
    form.token.data = messaging.send_token(db.session, chosen.id, None)
    return render_template(
        "sob_core/citizen/message_new.html",
        form=form,
        enrollment=chosen,
        writable=writable,
        problem=problem,
        has_draft=draft is not None,
        discard=ActionForm(),
        content_of=content_of,
    ), (422 if problem else 200)


@bp.route("/messages/<id:conversation_id>", methods=["GET", "POST"])
@require("citizen")
def conversation(conversation_id: int):
    conversation, enrollment = _own_conversation(conversation_id)
    slot = str(conversation.id)
    form = ReplyForm()
    problem = None
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            problem = _("Check the message: it is too long.")
        elif not messaging.writable(enrollment):
            problem = error_text("ended")
        else:
            action = request.form.get("action", "send")
            if action == "draft":
                keep_draft(
                    form,
                    enrollment_id=enrollment.id,
                    conversation_id=conversation.id,
                    author_kind=ME,
                )
                db.session.commit()
                flash(_("Your message is saved as a draft."), "info")
                return redirect(url_for("citizen.conversation", conversation_id=conversation.id))
            try:
                sent = messaging.send(
                    db.session,
                    enrollment=enrollment,
                    conversation=conversation,
                    author_kind=ME,
                    author_id=current_user.id,
                    token=form.token.data or "",
                    body=signed(form.body.data or ""),
                    now=_now(),
                )
            except MessagingError as error:
                problem = error_text(error.code)
                keep_draft(
                    form,
                    enrollment_id=enrollment.id,
                    conversation_id=conversation.id,
                    author_kind=ME,
                )
                db.session.commit()
            else:
                _notify_and_commit(sent)
                flash(_("Your message was sent."), "info")
                return redirect(url_for("citizen.conversation", conversation_id=conversation.id))
    items = messaging.thread(db.session, conversation, ME, current_user.id)
    messaging.mark_read(db.session, ME, current_user.id, [m.id for m in items if m.unread], _now())
    draft = drafts.load(db.session, enrollment.id, ME, current_user.id, slot)
    db.session.commit()
    if request.method == "GET" and draft is not None:
        form.body.data = draft.body
    form.token.data = messaging.send_token(db.session, enrollment.id, conversation.id)
    return render_template(
        "sob_core/citizen/conversation.html",
        conversation=conversation,
        enrollment=enrollment,
        items=items,
        form=form,
        problem=problem,
        has_draft=draft is not None,
        writable=messaging.writable(enrollment),
        action=ActionForm(),
    ), (422 if problem else 200)


@bp.route("/messages/<id:conversation_id>/draft", methods=["POST"])
@require("citizen")
def save_draft(conversation_id: int):
    """Keep the reply's text (the page's script posts here while writing and on leaving)."""
    conversation, enrollment = _own_conversation(conversation_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    if messaging.writable(enrollment):
        keep_draft(
            form, enrollment_id=enrollment.id, conversation_id=conversation.id, author_kind=ME
        )
        db.session.commit()
    if request.form.get("autosave") == "1":
        return ("", 204)
    return redirect(url_for("citizen.conversation", conversation_id=conversation.id))


@bp.route("/messages/<id:conversation_id>/draft/discard", methods=["POST"])
@require("citizen")
def discard_draft(conversation_id: int):
    conversation, enrollment = _own_conversation(conversation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    drafts.discard(db.session, enrollment.id, ME, current_user.id, str(conversation.id))
    db.session.commit()
    flash(_("The draft was removed."), "info")
    return redirect(url_for("citizen.conversation", conversation_id=conversation.id))


@bp.route("/messages/new/discard", methods=["POST"])
@require("citizen")
def discard_new_draft():
    if not ActionForm().validate_on_submit():
        abort(400)
    for enrollment in _my_enrollments():
        if enrollment.id == request.form.get("enrollment", type=int):
            drafts.discard(db.session, enrollment.id, ME, current_user.id, "new")
            db.session.commit()
            flash(_("The draft was removed."), "info")
    return redirect(url_for("citizen.messages"))


@bp.route("/messages/<id:conversation_id>/messages/<id:message_id>/retract", methods=["POST"])
@require("citizen")
def retract(conversation_id: int, message_id: int):
    conversation, enrollment = _own_conversation(conversation_id)
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if retract_own(message, enrollment, ME):
        db.session.commit()
    return redirect(url_for("citizen.conversation", conversation_id=conversation.id))
