"""Starting an enrollment ("Starta moment") at the active care unit.

The form learns from a personnummer only what it needs: whether the citizen has (or had) an
enrollment at this unit. Nothing tells a number nobody registered from one registered at other
units (both need a name), no stored name is shown, an ongoing enrollment at another unit is
neither refused nor mentioned, and the lookup is an audited read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from ... import audit
from ...enrollments import lifecycle
from ...extensions import db
from ...i18n import current_language
from ...identity import personnummer
from ...models import Region, Staff
from ...types import local
from ..access import require
from ..audit import audit_citizen
from ..labels import tell_apart
from ..limits import MaxLength
from . import THERAPY_ROLES, bp
from .texts import error_message


class StartEnrollmentForm(FlaskForm):
    personnummer = StringField(
        lazy_gettext("Personal identity number"),
        validators=[InputRequired(lazy_gettext("Enter the personal identity number."))],
    )
    name = StringField(lazy_gettext("Name"), validators=[Optional(), MaxLength(200)])
    home_region = SelectField(
        lazy_gettext("Registered in region (folkbokförd)"),
        validate_choice=False,  # checked against the region table below, with a clear message
        validators=[Optional()],
    )
    program_version = SelectField(
        lazy_gettext("Program"),
        coerce=int,
        validate_choice=False,  # checked against the catalogue in the view, with a clear message
        validators=[InputRequired(lazy_gettext("Choose a program."))],
    )
    therapist = SelectField(
        lazy_gettext("Responsible therapist"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Choose the responsible therapist."))],
    )


def region_choices(empty_label: str) -> list[SelectChoice]:
    """The regions of the region table by name, after an empty choice (not known)."""
    regions = db.session.scalars(select(Region).order_by(Region.name))
    return [SelectChoice("", empty_label), *(SelectChoice(r.code, r.name) for r in regions)]


def unit_therapists(care_unit_id: int) -> list[Staff]:
    """Active staff holding the therapist role at the care unit, by name."""
    return lifecycle.therapists_at(db.session, care_unit_id)


def version_title(version) -> str:
    name = version.content.get("name") if isinstance(version.content, dict) else None
    title = local(name, current_language()) if isinstance(name, dict) else (name or "")
    return _("%(program)s (version %(label)s)", program=title, label=version.label)


def _looked_up(number: str, unit_id: int) -> lifecycle.UnitLookup:
    """Look the personnummer up for this unit, and audit the lookup as a read (committed now,
    whatever the form's outcome): who looked, at which unit, and the citizen if registered."""
    lookup = lifecycle.lookup_for_unit(db.session, number, unit_id)
    audit.record(
        db.session,
        actor_kind="staff",
        actor_id=current_user.id,
        action="read",
        what="citizen_lookup",
        citizen_id=lookup.citizen.id if lookup.citizen is not None else None,
        care_unit_id=unit_id,
        detail={"known_here": lookup.known_here},
        ip=request.remote_addr,
    )
    db.session.commit()
    return lookup


@bp.route("/enrollments/new", methods=["GET", "POST"])
@require("staff", roles=THERAPY_ROLES, unit_scoped=True)
def new_enrollment():
    from ... import enrollments, programs

    unit_id = session["care_unit_id"]
    versions = {v.id: v for v in programs.available_versions(db.session, unit_id)}
    therapists = {s.id: s for s in unit_therapists(unit_id)}
    form = StartEnrollmentForm()
    # two programmes of one name (and version) are told apart by their keys
    titles = tell_apart(list(versions.values()), version_title, lambda v: v.program.key)
    form.program_version.choices = list(zip(versions, titles, strict=True))
    form.therapist.choices = [(s.id, s.name) for s in therapists.values()]
    form.home_region.choices = region_choices(_("Not known"))
    if not form.is_submitted() and current_user.id in therapists:
        form.therapist.data = current_user.id
    if not form.validate_on_submit():
        return render_template("sob_core/staff/new_enrollment.html", form=form)

    ok = True
    parsed = None
    try:
        parsed = personnummer.parse(form.personnummer.data)
    except personnummer.InvalidPersonnummer as error:
        form.personnummer.errors.append(str(error))
        ok = False
    if form.program_version.data not in versions:
        form.program_version.errors.append(_("Choose a program that your care unit may use."))
        ok = False
    if form.therapist.data not in therapists:
        form.therapist.errors.append(
            _("The responsible therapist must hold the therapist role at this care unit.")
        )
        ok = False
    region = form.home_region.data or None
    if region is not None and region not in {c.value for c in form.home_region.choices}:
        form.home_region.errors.append(_("Choose one of the regions in the list."))
        ok = False
    lookup = None
    name = (form.name.data or "").strip()
    if parsed is not None:
        lookup = _looked_up(parsed.number, unit_id)
        # The name is asked for whenever the citizen is new to this unit: a personnummer nobody
        # registered and one registered only at other units get the same answer.
        if not lookup.known_here and not name:
            form.name.errors.append(
                _("Enter the name: the citizen has no enrollment at this care unit yet.")
            )
            ok = False
    if not ok or parsed is None or lookup is None:
        return render_template("sob_core/staff/new_enrollment.html", form=form), 400

    now = datetime.now(UTC)
    try:
        # Someone registered elsewhere keeps her registered name; the unit's entry changes nothing.
        # The region she is registered in is recorded when given (the latest registration wins);
        # left empty, a registered citizen keeps hers.
        citizen = enrollments.register_citizen(
            db.session, parsed.number, name, home_region_code=region
        )
        enrollment = enrollments.start(
            db.session,
            citizen_id=citizen.id,
            program_version_id=form.program_version.data,
            care_unit_id=unit_id,
            therapist_id=form.therapist.data,
            started_by_id=current_user.id,
            now=now,
        )
    except enrollments.EnrollmentError as error:
        # Nothing is half-created: the citizen and the enrollment go in one transaction.
        db.session.rollback()
        if error.code == "already_enrolled":  # only ever at this unit (see enrollments.start)
            message = _(
                "The citizen already has an ongoing enrollment in this program at this care unit."
            )
        else:
            message = str(error_message(error))
        form.form_errors.append(message)
        return render_template("sob_core/staff/new_enrollment.html", form=form), 400
    audit_citizen(
        "create",
        "enrollment",
        citizen.id,
        enrollment=enrollment.id,
        program_version=form.program_version.data,
        home_region=region,
    )  # commits the citizen, the enrollment and the audit event together
    flash(_("The enrollment was started."), "info")
    return redirect(url_for("staff.patient", enrollment_id=enrollment.id))
