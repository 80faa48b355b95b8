"""Charts as inline SVG, for web pages and self-contained HTML reports: no script and no
request, so they render under the web app's strict CSP, print, and open anywhere; each has a
title for a screen reader, and its page shows the same figures in a table.

Each function works out the geometry from plain numbers and labels; the markup is a template
(``charts/templates/*.svg.j2``, autoescaped), so a label is always text, never markup. Colours
are the GOV.UK palette's, with at least 3:1 contrast against white (WCAG 2.2 non-text).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup

from joinedup.templating import environment

INK, SECONDARY, BLUE, RED, GREEN, TRACK = (
    "#0b0c0c",
    "#505a5f",
    "#1d70b8",
    "#d4351c",
    "#00703c",
    "#f3f2f1",
)
AGENCY_COLOURS = {
    "social_care": "#1d70b8",  # blue
    "health": "#00703c",  # green
    "police": "#0b0c0c",  # black
    "education": "#d4351c",  # red
    "housing": "#6f72af",  # purple (light purple fails contrast; this is GOV.UK purple tint)
    "probation": "#912b88",  # pink
    "substance_misuse": "#b58840",  # brown
    "adult_mental_health": "#28a197",  # turquoise
}


def _render(template: str, **values: Any) -> Markup:
    svg = environment("joinedup.charts").get_template(template).render(values)
    return Markup(svg)  # noqa: S704 - the template escaped every value in it


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


def percent_bars(title: str, items: list[tuple[str, float | None]], colour: str = BLUE) -> Markup:
    """Horizontal bars on a 0-100% track, one per (label, value), each with its value."""
    rows = [
        {
            "y": 8 + 28 * i,
            "label": label,
            "width": 0.0 if value is None else 3.6 * max(0.0, min(value, 100.0)),
            "value": percent(value),
        }
        for i, (label, value) in enumerate(items)
    ]
    return _render(
        "percent_bars.svg.j2",
        title=title,
        height=28 * len(items) + 10,
        rows=rows,
        colour=colour,
        ink=INK,
        track=TRACK,
    )


def paired_columns(
    title: str, labels: list[str], series: list[tuple[str, str, list[float | None]]]
) -> Markup:
    """Columns side by side per label, one per (name, colour, values) series, as percentages
    scaled to the largest (at least 10%), with a legend."""
    top = max([10.0] + [v or 0.0 for _, _, values in series for v in values])
    step, height, base = 56, 220, 190
    groups = [
        {
            "x": 50 + step * i,
            "label": label,
            "columns": [
                {
                    "offset": 20 * j,
                    "colour": colour,
                    "height": (values[i] or 0.0) / top * (base - 30),
                }
                for j, (_, colour, values) in enumerate(series)
            ],
        }
        for i, label in enumerate(labels)
    ]
    legend = [
        {"x": 60 + 110 * j, "name": name, "colour": c} for j, (name, c, _) in enumerate(series)
    ]
    return _render(
        "paired_columns.svg.j2",
        title=title,
        width=max(320, 60 + step * len(labels)),
        height=height,
        base=base,
        top=top,
        legend=legend,
        groups=groups,
        ink=INK,
    )


def diverging_bars(title: str, items: list[tuple[str, float]]) -> Markup:
    """Each (label, value) as a bar from a central axis: right (red) for a positive value,
    left (blue) for a negative one, scaled to the largest; empty when there are none."""
    if not items:
        return Markup("")
    width, label_w, row_h, top = 900, 360, 26, 10
    scale = max(abs(value) for _, value in items) or 1.0
    half = (width - label_w - 20) / 2
    axis = label_w + half
    rows = []
    for i, (label, value) in enumerate(items):
        length = half * abs(value) / scale
        rows.append(
            {
                "y": top + i * row_h,
                "label": str(label)[:60],
                "x": axis if value >= 0 else axis - length,
                "length": max(length, 1),
                "colour": RED if value >= 0 else BLUE,
                "value": value,
            }
        )
    return _render(
        "diverging_bars.svg.j2",
        title=title,
        width=width,
        height=top * 2 + row_h * len(items),
        label_x=label_w - 8,
        bar_height=row_h - 8,
        axis=axis,
        rows=rows,
        ink=INK,
        axis_colour=SECONDARY,
    )


def waterfall(steps: list[tuple[str, float]], total: float, total_label: str) -> Markup:
    """Bars from 0 through each (label, weight) step in turn, then the total from 0: green
    for a step that adds, red for one that takes away."""
    scale, left, row = 8.0, 330, 22
    running, bars, low, high = 0.0, [], 0.0, 0.0
    for label, weight in steps:
        start, running = running, running + weight
        bars.append((label, start, running, weight))
        low, high = min(low, start, running), max(high, start, running)
    bars.append((total_label, 0.0, total, total))
    low, high = min(low, total), max(high, total)
    zero = left + (-low) * scale + 10
    rows = []
    for i, (label, start, end, weight) in enumerate(bars):
        x0, x1 = zero + min(start, end) * scale, zero + max(start, end) * scale
        rows.append(
            {
                "y": 5 + i * row,
                "label": label,
                "x": x0,
                "width": max(x1 - x0, 1),
                "end": x1,
                "weight": weight,
                "colour": GREEN if weight >= 0 else RED,
            }
        )
    return _render(
        "waterfall.svg.j2",
        width=int(zero + high * scale + 80),
        height=row * len(bars) + 10,
        bar_height=row - 6,
        zero=zero,
        rows=rows,
    )


def timeline(events: list[dict[str, Any]], names: dict[str, str]) -> Markup:
    """One row per agency, one mark per event (``on``, ``ended_on``, ``agency``, ``label``)
    coloured by agency, with the years marked; empty when there are no events."""
    if not events:
        return Markup("")
    width, row_h, left, top = 960, 34, 190, 28
    agencies = [a for a in AGENCY_COLOURS if any(e["agency"] == a for e in events)]
    days = [date.fromisoformat(e["on"]) for e in events]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    height = top + row_h * len(agencies) + 30

    def x_of(day: date) -> float:
        return left + (width - left - 20) * (day - first).days / span

    years, previous = [], -100.0
    for year in range(first.year, last.year + 1):
        x = x_of(max(date(year, 1, 1), first))
        if x - previous < 48:  # too close to the last label (a range starting in December)
            continue
        previous = x
        years.append({"x": x, "year": year})
    rows = []
    for i, agency in enumerate(agencies):
        marks = []
        for e in events:
            if e["agency"] != agency:
                continue
            x = x_of(date.fromisoformat(e["on"]))
            mark = {"x": x, "tip": f"{e['on']}: {e['label']}", "to": None}
            if e.get("ended_on"):
                end = x_of(min(date.fromisoformat(e["ended_on"]), last))
                mark["width"] = max(end - x, 3)
                mark["to"] = end
            marks.append(mark)
        rows.append(
            {
                "y": top + row_h * i + row_h / 2,
                "label": names.get(agency, agency),
                "colour": AGENCY_COLOURS[agency],
                "marks": marks,
            }
        )
    title = (
        f"Timeline of {len(events)} events across {len(agencies)} agencies, "
        f"{first:%B %Y} to {last:%B %Y}"
    )
    return _render(
        "timeline.svg.j2",
        title=title,
        width=width,
        height=height,
        top=top,
        left=left,
        years=years,
        rows=rows,
        ink=INK,
    )
