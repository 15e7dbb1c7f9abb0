"""Building a form through the design tool's form builder pages (shared by the builder's tests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import FormDraft
from sob_core.testing import csrf_from

#: one question of every question type sob-questions installs, as the question page's fields
EVERY_TYPE: dict[str, dict[str, str]] = {
    "single_choice": {
        "key": "mood",
        "label_sv": "Hur mår du?",
        "label_en": "How are you?",
        "help_sv": "Välj det som passar bäst.",
        "help_en": "Choose what fits best.",
        "required": "y",
        "config_options": "bra | Bra | Good\ndaligt | Dåligt | Bad",
    },
    "multiple_choice": {
        "key": "topics",
        "label_sv": "Vad vill du prata om?",
        "label_en": "What do you want to talk about?",
        "config_options": "somn | Sömn | Sleep\noro | Oro | Worry\nmat | Mat | Food",
        "config_min_choices": "1",
        "config_max_choices": "2",
        "show_if_question": "mood",
        "show_if_operator": "equals",
        "show_if_value": "daligt",
    },
    "dropdown": {
        "key": "weekday",
        "label_sv": "Vilken dag?",
        "required": "y",
        "config_options": "man | Måndag | Monday\ntis | Tisdag | Tuesday",
    },
    "number": {
        "key": "cups",
        "label_sv": "Hur många koppar kaffe?",
        "label_en": "How many cups of coffee?",
        "required": "y",
        "config_decimals": "0",
        "config_min": "0",
        "config_max": "20",
        "config_unit_sv": "koppar",
        "config_unit_en": "cups",
    },
    "slider": {
        "key": "energy",
        "label_sv": "Hur mycket energi har du?",
        "required": "y",
        "config_min": "0",
        "config_max": "10",
        "config_step": "1",
        "config_min_label_sv": "Ingen",
        "config_max_label_sv": "Mycket",
    },
    "scale": {
        "key": "stress",
        "label_sv": "Hur stressad är du?",
        "required": "y",
        "config_min": "0",
        "config_max": "10",
    },
    "date": {"key": "since", "label_sv": "Sedan när?", "help_sv": "Ungefär räcker."},
    "time": {"key": "bedtime", "label_sv": "När gick du och lade dig?", "required": "y"},
    "duration": {
        "key": "asleep",
        "label_sv": "Hur länge sov du?",
        "required": "y",
        "config_max_minutes": "1440",
    },
    "short_text": {"key": "word", "label_sv": "Ett ord om dagen", "config_max_length": "100"},
    "long_text": {"key": "notes", "label_sv": "Något mer?", "config_max_length": "2000"},
    "yes_no": {"key": "smoker", "label_sv": "Röker du?", "label_en": "Do you smoke?"},
    "information": {"key": "about", "label_sv": "Läs detta först.", "label_en": "Read this first."},
    "date_time": {"key": "woke", "label_sv": "När vaknade du?", "required": "y"},
    "open_choice": {
        "key": "pet",
        "label_sv": "Vilka husdjur har du?",
        "config_options": "hund | Hund | Dog\nkatt | Katt | Cat",
        "config_multiple": "y",
    },
    "quantity": {
        "key": "weight",
        "label_sv": "Vad väger du?",
        "required": "y",
        "config_units": '[{"code": "kg", "system": "http://unitsofmeasure.org"}]',
        "config_decimals": "1",
    },
    "attachment": {
        "key": "certificate",
        "label_sv": "Bifoga ditt intyg",
        "config_content_types": '["application/pdf", "image/*"]',
        "config_max_bytes": "2000000",
    },
}


def revision(page: str) -> str:
    return page.split('name="revision"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def new_form(client, key: str = "egen-enkat", title_en: str = "Own questionnaire") -> FormDraft:
    page = client.get("/design/forms/new").get_data(as_text=True)
    sent = client.post(
        "/design/forms/new",
        data={
            "csrf_token": csrf_from(page),
            "key": key,
            "title_sv": "Egen enkät",
            "title_en": title_en,
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    return db.session.scalar(select(FormDraft).where(FormDraft.key == key))


def add_question(client, draft: FormDraft, qtype: str, data: dict[str, Any]):
    url = f"/design/form-drafts/{draft.id}/questions/new?type={qtype}"
    page = client.get(url).get_data(as_text=True)
    payload = {"csrf_token": csrf_from(page), "revision": revision(page), "type": qtype}
    return client.post(url, data={**payload, **data})


def build_every_type(client, key: str = "egen-enkat") -> FormDraft:
    """A draft with one question of every installed type, help texts and a skip rule."""
    draft = new_form(client, key)
    for qtype, data in EVERY_TYPE.items():
        sent = add_question(client, draft, qtype, data)
        assert sent.status_code == 302, (qtype, sent.get_data(as_text=True))
    db.session.refresh(draft)
    return draft


def publish(client, draft: FormDraft):
    editor = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    return client.post(
        f"/design/form-drafts/{draft.id}/publish",
        data={"csrf_token": csrf_from(editor), "revision": revision(editor)},
    )
