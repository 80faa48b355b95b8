"""The single view's timeline chart: one row per agency, one mark per event, coloured by
agency, as an inline SVG (no script, no network: it renders under a strict CSP, prints, and
reads in a screen reader through its title and the event table beside it).

Hand-written because it is a few dozen lines of SVG; a charting library would need script or
a server-side renderer for something this small. Colours are the GOV.UK palette's, each with
at least 3:1 contrast against white (WCAG 2.2 non-text contrast).
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

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
WIDTH, ROW, LEFT, TOP = 960, 34, 190, 28


def _x(day: date, first: date, last: date) -> float:
    span = max((last - first).days, 1)
    return LEFT + (WIDTH - LEFT - 20) * (day - first).days / span


def timeline_svg(events: list[dict[str, Any]], names: dict[str, str]) -> str:
    """The chart for the (already governed) ``events``; empty string when there are none."""
    if not events:
        return ""
    agencies = [a for a in AGENCY_COLOURS if any(e["agency"] == a for e in events)]
    days = [date.fromisoformat(e["on"]) for e in events]
    first, last = min(days), max(days)
    height = TOP + ROW * len(agencies) + 30
    parts = [
        f'<svg class="joinedup-chart" role="img" aria-labelledby="timeline-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="timeline-title">Timeline of {len(events)} events across '
        f"{len(agencies)} agencies, {first:%B %Y} to {last:%B %Y}</title>",
    ]
    previous = -100.0
    for year in range(first.year, last.year + 1):
        start = max(date(year, 1, 1), first)
        x = _x(start, first, last)
        if x - previous < 48:  # too close to the last label (a range starting in December)
            continue
        previous = x
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 24}" '
            'stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="{x + 3:.1f}" y="{height - 8}" font-size="13" fill="#0b0c0c">{year}</text>'
        )
    for row, agency in enumerate(agencies):
        y = TOP + ROW * row + ROW / 2
        colour = AGENCY_COLOURS[agency]
        label = html.escape(names.get(agency, agency))
        parts.append(
            f'<text x="8" y="{y + 5:.1f}" font-size="14" fill="#0b0c0c">{label}</text>'
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 20}" y2="{y:.1f}" '
            'stroke="#f3f2f1" stroke-width="2"/>'
        )
        for e in events:
            if e["agency"] != agency:
                continue
            x = _x(date.fromisoformat(e["on"]), first, last)
            tip = html.escape(f"{e['on']}: {e['label']}")
            if e.get("ended_on"):
                x2 = _x(min(date.fromisoformat(e["ended_on"]), last), first, last)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="{max(x2 - x, 3):.1f}" height="10" '
                    f'fill="{colour}" fill-opacity="0.35" stroke="{colour}"><title>{tip}</title>'
                    "</rect>"
                )
            else:
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}">'
                    f"<title>{tip}</title></circle>"
                )
    parts.append("</svg>")
    return "".join(parts)
