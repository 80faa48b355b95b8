"""The SVG charts: well-formed, every label text (never markup), nothing drawn for nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from joinedup import charts

HOSTILE = "<script>alert('x')</script> & \"quoted\""
SVG = "{http://www.w3.org/2000/svg}"


def _charts() -> dict[str, Markup]:
    return {
        "percent_bars": charts.percent_bars(HOSTILE, [(HOSTILE, 40.0), ("none", None)]),
        "paired_columns": charts.paired_columns(
            HOSTILE, [HOSTILE, "#2"], [(HOSTILE, "#d4351c", [1.0, None]), ("b", "#1d70b8", [2, 3])]
        ),
        "diverging_bars": charts.diverging_bars(HOSTILE, [(HOSTILE, 0.5), ("lowers", -0.2)]),
        "waterfall": charts.waterfall([(HOSTILE, 3.0), ("b", -1.0)], 2.0, HOSTILE),
        "timeline": charts.timeline(
            [
                {"agency": "police", "on": "2024-01-02", "label": HOSTILE},
                {"agency": "health", "on": "2025-03-04", "ended_on": "2025-06-01", "label": "x"},
            ],
            {"police": HOSTILE},
        ),
    }


@pytest.mark.parametrize("name", sorted(_charts()))
def test_a_chart_is_one_svg_element_whose_labels_are_text(name: str) -> None:
    svg = _charts()[name]
    assert isinstance(svg, Markup)
    root = ET.fromstring(str(svg))  # well-formed, one element
    assert root.tag == f"{SVG}svg"
    assert "<script" not in svg
    texts = [e.text or "" for e in root.iter() if e.tag in (f"{SVG}text", f"{SVG}title")]
    assert any(HOSTILE in t for t in texts)


def test_nothing_to_draw_draws_nothing() -> None:
    assert charts.diverging_bars("t", []) == "" and charts.timeline([], {}) == ""
    assert ET.fromstring(str(charts.percent_bars("t", []))).tag == f"{SVG}svg"
