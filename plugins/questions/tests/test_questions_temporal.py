"""Date, time of day and duration."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from questions_testkit import (
    EXAMPLES,
    TYPES,
    clean,
    config_error,
    error,
    fhir_answer,
    fhir_item,
    make_spec,
    optional,
)

DATE, TIME, DURATION = EXAMPLES["date"], EXAMPLES["time"], EXAMPLES["duration"]


# --- date ----------------------------------------------------------------------------------------


def test_date_cleans_to_iso():
    assert clean(DATE, "2024-03-31") == "2024-03-31"
    assert clean(DATE, " 2024-02-29 ") == "2024-02-29"
    assert clean(DATE, date(2024, 6, 1)) == "2024-06-01"
    assert clean(make_spec("date"), "1901-01-01") == "1901-01-01"
    assert clean(optional(DATE), "") is None


@pytest.mark.parametrize(
    ("spec", "data", "sv", "en"),
    [
        (
            DATE,
            "31/3/2024",
            "Ange ett datum som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.",
            "Enter a date as YYYY-MM-DD, for example 2024-03-31.",
        ),
        (
            DATE,
            "20240331",
            "Ange ett datum som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.",
            "Enter a date as YYYY-MM-DD, for example 2024-03-31.",
        ),
        (
            DATE,
            datetime(2024, 3, 31, 12),
            "Ange ett datum som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.",
            "Enter a date as YYYY-MM-DD, for example 2024-03-31.",
        ),
        (
            DATE,
            20240331,
            "Ange ett datum som ÅÅÅÅ-MM-DD, till exempel 2024-03-31.",
            "Enter a date as YYYY-MM-DD, for example 2024-03-31.",
        ),
        (
            DATE,
            "2023-02-29",
            "Datumet finns inte. Kontrollera år, månad och dag.",
            "That date does not exist. Check the year, month and day.",
        ),
        (
            DATE,
            "0000-01-01",
            "Datumet finns inte. Kontrollera år, månad och dag.",
            "That date does not exist. Check the year, month and day.",
        ),
        (
            DATE,
            "2025-01-01",
            "Ange ett datum mellan 2024-01-01 och 2024-12-31.",
            "Enter a date between 2024-01-01 and 2024-12-31.",
        ),
        (
            make_spec("date", {"min": "2024-01-01"}),
            "2023-12-31",
            "Ange ett datum som är 2024-01-01 eller senare.",
            "Enter a date on or after 2024-01-01.",
        ),
        (
            make_spec("date", {"max": "2024-01-01"}),
            "2024-01-02",
            "Ange ett datum som är 2024-01-01 eller tidigare.",
            "Enter a date on or before 2024-01-01.",
        ),
        (DATE, None, "Du behöver svara på frågan.", "Please answer this question."),
    ],
)
def test_date_messages(spec, data, sv, en):
    assert error(spec, data, "sv") == sv
    assert error(spec, data, "en") == en


@pytest.mark.parametrize(
    ("config", "en"),
    [
        (
            {"min": "2024-12-31", "max": "2024-01-01"},
            "The setting min must not be greater than max.",
        ),
        ({"min": "yesterday"}, "The setting min must be a date as YYYY-MM-DD."),
        ({"max": "2024-02-30"}, "The setting max must be a date as YYYY-MM-DD."),
        ({"max": 2024}, "The setting max must be a date as YYYY-MM-DD."),
    ],
)
def test_broken_date_configs(config, en):
    assert config_error("date", config, "en") == en


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_date_fhir(lang):
    item = fhir_item(DATE, lang)
    assert item["type"] == "date"
    values = {e["url"].rsplit("/", 1)[1]: e for e in item["extension"]}
    assert values["minValue"] == {"url": values["minValue"]["url"], "valueDate": "2024-01-01"}
    assert values["maxValue"]["valueDate"] == "2024-12-31"
    assert values["entryFormat"]["valueString"] == ("ÅÅÅÅ-MM-DD" if lang == "sv" else "YYYY-MM-DD")
    assert fhir_answer(DATE, "2024-03-31") == [{"valueDate": "2024-03-31"}]
    assert TYPES["date"].from_fhir(item) == dict(DATE.config)
    assert TYPES["date"].from_fhir({"type": "date"}) == {}
    assert TYPES["date"].display(DATE, "2024-03-31", lang) == "2024-03-31"


# --- time ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "payload"),
    [
        ("07:30", "07:30"),
        ("7:30", "07:30"),
        ("7.30", "07:30"),
        ("23:59", "23:59"),
        ("00:00", "00:00"),
        ("22:45:10", "22:45"),
        (time(6, 5), "06:05"),
    ],
)
def test_time_cleans_to_hh_mm(data, payload):
    assert clean(TIME, data) == payload


@pytest.mark.parametrize(
    "data", ["24:00", "12:60", "7", "730", "7:3", "kl 7", 730, "12:00:61", [1, 2]]
)
def test_time_messages(data):
    assert (
        error(TIME, data, "sv")
        == "Ange en tid mellan 00:00 och 23:59 som TT:MM, till exempel 07:30."
    )
    assert error(TIME, data, "en") == (
        "Enter a time between 00:00 and 23:59 as HH:MM, for example 07:30."
    )


def test_time_fhir_and_display():
    item = fhir_item(TIME)
    assert item["type"] == "time"
    assert fhir_answer(TIME, "07:30") == [{"valueTime": "07:30:00"}]
    assert TYPES["time"].from_fhir(item) == {}
    assert TYPES["time"].display(TIME, "07:30", "en") == "07:30"
    assert clean(optional(TIME), "") is None
    assert config_error("time", "x", "en") == "The settings must be an object."


# --- duration ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "payload"),
    [
        ({"hours": "7", "minutes": "30"}, 450),
        ({"hours": "7", "minutes": ""}, 420),
        ({"hours": "", "minutes": "45"}, 45),
        ({"hours": None, "minutes": "90"}, 90),
        ({"hours": " 0 ", "minutes": "0"}, 0),
        ({"hours": 16, "minutes": 0}, 960),
        (450, 450),
        ("450", 450),
    ],
)
def test_duration_cleans_to_minutes(data, payload):
    assert clean(DURATION, data) == payload


@pytest.mark.parametrize(
    ("data", "sv", "en"),
    [
        (
            {"hours": "7,5", "minutes": ""},
            "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
            "Enter hours and minutes as whole numbers, for example 7 and 30.",
        ),
        (
            {"hours": "-1", "minutes": "0"},
            "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
            "Enter hours and minutes as whole numbers, for example 7 and 30.",
        ),
        (
            {"hours": "x"},
            "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
            "Enter hours and minutes as whole numbers, for example 7 and 30.",
        ),
        (
            {"hours": True},
            "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
            "Enter hours and minutes as whole numbers, for example 7 and 30.",
        ),
        (
            -5,
            "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
            "Enter hours and minutes as whole numbers, for example 7 and 30.",
        ),
        (
            7.5,
            "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
            "Enter hours and minutes as whole numbers, for example 7 and 30.",
        ),
        ({"hours": "16", "minutes": "1"}, "Ange högst 16 h.", "Enter at most 16 h."),
        (10**100, "Ange högst 16 h.", "Enter at most 16 h."),
        (
            {"hours": "", "minutes": ""},
            "Du behöver svara på frågan.",
            "Please answer this question.",
        ),
        ({}, "Du behöver svara på frågan.", "Please answer this question."),
    ],
)
def test_duration_messages(data, sv, en):
    assert error(DURATION, data, "sv") == sv
    assert error(DURATION, data, "en") == en


def test_duration_default_and_config():
    assert clean(make_spec("duration"), {"hours": "24", "minutes": "0"}) == 1440
    assert error(make_spec("duration"), {"hours": "24", "minutes": "1"}, "sv") == "Ange högst 24 h."
    assert (
        error(make_spec("duration", {"max_minutes": 90}), 91, "en") == "Enter at most 1 h 30 min."
    )
    assert config_error("duration", {"max_minutes": 0}, "en") == (
        "The setting max_minutes must be between 1 and 10080."
    )
    assert config_error("duration", {"max_minutes": "60"}, "sv") == (
        "Inställningen max_minutes måste vara ett heltal."
    )
    assert clean(optional(DURATION), {"hours": "", "minutes": ""}) is None


def test_duration_display():
    display = TYPES["duration"].display
    assert display(DURATION, 450, "sv") == "7 h 30 min"
    assert display(DURATION, 45, "en") == "45 min"
    assert display(DURATION, 480, "sv") == "8 h"
    assert display(DURATION, 0, "sv") == "0 min"
    assert display(DURATION, None, "sv") == ""


def test_duration_fhir():
    item = fhir_item(DURATION)
    assert item["type"] == "quantity"
    values = {e["url"].rsplit("/", 1)[1]: e for e in item["extension"]}
    assert values["questionnaire-unitOption"]["valueCoding"]["code"] == "min"
    assert values["sdc-questionnaire-maxQuantity"]["valueQuantity"]["value"] == 960
    assert fhir_answer(DURATION, 450) == [
        {
            "valueQuantity": {
                "value": 450,
                "unit": "min",
                "system": "http://unitsofmeasure.org",
                "code": "min",
            }
        }
    ]
    assert TYPES["duration"].from_fhir(item) == {"max_minutes": 960}
    with pytest.raises(ValueError):
        TYPES["duration"].fhir_answer(DURATION, "7 h")


def test_duration_from_fhir_refuses_other_units():
    item = fhir_item(DURATION)
    item["extension"][1]["valueQuantity"]["code"] = "h"
    with pytest.raises(ValueError, match="minutes") as caught:
        TYPES["duration"].from_fhir(item)
    assert "minuter" in caught.value.in_language("sv")  # type: ignore[attr-defined]
