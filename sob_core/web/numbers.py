"""Result values in the page's language: the decimal comma in Swedish, the point in English.

Every place that shows a result value (tables, chart hover texts, the patient page's flags) goes
through ``format_value``, so a subscale's values always have the decimals of its score step.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import format_decimal, get_locale


def decimals(step: float | None) -> int | None:
    """How many decimals a score step has (1 -> 0, 0.1 -> 1, 0.01 -> 2); None when unknown."""
    if not step:
        return None
    exponent = Decimal(str(step)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else None


def format_value(value: float | None, step: float | None) -> str:
    """A result value in the page's language: "91,9" in Swedish, "91.9" in English.

    Every value of a subscale gets the same decimals, those of its score step; without a step
    a value shows up to two decimals.
    """
    if value is None:
        return "–"
    places = decimals(step)
    pattern = "#,##0.##" if places is None else "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern)


def plotly_separators() -> str:
    """Plotly's ``separators`` (decimal, then thousands) for the page's language."""
    locale = get_locale() or "sv"
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def file_size(size: int) -> str:
    """A file's size as a person reads it: ``5 MB``, ``1,5 MB``, ``300 kB``, ``1000 byte``
    (1 MB = 1024 kB, one decimal at most, the page's decimal mark)."""
    for unit, factor in (("MB", 1024 * 1024), ("kB", 1024)):
        if size >= factor:
            return f"{format_decimal(size / factor, format='0.#')} {unit}"
    return f"{size} byte"
