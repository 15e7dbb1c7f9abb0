"""The design tool's pages for a form draft's own results and its questions' media.

``design.form_results`` lists the draft's results and adds, edits or removes one (a sum, a mean
or a formula, with its bands); ``design.form_question_media`` (``form_question_media.py``)
attaches an image, audio or video to a question, or removes it. Both check what they store with the core's own checks
(``forms.own_results``, ``forms.question_media``) and store it with ``drafts.save`` and the
revision the page was made from (a hidden field): a draft saved by someone else meanwhile is
refused with a message, nothing is overwritten. Only designers of the unit owning the draft see
the pages (another unit's draft answers 404, as the rest of the design tool does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired

from ...extensions import db
from ...forms import drafts
from ...forms import own_results as own
from ...i18n import current_language
from ...models import FormDraft
from ...palette import PALETTE
from ...types import QuestionSpec, local
from ..access import require
from ..limits import MaxLength
from .common import CONFLICT, DESIGN_ROLES, back_link, bp, error_text, owned_form_draft, registry
from .forms import local_texts

#: the palette's names as the designer reads them (the select shows these with the colour code)
COLOUR_NAMES = {
    "green": lazy_gettext("Green"),
    "lime": lazy_gettext("Lime green"),
    "teal": lazy_gettext("Teal"),
    "blue": lazy_gettext("Blue"),
    "purple": lazy_gettext("Purple"),
    "amber": lazy_gettext("Amber"),
    "orange": lazy_gettext("Orange"),
    "deep-orange": lazy_gettext("Deep orange"),
    "red": lazy_gettext("Red"),
    "grey": lazy_gettext("Grey"),
}
METHOD_LABELS = {
    "sum": lazy_gettext("Sum of the chosen questions"),
    "mean": lazy_gettext("Mean of the chosen questions"),
    "formula": lazy_gettext("A formula over number and time answers"),
}
BAND_ROWS = 2  # empty band rows offered besides the result's bands (no JavaScript needed)


def _questions(draft: FormDraft) -> list[dict[str, Any]]:
    return list((draft.definition or {}).get("questions") or [])


def _specs(draft: FormDraft) -> list[QuestionSpec]:
    return [
        QuestionSpec(q["key"], q["type"], q.get("label") or {}, q.get("config") or {})
        for q in _questions(draft)
        if isinstance(q, Mapping) and "key" in q and "type" in q
    ]


# --- results -------------------------------------------------------------------------------------


class BandForm(Form):
    """One band row (a sub-form: the page's one CSRF token covers it)."""

    slug = StringField(
        lazy_gettext("Short name"),
        validators=[MaxLength(64)],
        description=lazy_gettext("Lower-case letters a-z, digits and -, e.g. low."),
    )
    label_sv = StringField(lazy_gettext("Name in Swedish"), validators=[MaxLength(200)])
    label_en = StringField(lazy_gettext("Name in English"), validators=[MaxLength(200)])
    lower = StringField(
        lazy_gettext("From (lowest value in the band)"),
        description=lazy_gettext("Empty for the first band: no lower limit."),
    )
    upper = StringField(
        lazy_gettext("Up to (not included)"),
        description=lazy_gettext("The next band starts here. Empty for the last band."),
    )
    colour = SelectField(lazy_gettext("Colour"), validate_choice=False)
    citizen_text_sv = TextAreaField(
        lazy_gettext("Text for the citizen (Swedish)"), validators=[MaxLength(2000)]
    )
    citizen_text_en = TextAreaField(
        lazy_gettext("Text for the citizen (English)"), validators=[MaxLength(2000)]
    )
    staff_text_sv = TextAreaField(
        lazy_gettext("Text for the care team (Swedish)"), validators=[MaxLength(2000)]
    )
    staff_text_en = TextAreaField(
        lazy_gettext("Text for the care team (English)"), validators=[MaxLength(2000)]
    )

    def is_empty(self) -> bool:
        return not any(
            (f.data or "").strip() for f in self if f.name.rsplit("-", 1)[-1] != "colour"
        )


class ResultForm(FlaskForm):
    revision = HiddenField()
    original_key = HiddenField()
    key = StringField(
        lazy_gettext("Key"),
        validators=[InputRequired(lazy_gettext("Give the result a key.")), MaxLength(64)],
        description=lazy_gettext(
            "Lower-case letters a-z, digits and -, e.g. efficiency; it names the result's values "
            "over time, so keep it when the form changes."
        ),
    )
    label_sv = StringField(
        lazy_gettext("Name in Swedish"),
        validators=[
            InputRequired(lazy_gettext("Give the result a name in Swedish.")),
            MaxLength(200),
        ],
    )
    label_en = StringField(lazy_gettext("Name in English"), validators=[MaxLength(200)])
    explanation_sv = TextAreaField(
        lazy_gettext("Explanation in Swedish"),
        validators=[MaxLength(2000)],
        description=lazy_gettext("What the result measures; shown above its values."),
    )
    explanation_en = TextAreaField(
        lazy_gettext("Explanation in English"), validators=[MaxLength(2000)]
    )
    citizen_visible = BooleanField(lazy_gettext("The citizen sees the result"))
    method = RadioField(
        lazy_gettext("How is it computed?"),
        choices=[SelectChoice(k, v) for k, v in METHOD_LABELS.items()],
        default="sum",
        validators=[InputRequired(lazy_gettext("Choose how the result is computed."))],
    )
    questions = SelectMultipleField(
        lazy_gettext("Questions (for a sum or a mean)"),
        validate_choice=False,
        description=lazy_gettext(
            "Only questions whose answers are numbers can be counted: number, slider, scale, "
            "duration, and single choice whose option values are numbers (the value is the score)."
        ),
    )
    formula = StringField(
        lazy_gettext("Formula"),
        validators=[MaxLength(own.MAX_FORMULA)],
        description=lazy_gettext(
            "Question keys, numbers, + - * /, parentheses, min(), max() and round(), e.g. "
            "asleep / in_bed * 100. Write a key with - in braces: {time-in-bed}. A time of day "
            "counts as minutes after midnight."
        ),
    )
    decimals = SelectField(
        lazy_gettext("Decimals"),
        choices=[SelectChoice(str(n), str(n)) for n in range(own.MAX_DECIMALS + 1)],
        default=str(own.DEFAULT_DECIMALS),
    )
    bands = FieldList(FormField(BandForm), min_entries=0, max_entries=own.MAX_BANDS)


class RemoveForm(FlaskForm):
    revision = HiddenField()
    key = HiddenField()


def _colour_choices(current: str | None) -> list[SelectChoice]:
    options = [
        SelectChoice(name, f"{COLOUR_NAMES[name]} ({hex_})") for name, hex_ in PALETTE.items()
    ]
    if current and current not in PALETTE:  # an imported #rrggbb
        options.append(SelectChoice(current, _("Own colour %(colour)s", colour=current)))
    return options


def _initial(result: Mapping[str, Any] | None) -> dict[str, Any]:
    if result is None:
        return {"bands": [{} for _ in range(BAND_ROWS)], "decimals": str(own.DEFAULT_DECIMALS)}
    label = result.get("label") or {}
    explanation = result.get("explanation") or {}
    bands = []
    for band in result.get("bands") or []:
        bands.append(
            {
                "slug": band.get("slug", ""),
                "label_sv": (band.get("label") or {}).get("sv", ""),
                "label_en": (band.get("label") or {}).get("en", ""),
                "lower": "" if band.get("lower") is None else _number_text(band["lower"]),
                "upper": "" if band.get("upper") is None else _number_text(band["upper"]),
                "colour": band.get("colour", "green"),
                "citizen_text_sv": (band.get("citizen_text") or {}).get("sv", ""),
                "citizen_text_en": (band.get("citizen_text") or {}).get("en", ""),
                "staff_text_sv": (band.get("staff_text") or {}).get("sv", ""),
                "staff_text_en": (band.get("staff_text") or {}).get("en", ""),
            }
        )
    bands += [{} for _ in range(min(BAND_ROWS, own.MAX_BANDS - len(bands)))]
    return {
        "original_key": result.get("key", ""),
        "key": result.get("key", ""),
        "label_sv": label.get("sv", ""),
        "label_en": label.get("en", ""),
        "explanation_sv": explanation.get("sv", ""),
        "explanation_en": explanation.get("en", ""),
        "citizen_visible": bool(result.get("citizen_visible")),
        "method": result.get("method", "sum"),
        "questions": list(result.get("questions") or []),
        "formula": result.get("formula", ""),
        "decimals": str(result.get("decimals", own.DEFAULT_DECIMALS)),
        "bands": bands,
    }


def _number_text(value: float | int) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace(".", ",") if current_language() == "sv" else text


def _parse_number(text: str | None) -> float | int | None | str:
    """A band limit as typed (decimal comma or point); the text itself when it is no number."""
    raw = (text or "").strip().replace(" ", "").replace("\u2212", "-")
    if not raw:
        return None
    candidate = raw.replace(",", ".")
    try:
        number = float(candidate)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and "." not in candidate else number


def _prepare(form: ResultForm, draft: FormDraft) -> None:
    lang = current_language()
    kinds = {s.key: own.answer_kind(s, registry()) for s in _specs(draft)}
    form.questions.choices = [
        SelectChoice(q["key"], f"{local(q.get('label'), lang)} ({q['key']})")
        for q in _questions(draft)
        if kinds.get(str(q.get("key"))) == "number"
    ]
    form.formula_keys = [(key, kind) for key, kind in kinds.items() if kind in ("number", "time")]
    for row in form.bands:
        row.form.colour.choices = _colour_choices(row.form.colour.data)


def _field_for(form: ResultForm, rows: list[int], field: str):
    """The form field an ``OwnResultError.field`` names (band N is the N-th filled row)."""
    simple = {
        "key": form.key,
        "label": form.label_sv,
        "explanation": form.explanation_sv,
        "citizen_visible": form.citizen_visible,
        "method": form.method,
        "questions": form.questions,
        "formula": form.formula,
        "decimals": form.decimals,
        "results": form.key,
    }
    if field in simple:
        return simple[field]
    parts = field.split(".")
    if parts[0] == "bands" and len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1])
        if index < len(rows):
            band = form.bands[rows[index]].form
            name = parts[2] if len(parts) > 2 else "slug"
            return getattr(
                band,
                {
                    "label": "label_sv",
                    "citizen_text": "citizen_text_sv",
                    "staff_text": "staff_text_sv",
                }.get(name, name),
                band.slug,
            )
    return form.key


