"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

A number is normalised to 12 digits ``YYYYMMDDNNNC``. The check digit ``C`` is the Luhn digit of the
10 digits ``YYMMDDNNN``. A coordination number adds 60 to the day of birth. The ninth digit of the
10-digit form (third of ``NNN``) is odd for men and even for women (legal sex as registered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")


class InvalidPersonnummer(ValueError):
    """The text is not a valid personnummer or samordningsnummer; the message says why."""


@dataclass(frozen=True)
class IdentityNumber:
    number: str  # 12 digits
    birth_date: date
    legal_sex: str  # "female" or "male"
    coordination: bool

    @property
    def formatted(self) -> str:
        return f"{self.number[:8]}-{self.number[8:]}"

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def luhn_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def parse(text: str, today: date | None = None) -> IdentityNumber:
    """Validate and normalise a personnummer or samordningsnummer."""
    if not isinstance(text, str):
        raise InvalidPersonnummer("Personnumret måste vara text.")
    cleaned = text.strip().replace(" ", "")
    match = _PATTERN.match(cleaned)
    if not match:
        raise InvalidPersonnummer("Ange personnumret som ÅÅÅÅMMDD-NNNN.")
    century, yy, mm, dd, separator, serial, check = match.groups()
    if luhn_digit(f"{yy}{mm}{dd}{serial}") != int(check):
        raise InvalidPersonnummer("Personnumrets kontrollsiffra stämmer inte.")
    day_number = int(dd)
    coordination = day_number > 60
    if coordination:
        day_number -= 60
    today = today or date.today()
    if century is None:
        # A 10-digit number: the newest century that does not put the birth in the future,
        # pushed back a century when written with '+' (100 years or older).
        year = (today.year // 100) * 100 + int(yy)
        if year > today.year:
            year -= 100
        if separator == "+":
            year -= 100
    else:
        if separator == "+":
            raise InvalidPersonnummer(
                "Ett 12-siffrigt personnummer skrivs med '-' eller utan tecken."
            )
        year = int(century + yy)
    try:
        born = date(year, int(mm), day_number)
    except ValueError as error:
        raise InvalidPersonnummer("Personnumret innehåller inget giltigt födelsedatum.") from error
    if born > today:
        raise InvalidPersonnummer("Personnumret har ett födelsedatum i framtiden.")
    number = f"{year:04d}{mm}{dd}{serial}{check}"
    sex = "male" if int(serial[2]) % 2 else "female"
    return IdentityNumber(number=number, birth_date=born, legal_sex=sex, coordination=coordination)


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidPersonnummer:
        return False
    return True
