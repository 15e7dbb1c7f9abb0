"""A result series as a chart: values over time with the bands drawn as coloured areas.

The chart is a plain Plotly figure (a dict) rendered by the browser with the plotly.js that ships in
the installed ``plotly`` package; every chart has a table beside it with the same data. Its axis
titles are in the page's language (Flask-Babel), its series name in ``lang``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..results.series import Series
from ..types import local


def figure(series: Series, lang: str) -> dict[str, Any]:
    """The Plotly figure of ``series``: a line of its values over the bands of its scale."""
    ordered = sorted(series.points, key=lambda r: r.at)
    x = [r.at.date().isoformat() for r in ordered]
    y = [r.value for r in ordered]
    values = [v for v in y if v is not None]
    shapes = []
    top = max(values + [b.lower or 0 for b in series.bands if b.lower is not None] + [1])
    for band in series.bands:
        lower = band.lower if band.lower is not None else min(values + [0])
        upper = band.upper if band.upper is not None else top * 1.1
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
            }
        ],
        "layout": {
            "shapes": shapes,
            "margin": {"l": 48, "r": 16, "t": 16, "b": 48},
            "xaxis": {"type": "category", "title": {"text": _("Date")}},
            "yaxis": {
                "title": {"text": _("Value")},
                "rangemode": "tozero",
            },
            "showlegend": False,
            "height": 320,
        },
        "config": {"displayModeBar": False, "responsive": True, "staticPlot": False},
    }