def _result_of(form: ResultForm) -> tuple[dict[str, Any], list[int]]:
    """The result definition the form describes, and which rows hold its bands."""
    result: dict[str, Any] = {
        "key": (form.key.data or "").strip(),
        "label": local_texts(form.label_sv.data, form.label_en.data),
        "citizen_visible": bool(form.citizen_visible.data),
        "explanation": local_texts(form.explanation_sv.data, form.explanation_en.data),
        "method": form.method.data,
        "decimals": int(form.decimals.data or own.DEFAULT_DECIMALS),
    }
    if form.method.data == "formula":
        result["formula"] = (form.formula.data or "").strip()
    else:
        result["questions"] = list(form.questions.data or [])
    bands, rows = [], []
    for index, row in enumerate(form.bands):
        band_form = row.form
        if band_form.is_empty():
            continue
        rows.append(index)
        bands.append(
            {
                "slug": (band_form.slug.data or "").strip(),
                "label": local_texts(band_form.label_sv.data, band_form.label_en.data),
                "lower": _parse_number(band_form.lower.data),
                "upper": _parse_number(band_form.upper.data),
                "colour": band_form.colour.data or "",
                "citizen_text": local_texts(
                    band_form.citizen_text_sv.data, band_form.citizen_text_en.data
                ),
                "staff_text": local_texts(
                    band_form.staff_text_sv.data, band_form.staff_text_en.data
                ),
            }
        )
    result["bands"] = bands
    return result, rows


