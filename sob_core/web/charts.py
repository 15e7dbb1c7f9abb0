"""A result series as a chart: values over time with the bands drawn as coloured areas.

The chart is a plain Plotly figure (a dict) rendered by the browser with the plotly.js that ships in
the installed ``plotly`` package; every chart has a table beside it with the same data. Its axis
titles, hover texts and decimal separator are in the page's language (Flask-Babel), its series
name in ``lang``; the y axis spans the subscale's whole range, so no band is cut off.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..results.series import Series
from ..types import local
from .numbers import format_value, plotly_separators


def axis_range(series: Series) -> tuple[float, float]:
    """The y-axis span: the subscale's whole range when known (PHQ-9 0-27), else the data's.

    Values or band bounds outside a declared range widen it, so nothing is ever cut off.
    """
    values = [r.value for r in series.points if r.value is not None]
    bounds = [b for band in series.bands for b in (band.lower, band.upper) if b is not None]
    low = series.minimum if series.minimum is not None else min(values + bounds + [0])
    if series.maximum is not None:
        high = series.maximum
    else:
        high = max(values + [b.lower for b in series.bands if b.lower is not None] + [1]) * 1.1
    return min([low, *values]), max([high, *values])


def figure(series: Series, lang: str) -> dict[str, Any]:
    """The Plotly figure of ``series``: a line of its values over the bands of its scale."""
    ordered = sorted(series.points, key=lambda r: r.at)
    x = [r.at.date().isoformat() for r in ordered]
    y = [r.value for r in ordered]
    low, high = axis_range(series)
    shapes = []
    for band in series.bands:
        lower = band.lower if band.lower is not None else low
        upper = band.upper if band.upper is not None else high
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": lower,
                "y1": upper,
                "fillcolor": band.colour,
                "opacity": 0.18,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    pad = (high - low) * 0.04 or 1  # room for a marker on the top or bottom line
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "y": y,
                "name": local(series.label, lang),
                "line": {"color": "#1c4f8a", "width": 3},
                "marker": {"size": 9},
                # the values as the table prints them (decimal comma in Swedish)
                "text": [format_value(v, series.step) for v in y],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
            }
        ],
        "layout": {
            "shapes": shapes,
            "margin": {"l": 48, "r": 16, "t": 16, "b": 48},
            "xaxis": {"type": "category", "title": {"text": _("Date")}},
            "yaxis": {
                "title": {"text": _("Value")},
                "range": [low - pad, high + pad],
                "fixedrange": True,
            },
            "separators": plotly_separators(),
            "showlegend": False,
            "height": 320,
        },
        "config": {"displayModeBar": False, "responsive": True, "staticPlot": False},
    }
