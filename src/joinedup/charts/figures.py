"""Charts as image files (matplotlib), for the reports written to disk: the risk model's
validation report (Markdown, SVG and PNG beside it) and an intervention's board report
(Markdown with PNGs beside it, or one HTML file with them inline; the web page serves the
same PNGs). Web pages draw inline SVG instead (``charts.svg``): no image request, no script.

One function per kind of chart (lines, dots with intervals, histogram), taking plain
numbers and labels; each report keeps its own image size and formats (``Output``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joinedup.charts.svg import BLUE, RED, SECONDARY


@dataclass(frozen=True)
class Output:
    """How one report's images are written."""

    formats: tuple[str, ...]
    dpi: int
    crop: bool  # crop to the drawing (bbox "tight"), rather than lay out within the figure


VALIDATION = Output((".svg", ".png"), dpi=100, crop=True)
BOARD = Output((".png",), dpi=110, crop=False)


@dataclass(frozen=True)
class Line:
    label: str
    x: Sequence[float]
    y: Sequence[float]
    style: dict[str, Any] = field(default_factory=dict)  # matplotlib's: marker, linestyle...


@dataclass(frozen=True)
class Dots:
    """One row of a dot plot: a cross (e.g. before, or unadjusted), and a dot (after, or
    adjusted) with its interval when it has one."""

    label: str
    cross: float | None
    dot: float | None
    interval: tuple[float, float] | None = None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, stem: Path, output: Output) -> list[Path]:
    if not output.crop:
        fig.tight_layout()
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in output.formats:
        target = stem.parent / f"{stem.name}{suffix}"
        fig.savefig(
            target,
            dpi=output.dpi,
            bbox_inches="tight" if output.crop else None,
            # no creation date in the SVG: the same figures give the same file
            metadata={"Date": None} if suffix == ".svg" else None,
        )
        written.append(target)
    plt.close(fig)
    return written


def line_chart(
    stem: Path,
    lines: list[Line],
    *,
    xlabel: str,
    ylabel: str,
    size: tuple[float, float],
    output: Output,
    title: str | None = None,
    at_zero: bool = False,
) -> list[Path]:
    """Lines with a legend (and a vertical rule at x = 0 when ``at_zero``)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=size)
    for line in lines:
        ax.plot(line.x, line.y, label=line.label, **line.style)
    if at_zero:
        ax.axvline(0, color=SECONDARY, linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return _save(plt, fig, stem, output)


def dot_plot(
    stem: Path,
    rows: list[Dots],
    *,
    xlabel: str,
    row_height: float,
    output: Output,
    rules: Sequence[tuple[float, dict[str, Any]]] = (),
) -> list[Path]:
    """One row per label, top to bottom from the first: a red cross and a blue dot (drawn
    over the cross), the dot with its interval; vertical ``rules`` at (x, style)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, row_height * len(rows) + 1.2))
    for i, row in enumerate(rows):
        if row.cross is not None:
            ax.plot(row.cross, i, "x", color=RED)
        if row.dot is not None and row.interval is not None:
            lo, hi = row.interval
            ax.errorbar(row.dot, i, xerr=[[row.dot - lo], [hi - row.dot]], fmt="o", color=BLUE)
        elif row.dot is not None:
            ax.plot(row.dot, i, "o", color=BLUE)
    for x, style in rules:
        ax.axvline(x, **style)
    ax.set_yticks(range(len(rows)), [row.label[:45] for row in rows])
    ax.set_xlabel(xlabel)
    return _save(plt, fig, stem, output)


def histogram(
    stem: Path,
    values: Sequence[float],
    *,
    bins: Sequence[float],
    xlabel: str,
    ylabel: str,
    title: str,
    size: tuple[float, float],
    output: Output,
) -> list[Path]:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=size)
    ax.hist(values, bins=bins, color=BLUE, edgecolor="white")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return _save(plt, fig, stem, output)
