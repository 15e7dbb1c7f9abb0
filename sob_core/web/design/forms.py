"""The design tool's web forms: plain server-rendered WTForms with Swedish errors tied to fields."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ...media.storage import extensions_for
from ...programs import KEY_RE, MAX_DAYS, UNLOCK_RULES


def _accept(kind: str) -> dict[str, str]:
    return {"accept": ",".join(extensions_for(kind))}


def choices(*pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


KIND_CHOICES = choices(
    ("support", lazy_gettext("Support program")),
    ("treatment", lazy_gettext("Treatment program")),
)
UNLOCK_CHOICES = choices(
    *zip(
        UNLOCK_RULES,
        (
            lazy_gettext("At the start"),
            lazy_gettext("When the previous module is done"),
            lazy_gettext("A number of days after the start"),
            lazy_gettext("When the therapist opens it"),
        ),
        strict=True,
    )
)


def _days_field(label) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(message=lazy_gettext("Give the recommended number of days.")),
            NumberRange(1, MAX_DAYS, message=lazy_gettext("Give a number of days from 1 to 3650.")),
        ],
    )


class SettingsForm(FlaskForm):
    name = StringField(
        lazy_gettext("Name"),
        validators=[
            InputRequired(message=lazy_gettext("Give the program a name.")),
            Length(max=200),
        ],
    )
    description = TextAreaField(
        lazy_gettext("Description"),
        validators=[Optional(), Length(max=5000)],
        description=lazy_gettext(
            "What the program is for; shown to staff and in the list of programs."
        ),
    )
    welcome = TextAreaField(
        lazy_gettext("Welcome text for the citizen"),
        validators=[Optional(), Length(max=10000)],
        description=lazy_gettext("Shown to the citizen when the program starts."),
    )
    recommended_days = _days_field(lazy_gettext("Recommended number of days"))


class NewProgramForm(SettingsForm):
    key = StringField(
        lazy_gettext("Key"),
        validators=[
            InputRequired(message=lazy_gettext("Give the program a key.")),
            Regexp(
                KEY_RE,
                message=lazy_gettext(
                    "Use 1-64 lower-case letters a-z, digits, '-' or '_'; no spaces."
                ),
            ),
        ],
        description=lazy_gettext(
            "A short name that never changes, used in export files, e.g. 'somnbehandling'."
        ),
    )
    kind = RadioField(
        lazy_gettext("Kind of program"),
        choices=KIND_CHOICES,
        validators=[InputRequired(message=lazy_gettext("Choose the kind of program."))],
    )


class ModuleForm(FlaskForm):
    title = StringField(
        lazy_gettext("Title"),
        validators=[
            InputRequired(message=lazy_gettext("Give the module a title.")),
            Length(max=200),
        ],
    )
    description = TextAreaField(
        lazy_gettext("Short description"),
        validators=[Optional(), Length(max=2000)],
        description=lazy_gettext("Optional: what the module is about."),
    )
    recommended_days = _days_field(lazy_gettext("Recommended number of days"))
    unlock = RadioField(
        lazy_gettext("When does the module open?"),
        choices=UNLOCK_CHOICES,
        default="at_start",
        validators=[InputRequired(message=lazy_gettext("Choose when the module opens."))],
    )
    days = IntegerField(
        lazy_gettext("Days after the start"),
        validators=[
            Optional(),
            NumberRange(0, MAX_DAYS, message=lazy_gettext("Give a number of days from 0 to 3650.")),
        ],
        description=lazy_gettext("Only when the module opens a number of days after the start."),
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the field's own chain when it is empty, so the rule is checked here.
        if self.unlock.data == "days_after_start" and self.days.data is None:
            if not self.days.errors:
                self.days.errors = [
                    *self.days.errors,
                    lazy_gettext("Give the number of days after the start."),
                ]
            return False
        return valid


class ItemForm(FlaskForm):
    title = StringField(
        lazy_gettext("Title"),
        validators=[
            InputRequired(message=lazy_gettext("Give the content a title.")),
            Length(max=200),
        ],
        description=lazy_gettext("Shown to the citizen in the list of content."),
    )


class TextItemForm(ItemForm):
    body = TextAreaField(
        lazy_gettext("Text"),
        validators=[InputRequired(message=lazy_gettext("Write the text.")), Length(max=100000)],
        description=lazy_gettext(
            "Plain text, where an empty line starts a new paragraph, or simple HTML: "
            "p, br, strong, em, ul, ol, li, h2, h3 and links (a href). Anything else is removed."
        ),
    )


class ImageItemForm(ItemForm):
    file = FileField(
        lazy_gettext("Image file"),
        description=lazy_gettext("JPEG, PNG or WebP."),
        render_kw=_accept("image"),
    )
    alt = StringField(
        lazy_gettext("Alternative text"),
        validators=[
            InputRequired(message=lazy_gettext("Describe the image for people who cannot see it.")),
            Length(max=500),
        ],
        description=lazy_gettext("Describe what the image shows, for people who cannot see it."),
    )


class AudioItemForm(ItemForm):
    file = FileField(
        lazy_gettext("Audio file"),
        description=lazy_gettext("MP3, M4A or Ogg."),
        render_kw=_accept("audio"),
    )
    transcript = TextAreaField(
        lazy_gettext("Transcript"),
        validators=[Optional(), Length(max=100000)],
        description=lazy_gettext("What is said in the recording, for people who cannot hear it."),
    )


class VideoItemForm(ItemForm):
    source = RadioField(
        lazy_gettext("Where is the video?"),
        choices=choices(
            ("upload", lazy_gettext("An uploaded video file with captions")),
            ("link", lazy_gettext("A link to a video service")),
        ),
        default="upload",
        validators=[InputRequired(message=lazy_gettext("Choose where the video is."))],
    )
    file = FileField(
        lazy_gettext("Video file"),
        description=lazy_gettext("MP4 or WebM."),
        render_kw=_accept("video"),
    )
    captions = FileField(
        lazy_gettext("Captions file"),
        description=lazy_gettext("WebVTT (.vtt). Uploaded videos need captions."),
        render_kw=_accept("captions"),
    )
    url = StringField(
        lazy_gettext("Link to the video"),
        validators=[Optional(), Length(max=500)],
        description=lazy_gettext(
            "https:// on YouTube, Vimeo or play.vgregion.se. "
            "The citizen gets a link; the video is not embedded."
        ),
    )


class FormItemForm(ItemForm):
    title = StringField(
        lazy_gettext("Title"),
        validators=[Optional(), Length(max=200)],
        description=lazy_gettext("Leave empty to use the form's own title."),
    )
    form_key = SelectField(
        lazy_gettext("Form"),
        validators=[InputRequired(message=lazy_gettext("Choose a form."))],
        validate_choice=True,
    )


ITEM_FORMS: dict[str, type[ItemForm]] = {
    "text": TextItemForm,
    "image": ImageItemForm,
    "audio": AudioItemForm,
    "video": VideoItemForm,
    "form": FormItemForm,
}


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class PublishForm(FlaskForm):
    bump = RadioField(
        lazy_gettext("Kind of version"),
        choices=choices(
            ("minor", lazy_gettext("Minor version (corrections and small changes)")),
            ("major", lazy_gettext("Major version (new or reworked content)")),
        ),
        default="minor",
        validators=[InputRequired(message=lazy_gettext("Choose the kind of version."))],
    )
    is_open = BooleanField(
        lazy_gettext("Open program: eligible citizens may start it themselves"),
    )
    regions = SelectMultipleField(lazy_gettext("Regions"), choices=[], validate_choice=True)
    sex = RadioField(
        lazy_gettext("Sex"),
        choices=choices(
            ("any", lazy_gettext("Either")),
            ("female", lazy_gettext("Women")),
            ("male", lazy_gettext("Men")),
        ),
        default="any",
        validators=[InputRequired()],
    )
    min_age = IntegerField(
        lazy_gettext("Lowest age"),
        validators=[
            Optional(),
            NumberRange(0, 130, message=lazy_gettext("Give an age from 0 to 130.")),
        ],
    )
    max_age = IntegerField(
        lazy_gettext("Highest age"),
        validators=[
            Optional(),
            NumberRange(0, 130, message=lazy_gettext("Give an age from 0 to 130.")),
        ],
    )

    def validate_max_age(self, field) -> None:
        if (
            field.data is not None
            and self.min_age.data is not None
            and field.data < self.min_age.data
        ):
            raise ValidationError(lazy_gettext("The highest age cannot be below the lowest age."))


class CatalogueForm(FlaskForm):
    units = SelectMultipleField(
        lazy_gettext("Care units"), coerce=int, choices=[], validate_choice=True
    )


class ImportForm(FlaskForm):
    file = FileField(
        lazy_gettext("Export file"),
        render_kw={"accept": ".json,application/json"},
        validators=[FileRequired(message=lazy_gettext("Choose the file to import."))],
        description=lazy_gettext(
            "A .json file exported from the design tool of this or another installation."
        ),
    )
    key = StringField(
        lazy_gettext("New key (optional)"),
        validators=[
            Optional(),
            Regexp(
                KEY_RE,
                message=lazy_gettext(
                    "Use 1-64 lower-case letters a-z, digits, '-' or '_'; no spaces."
                ),
            ),
        ],
        description=lazy_gettext("Only needed when a program with the same key exists here."),
    )


class CompareForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    old = SelectField(lazy_gettext("From version"), coerce=int, choices=[], validate_choice=True)
    new = SelectField(lazy_gettext("To version"), coerce=int, choices=[], validate_choice=True)
