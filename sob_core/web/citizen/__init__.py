"""The citizen's pages: start, forms to fill in, results. A citizen only ever sees their own."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ... import enrollments, forms
from ...content import content_of
from ...enrollments import assignments
from ...extensions import commit_keeping_loaded, db
from ...i18n import current_language
from ...interchange.fhir.calculate import Calculator, has_expressions, patient_resource
from ...models import CareUnit, Citizen, FormAssignment, FormResponse
from ...notifications import TEMPLATES
from ...notifications import inbox as notice_inbox
from ...notifications.policy import local_time
from ...types import local
from ..access import require
from ..answer_files import drop_files, send_answer_file, show_files, take_uploads
from ..forms_rendering import build_form_class, rows
from ..labels import tell_apart
from ..results import render_series, series_list

bp = Blueprint("citizen", __name__, url_prefix="/citizen")


def _own_assignment(assignment_id: int) -> FormAssignment:
    assignment = db.session.get(FormAssignment, assignment_id)
    # Someone else's assignment answers exactly like a missing one: no hint that it exists.
    # A closed one (its enrollment ended), or a programme form staff hid or whose module is
    # still locked, cannot be opened or answered either (a saved draft stays for later).
    if (
        assignment is None
        or assignment.citizen_id != current_user.id
        or not enrollments.assignment_available(db.session, assignment)
    ):
        abort(404)
    return assignment


@bp.route("/")
@require("citizen")
def start():
    program_state = enrollments.citizen_start(db.session, current_user, datetime.now(UTC))
    open_forms = assignments.open_for_citizen(
        db.session, current_user.id, program_state.hidden_items
    )
    return render_template(
        "sob_core/citizen/start.html",
        citizen=current_user,
        programs=program_state,
        content_of=content_of,
        open_forms=open_forms,
        labels=_start_labels(program_state, open_forms),
        results=series_list(current_user, citizen_view=True),
        inbox=notice_inbox.inbox_for(db.session, current_user.id),
        inbox_unread=notice_inbox.unread_count(db.session, current_user.id),
        notice_texts=TEMPLATES,
        notice_time=lambda moment: local_time(moment, current_app.config),
    )


def _start_labels(program_state, open_forms) -> dict[str, list[str]]:
    """The start page's names, told apart where two are the same: programmes by care unit,
    forms by the programme (or, outside one, the care unit) they were sent in."""
    lang = current_language()

    def program_name(version) -> str:
        return local(content_of(version).name, lang)

    def unit_name(unit_id: int) -> str:
        unit = db.session.get(CareUnit, unit_id)
        return unit.name if unit is not None else ""

    def sent_in(assignment: FormAssignment) -> str:
        enrollment = assignment.enrollment
        if enrollment is None:
            return ""
        if enrollment.program_version is not None:
            return program_name(enrollment.program_version)
        return unit_name(enrollment.care_unit_id)

    return {
        "ongoing": tell_apart(
            program_state.ongoing,
            lambda e: program_name(e.program_version),
            lambda e: unit_name(e.care_unit_id),
        ),
        "available": tell_apart(
            program_state.available,
            program_name,
            lambda v: unit_name(v.program.owner_care_unit_id),
        ),
        "forms": tell_apart(open_forms, lambda a: local(a.form_version.title, lang), sent_in),
    }


@bp.route("/forms/<id:assignment_id>", methods=["GET", "POST"])
@require("citizen")
def fill_in(assignment_id: int):
    host = current_app.extensions["sob"]
    assignment = _own_assignment(assignment_id)
    response = forms.open_response(db.session, assignment)
    commit_keeping_loaded()  # a new draft is kept; the page reads on from what it loaded
    if response.status == "submitted":
        flash(_("The form is already submitted."), "info")
        return redirect(url_for("citizen.start"))
    version = response.form_version
    lang = current_language()
    compute = _calculator(response)
    if request.method == "POST":
        counts = forms.repeating.posted_counts(version.definition, request.form)
        form = build_form_class(version, host.registry, lang, counts)()
        # Only CSRF is decided by WTForms here; question fields are cleaned by their plugins.
        if not form.validate_on_submit() and form.csrf_token.errors:
            abort(400)
        if request.form.get("submission_key") != response.submission_key:
            # A stale tab or a replay: the response it belonged to was handled already.
            flash(_("The form was already sent from another window."), "info")
            return redirect(url_for("citizen.start"))
        action = str(request.form.get("action") or "")
        if action.startswith(("add:", "remove:")):
            return _change_repetitions(version, response, action, counts, lang)
        final = action == "submit"
        uploads = take_uploads(version, host.registry, form, response, counts)
        outcome = forms.clean_answers(
            version,
            host.registry,
            form,
            lang,
            final=final,
            compute=compute,
            enabled=compute.enabled if compute is not None else None,
        )
        if final and compute is not None:
            _newly_asked(compute, outcome)
            _check_constraints(compute, outcome, lang)
        if final and not outcome.errors:
            # Answers each fine on its own may still be impossible together (more sleep than
            # time in bed): refused like an invalid answer, with everything she wrote kept.
            outcome.errors.update(
                forms.check_response(version, host.registry, outcome.values, lang)
            )
        outcome.errors.update(uploads.errors)  # her file refused: that, not "must be answered"
        if outcome.errors:
            kept = {k: v for k, v in forms.payloads(response).items() if k not in uploads.removed}
            forms.store_answers(response, version, {**kept, **outcome.values})
            db.session.commit()
            drop_files(uploads, response)
            hidden = _hidden(compute, outcome.values)
            return _render_form(
                version, form, response, outcome.errors, counts, outcome.values, hidden
            ), 422
        if final:
            # A programme's form goes back to the programme overview it belongs to.
            back = (
                url_for("citizen.program_overview", enrollment_id=assignment.enrollment_id)
                if assignment.enrollment_id and assignment.item_key
                else url_for("citizen.start")
            )
            forms.submit(db.session, host, response, outcome.values)
            db.session.commit()
            drop_files(uploads, response)
            flash(_("Thank you! Your answers are saved."), "info")
            return redirect(back)
        forms.store_answers(response, version, outcome.values)
        db.session.commit()
        drop_files(uploads, response)
        flash(_("Your answers are saved as a draft. You can continue later."), "info")
        return redirect(url_for("citizen.fill_in", assignment_id=assignment.id))
    data = forms.prefilled(version, forms.payloads(response))
    if compute is not None:  # prefilled when first shown: a value she cleared stays cleared
        data = compute.shown(data, prefill=not response.answers)
    counts = forms.repeating.stored_counts(version.definition, data)
    form_class = build_form_class(version, host.registry, lang, counts)
    form = form_class(formdata=None, data=forms.repeating.spread(version.definition, data))
    return _render_form(
        version, form, response, {}, counts, data, compute.hidden if compute else set()
    )


def _hidden(compute: Calculator | None, values) -> set[str]:
    if compute is None:
        return set()
    compute.shown(values)
    return compute.hidden


def _newly_asked(compute: Calculator, outcome) -> None:
    """A question its expression hid when the page was made but the answers now ask (pages work
    without JavaScript, so she has not seen it): the submission goes back to show it."""
    before = set(request.form.get("hidden_questions", "").split())
    compute.shown(outcome.values)
    for key in sorted((before & compute.asked) - set(outcome.values)):
        outcome.errors.setdefault(
            key,
            _(
                "Your answers make this question apply: answer it if it concerns you, then "
                "submit again."
            ),
        )


def _check_constraints(compute: Calculator, outcome, lang: str) -> None:
    """An imported form's rules on the answers (FHIR ``questionnaire-constraint``), checked on
    the server at submission: a broken ``error`` is refused at its question with the form's own
    message; a ``warning`` is told and does not hold the submission back."""
    for key, severity, text in compute.violations(outcome.values, lang):
        if severity == "error":
            outcome.errors.setdefault(key, text)
        else:
            flash(_("Please note: %(text)s", text=text), "info")


def _calculator(response: FormResponse) -> Calculator | None:
    """The expressions of an imported form, evaluated for the citizen whose response it is
    (``%patient`` is she, never anyone else: ``_own_assignment`` made sure she is signed in)."""
    version = response.form_version
    if not has_expressions(version):
        return None
    citizen = db.session.get(Citizen, response.citizen_id)
    if citizen is None or citizen.id != current_user.id:
        abort(404)
    return Calculator(version, current_app.extensions["sob"].registry, patient_resource(citizen))


def _change_repetitions(version, response: FormResponse, action: str, counts, lang: str):
    """ "Lägg till" / "Ta bort" in a repeating group: the page again with one repetition more
    (or that one less), everything typed kept as posted (nothing is stored yet)."""
    host = current_app.extensions["sob"]
    groups = forms.repeating.repeating(version.definition)
    posted = list(request.form.items(multi=True))
    counts = dict(counts)
    if action.startswith("add:"):
        key = action.removeprefix("add:")
        if key in groups:
            counts[key] = min(counts[key] + 1, forms.repeating.most(groups[key]))
    else:
        number, _sep, key = action.removeprefix("remove:").partition(":")
        if (
            key in groups
            and number.isdigit()
            and counts[key] > 1
            and 1 <= int(number) <= counts[key]
        ):
            posted = forms.repeating.without(posted, version.definition, key, int(number))
            counts[key] -= 1
    formdata = MultiDict(posted)
    form = build_form_class(version, host.registry, lang, counts)(formdata=formdata)
    hidden = set(request.form.get("hidden_questions", "").split())  # as the page had them
    return _render_form(version, form, response, {}, counts, None, hidden, formdata)


def _render_form(
    version,
    form,
    response: FormResponse,
    errors: dict[str, str],
    counts=None,
    shown=None,
    hidden=frozenset(),
    posted=None,
):
    host = current_app.extensions["sob"]
    general: list[str] = []  # problems of the whole response that name no field
    for key, message in errors.items():
        field = getattr(form, key, None) if key else None
        if field is not None:
            field.errors = [message]
        else:
            general.append(message)
    show_files(version, host.registry, form, response, counts or {}, posted)
    questions = rows(
        version, form, host.registry, counts or {}, current_language(), shown or {}, hidden
    )
    return render_template(
        "sob_core/forms/fill_in.html",
        multipart=forms.answer_files.takes_files(version, host.registry),
        version=version,
        form=form,
        response=response,
        questions=questions,
        error_count=len(errors),
        general_errors=general,
        hidden_questions=" ".join(sorted(hidden)),
    )


@bp.route("/responses/<id:response_id>/files/<id:media_id>")
@require("citizen")
def answer_file(response_id: int, media_id: int):
    """A file she gave as an answer, in a response of her own (a draft too); else 404."""
    response = db.session.get(FormResponse, response_id)
    if response is None or response.citizen_id != current_user.id:
        abort(404)
    return send_answer_file(response, media_id)


@bp.route("/results")
@require("citizen")
def results():
    return render_template(
        "sob_core/results/list.html",
        citizen=current_user,
        rows=series_list(current_user, citizen_view=True),
        base="citizen.result",
    )


@bp.route("/results/<key>")
@require("citizen")
def result(key: str):
    return render_series(
        current_user,
        key,
        citizen_view=True,
        template="sob_core/results/series.html",
        back=url_for("citizen.results"),
    )


from . import (  # noqa: E402,F401  (these pages register on bp)
    activity,
    banners,
    guardian,
    messages,
    own_data,
    programs,
    settings,
)
