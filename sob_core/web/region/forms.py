"""The regional administrator's forms (WTForms; CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField
from wtforms.validators import InputRequired

from ..limits import MaxLength


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (and maybe one hidden value)."""

    value = HiddenField()


class AddUnitForm(FlaskForm):
    hsa_id = StringField(
        lazy_gettext("HSA-id of the care unit"),
        description=lazy_gettext("For example SE2321000131-E000000000101."),
        validators=[InputRequired(lazy_gettext("Enter the HSA-id.")), MaxLength(64)],
    )
    name = StringField(
        lazy_gettext("Name of the care unit"),
        validators=[InputRequired(lazy_gettext("Enter a name.")), MaxLength(200)],
    )


class ImportUnitsForm(FlaskForm):
    file = FileField(
        lazy_gettext("CSV file from the HSA catalogue"),
        description=lazy_gettext(
            "Columns hsa_id and name, optionally active (ja/nej) and time_zone; "
            "separated by semicolons or commas, UTF-8."
        ),
    )


class AppointForm(FlaskForm):
    hsa_id = StringField(
        lazy_gettext("HSA-id of the person"),
        validators=[InputRequired(lazy_gettext("Enter the HSA-id.")), MaxLength(64)],
    )
    name = StringField(
        lazy_gettext("Name"),
        description=lazy_gettext("Needed when the person is new to the platform."),
        validators=[MaxLength(200)],
    )


class ActivateForm(FlaskForm):
    care_unit = SelectField(
        lazy_gettext("Care unit"),
        coerce=int,
        validators=[InputRequired(lazy_gettext("Choose a care unit."))],
    )
    version = SelectField(
        lazy_gettext("Programme version"),
        coerce=int,
        validators=[InputRequired(lazy_gettext("Choose a version."))],
    )
    kind = RadioField(
        lazy_gettext("Kind of update"),
        choices=[
            SelectChoice(
                "major", lazy_gettext("Major update: ongoing enrollments stay on their version")
            ),
            SelectChoice(
                "minor", lazy_gettext("Minor update: ongoing enrollments move to this version")
            ),
        ],
        default="major",
        validators=[InputRequired(lazy_gettext("Choose a minor or a major update."))],
    )


class MessageForm(FlaskForm):
    text_sv = TextAreaField(
        lazy_gettext("Message in Swedish"),
        validators=[InputRequired(lazy_gettext("Write the message in Swedish.")), MaxLength(1000)],
    )
    text_en = TextAreaField(
        lazy_gettext("Message in English (optional)"), validators=[MaxLength(1000)]
    )
    starts_on = DateField(
        lazy_gettext("Shown from"),
        validators=[InputRequired(lazy_gettext("Enter the first day."))],
    )
    ends_on = DateField(
        lazy_gettext("Shown until"),
        description=lazy_gettext("The last day it is shown."),
        validators=[InputRequired(lazy_gettext("Enter the last day."))],
    )
