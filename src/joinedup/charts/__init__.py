"""Every chart joinedup draws, one way per kind: inline SVG for web pages and HTML reports
(``svg``: geometry here, markup in ``templates/``), matplotlib images for the reports saved
as files (``figures``). Callers pass plain numbers and labels; no chart reads the store.
"""

from joinedup.charts.network import NodeIn, network
from joinedup.charts.svg import (
    AGENCY_COLOURS,
    diverging_bars,
    paired_columns,
    percent_bars,
    timeline,
    waterfall,
)

__all__ = [
    "AGENCY_COLOURS",
    "NodeIn",
    "network",
    "diverging_bars",
    "paired_columns",
    "percent_bars",
    "timeline",
    "waterfall",
]
