"""The design tool's web forms: plain server-rendered WTForms with Swedish errors tied to fields."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext
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
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp, ValidationError

from ...content.checks import KEY_RE, MAX_DAYS, ContentError, check_video_url
from ...content.html import body_from_input
from ...content.kinds import KINDS
from ...content.schema import Item
from ...content.unlock import RULES
from ...media.storage import extensions_for
from ..limits import MaxLength


def _accept(kind: str) -> dict[str, str]:
    return {"accept": ",".join(extensions_for(kind))}


def choices(*pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


KIND_CHOICES = choices(
    ("support", lazy_gettext("Support program")),
    ("treatment", lazy_gettext("Treatment program")),
)
UNLOCK_CHOICES = choices(*((rule.name, lazy_gettext(rule.choice_label)) for rule in RULES.values()))


def english_field(field_class, label, max_length: int, description=None):
    """The optional English twin of a Swedish text field (Swedish is the one required)."""
    return field_class(
        label,
        validators=[Optional(), MaxLength(max_length)],
        description=description
        or lazy_gettext("Shown to citizens who use the service in English; empty: the Swedish."),
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
            MaxLength(200),
        ],
    )
    name_en = english_field(StringField, lazy_gettext("Name in English (optional)"), 200)
    description = TextAreaField(
        lazy_gettext("Description"),
        validators=[Optional(), MaxLength(5000)],
        description=lazy_gettext(
            "What the program is for; shown to staff and in the list of programs."
        ),
    )
    description_en = english_field(
        TextAreaField, lazy_gettext("Description in English (optional)"), 5000
    )
    welcome = TextAreaField(
        lazy_gettext("Welcome text for the citizen"),
        validators=[Optional(), MaxLength(10000)],
        description=lazy_gettext("Shown to the citizen when the program starts."),
    )
    welcome_en = english_field(
        TextAreaField, lazy_gettext("Welcome text in English (optional)"), 10000
    )
    recommended_days = _days_field(lazy_gettext("Recommended number of days"))
    messaging = BooleanField(
        lazy_gettext("Messages: the citizen and the care team can write to each other"),
        default=False,
    )


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
            MaxLength(200),
        ],
    )
    title_en = english_field(StringField, lazy_gettext("Title in English (optional)"), 200)
    description = TextAreaField(
        lazy_gettext("Short description"),
        validators=[Optional(), MaxLength(2000)],
        description=lazy_gettext("Optional: what the module is about."),
    )
    description_en = english_field(
        TextAreaField, lazy_gettext("Short description in English (optional)"), 2000
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


def with_languages(old: Any, sv: str | None, en: str | None) -> dict[str, str]:
    """Replace the Swedish and English texts of a local text, keeping its other languages.

    An empty text removes its language (the citizen then reads the Swedish).
    """
    text = dict(old) if isinstance(old, Mapping) else {}
    for lang, new in (("sv", sv), ("en", en)):
        if new and new.strip():
            text[lang] = new.strip()
        else:
            text.pop(lang, None)
    return text


def local_texts(sv: str | None, en: str | None) -> dict[str, str]:
    """A new local text from a Swedish and an English field (an empty one is left out)."""
    return with_languages(None, sv, en)


def english(text: Any) -> str:
    return text.get("en", "") if isinstance(text, Mapping) else ""


def with_swedish(old: Any, new: str | None) -> dict[str, str]:
    """Replace the Swedish text of a local text, keeping its other languages."""
    text = dict(old) if isinstance(old, Mapping) else {}
    if new and new.strip():
        text["sv"] = new.strip()
    else:
        text.pop("sv", None)
    return text


def swedish(text: Any) -> str:
    return text.get("sv", "") if isinstance(text, Mapping) else (text or "")


#: Stores the file posted in a field as the item's ``name`` (a media id), or notes ``missing``.
Attach = Callable[[Any, str, dict[str, Any], str, str], None]


class ItemForm(FlaskForm):
    """The editor form of one item kind (named by its entry in ``content.kinds.KINDS``).

    ``initial`` fills the form from a saved item, ``apply`` copies the posted form into the item's
    fields; the editor view does the rest, whatever the kind.
    """

    title = StringField(
        lazy_gettext("Title"),
        validators=[
            InputRequired(message=lazy_gettext("Give the content a title.")),
            MaxLength(200),
        ],
        description=lazy_gettext("Shown to the citizen in the list of content."),
    )
    title_en = english_field(StringField, lazy_gettext("Title in English (optional)"), 200)

    @classmethod
    def initial(cls, item: Item) -> dict[str, Any]:
        return {"title": swedish(item.title), "title_en": english(item.title)}

    def prepare(self) -> None:
        """Fill in choices that depend on the installation (called before validating)."""

    def title_text(self) -> str:
        return self.title.data or ""

    def apply(self, item: dict[str, Any], attach: Attach) -> None:
        item["title"] = with_languages(item.get("title"), self.title_text(), self.title_en.data)


class TextItemForm(ItemForm):
    body = TextAreaField(
        lazy_gettext("Text"),
        validators=[InputRequired(message=lazy_gettext("Write the text.")), MaxLength(100000)],
        description=lazy_gettext(
            "Plain text, where an empty line starts a new paragraph, or simple HTML: "
            "p, br, strong, em, ul, ol, li, h2, h3 and links (a href). Anything else is removed."
        ),
    )
    body_en = english_field(
        TextAreaField,
        lazy_gettext("Text in English (optional)"),
        100000,
        lazy_gettext("Written as the Swedish text. Empty: citizens who use English read it."),
    )

    @classmethod
    def initial(cls, item: Item) -> dict[str, Any]:
        body = item.text("body")
        return {**super().initial(item), "body": swedish(body), "body_en": english(body)}

    def apply(self, item: dict[str, Any], attach: Attach) -> None:
        super().apply(item, attach)
        item["body"] = with_languages(
            item.get("body"),
            body_from_input(self.body.data),
            body_from_input(self.body_en.data or ""),
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
            MaxLength(500),
        ],
        description=lazy_gettext("Describe what the image shows, for people who cannot see it."),
    )
    alt_en = english_field(StringField, lazy_gettext("Alternative text in English (optional)"), 500)

    @classmethod
    def initial(cls, item: Item) -> dict[str, Any]:
        alt = item.text("alt")
        return {**super().initial(item), "alt": swedish(alt), "alt_en": english(alt)}

    def apply(self, item: dict[str, Any], attach: Attach) -> None:
        super().apply(item, attach)
        item["alt"] = with_languages(item.get("alt"), self.alt.data, self.alt_en.data)
        attach(self.file, "image", item, "media_id", gettext("Choose an image file."))


class AudioItemForm(ItemForm):
    file = FileField(
        lazy_gettext("Audio file"),
        description=lazy_gettext("MP3, M4A or Ogg."),
        render_kw=_accept("audio"),
    )
    transcript = TextAreaField(
        lazy_gettext("Transcript"),
        validators=[Optional(), MaxLength(100000)],
        description=lazy_gettext("What is said in the recording, for people who cannot hear it."),
    )
    transcript_en = english_field(
        TextAreaField, lazy_gettext("Transcript in English (optional)"), 100000
    )

    @classmethod
    def initial(cls, item: Item) -> dict[str, Any]:
        text = item.text("transcript")
        return {
            **super().initial(item),
            "transcript": swedish(text),
            "transcript_en": english(text),
        }

    def apply(self, item: dict[str, Any], attach: Attach) -> None:
        super().apply(item, attach)
        attach(self.file, "audio", item, "media_id", gettext("Choose an audio file."))
        transcript = with_languages(
            item.get("transcript"), self.transcript.data, self.transcript_en.data
        )
        if transcript:
            item["transcript"] = transcript
        else:
            item.pop("transcript", None)


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
        validators=[Optional(), MaxLength(500)],
        description=lazy_gettext(
            "https:// on YouTube, Vimeo or play.vgregion.se. "
            "The citizen gets a link; the video is not embedded."
        ),
    )

    @classmethod
    def initial(cls, item: Item) -> dict[str, Any]:
        return {
            **super().initial(item),
            "url": item.url or "",
            "source": "link" if item.url else "upload",
        }

    def apply(self, item: dict[str, Any], attach: Attach) -> None:
        super().apply(item, attach)
        if self.source.data == "link":
            try:
                item["url"] = check_video_url(self.url.data, "")
            except ContentError:
                self.url.errors.append(
                    gettext("Give an https:// link to YouTube, Vimeo or play.vgregion.se.")
                )
            item.pop("media_id", None)
            item.pop("captions_media_id", None)
            return
        item.pop("url", None)
        attach(self.file, "video", item, "media_id", gettext("Choose a video file."))
        attach(
            self.captions,
            "captions",
            item,
            "captions_media_id",
            gettext("Uploaded videos need a captions file (WebVTT, .vtt)."),
        )


class FormItemForm(ItemForm):
    title = StringField(
        lazy_gettext("Title"),
        validators=[Optional(), MaxLength(200)],
        description=lazy_gettext("Leave empty to use the form's own title."),
    )
    form_key = SelectField(
        lazy_gettext("Form"),
        validators=[InputRequired(message=lazy_gettext("Choose a form."))],
        validate_choice=True,
    )

    @classmethod
    def initial(cls, item: Item) -> dict[str, Any]:
        return {**super().initial(item), "form_key": item.form_key}

    def prepare(self) -> None:
        from .common import usable_forms

        self.form_key.choices = [SelectChoice("", gettext("Choose a form")), *usable_forms()]

    def title_text(self) -> str:
        """The designer's title, or the chosen form's own title."""
        if (self.title.data or "").strip():
            return self.title.data
        labels = {c.value: c.label for c in self.form_key.choices or []}
        return str(labels.get(self.form_key.data, ""))

    def apply(self, item: dict[str, Any], attach: Attach) -> None:
        super().apply(item, attach)
        if item.get("form_key") != self.form_key.data:
            item.pop("form_version", None)  # pinned again when published
        item["form_key"] = self.form_key.data


class ActivityPlanItemForm(ItemForm):
    """The item that leads the citizen to her activity plan (built per patient by staff)."""

    body = TextAreaField(
        lazy_gettext("Introduction (optional)"),
        validators=[Optional(), MaxLength(100000)],
        description=lazy_gettext(
            "Shown above the link to the citizen's activity plan. The therapist builds each "
            "patient's plan on the patient page."
        ),
    )
    body_en = english_field(
        TextAreaField, lazy_gettext("Introduction in English (optional)"), 100000
    )

    @classmethod
    def initial(cls, item: Item) -> dict[str, Any]:
        body = item.text("body")
        return {**super().initial(item), "body": swedish(body), "body_en": english(body)}

    def apply(self, item: dict[str, Any], attach: Attach) -> None:
        super().apply(item, attach)
        body = with_languages(
            item.get("body"),
            body_from_input(self.body.data or ""),
            body_from_input(self.body_en.data or ""),
        )
        if body:
            item["body"] = body
        else:
            item.pop("body", None)


def item_form_class(kind: str) -> type[ItemForm]:
    """The editor form of an item kind, as the kinds table names it ("module:Class")."""
    module_name, _sep, class_name = KINDS[kind].editor_form.partition(":")
    form_class = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(form_class, type) and issubclass(form_class, ItemForm)):
        raise TypeError(f"the editor form of {kind!r} is not an ItemForm")
    return form_class


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class EligibilityForm(FlaskForm):
    """Who may start a program themselves: open or not, and the eligibility of an open one."""

    is_open = BooleanField(
        lazy_gettext("Open program: eligible citizens may start it themselves"),
    )
    regions = SelectMultipleField(
        lazy_gettext("Regions"),
        choices=[],
        validate_choice=False,  # checked below, with a message of our own
        description=lazy_gettext(
            "The region a citizen is registered in (folkbokförd). None chosen: every region. "
            "A citizen whose region is not registered is offered only programs open to every "
            "region."
        ),
    )
    sex = RadioField(
        lazy_gettext("Sex"),
        choices=choices(
            ("any", lazy_gettext("Either")),
            ("female", lazy_gettext("Women")),
            ("male", lazy_gettext("Men")),
        ),
        default="any",
        validators=[InputRequired(message=lazy_gettext("Choose who the program is for."))],
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

    def validate_regions(self, field) -> None:
        known = {str(c.value) for c in field.choices or []}
        if any(code not in known for code in field.data or []):
            raise ValidationError(lazy_gettext("Choose among the regions in the list."))

    def validate_max_age(self, field) -> None:
        if (
            field.data is not None
            and self.min_age.data is not None
            and field.data < self.min_age.data
        ):
            raise ValidationError(lazy_gettext("The highest age cannot be below the lowest age."))


class PublishForm(EligibilityForm):
    bump = RadioField(
        lazy_gettext("Kind of version"),
        choices=choices(
            ("minor", lazy_gettext("Minor version (corrections and small changes)")),
            ("major", lazy_gettext("Major version (new or reworked content)")),
        ),
        default="minor",
        validators=[InputRequired(message=lazy_gettext("Choose the kind of version."))],
    )


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
