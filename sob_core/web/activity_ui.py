"""What the staff's and the citizen's activity-plan pages share: error texts, the target as text,
the chart (a Plotly figure with the target band drawn as an area) and the table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from ..activity import LIMIT, ActivityError, outside
from ..models import ActivityRegistration, ActivityValue
from .numbers import format_value, plotly_separators

#: What an ``ActivityError`` code says, in the page's language.
ERRORS: dict[str, Any] = {
    "not_a_number": lazy_gettext("Write a number, e.g. 72,5."),
    "too_many_decimals": lazy_gettext("Use at most %(decimals)s decimals."),
    "out_of_range": lazy_gettext("Give a number between -%(limit)s and %(limit)s."),
    "heading_missing": lazy_gettext("Give the registration a heading."),
    "too_long": lazy_gettext("The text may be at most %(max)s characters long."),
    "unknown_unit": lazy_gettext("Choose a unit from the list."),
    "min_above_max": lazy_gettext("The highest target value cannot be below the lowest."),
    "flag_needs_target": lazy_gettext(
        "A flag when a value is outside the target needs a lowest or highest target value."
    ),
    "shown_to_nobody": lazy_gettext("Show the results to the therapist, the citizen or both."),
    "too_many": lazy_gettext("A plan can have at most %(max)s registrations."),
    "bad_submission": lazy_gettext("The form was not sent whole. Reload the page and try again."),
    "date_missing": lazy_gettext("Give the date as YYYY-MM-DD, e.g. 2026-03-05."),
    "date_in_future": lazy_gettext("The date cannot be in the future."),
    "date_before_start": lazy_gettext("The date cannot be before %(start)s, when you started."),
    "no_such_registration": lazy_gettext("This registration is no longer in the plan."),
    "value_required": lazy_gettext("This registration is required: give a value."),
    "nothing_given": lazy_gettext("Give at least one value."),
}


def error_text(error: ActivityError) -> str:
    message = ERRORS.get(error.code)
    if message is None:
        return _("The value cannot be saved.")
    params = dict(error.params)
    if "limit" in params:
        params["limit"] = format_value(float(params["limit"]), 1)
    return str(message) % params if params else str(message)


def number(value: float | None) -> str:
    """A value or target in the page's language (decimal comma in Swedish)."""
    return format_value(value, None)


def target_text(registration: ActivityRegistration) -> str:
    """The target as words: "60–80 kg", "at least 60 kg", "at most 80 kg", or "–"."""
    low, high, unit = registration.target_min, registration.target_max, registration.unit
    if low is not None and high is not None:
        return f"{number(low)}–{number(high)} {unit}"
    if low is not None:
        return _("at least %(value)s %(unit)s", value=number(low), unit=unit)
    if high is not None:
        return _("at most %(value)s %(unit)s", value=number(high), unit=unit)
    return "–"


def position_text(registration: ActivityRegistration, value: float) -> str:
    """Where a value lies against the target, in words (the chart's colour is never alone)."""
    low, high = registration.target_min, registration.target_max
    if low is None and high is None:
        return "–"
    if low is not None and value < low:
        return _("Below the target")
    if high is not None and value > high:
        return _("Above the target")
    return _("Within the target")


def rows(registration: ActivityRegistration, values: Sequence[ActivityValue]) -> list[dict]:
    """The table beside the chart: newest day first."""
    return [
        {
            "date": v.on_date.isoformat(),
            "value": number(v.value),
            "position": position_text(registration, v.value),
            "outside": outside(registration, v.value),
        }
        for v in sorted(values, key=lambda v: (v.on_date, v.id), reverse=True)
    ]


TARGET_COLOUR = "#2e7d32"


def axis_range(registration: ActivityRegistration, values: Sequence[float]) -> tuple[float, float]:
    """The y axis spans the values and the targets, with some room around them."""
    points = [*values] + [
        t for t in (registration.target_min, registration.target_max) if t is not None
    ]
    if not points:
        return 0.0, 1.0
    low, high = min(points), max(points)
    room = (high - low) * 0.15 or max(abs(high) * 0.1, 1.0)
    return max(low - room, -LIMIT), min(high + room, LIMIT)


def figure(registration: ActivityRegistration, values: Sequence[ActivityValue]) -> dict[str, Any]:
    """The Plotly figure: the values by day over the target band (a green area)."""
    ordered = sorted(values, key=lambda v: (v.on_date, v.id))
    y = [v.value for v in ordered]
    low, high = axis_range(registration, y)
    shapes = []
    if registration.target_min is not None or registration.target_max is not None:
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": registration.target_min if registration.target_min is not None else low,
                "y1": registration.target_max if registration.target_max is not None else high,
                "fillcolor": TARGET_COLOUR,
                "opacity": 0.18,
                "line": {"width": 1, "color": TARGET_COLOUR, "dash": "dash"},
                "layer": "below",
                "name": "target",
            }
        )
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [v.on_date.isoformat() for v in ordered],
                "y": y,
                "name": registration.heading,
                "line": {"color": "#1c4f8a", "width": 3},
                "marker": {"size": 9},
                "text": [f"{number(v)} {registration.unit}" for v in y],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
            }
        ],
        "layout": {
            "shapes": shapes,
            "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
            "xaxis": {"type": "category", "title": {"text": _("Date")}},
            "yaxis": {
                "title": {"text": registration.unit},
                "range": [low, high],
                "fixedrange": True,
            },
            "separators": plotly_separators(),
            "showlegend": False,
            "height": 300,
        },
        "config": {"displayModeBar": False, "responsive": True, "staticPlot": False},
    }