def _results_page(
    draft: FormDraft, form: ResultForm | None, problem: str | None = None, status: int = 200
):
    definition = draft.definition or {}
    results = list(definition.get("results") or [])
    removers = {}
    for result in results:
        if own.is_own(result):
            remover = RemoveForm(formdata=None, revision=str(draft.revision), key=result["key"])
            removers[result["key"]] = remover
    return (
        render_template(
            "sob_core/design/form_results.html",
            draft=draft,
            results=results,
            is_own=own.is_own,
            form=form,
            removers=removers,
            problem=problem,
            back=back_link(draft),
            methods=METHOD_LABELS,
            colour_names=COLOUR_NAMES,
            palette=PALETTE,
            questions={q.get("key"): q for q in _questions(draft)},
        ),
        status,
    )


@bp.route("/form-drafts/<id:draft_id>/results", methods=["GET", "POST"])
@require("staff", roles=DESIGN_ROLES, unit_scoped=True)
def form_results(draft_id: int):
    draft = owned_form_draft(draft_id)
    results = list((draft.definition or {}).get("results") or [])
    if request.method == "POST" and request.form.get("action") == "remove":
        return _remove(draft, results)
    editing_key = request.args.get("result") or request.form.get("original_key") or ""
    current = next((r for r in results if own.is_own(r) and r.get("key") == editing_key), None)
    if editing_key and current is None and request.method == "GET":
        abort(404)
    if request.method == "GET":
        show = current is not None or request.args.get("new")
        form = ResultForm(formdata=None, data=_initial(current)) if show else None
        if form is not None:
            form.revision.data = str(draft.revision)
            _prepare(form, draft)
        return _results_page(draft, form)
    form = ResultForm()
    _prepare(form, draft)
    if draft.scale_id:
        return _results_page(
            draft,
            form,
            _(
                "A form that administers a scale is scored by the "
                "scale; it cannot have results of its own."
            ),
            400,
        )
    if not form.validate():
        return _results_page(draft, form, None, 400)
    result, rows = _result_of(form)
    if current is None and any(r.get("key") == result["key"] for r in results):
        form.key.errors = [*form.key.errors, _("Another result of the form has this key.")]
        return _results_page(draft, form, None, 400)
    try:
        own.check_result(result, _specs(draft), registry())
    except own.OwnResultError as error:
        field = _field_for(form, rows, error.field)
        field.errors = [*field.errors, error_text(error)]
        return _results_page(draft, form, None, 400)
    changed = [r for r in results if r is not current]
    if current is not None and "fhir_item" in current:
        result["fhir_item"] = current["fhir_item"]  # an imported FHIR total item, kept for export
    if current is not None:
        changed.insert(results.index(current), result)
    else:
        changed.append(result)
    if any(r.get("key") == result["key"] for r in changed if r is not result):
        form.key.errors = [*form.key.errors, _("Another result of the form has this key.")]
        return _results_page(draft, form, None, 400)
    return _store(
        draft, form, {**(draft.definition or {}), "results": changed}, _("The result was saved.")
    )


