"""The programme's batteries in its content document: cleaned with defaults, or a coded error."""

from __future__ import annotations

import copy

import pytest
from flask_babel import force_locale, gettext
from test_content import _clean, every_kind

from sob_core.content import ContentError, ProgramContent
from sob_core.content.rules import referenced


def doc(*batteries: dict) -> dict:
    raw = copy.deepcopy(every_kind())
    raw["batteries"] = list(batteries)
    return raw


WEEKLY = {
    "key": "weekly",
    "name": "Veckomätning",
    "form_keys": ["phq9", "gad7"],
    "trigger": "repeat",
    "every_days": 7,
}


def test_a_battery_is_cleaned_with_its_defaults():
    cleaned = _clean(doc(WEEKLY))
    assert cleaned["batteries"] == [
        {
            "key": "weekly",
            "name": {"sv": "Veckomätning"},
            "form_keys": ["phq9", "gad7"],
            "trigger": "repeat",
            "every_days": 7,
            "local_time": "08:00",
            "due_days": 3,
            "expire_days": 7,
        }
    ]
    content = ProgramContent.from_json(cleaned)
    assert content.batteries[0]["every_days"] == 7
    assert ProgramContent.from_json(content.to_json()).batteries == content.batteries


def test_the_battery_forms_count_as_referenced():
    assert {"phq9", "gad7"} <= referenced(doc(WEEKLY))[0]


def test_every_trigger():
    cleaned = _clean(
        doc(
            {"key": "a", "name": "A", "form_keys": ["phq9"], "trigger": "enrollment_start"},
            {
                "key": "b",
                "name": "B",
                "form_keys": ["phq9"],
                "trigger": "module_start",
                "module_key": "m2",
                "local_time": "18:30",
                "due_days": 1,
                "expire_days": 2,
            },
            dict(WEEKLY, key="c", module_key="m1", count=4, start_days=2),
        )
    )
    a, b, c = cleaned["batteries"]
    assert a["trigger"] == "enrollment_start" and "module_key" not in a
    assert (b["module_key"], b["local_time"], b["expire_days"]) == ("m2", "18:30", 2)
    assert (c["module_key"], c["count"], c["start_days"]) == ("m1", 4, 2)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"key": "Bad Key"}, "bad_key"),
        ({"name": ""}, "text_missing"),
        ({"form_keys": []}, "battery_no_forms"),
        ({"form_keys": ["phq9", "phq9"]}, "battery_form_twice"),
        ({"trigger": "sometimes"}, "battery_trigger"),
        ({"every_days": 0}, "battery_number"),
        ({"every_days": 366}, "battery_number"),
        ({"every_days": None}, "battery_number"),
        ({"count": 201}, "battery_number"),
        ({"module_key": "m9"}, "battery_module"),
        ({"local_time": "8:00"}, "battery_time"),
        ({"due_days": 7, "expire_days": 7}, "battery_expire"),
        ({"trigger": "module_start"}, "battery_module_missing"),
        ({"trigger": "enrollment_start", "module_key": "m1"}, "battery_module_not_used"),
    ],
)
def test_bad_batteries_are_refused_with_a_code(change, code):
    with pytest.raises(ContentError) as error:
        _clean(doc(dict(WEEKLY, **change)))
    assert error.value.code == code
    assert "Battery 1" in str(error.value)


def test_a_form_that_does_not_exist_is_refused():
    from test_content import FakeRegistry, _known

    from sob_core.content.rules import clean

    raw = doc(WEEKLY)
    known = _known(raw)
    del known.forms["gad7"]
    with pytest.raises(ContentError) as error:
        clean(raw, FakeRegistry(), known)
    assert error.value.code == "no_form"


def test_two_batteries_with_one_key_and_not_a_list():
    with pytest.raises(ContentError) as error:
        _clean(doc(WEEKLY, WEEKLY))
    assert error.value.code == "battery_key_twice"
    raw = doc()
    raw["batteries"] = {"key": "x"}
    with pytest.raises(ContentError) as error:
        _clean(raw)
    assert error.value.code == "batteries_not_a_list"


def test_the_messages_are_in_swedish(app):
    with pytest.raises(ContentError) as error:
        _clean(doc(dict(WEEKLY, every_days=0)))
    with app.test_request_context(), force_locale("sv"):
        text = error.value.render(gettext, "sv")
    assert text.startswith("Mätbatteri 1 (Veckomätning)") and "intervallet i dagar" in text
