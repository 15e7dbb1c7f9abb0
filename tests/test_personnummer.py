from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sob_core.identity.personnummer import InvalidPersonnummer, luhn_digit, parse

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "number", "born", "sex"),
    [
        ("19850314-2393", "198503142393", date(1985, 3, 14), "male"),
        ("198503142393", "198503142393", date(1985, 3, 14), "male"),
        ("850314-2393", "198503142393", date(1985, 3, 14), "male"),
        ("19920701-2486", "199207012486", date(1992, 7, 1), "female"),
        ("121212-1212", "201212121212", date(2012, 12, 12), "male"),
        ("121212+1212", "191212121212", date(1912, 12, 12), "male"),
    ],
)
def test_valid_numbers(text, number, born, sex):
    parsed = parse(text, today=TODAY)
    assert (parsed.number, parsed.birth_date, parsed.legal_sex) == (number, born, sex)
    assert not parsed.coordination


def test_coordination_number_adds_sixty_to_the_day():
    digits = "8503742" + "39"
    check = luhn_digit("850374239")
    parsed = parse(f"19850374-239{check}", today=TODAY)
    assert parsed.coordination and parsed.birth_date == date(1985, 3, 14)
    assert digits  # the day 74 = 14 + 60


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("19850314-2394", "kontrollsiffra"),
        (f"19851332-239{luhn_digit('851332239')}", "födelsedatum"),
        ("abc", "ÅÅÅÅMMDD"),
        ("", "ÅÅÅÅMMDD"),
        (f"20991231-000{luhn_digit('991231000')}", "framtiden"),
        ("19850314+2393", "'-'"),
    ],
)
def test_invalid_numbers_say_why(text, reason):
    with pytest.raises(InvalidPersonnummer, match=reason):
        parse(text, today=TODAY)


@given(st.text(max_size=20))
def test_any_text_is_parsed_or_refused_clearly(text):
    try:
        parse(text, today=TODAY)
    except InvalidPersonnummer as error:
        assert str(error)
