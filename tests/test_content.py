"""The typed program content: schema round trips, the kinds table, walkers, coded errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale, gettext

import sob_core.demo
from sob_core.content import ITEM_KINDS, KINDS, RULES, ContentError, ProgramContent, editing
from sob_core.content.checks import FormFacts, Known
from sob_core.content.diff import diff
from sob_core.content.kinds import MEDIA_FIELDS, diff_fields
from sob_core.content.rules import clean, referenced
from sob_core.web.design.forms import ItemForm, item_form_class

ROOT = Path(__file__).resolve().parents[1] / "sob_core"


class FakeRegistry:
    """Every scale and question type installed: these tests are about content, not plugins."""

    class _All(dict):
        def __contains__(self, key: object) -> bool:
            return True

    scales = _All()
    question_types = _All()


def _known(raw: dict[str, Any]) -> Known:
    """Every form and file the document names exists, each file of the kind its field wants."""
    form_keys, _ids = referenced(raw)
    media: dict[int, str] = {}
    for module in raw.get("modules", []):
        for item in module.get("items", []):
            for name, media_kind in KINDS[item["kind"]].media_fields.items():
                if isinstance(item.get(name), int):
                    media[item[name]] = media_kind
    return Known(forms={key: FormFacts(key, {1, 2}, 2, None, []) for key in form_keys}, media=media)


def _clean(raw: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return clean(raw, FakeRegistry(), _known(raw), **kwargs)


def every_kind() -> dict[str, Any]:
    return {
        "name": {"sv": "Alla sorter", "en": "Every kind"},
        "recommended_days": 14,
        "modules": [
            {
                "key": "m1",
                "title": "Första",
                "recommended_days": 7,
                "unlock": "at_start",
                "items": [
                    {"key": "m1-i1", "kind": "text", "title": "Text", "body": "<p>Hej</p>"},
                    {"key": "m1-i2", "kind": "image", "title": "Bild", "alt": "A", "media_id": 1},
                    {"key": "m1-i3", "kind": "audio", "title": "Ljud", "media_id": 2},
                ],
            },
            {
                "key": "m2",
                "title": {"sv": "Andra", "en": "Second"},
                "description": "Om andra",
                "recommended_days": 7,
                "unlock": {"rule": "days_after_start", "days": 3},
                "items": [
                    {
                        "key": "m2-i1",
                        "kind": "video",
                        "title": "Film",
                        "media_id": 3,
                        "captions_media_id": 4,
                    },
                    {"key": "m2-i2", "kind": "video", "title": "Länk", "url": "https://youtu.be/x"},
                    {"key": "m2-i3", "kind": "form", "title": "Formulär", "form_key": "diary"},
                ],
            },
        ],
    }


DEMO_DATA = Path(sob_core.demo.__file__).parent / "data"


def _demo(name: str):
    return lambda: json.loads((DEMO_DATA / name).read_text())["version"]["content"]


DOCUMENTS = {
    "every-kind": every_kind,
    "sleep-1.0": _demo("somnbehandling-1.0.sob-program.json"),
    "sleep-1.1": _demo("somnbehandling-1.1.sob-program.json"),
    "surgery": _demo("infor-operation-1.0.sob-program.json"),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_stored_documents_round_trip_exactly(name):
    stored = _clean(DOCUMENTS[name]())
    assert ProgramContent.from_json(stored).to_json() == stored
    assert _clean(stored) == stored  # cleaning what is stored changes nothing


def test_walkers():
    content = ProgramContent.from_json(_clean(every_kind()))
    assert [m.key for m in content.modules] == ["m1", "m2"]
    assert content.module("m2").unlock.rule == "days_after_start"
    assert content.module("m2").unlock.days == 3
    assert content.module_number("m2") == 2
    module, item = content.item("m2-i3")
    assert (module.key, item.kind, item.form_key, item.title) == (
        "m2",
        "form",
        "diary",
        {"sv": "Formulär"},
    )
    assert [i.key for _m, i in content.items()] == [
        "m1-i1",
        "m1-i2",
        "m1-i3",
        "m2-i1",
        "m2-i2",
        "m2-i3",
    ]
    assert content.keys() == {"m1", "m2", "m1-i1", "m1-i2", "m1-i3", "m2-i1", "m2-i2", "m2-i3"}
    assert content.media_ids() == {1, 2, 3, 4}
    assert content.form_keys() == {"diary"}
    assert content.pinned_forms() == {"diary": None}
    assert content.module("m2").description == {"sv": "Om andra"}
    with pytest.raises(KeyError):
        content.item("nope")
    with pytest.raises(KeyError):
        content.module("nope")


def test_every_kind_is_one_table_entry():
    assert ITEM_KINDS == ("text", "image", "audio", "video", "form", "activity_plan")
    for name, kind in KINDS.items():
        assert kind.name == name
        assert kind.label
        assert set(kind.media_fields) <= set(kind.fields)
        assert set(kind.diff_fields) <= set(kind.fields)
        assert (ROOT / "templates" / kind.template).is_file(), kind.template
        form_class = item_form_class(name)
        assert issubclass(form_class, ItemForm)
        assert form_class is not ItemForm
    assert set(MEDIA_FIELDS) == {"media_id", "captions_media_id"}
    assert diff_fields("text", "text") == ("kind", "title", "body")


def test_unknown_fields_are_dropped_by_the_kind():
    raw = every_kind()
    raw["modules"][0]["items"][0]["media_id"] = 1  # not a text item's field
    raw["modules"][0]["items"][0]["colour"] = "red"
    item = _clean(raw)["modules"][0]["items"][0]
    assert set(item) == {"key", "kind", "title", "body"}


def test_unlock_rules_carry_both_wordings():
    assert list(RULES) == ["at_start", "after_previous", "days_after_start", "by_therapist"]
    for rule in RULES.values():
        assert rule.label and rule.opens and rule.choice_label
    assert RULES["days_after_start"].needs_days
    assert not RULES["after_previous"].first_module


def test_editing_generates_keys_never_reused():
    content = editing.editable(_clean(every_kind()))
    key = editing.add_module(content, {"title": {"sv": "Tredje"}, "recommended_days": 1})
    assert key == "m3"
    item_key = editing.add_item(content, "m3", {"kind": "text", "title": "T", "body": "<p>x</p>"})
    assert item_key == "m3-i1"
    editing.delete_item(content, item_key)
    assert editing.add_item(content, "m3", {"kind": "text", "title": "U", "body": "x"}) == "m3-i2"
    editing.update_module(content, "m3", {"title": {"sv": "Ny"}, "recommended_days": 2})
    assert editing.find_module(content, "m3")["key"] == "m3"
    assert [i["key"] for i in editing.find_module(content, "m3")["items"]] == ["m3-i2"]
    editing.move_module(content, "m3", "up")
    assert [m["key"] for m in content["modules"]] == ["m1", "m3", "m2"]
    editing.delete_module(content, "m3")
    assert editing.add_module(content, {"title": "Igen", "recommended_days": 1}) == "m4"
    cleaned = _clean(content)
    assert cleaned["key_counters"] == {"modules": 4, "items": {"m1": 3, "m2": 3, "m3": 2}}


def test_diff_matches_by_key():
    old = _clean(every_kind())
    new = editing.editable(old)
    editing.find_item(new, "m1-i1")[1]["body"] = {"sv": "<p>Hej då</p>"}
    editing.move_item(new, "m1-i3", "up")
    changes = diff(old, new)
    # The longest order that did not move keeps m1-i1 and m1-i3, so m1-i2 is the one that moved.
    assert [(c.item_key, c.field, c.old, c.new) for c in changes] == [
        ("m1-i1", "body", "Hej", "Hej då"),
        ("m1-i2", "position", 2, 3),
    ]
    assert changes[0].path == "Module 1 › Text"


def test_errors_are_coded_and_said_in_both_languages(app):
    raw = every_kind()
    del raw["modules"][0]["items"][1]["alt"]
    with pytest.raises(ContentError) as error:
        _clean(raw)
    assert error.value.code == "text_missing"
    assert str(error.value) == "Module 1 (Första) › Bild: the alt text is missing."
    with app.test_request_context():
        with force_locale("sv"):
            swedish = error.value.render(gettext, "sv")
        with force_locale("en"):
            english = error.value.render(gettext, "en")
    assert swedish == "Modul 1 (Första) › Bild: alternativtexten saknas."
    assert english == str(error.value)


def test_publishing_rules():
    raw = every_kind()
    raw["modules"][1]["items"] = []
    _clean(raw)
    with pytest.raises(ContentError, match="Module 2 .Andra. has no content") as error:
        _clean(raw, for_publish=True)
    assert error.value.code == "module_empty"


#: Where an item kind may still be named outside ``content/``: fill_in's media kinds are a
#: question's, not an item's.
ALLOWED = {
    # a question's media kinds (image, audio, video) share the item kinds' names
    "templates/sob_core/forms/fill_in.html",
    "templates/sob_core/forms/_questions.html",
    "templates/sob_core/forms/_question.html",
    "forms/question_media.py",
    "web/design/form_question_media.py",
    "templates/sob_core/design/form_question_media.html",
}


def test_item_kinds_are_declared_in_one_place():
    names = "|".join(ITEM_KINDS)
    pattern = re.compile(
        rf"kind\s*==\s*[\"']({names})[\"']|[\"']kind[\"']\s*:\s*[\"']({names})[\"']|"
        r"ITEM_KIND_LABELS\s*=\s*\{\s*\"|ITEM_FORMS"
    )
    offenders = []
    for path in ROOT.rglob("*"):
        if path.suffix not in (".py", ".html") or not path.is_file():
            continue
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("content/", "templates/sob_core/content/")) or relative in ALLOWED:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []
