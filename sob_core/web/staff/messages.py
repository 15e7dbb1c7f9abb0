"""The patient page's "Meddelanden" tab: conversations with the patient, drafts, replies.

Therapists at the active care unit read and write; opening a conversation marks the patient's
messages read for the care team. A citizen administrator (who also sees the patients) sees who
wrote and when, never a subject or a text. Every view is audit-logged before it renders; another
unit's enrollment or conversation answers 404; an ended enrollment is read-only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import messaging
from ...extensions import db
from ...messaging import MessagingError, drafts
from ...models import Conversation, Enrollment, Message
from ..access import require, staff_roles_at
from ..audit import audit_citizen
from ..messaging_ui import (
    ActionForm,
    StaffNewConversationForm,
    StaffReplyForm,
    error_text,
    keep_draft,
    retract_own,
)
from . import THERAPY_ROLES, bp, unit_enrollment
from .patient_page import tab_context

ME = "staff"


def _now() -> datetime:
    return datetime.now(UTC)


def _reads_text() -> bool:
    """Therapists read and write messages; a citizen administrator sees only who and when."""
    return "therapist" in staff_roles_at(session.get("care_unit_id"))


def _writer_only() -> None:
    if not _reads_text():
        abort(403)


def _unit_conversation(enrollment: Enrollment, conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.enrollment_id != enrollment.id:
        abort(404)
    return conversation


def _commit_sent(sent: messaging.Sent, notify: bool) -> None:
    if sent.created:
        registry = current_app.extensions["sob"].registry
        # the notices due now are dispatched after the commit (notifications.dispatch_after_commit)
        messaging.message_sent(db.session, sent.message, notify, registry, current_app.config)
    db.session.commit()


def _render_tab(enrollment: Enrollment, form: StaffNewConversationForm, problem: str | None = None):
    reads_text = _reads_text()
    audit_citizen(
        "read",
        "conversations" if reads_text else "conversation_metadata",
        enrollment.citizen_id,
        enrollment=enrollment.id,
    )
    summaries = messaging.conversations(db.session, [enrollment.id], ME, current_user.id)
    new_draft = drafts.load(db.session, enrollment.id, ME, current_user.id, "new")
    if request.method == "GET" and new_draft is not None:
        form.body.data = new_draft.body
        form.subject.data = new_draft.subject
    form.token.data = messaging.send_token(db.session, enrollment.id, None)
    return render_template(
        "sob_core/staff/patient_messages.html",
        **tab_context(enrollment, "patient_messages"),
        summaries=summaries,
        unread=sum(s.unread for s in summaries),
        draft_total=messaging.draft_count(db.session, [enrollment.id], ME, current_user.id),
        enabled=messaging.enabled(enrollment),
        writable=messaging.writable(enrollment) and reads_text,
        reads_text=reads_text,
        form=form,
        has_new_draft=new_draft is not None,
        problem=problem,
        action=ActionForm(),
    ), (422 if problem else 200)


@bp.route("/patients/<id:enrollment_id>/messages")
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_messages(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    return _render_tab(enrollment, StaffNewConversationForm(formdata=None))


@bp.route("/patients/<id:enrollment_id>/messages/new", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_new_conversation(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    _writer_only()
    form = StaffNewConversationForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_tab(enrollment, form, _("Check the message: it is too long."))
    if request.form.get("action") == "draft":
        if messaging.writable(enrollment):
            keep_draft(form, enrollment_id=enrollment.id, conversation_id=None, author_kind=ME)
            db.session.commit()
        if request.form.get("autosave") == "1":
            return ("", 204)
        flash(_("Your message is saved as a draft."), "info")
        return redirect(url_for("staff.patient_messages", enrollment_id=enrollment.id))
    try:
        sent = messaging.send(
            db.session,
            enrollment=enrollment,
            author_kind=ME,
            author_id=current_user.id,
            token=form.token.data or "",
            body=form.body.data or "",
            subject=form.subject.data,
            now=_now(),
        )
    except MessagingError as error:
        if error.code not in ("disabled", "ended"):
            keep_draft(form, enrollment_id=enrollment.id, conversation_id=None, author_kind=ME)
            db.session.commit()
        return _render_tab(enrollment, form, error_text(error.code))
    audit_citizen("change", "message", enrollment.citizen_id, message=sent.message.id)
    _commit_sent(sent, form.notify.data == "direct")
    flash(_("The message was sent."), "info")
    return redirect(
        url_for(
            "staff.patient_conversation",
            enrollment_id=enrollment.id,
            conversation_id=sent.conversation.id,
        )
    )


def _render_conversation(
    enrollment: Enrollment,
    conversation: Conversation,
    form: StaffReplyForm,
    problem: str | None = None,
):
    reads_text = _reads_text()
    audit_citizen(
        "read",
        "conversation" if reads_text else "conversation_metadata",
        enrollment.citizen_id,
        enrollment=enrollment.id,
        conversation=conversation.id,
    )
    items = messaging.thread(db.session, conversation, ME, current_user.id)
    if reads_text:
        messaging.mark_read(
            db.session, ME, current_user.id, [m.id for m in items if m.unread], _now()
        )
    draft = drafts.load(db.session, enrollment.id, ME, current_user.id, str(conversation.id))
    db.session.commit()
    if request.method == "GET" and draft is not None:
        form.body.data = draft.body
    form.token.data = messaging.send_token(db.session, enrollment.id, conversation.id)
    return render_template(
        "sob_core/staff/patient_conversation.html",
        **tab_context(enrollment, "patient_messages"),
        conversation=conversation,
        items=items,
        form=form,
        problem=problem,
        has_draft=draft is not None,
        reads_text=reads_text,
        writable=messaging.writable(enrollment) and reads_text,
        action=ActionForm(),
    ), (422 if problem else 200)


@bp.route("/patients/<id:enrollment_id>/messages/<id:conversation_id>", methods=["GET", "POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_conversation(enrollment_id: int, conversation_id: int):
    enrollment = unit_enrollment(enrollment_id)
    conversation = _unit_conversation(enrollment, conversation_id)
    if request.method == "GET":
        return _render_conversation(enrollment, conversation, StaffReplyForm(formdata=None))
    _writer_only()
    form = StaffReplyForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_conversation(
            enrollment, conversation, form, _("Check the message: it is too long.")
        )
    if not messaging.writable(enrollment):
        return _render_conversation(enrollment, conversation, form, error_text("ended"))
    if request.form.get("action") == "draft":
        keep_draft(
            form, enrollment_id=enrollment.id, conversation_id=conversation.id, author_kind=ME
        )
        db.session.commit()
        if request.form.get("autosave") == "1":
            return ("", 204)
        flash(_("Your message is saved as a draft."), "info")
        return redirect(
            url_for(
                "staff.patient_conversation",
                enrollment_id=enrollment.id,
                conversation_id=conversation.id,
            )
        )
    try:
        sent = messaging.send(
            db.session,
            enrollment=enrollment,
            conversation=conversation,
            author_kind=ME,
            author_id=current_user.id,
            token=form.token.data or "",
            body=form.body.data or "",
            now=_now(),
        )
    except MessagingError as error:
        keep_draft(
            form, enrollment_id=enrollment.id, conversation_id=conversation.id, author_kind=ME
        )
        db.session.commit()
        return _render_conversation(enrollment, conversation, form, error_text(error.code))
    audit_citizen("change", "message", enrollment.citizen_id, message=sent.message.id)
    _commit_sent(sent, form.notify.data == "direct")
    flash(_("The message was sent."), "info")
    return redirect(
        url_for(
            "staff.patient_conversation",
            enrollment_id=enrollment.id,
            conversation_id=conversation.id,
        )
    )


@bp.route(
    "/patients/<id:enrollment_id>/messages/<id:conversation_id>/draft/discard", methods=["POST"]
)
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_discard_draft(enrollment_id: int, conversation_id: int):
    enrollment = unit_enrollment(enrollment_id)
    conversation = _unit_conversation(enrollment, conversation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    drafts.discard(db.session, enrollment.id, ME, current_user.id, str(conversation.id))
    db.session.commit()
    flash(_("The draft was removed."), "info")
    return redirect(
        url_for(
            "staff.patient_conversation",
            enrollment_id=enrollment.id,
            conversation_id=conversation.id,
        )
    )


@bp.route("/patients/<id:enrollment_id>/messages/new/discard", methods=["POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_discard_new_draft(enrollment_id: int):
    enrollment = unit_enrollment(enrollment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    drafts.discard(db.session, enrollment.id, ME, current_user.id, "new")
    db.session.commit()
    flash(_("The draft was removed."), "info")
    return redirect(url_for("staff.patient_messages", enrollment_id=enrollment.id))


@bp.route(
    "/patients/<id:enrollment_id>/messages/<id:conversation_id>/messages/<id:message_id>/retract",
    methods=["POST"],
)
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def patient_retract(enrollment_id: int, conversation_id: int, message_id: int):
    enrollment = unit_enrollment(enrollment_id)
    conversation = _unit_conversation(enrollment, conversation_id)
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if retract_own(message, enrollment, ME):
        audit_citizen("change", "message_retracted", enrollment.citizen_id, message=message.id)
    return redirect(
        url_for(
            "staff.patient_conversation",
            enrollment_id=enrollment.id,
            conversation_id=conversation.id,
        )
    )