def _saved(draft: FormDraft, revision: Any, definition: dict[str, Any]) -> bool:
    """Save through ``drafts.save`` with the page's revision; False (rolled back) on a conflict."""
    try:
        number = int(revision or "")
    except ValueError:
        number = -1
    try:
        drafts.save(
            db.session, draft, revision=number, staff_id=current_user.id, definition=definition
        )
    except drafts.DraftConflict:
        db.session.rollback()
        db.session.refresh(draft)
        return False
    db.session.commit()
    return True


def _store(draft: FormDraft, form: FlaskForm, definition: dict[str, Any], done: str):
    """Save and go back to the list; on a conflict the page again, with what was typed kept."""
    if not _saved(draft, form.revision.data, definition):
        if isinstance(form, ResultForm):
            form.revision.data = str(draft.revision)
            _prepare(form, draft)
            return _results_page(draft, form, str(CONFLICT), 409)
        return _results_page(draft, None, str(CONFLICT), 409)
    flash(done, "info")
    return redirect(url_for("design.form_results", draft_id=draft.id))


def _remove(draft: FormDraft, results: list[dict[str, Any]]):
    form = RemoveForm()
    if not form.validate():
        abort(400)
    kept = [r for r in results if not (own.is_own(r) and r.get("key") == form.key.data)]
    if len(kept) == len(results):
        abort(404)
    return _store(
        draft, form, {**(draft.definition or {}), "results": kept}, _("The result was removed.")
    )
